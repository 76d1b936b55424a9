"""Unread messages on the officer's workbench (registered from NotificationsConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gonghui.accounts.permissions import can_read
from gonghui.core.workbench import Item, link, register

from .selectors import inbox


def register_items() -> None:
    register(
        Item(
            key="notifications.unread",
            group=_("消息与任务"),
            label=_("未读消息"),
            allowed=can_read,
            queryset=lambda actor: inbox(actor).filter(read_at__isnull=True),
            url=link("notifications:inbox", {"unread": "1"}),
        ),
    )
