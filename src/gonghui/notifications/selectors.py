from __future__ import annotations

from django.db.models import QuerySet

from .models import Notification


def inbox(user) -> QuerySet[Notification]:
    """The user's own messages, newest first (anyone sees only their own)."""
    return Notification.objects.filter(recipient=user).order_by("-id")


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox_get(*, user, notification_id: int | str) -> Notification:
    """One of the user's own messages; anyone else's looks exactly like a missing one."""
    from django.utils.translation import gettext as _

    from gonghui.core.errors import NotFound

    try:
        return Notification.objects.get(pk=int(notification_id), recipient=user)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("消息不存在")) from None


def inbox_page(
    *, user, unread: bool | None = None, before: int | None = None, limit: int = 30
) -> tuple[list[Notification], int | None]:
    """A page of the user's messages, newest first (keyset on id): the rows and the `before`
    cursor of the next page (None when this is the last)."""
    rows = inbox(user)
    if unread is True:
        rows = rows.filter(read_at__isnull=True)
    elif unread is False:
        rows = rows.filter(read_at__isnull=False)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    items = list(rows[: limit + 1])
    return items[:limit], (items[limit - 1].pk if len(items) > limit else None)
