"""Shared by the management commands (a front end like the pages and the API): who a command
acts as, which union a code names, and how a service error reads on the terminal."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from gonghui.accounts.models import User
from gonghui.accounts.permissions import can_read
from gonghui.core.errors import DomainError
from gonghui.orgs.models import Org
from gonghui.orgs.selectors import org_qs_visible_to


def system_actor() -> User:
    """Whoever runs the command has the server: a superuser that is not an account.

    Audit records of its actions carry no actor, which reads as “system”.
    """
    return User(username="gonghui-cli", is_superuser=True, is_active=True)


def _accounts():
    return get_user_model()._default_manager.select_related("org")


def account_named(username: str) -> User:
    user = _accounts().filter(username=username).first()
    if user is None:
        raise CommandError(_("账号 %(name)s 不存在") % {"name": username})
    return user


def command_actor(username: str | None) -> User:
    """The named account, or the first active superuser when none is named (history needs a real actor)."""
    if username:
        user = account_named(username)
    else:
        user = _accounts().filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError(_("没有可用的超级管理员账号，请先创建（gonghui createsuperuser）或用 --as 指定账号"))
    if not can_read(user):
        raise CommandError(_("账号 %(name)s 未绑定工会组织或已停用") % {"name": user.username})
    return user


def command_org(*, actor, code: str) -> Org:
    """The union with this code, looked up within what the actor may see."""
    org = org_qs_visible_to(actor=actor).filter(code=code).first()
    if org is None:
        raise CommandError(
            _("找不到组织代码为 %(code)s 的工会（或不在账号 %(name)s 的管辖范围内）")
            % {"code": code, "name": actor.username}
        )
    return org


def error_text(exc: DomainError) -> str:
    """The service's message, followed by any further reasons it gave per field."""
    more = [m for messages in exc.fields.values() for m in messages if m not in exc.message]
    return " ".join([exc.message, *dict.fromkeys(more)])
