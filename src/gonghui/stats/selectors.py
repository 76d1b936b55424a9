"""Reads of the subtree counters."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Sum

from gonghui.orgs.models import Org

from .models import SubtreeCounter


def subtree_counts(*, org: Org) -> dict[str, int]:
    """Every counter of org's subtree (org included), summed over the slots: one indexed query.

    Not scoped: the caller has already looked `org` up within the actor's scope.
    """
    rows = SubtreeCounter.objects.filter(org_id=org.pk).values("key").annotate(n=Sum("value")).order_by()
    return {row["key"]: int(row["n"]) for row in rows}


# 在册会员: members whose membership is current, 会员 or 保留会籍 (members.models.CURRENT_STATUSES; a test
# keeps the two in step). The one definition behind the figure on the start-up message, the home
# page, a union's page and the union tree.
CURRENT_MEMBER_KEYS = ("status:active", "status:retained")


def current_members(counts: dict[str, int]) -> int:
    """在册 in counters already read (`subtree_counts`)."""
    return sum(counts.get(key, 0) for key in CURRENT_MEMBER_KEYS)


def current_members_under(*, org_ids: Iterable[int]) -> dict[int, int]:
    """在册 in each union's subtree (the union included): one indexed query over the counters.

    Not scoped: the caller has already looked the unions up within the actor's scope.
    """
    ids = list(org_ids)
    rows = (
        SubtreeCounter.objects.filter(org_id__in=ids, key__in=CURRENT_MEMBER_KEYS)
        .values("org_id")
        .annotate(n=Sum("value"))
        .order_by()
    )
    found = {row["org_id"]: int(row["n"]) for row in rows}
    return {pk: found.get(pk, 0) for pk in ids}
