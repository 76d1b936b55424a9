from __future__ import annotations

from typing import Literal

from ninja import Field, Router, Schema

from gonghui.core.api_schemas import error_responses

from .permissions import can_access_assistance, can_manage_accounts, can_reveal_pii, can_write

router = Router(tags=["账号"])


class OrgRef(Schema):
    id: int
    name: str
    code: str
    kind: Literal[
        "federation", "township", "industry_federation", "regional_federation", "grassroots", "joint_grassroots"
    ]


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    is_superuser: bool
    role: Literal["", "admin", "officer", "viewer"] = Field(
        ..., description="admin 管理员，officer 工作人员，viewer 只读；未绑定工会的账号为空"
    )
    org: OrgRef | None = Field(..., description="账号所属工会（数据范围的根）；超级管理员为 null")
    can_write: bool
    can_reveal_id: bool
    can_manage_accounts: bool
    can_access_assistance: bool = Field(..., description="可查看困难职工档案、帮扶和医疗互助中的个人信息")


@router.get("/me", response={200: MeOut, **error_responses(401)}, summary="当前账号")
def me(request):
    user = request.auth
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "is_superuser": user.is_superuser,
        "role": user.role,
        "org": user.org,
        "can_write": can_write(user),
        "can_reveal_id": can_reveal_pii(user),
        "can_manage_accounts": can_manage_accounts(user),
        "can_access_assistance": can_access_assistance(user),
    }
