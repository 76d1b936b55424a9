"""The officer's workbench (工作台): what waits for them, one count per queue, most urgent first.

One registration point. Each app lists its items in its own `workbench.py` and registers them
from its AppConfig.ready() with `register(...)`; this module imports no app, so any later module
(elections, funds, contracts ...) adds its counts the same way and the home page and the API
`/api/v1/workbench` show them without a change here.

An item is:
- `key`: stable identifier ("rights.overdue"), also the API's key;
- `group` and `label`: Chinese, the module it belongs to and what waits ("超期未办");
- `queryset(actor)`: the queue's own selector called with the filters the link carries, so the
  count shown is the total of the queue the link opens *by construction* (never a second query
  written beside the queue's);
- `url(actor)`: that queue, already filtered (`?due=overdue`, `?state=submitted` ...);
- `urgency`: OVERDUE > SOON (due today or within days) > WAITING;
- `allowed(actor)`: whether the item applies to this account at all (role, assistance right).
`count(actor)` may replace `queryset` for counts that are not a queryset (a calendar prompt).

Counts must stay cheap at the 10 M scale: each is one indexed COUNT on (scope path, state,
deadline); `bench/workbench.py` measures them for a provincial, a city and a grassroots officer.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from .errors import Forbidden, NotFound


class Urgency(enum.IntEnum):
    OVERDUE = 0  # past its deadline
    SOON = 1  # due today or within the next days
    WAITING = 2  # waiting for the officer, no deadline passed


URGENCY_NAMES = {Urgency.OVERDUE: "overdue", Urgency.SOON: "soon", Urgency.WAITING: "waiting"}


def _always(actor) -> bool:
    return True


@dataclass(frozen=True)
class Item:
    key: str
    group: Any  # a lazy Chinese string
    label: Any
    url: Callable[[Any], str | None]
    urgency: Urgency = Urgency.WAITING
    queryset: Callable[[Any], QuerySet] | None = None
    count: Callable[[Any], int] | None = None
    allowed: Callable[[Any], bool] = _always
    hint: Any = ""  # one line under the label: a string, or a function of the actor
    order: int = 0  # registration order: the tie-breaker within one urgency

    def count_for(self, actor) -> int:
        if self.count is not None:
            return int(self.count(actor))
        assert self.queryset is not None, self.key
        return self.queryset(actor).count()


@dataclass(frozen=True)
class Entry:
    """An item evaluated for one officer."""

    key: str
    group: str
    label: str
    count: int
    url: str | None
    urgency: Urgency
    hint: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def urgency_name(self) -> str:
        return URGENCY_NAMES[self.urgency]


_REGISTRY: dict[str, Item] = {}


def link(view: str, params: dict[str, str] | None = None) -> Callable[[Any], str]:
    """The `url` of an item: a named queue view with its filter parameters."""

    def url(actor) -> str:
        base = reverse(view)
        return f"{base}?{urlencode(params)}" if params else base

    return url


def register(*items: Item) -> None:
    """Add items (from an AppConfig.ready). Registering a key again replaces it (reloads, tests)."""
    for item in items:
        order = _REGISTRY[item.key].order if item.key in _REGISTRY else len(_REGISTRY)
        _REGISTRY[item.key] = Item(**{**item.__dict__, "order": order})


def registered() -> list[Item]:
    return sorted(_REGISTRY.values(), key=lambda item: item.order)


def workbench_for(actor, *, keys: set[str] | None = None) -> list[Entry]:
    """The items that apply to the actor, counted: those with something waiting first, most urgent
    first (then registration order); the empty ones after them.

    Items with nothing waiting are kept (count 0): the page shows them quietly, the API lists them
    so a client knows the queue exists.
    """
    out: list[tuple[tuple[int, int], Entry]] = []
    for item in registered():
        if keys is not None and item.key not in keys:
            continue
        try:
            if not item.allowed(actor):
                continue
            n = item.count_for(actor)
            url = item.url(actor)
        except (Forbidden, NotFound):
            continue  # the queue is not this account's (no assistance right, no scope)
        out.append(
            (
                (int(item.urgency), item.order),
                Entry(
                    key=item.key,
                    group=str(item.group),
                    label=str(item.label),
                    count=n,
                    url=url,
                    urgency=item.urgency,
                    hint=str(item.hint(actor) if callable(item.hint) else item.hint or ""),
                ),
            )
        )
    # What needs action first, by urgency; the empty queues after, quietly.
    out.sort(key=lambda pair: (pair[1].count == 0, *pair[0]))
    return [entry for _, entry in out]
