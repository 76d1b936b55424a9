"""Officer queues: the sort orders an officer can pick (urgency first by default), keyset pages
that stay correct for each of them, and the total shown above a list ("共 1,234 条").

A queue describes itself once (`QueueSpec`: which rows are still open, the deadline of the step
they wait for, which of them were escalated, when they arrived, a name to sort by); every queue
then sorts the same way:

* urgency — open and overdue first (escalated before not), then open by nearest deadline, then
  the rest; oldest first within each;
* deadline — nearest deadline of the open rows first, rows without one last;
* newest / oldest — by id (the old keyset order; its cursors are plain ids);
* name — by name, then id.

The sort keys are annotations (`queue_rank`, `queue_due`) that are never NULL, so one cursor, the
last row's keys, continues any sort: rows after it compare greater on the first key that differs.
"Overdue" is judged at the time of each request; a row that falls overdue between two pages moves
up and is not met again on the later page (the queue is read again from the top for a fresh view).
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

import orjson
from django.db.models import (
    Case,
    DateTimeField,
    Expression,
    F,
    IntegerField,
    Model,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import InvalidInput
from .pagination import MAX_LIMIT, keyset_page

M = TypeVar("M", bound=Model)

URGENCY, NEWEST, OLDEST, DEADLINE, NAME = "urgency", "newest", "oldest", "deadline", "name"
SORT_LABELS: dict[str, Any] = {
    URGENCY: gettext_lazy("紧急程度"),
    DEADLINE: gettext_lazy("期限最近"),
    NEWEST: gettext_lazy("最新提交"),
    OLDEST: gettext_lazy("最早提交"),
    NAME: gettext_lazy("姓名"),
}
# Rows with no deadline running sort after every real one.
NO_DEADLINE = dt.datetime(2999, 12, 31, tzinfo=dt.UTC)
# A total above this many rows is not counted to the last one ("超过 10,000 条").
TOTAL_CAP = 10_000


@dataclass(frozen=True)
class QueueSpec:
    """How one queue tells open, overdue and escalated rows apart (field names of its model)."""

    open_q: Q  # rows still waiting for an officer
    created: str  # when the row arrived
    due: Expression | str | None = None  # the deadline of the step an open row waits for
    escalated_q: Q | None = None  # open rows flagged or escalated for being late
    name: str | None = None  # a name to sort by (the sort is offered only when set)

    def sorts(self) -> list[str]:
        out = [URGENCY]
        if self.due is not None:
            out.append(DEADLINE)
        out += [NEWEST, OLDEST]
        if self.name:
            out.append(NAME)
        return out

    def choices(self) -> list[tuple[str, Any]]:
        return [(key, SORT_LABELS[key]) for key in self.sorts()]

    def annotate(self, qs: QuerySet[Any], now: dt.datetime) -> QuerySet[Any]:
        """qs with the urgency keys: queue_rank (0 overdue+escalated, 1 overdue, 2 open, 3 done), queue_due."""
        if self.due is None:
            rank = Case(When(self.open_q, then=Value(2)), default=Value(3), output_field=IntegerField())
            return qs.annotate(queue_rank=rank, queue_due=Value(NO_DEADLINE, output_field=DateTimeField()))
        due = F(self.due) if isinstance(self.due, str) else self.due
        qs = qs.annotate(queue_due_raw=due)
        overdue = self.open_q & Q(queue_due_raw__lt=now)
        whens = []
        if self.escalated_q is not None:
            whens.append(When(overdue & self.escalated_q, then=Value(0)))
        whens += [When(overdue, then=Value(1)), When(self.open_q, then=Value(2))]
        rank = Case(*whens, default=Value(3), output_field=IntegerField())
        open_due = Case(When(self.open_q, then=F("queue_due_raw")), default=Value(None), output_field=DateTimeField())
        return qs.annotate(
            queue_rank=rank, queue_due=Coalesce(open_due, Value(NO_DEADLINE), output_field=DateTimeField())
        )

    def keys(self, sort: str) -> list[tuple[str, bool]]:
        """The (annotation or field, descending) keys of a compound sort, ending with id."""
        if sort == URGENCY:
            return [("queue_rank", False), ("queue_due", False), (self.created, False), ("id", False)]
        if sort == DEADLINE:
            return [("queue_due", False), ("id", False)]
        if sort == NAME and self.name:
            return [(self.name, False), ("id", False)]
        raise ValueError(sort)


def clean_sort(spec: QueueSpec, value: str | None) -> str:
    """The sort asked for, URGENCY when none; a sort the queue does not offer is bad input."""
    if not value:
        return URGENCY
    if value not in spec.sorts():
        message = _("排序方式无效，可选：%(options)s") % {"options": "、".join(spec.sorts())}
        raise InvalidInput(message, code="bad_sort", fields={"sort": [message]})
    return value


def _encode(values: list[Any]) -> str:
    out = [["t", v.isoformat()] if isinstance(v, dt.datetime) else v for v in values]
    return base64.urlsafe_b64encode(orjson.dumps(out)).decode().rstrip("=")


def _bad_cursor() -> InvalidInput:
    return InvalidInput(_("分页游标无效"), code="bad_cursor", fields={"cursor": [_("分页游标无效")]})


def _decode(cursor: str, size: int) -> list[Any]:
    try:
        raw = orjson.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        if not isinstance(raw, list) or len(raw) != size:
            raise ValueError(cursor)
        out: list[Any] = []
        for item in raw:
            if isinstance(item, list) and len(item) == 2 and item[0] == "t":
                value = dt.datetime.fromisoformat(item[1])
                if value.tzinfo is None:
                    raise ValueError(item)
                out.append(value)
            elif isinstance(item, int | str) and not isinstance(item, bool):
                out.append(item)
            else:
                raise ValueError(item)
        if not isinstance(out[-1], int) or out[-1] < 0:
            raise ValueError(out[-1])
        return out
    except (ValueError, TypeError, UnicodeDecodeError, orjson.JSONDecodeError):
        raise _bad_cursor() from None


def _after_q(keys: list[tuple[str, bool]], values: list[Any]) -> Q:
    """Rows after the one holding `values` in the order of `keys` (a chain of ties, then greater)."""
    out = Q(pk__in=[])
    equal = Q()
    for (key, descending), value in zip(keys, values, strict=True):
        out |= equal & Q(**{f"{key}__{'lt' if descending else 'gt'}": value})
        equal &= Q(**{key: value})
    return out


def queue_page(
    qs: QuerySet[M],
    *,
    spec: QueueSpec,
    sort: str,
    cursor: str | None,
    limit: int,
    now: dt.datetime | None = None,
) -> tuple[list[M], str | None]:
    """One page of the queue in the chosen sort, and the cursor of the next page (None at the end)."""
    if sort == NEWEST:
        return keyset_page(qs, cursor=cursor, limit=limit, descending=True)
    if sort == OLDEST:
        return keyset_page(qs, cursor=cursor, limit=limit, descending=False)
    limit = max(1, min(int(limit), MAX_LIMIT))
    keys = spec.keys(sort)
    qs = spec.annotate(qs, now or timezone.now())
    if cursor:
        qs = qs.filter(_after_q(keys, _decode(cursor, len(keys))))
    rows = list(qs.order_by(*[f"-{key}" if desc else key for key, desc in keys])[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    if not (has_more and rows):
        return rows, None
    last = rows[-1]
    return rows, _encode([getattr(last, "pk" if key == "id" else key) for key, _desc in keys])


@dataclass(frozen=True)
class Total:
    """How many rows a list holds: exact, or more than `n` (counted no further)."""

    n: int
    exact: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.n, "total_exact": self.exact}


def bounded_total(qs: QuerySet[Any], cap: int = TOTAL_CAP) -> Total:
    """COUNT(*) of qs when it holds at most `cap` rows; beyond that, "more than cap" (one bounded read)."""
    n = qs.order_by().values("pk")[: cap + 1].count()
    return Total(n) if n <= cap else Total(cap, exact=False)


def total_label(total: Total) -> str:
    """The total as a list shows it: "共 1,234 条", or "超过 10,000 条" when not counted to the end."""
    if total.exact:
        return _("共 %(n)s 条") % {"n": f"{total.n:,}"}
    return _("超过 %(n)s 条") % {"n": f"{total.n:,}"}


def queue_listing(
    qs: QuerySet[M],
    *,
    spec: QueueSpec,
    params: dict[str, str],
    cursor: str | None,
    limit: int,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """What a queue page shows: one page in the asked sort, the total, and the sort links.

    `params` are the page's other query parameters (filters), kept by the sort links and the
    next-page link. A bad sort or cursor gives `error` and no rows (the page still renders).
    """
    error, sort = "", URGENCY
    rows: list[Any] = []
    next_cursor: str | None = None
    try:
        sort = clean_sort(spec, params.get("sort"))
        rows, next_cursor = queue_page(qs, spec=spec, sort=sort, cursor=cursor, limit=limit, now=now)
    except InvalidInput as exc:
        error = exc.message
    keep = {k: v for k, v in params.items() if v not in (None, "") and k not in ("cursor", "sort")}

    def url(**extra: str) -> str:
        return "?" + urlencode({**keep, **{k: v for k, v in extra.items() if v}})

    default = URGENCY
    return {
        "rows": rows,
        "error": error,
        "sort": sort,
        "total": total_label(bounded_total(qs)),
        "sort_links": [
            {"key": key, "label": label, "url": url(sort="" if key == default else key), "active": key == sort}
            for key, label in spec.choices()
        ],
        "next_url": url(sort="" if sort == default else sort, cursor=next_cursor) if next_cursor else "",
        "first_url": url(sort="" if sort == default else sort),
        "first_page": not cursor,
    }
