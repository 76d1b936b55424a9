"""Reads of the union tree, always limited to what the actor may see."""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.scope import scope_q, scope_root_path
from gonghui.core.errors import NotFound
from gonghui.core.treepath import STEP_LEN, subtree_q
from gonghui.stats.selectors import current_members_under

from .models import TERM_DUE_DAYS, Org, OrgEvent

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class OrgFilters:
    parent_id: int | None = None
    kind: str = ""
    q: str = ""
    term: str = ""  # "overdue" | "due_soon"
    within_id: int | None = None  # limit to this union's subtree
    include_inactive: bool = False


def org_qs_visible_to(*, actor) -> QuerySet[Org]:
    return Org.objects.filter(scope_q(actor))


def org_get_visible(*, actor, org_id: int | str) -> Org:
    try:
        return org_qs_visible_to(actor=actor).select_related("parent").get(pk=int(org_id))
    except (Org.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("工会组织不存在")) from None


def org_name_q(term: str) -> Q:
    """A union picker's match: any part of the name, or the pinyin initials of any part of it
    (杭州丰安包装有限公司 by 丰安, by hzfa… and by fabz). Initials inside the name need two letters
    (one would match most unions); a single letter matches the start only."""
    initials = term.lower()
    within = Q(name_initials__contains=initials) if len(initials) >= 2 else Q(name_initials__startswith=initials)
    return Q(name__contains=term) | within


def org_list_visible_to(*, actor, filters: OrgFilters | None = None) -> QuerySet[Org]:
    filters = filters or OrgFilters()
    qs = org_qs_visible_to(actor=actor)
    if not filters.include_inactive:
        qs = qs.filter(is_active=True)
    if filters.parent_id is not None:
        qs = qs.filter(parent_id=filters.parent_id)
    if filters.within_id is not None:
        within = org_get_visible(actor=actor, org_id=filters.within_id)
        qs = qs.filter(subtree_q(within.path))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.q:
        term = _SPACES.sub("", unicodedata.normalize("NFKC", filters.q))
        qs = qs.filter(org_name_q(term) | Q(code=term))
    today = timezone.localdate()
    if filters.term == "overdue":
        qs = qs.filter(term_end__lt=today)
    elif filters.term == "due_soon":
        qs = qs.filter(term_end__gte=today, term_end__lte=today + dt.timedelta(days=TERM_DUE_DAYS))
    # With a term filter the longest overdue / the soonest due come first; otherwise tree order.
    return qs.order_by("term_end", "path") if filters.term else qs.order_by("path")


def org_scope_roots(*, actor) -> QuerySet[Org]:
    """The top of what the actor sees: their own union, or the tree's roots for a superuser."""
    root = scope_root_path(actor)
    if root is None:
        return Org.objects.filter(parent__isnull=True).order_by("path")
    return Org.objects.filter(path=root)


def org_children(*, actor, org: Org) -> QuerySet[Org]:
    return org_qs_visible_to(actor=actor).filter(parent=org, is_active=True).order_by("path")


def org_ancestors(*, actor, org: Org) -> list[Org]:
    """Breadcrumb from the actor's scope root down to org's parent."""
    root = scope_root_path(actor) or ""
    prefixes = [org.path[:i] for i in range(max(len(root), STEP_LEN), len(org.path), STEP_LEN)]
    return list(Org.objects.filter(path__in=prefixes).order_by("path"))


def org_choices_for_members(*, actor, q: str = "", limit: int = 20) -> QuerySet[Org]:
    """Autocomplete of unions that can hold members, in scope."""
    qs = org_list_visible_to(actor=actor, filters=OrgFilters(q=q)).filter(kind__in=["grassroots", "joint_grassroots"])
    return qs[:limit]


@dataclass(frozen=True)
class OrgTotals:
    members: int  # 在册 in the whole subtree (stats.selectors.current_members_under)
    descendants: int  # active unions below


def org_subtree_totals(*, orgs: list[Org]) -> dict[int, OrgTotals]:
    """在册 members and active unions below each given union; members from the subtree counters.

    Unions at the same depth share one grouped range query over the union table.
    """
    out: dict[int, OrgTotals] = {}
    current = current_members_under(org_ids=[org.pk for org in orgs])
    by_len: dict[int, list[Org]] = {}
    for org in orgs:
        by_len.setdefault(len(org.path), []).append(org)
    for length, group in by_len.items():
        ranges = Q()
        for org in group:
            ranges |= subtree_q(org.path)
        rows = (
            Org.objects.filter(ranges, is_active=True)
            .annotate(prefix=Substr("path", 1, length))
            .values("prefix")
            .annotate(n=Count("id"))
        )
        found = {row["prefix"]: row for row in rows}
        for org in group:
            row = found.get(org.path)
            out[org.pk] = OrgTotals(
                members=current[org.pk],
                descendants=(row["n"] - 1) if row else 0,
            )
    return out


def org_history(*, actor, org: Org) -> QuerySet[OrgEvent]:
    org = org_get_visible(actor=actor, org_id=org.pk)
    return OrgEvent.objects.filter(org=org).select_related("actor")


def org_names_visible(*, actor, ids) -> dict[int, str]:
    """Names of the given unions that the actor may see (for history and pickers)."""
    clean = [int(i) for i in ids if i is not None]
    return dict(org_qs_visible_to(actor=actor).filter(pk__in=clean).values_list("pk", "name"))


# A union's name as member list pages show it beside each member, kept per process for this
# long: a province's page reads its rows from one index, and the 50 name lookups cost as much
# again. A rename is seen at once by the process that made it (`forget_union_name`), by every
# other one within this time.
UNION_NAME_SECONDS = 60.0
_union_names: dict[int, tuple[str, float]] = {}
_UNION_NAMES_MAX = 100_000


def union_names(ids: Iterable[int]) -> dict[int, str]:
    """Names of these unions (no scope check: for rows already in the actor's scope), misses in one statement."""
    now = time.monotonic()
    names: dict[int, str] = {}
    missing = []
    for pk in set(ids):
        hit = _union_names.get(pk)
        if hit is not None and now - hit[1] < UNION_NAME_SECONDS:
            names[pk] = hit[0]
        else:
            missing.append(pk)
    if missing:
        if len(_union_names) > _UNION_NAMES_MAX:
            _union_names.clear()
        for pk, name in Org.objects.filter(pk__in=missing).values_list("pk", "name"):
            names[pk] = name
            _union_names[pk] = (name, now)
    return names


def forget_union_name(pk: int | None = None) -> None:
    """Drop a union's kept name (all of them without `pk`)."""
    if pk is None:
        _union_names.clear()
    else:
        _union_names.pop(pk, None)
