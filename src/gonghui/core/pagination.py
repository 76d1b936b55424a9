"""Keyset pagination: stable, O(page) at any depth, opaque cursors."""

from __future__ import annotations

import base64
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from .errors import InvalidInput

M = TypeVar("M", bound=Model)
MAX_LIMIT = 500


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return int(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(_("分页游标无效"), code="bad_cursor", fields={"cursor": [_("分页游标无效")]}) from None


def keyset_page(
    qs: QuerySet[M], *, cursor: str | None, limit: int, descending: bool = True
) -> tuple[list[M], str | None]:
    """One page of `qs` ordered by id, and the cursor of the next page (None at the end)."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    if cursor:
        last_id = decode_cursor(cursor)
        qs = qs.filter(id__lt=last_id) if descending else qs.filter(id__gt=last_id)
    rows = list(qs.order_by("-id" if descending else "id")[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].pk) if has_more and rows else None)
