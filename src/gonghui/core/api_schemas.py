"""Schema pieces shared by every API router: the error shape, input strictness, keyset pages.

The routers live in `<app>/api.py`; this module only holds what they all use, so the error
shape and the list envelope are written once.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from ninja import Field, Schema
from pydantic import ConfigDict

from .exports import XLSX_CONTENT_TYPE  # noqa: F401 - the routers describe their XLSX answers with it
from .pagination import MAX_LIMIT, keyset_page

DEFAULT_LIMIT = 50


class ErrorDetail(Schema):
    code: str = Field(..., description="机器可读的错误代码，如 not_found、duplicate_member、validation_error")
    message: str = Field(..., description="给人看的中文说明")
    fields: dict[str, list[str]] = Field(..., description="按字段列出的问题；与具体字段无关时为空对象")


class ErrorOut(Schema):
    """所有错误响应的统一格式。"""

    error: ErrorDetail


ERROR_DESCRIPTIONS = {
    400: "请求格式不正确（JSON 无法解析、参数类型或取值不符合约定）",
    401: "未登录或 API 令牌无效",
    403: "无权执行此操作（如只读账号修改数据），或会话请求缺少 CSRF 令牌",
    404: "对象不存在或不在本账号的数据范围内",
    409: "与现有数据冲突（如 duplicate_member、duplicate_code）",
    422: "取值不符合业务规则，fields 中逐项说明",
}


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """`response=` entries documenting the shared error shape for these statuses."""
    return dict.fromkeys(statuses, ErrorOut)


READ_ERRORS = error_responses(400, 401, 403, 404)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


class InputSchema(Schema):
    """Request bodies: unknown fields are rejected (400), so a misspelt field never passes silently."""

    model_config = ConfigDict(extra="forbid")


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"每页条数，1 至 {MAX_LIMIT}")
    cursor: str | None = Field(None, description="上一页返回的 next_cursor；不传则从第一页开始")


def keyset_envelope(qs: QuerySet[Any], page: PageParams, *, descending: bool = True) -> dict[str, Any]:
    """One page of `qs` in the list shape `{"items": [...], "next_cursor": "..." | null}`."""
    rows: list[Model]
    rows, next_cursor = keyset_page(qs, cursor=page.cursor, limit=page.limit, descending=descending)
    return {"items": rows, "next_cursor": next_cursor}


class DeadlineScheduleOut(Schema):
    """Whether a record's deadlines were counted with their year's official holiday schedule."""

    known: bool = Field(
        ..., description="期限所在年份的国务院节假日安排是否已录入；未录入时期限只按周末和元旦、劳动节、国庆节推算"
    )
    note: str | None = Field(
        ..., description="未录入时在期限旁显示的说明，如“2027 年节假日安排未录入，期限按周末推算……”"
    )


def deadline_schedule(*deadlines: Any) -> DeadlineScheduleOut:
    """The `deadline_schedule` field of a record with these deadlines (None ones are skipped)."""
    from .workdays import schedule_note

    note = schedule_note(*deadlines)
    return DeadlineScheduleOut(known=note is None, note=note)
