"""/api/v1/workbench: the officer's workbench (core.workbench) for the phone and other front ends."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Router, Schema

from gonghui.accounts.permissions import require_read

from .api_schemas import READ_ERRORS
from .workbench import workbench_for

router = Router(tags=["工作台"])


class WorkbenchItemOut(Schema):
    key: str = Field(..., description="事项标识，如 rights.overdue、joining.pending")
    group: str = Field(..., description="所属业务，如 维权服务")
    label: str = Field(..., description="待办事项，如 超期未办")
    hint: str = Field(..., description="补充说明；没有时为空字符串")
    count: int = Field(..., description="待办数量：与 url 打开的已筛选列表的总数相同")
    urgency: Literal["overdue", "soon", "waiting"] = Field(
        ..., description="紧急程度：overdue 已超期，soon 即将到期，waiting 待办理"
    )
    url: str | None = Field(..., description="已筛选的办理列表的站内路径；无需在本平台办理时为 null")


class WorkbenchOut(Schema):
    items: list[WorkbenchItemOut] = Field(
        ..., description="适用于当前账号的事项：有待办的在前，按紧急程度排序；数量为 0 的在后"
    )


@router.get(
    "",
    response={200: WorkbenchOut, **READ_ERRORS},
    summary="工作台",
    description="当前账号在其数据范围内的待办事项及数量，与网页工作台相同。",
)
def workbench(request):
    require_read(request.auth)
    return {
        "items": [
            {
                "key": e.key,
                "group": e.group,
                "label": e.label,
                "hint": e.hint,
                "count": e.count,
                "urgency": e.urgency_name,
                "url": e.url,
            }
            for e in workbench_for(request.auth)
        ]
    }
