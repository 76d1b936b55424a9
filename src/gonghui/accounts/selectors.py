from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from gonghui.core.errors import NotFound

from .models import ApiToken, AuditLog, User
from .permissions import require_manage_accounts
from .scope import scope_q


def account_list_visible_to(*, actor) -> QuerySet[User]:
    """Officer accounts bound to unions in the actor's subtree (admins only)."""
    require_manage_accounts(actor)
    return (
        User.objects.filter(org__isnull=False)
        .filter(scope_q(actor, "org__path"))
        .select_related("org")
        .order_by("org__path", "username")
    )


def account_get_visible(*, actor, user_id) -> User:
    try:
        return account_list_visible_to(actor=actor).get(pk=int(user_id))
    except (User.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("账号不存在")) from None


def audit_list_visible_to(*, actor) -> QuerySet[AuditLog]:
    require_manage_accounts(actor)
    return AuditLog.objects.filter(scope_q(actor, "org__path")).select_related("actor", "org")


def token_list_of(*, user) -> QuerySet[ApiToken]:
    """The account's own API tokens that are not revoked (expired ones included, marked by the page)."""
    return ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).order_by("-created_at", "-pk")


LOCKOUT_DAYS = 30  # how far back the account pages show lockouts


def lockout_counts(*, accounts: list[User], now) -> dict[int, int]:
    """Lockouts of each account in the last LOCKOUT_DAYS (one audit record per lockout), for the
    admin's account list: repeated lockouts are someone trying passwords."""
    since = now - dt.timedelta(days=LOCKOUT_DAYS)
    rows = (
        AuditLog.objects.filter(
            action=AuditLog.Action.LOCKED, actor__in=[a.pk for a in accounts], created_at__gte=since
        )
        .values("actor")
        .annotate(n=Count("id"))
    )
    return {row["actor"]: row["n"] for row in rows}


def account_lockouts(*, actor, user_id, limit: int = 20) -> list[AuditLog]:
    """The latest lockouts of an account in the actor's scope: when, from which address, until when."""
    account = account_get_visible(actor=actor, user_id=user_id)
    return list(AuditLog.objects.filter(action=AuditLog.Action.LOCKED, actor=account)[:limit])
