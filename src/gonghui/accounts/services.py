"""Writes for accounts: login with lockout, officer accounts, API tokens, the audit log."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core.errors import Conflict, Forbidden, InvalidInput

from .models import ApiToken, AuditLog, Role, User
from .permissions import require_manage_accounts
from .scope import scope_root_path


def audit(*, actor, action: str, target=None, org=None, ip: str | None = None, detail: dict | None = None) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.model_name if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        org=org,
        ip=ip,
        detail=detail or {},
    )


class LoginLocked(Exception):
    def __init__(self, until: dt.datetime) -> None:
        super().__init__("locked")
        self.until = until


def login_check(*, username: str, password: str, ip: str | None = None, request=None) -> User | None:
    """Authenticate; after too many failures the account is locked for a while.

    Raises LoginLocked while locked (even with the right password). Returns None on bad
    credentials, the same way for unknown and known usernames.
    """
    now = timezone.now()
    user = User.objects.filter(username=username).first()
    if user and user.locked_until and user.locked_until > now:
        raise LoginLocked(user.locked_until)
    authenticated = authenticate(request, username=username, password=password)
    if authenticated is not None:
        if user is not None and (user.failed_login_count or user.locked_until):
            User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
        audit(actor=authenticated, action=AuditLog.Action.LOGIN, ip=ip)
        return authenticated
    if user is not None:
        until = None
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
            user.refresh_from_db(fields=["failed_login_count"])
            audit(actor=user, action=AuditLog.Action.LOGIN_FAILED, ip=ip)
            if user.failed_login_count >= settings.GONGHUI_LOGIN_MAX_FAILURES:
                until = now + dt.timedelta(minutes=settings.GONGHUI_LOGIN_LOCK_MINUTES)
                User.objects.filter(pk=user.pk).update(locked_until=until, failed_login_count=0)
                audit(actor=user, action=AuditLog.Action.LOCKED, ip=ip, detail={"until": until.isoformat()})
        if until is not None:
            raise LoginLocked(until)
    return None


def _check_org_for_account(*, actor, org) -> None:
    root = scope_root_path(actor)
    if root is not None and not org.path.startswith(root):
        raise Forbidden(_("只能为本级及下级工会创建账号"))


def officer_create(*, actor, username: str, password: str, org, role: str, display_name: str = "") -> User:
    """Create an officer account bound to a union in the actor's scope."""
    require_manage_accounts(actor)
    _check_org_for_account(actor=actor, org=org)
    if role not in Role.values:
        raise InvalidInput(_("角色无效"), fields={"role": [_("角色无效")]})
    username = (username or "").strip()
    if not username:
        raise InvalidInput(_("用户名不能为空"), fields={"username": [_("用户名不能为空")]})
    if User.objects.filter(username=username).exists():
        raise Conflict(_("用户名 %(name)s 已存在") % {"name": username}, code="duplicate_username")
    user = User(username=username, org=org, role=role, display_name=display_name)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], fields={"password": list(exc.messages)}) from None
    user.set_password(password)
    with transaction.atomic():
        user.save()
        audit(actor=actor, action=AuditLog.Action.ACCOUNT_CREATED, target=user, org=org, detail={"role": role})
    return user


def officer_update(*, actor, user: User, data: dict[str, Any]) -> User:
    """Change role, union, name or active flag of an account in scope; optionally its password."""
    require_manage_accounts(actor)
    from .selectors import account_get_visible

    user = account_get_visible(actor=actor, user_id=user.pk)
    if user.pk == actor.pk and ("role" in data or "is_active" in data or "org" in data):
        raise Forbidden(_("不能修改自己的角色、所属工会或启用状态"))
    changes: dict[str, Any] = {}
    if "org" in data and data["org"] is not None and data["org"].pk != user.org_id:
        _check_org_for_account(actor=actor, org=data["org"])
        changes["org"] = [user.org_id, data["org"].pk]
        user.org = data["org"]
    if "role" in data and data["role"] != user.role:
        if data["role"] not in Role.values:
            raise InvalidInput(_("角色无效"), fields={"role": [_("角色无效")]})
        changes["role"] = [user.role, data["role"]]
        user.role = data["role"]
    for field in ("display_name", "is_active"):
        if field in data and data[field] != getattr(user, field):
            changes[field] = [getattr(user, field), data[field]]
            setattr(user, field, data[field])
    if data.get("password"):
        try:
            password_validation.validate_password(data["password"], user)
        except ValidationError as exc:
            raise InvalidInput(exc.messages[0], fields={"password": list(exc.messages)}) from None
        user.set_password(data["password"])
        user.locked_until = None
        user.failed_login_count = 0
        changes["password"] = ["***", "***"]
    if changes:
        with transaction.atomic():
            user.save()
            audit(actor=actor, action=AuditLog.Action.ACCOUNT_UPDATED, target=user, org=user.org, detail=changes)
    return user


def token_issue(*, user: User, name: str = "", actor=None) -> str:
    """Issue an API token for the user and return it; only its digest is kept."""
    if not (user.is_superuser or user.is_officer):
        raise InvalidInput(_("只有绑定工会的账号或超级管理员可以签发令牌"), code="not_officer")
    raw = "gh_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        ApiToken.objects.create(user=user, name=name, prefix=raw[:10], digest=ApiToken.digest_of(raw))
        audit(actor=actor or user, action=AuditLog.Action.TOKEN_ISSUED, target=user, org=user.org)
    return raw


def token_authenticate(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user", "user__org")
        .filter(digest=ApiToken.digest_of(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
