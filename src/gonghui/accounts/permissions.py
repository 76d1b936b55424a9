"""What an account may do. Where it may do it is data scope (accounts.scope)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from gonghui.core.errors import Forbidden

from .models import Role

WRITE_ROLES = frozenset({Role.ADMIN, Role.OFFICER})


def can_read(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.is_superuser or user.is_officer))


def can_write(user) -> bool:
    return can_read(user) and (user.is_superuser or user.role in WRITE_ROLES)


def can_reveal_pii(user) -> bool:
    return can_read(user) and (user.is_superuser or user.role in WRITE_ROLES)


def can_manage_accounts(user) -> bool:
    return can_read(user) and (user.is_superuser or user.role == Role.ADMIN)


def can_access_assistance(user) -> bool:
    """Hardship and health data: an officer with the assistance right (or a superuser)."""
    return can_read(user) and (user.is_superuser or bool(user.assistance_access))


def can_write_assistance(user) -> bool:
    return can_access_assistance(user) and can_write(user)


def require_read(user) -> None:
    if not can_read(user):
        raise Forbidden(_("此账号未绑定工会组织，无权访问"))


def require_write(user) -> None:
    if not can_write(user):
        raise Forbidden(_("只读账号不能修改数据"))


def require_reveal(user) -> None:
    if not can_reveal_pii(user):
        raise Forbidden(_("无权查看完整证件号码"))


def require_manage_accounts(user) -> None:
    if not can_manage_accounts(user):
        raise Forbidden(_("只有管理员可以管理账号"))


def require_assistance(user) -> None:
    if not can_access_assistance(user):
        raise Forbidden(_("此账号没有帮扶数据权限"))


def require_assistance_write(user) -> None:
    require_assistance(user)
    require_write(user)
