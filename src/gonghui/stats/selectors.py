"""Reads of the subtree counters."""

from __future__ import annotations

from django.db.models import Sum

from gonghui.orgs.models import Org

from .models import SubtreeCounter


def subtree_counts(*, org: Org) -> dict[str, int]:
    """Every counter of org's subtree (org included), summed over the slots: one indexed query.

    Not scoped: the caller has already looked `org` up within the actor's scope.
    """
    rows = SubtreeCounter.objects.filter(org_id=org.pk).values("key").annotate(n=Sum("value")).order_by()
    return {row["key"]: int(row["n"]) for row in rows}
