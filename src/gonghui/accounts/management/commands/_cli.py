"""Shared by the account commands: the command line acts for the whole tree."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from gonghui.accounts.models import User
from gonghui.core.errors import DomainError


def system_actor() -> User:
    """Whoever runs the command has the server: a superuser that is not an account.

    Audit records of its actions carry no actor, which reads as “system”.
    """
    return User(username="gonghui-cli", is_superuser=True, is_active=True)


def account_named(username: str) -> User:
    user = get_user_model()._default_manager.select_related("org").filter(username=username).first()
    if user is None:
        raise CommandError(_("账号 %(name)s 不存在") % {"name": username})
    return user


def error_text(exc: DomainError) -> str:
    """The service's message, followed by any further reasons it gave per field."""
    more = [m for messages in exc.fields.values() for m in messages if m not in exc.message]
    return " ".join([exc.message, *dict.fromkeys(more)])
