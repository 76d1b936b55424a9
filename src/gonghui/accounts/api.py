from __future__ import annotations

from ninja import Router, Schema

from .permissions import can_manage_accounts, can_reveal_pii, can_write

router = Router(tags=["账号"])


class OrgRef(Schema):
    id: int
    name: str
    code: str
    kind: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    is_superuser: bool
    role: str
    org: OrgRef | None
    can_write: bool
    can_reveal_id: bool
    can_manage_accounts: bool


@router.get("/me", response=MeOut, summary="当前账号")
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
    }
