"""Telling people what happened: an inbox row for each recipient, plus e-mail and SMS copies.

Call `notify` inside the write's transaction: the inbox rows commit with the change, and the
e-mail/SMS copies go out only after the commit (a rolled-back change sends nothing). Copies are
best effort: a failing gateway is logged and never undoes the change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from gonghui.accounts.models import Role, User
from gonghui.core.sms import send_sms

from .models import Notification

logger = logging.getLogger(__name__)


def notify(
    recipients: Iterable[User],
    *,
    topic: str,
    title: str,
    body: str = "",
    url: str = "",
    sms: bool = False,
    email: bool = True,
) -> list[Notification]:
    """Put a message in each recipient's inbox; copy it by e-mail (when they have an address)
    and by SMS (when `sms` and they have a phone). Titles and bodies are already translated."""
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    rows = Notification.objects.bulk_create(
        [Notification(recipient=user, topic=topic, title=title, body=body, url=url) for user in unique.values()]
    )
    mail_to = [user.email for user in unique.values() if email and user.email]
    sms_to = [phone for user in unique.values() if sms and (phone := account_phone(user))]
    if mail_to or sms_to:
        text = f"{title}\n{body}".strip()
        if url:
            text += f"\n{settings.GONGHUI_SITE_URL.rstrip('/')}{url}"

        def deliver() -> None:
            for address in mail_to:
                try:
                    send_mail(title, text, None, [address])
                except Exception:
                    logger.warning("e-mail notification to user failed", exc_info=True)
            for phone in sms_to:
                send_sms(phone, f"【{settings.GONGHUI_SMS_SIGNATURE}】{title}", fail_silently=True)

        transaction.on_commit(deliver)
    return rows


def account_phone(user: User) -> str:
    """A worker account's verified phone (portal app), if any."""
    worker = getattr(user, "worker", None)
    return getattr(worker, "phone", "") if worker is not None else ""


def org_officers(org, *, roles: Iterable[str] = (Role.ADMIN, Role.OFFICER)) -> list[User]:
    """The active accounts that act for `org` (read-only viewers are informed too when asked)."""
    if org is None:
        return []
    return list(User.objects.filter(org=org, role__in=list(roles), is_active=True))


def notify_org(org, **kwargs) -> list[Notification]:
    """Notify the officers bound to one union."""
    return notify(org_officers(org), **kwargs)


def mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark some (or all, when ids is None) of the user's unread messages read; returns the count."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())
