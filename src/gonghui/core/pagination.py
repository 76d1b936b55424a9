"""Keyset pagination: stable, O(page) at any depth, opaque cursors, never a total count."""

from __future__ import annotations

import base64
from typing import TypeVar

from django.db.models import Model, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from .bounds import ROW_ID_MAX  # a cursor is a row id
from .errors import InvalidInput

M = TypeVar("M", bound=Model)
MAX_LIMIT = 500


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        last_id = int(base64.urlsafe_b64decode(padded.encode()).decode())
        if not 0 <= last_id <= ROW_ID_MAX:
            raise ValueError(last_id)
        return last_id
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(_("分页游标无效"), code="bad_cursor", fields={"cursor": [_("分页游标无效")]}) from None


def keyset_page(
    qs: QuerySet[M], *, cursor: str | None, limit: int, descending: bool = True
) -> tuple[list[M], str | None]:
    """One page of `qs` ordered by id, and the cursor of the next page (None at the end)."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    # A queryset may carry a `keyset_id` annotation (= id, as an expression only a dedicated index
    # provides): same order, but PostgreSQL then cannot walk the primary key (see members.selectors).
    key = "keyset_id" if "keyset_id" in qs.query.annotations else "id"
    if cursor:
        last_id = decode_cursor(cursor)
        qs = qs.filter(**{f"{key}__lt" if descending else f"{key}__gt": last_id})
    ordered = qs.order_by(f"-{key}" if descending else key)
    if key == "keyset_id":
        # The sorted set may be the whole of a subtree: sort narrow (id) tuples, which an index
        # holding the filtered columns and id can deliver without the heap, then read the page's
        # rows by primary key in the same statement (so under the same snapshot). Only the key
        # outside: with qs's filters repeated there, PostgreSQL may misjudge a name prefix as rare
        # and read every match of it in the roll through its index instead.
        page_ids = ordered.values("id")[: limit + 1]
        fetched = qs.model._base_manager.filter(pk__in=page_ids)
        # The related rows qs asked for: select_related (False, True or the fields) and
        # prefetch_related (Django keeps both on these attributes).
        fetched.query.select_related = qs.query.select_related
        rows = sorted(fetched, key=lambda row: row.pk, reverse=descending)
        prefetch_related_objects(rows, *getattr(qs, "_prefetch_related_lookups", ()))
    else:
        rows = list(ordered[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].pk) if has_more and rows else None)
