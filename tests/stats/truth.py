"""Ground truth for the subtree statistics, counted straight from the member roll and the tree."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count

from gonghui.core.idcard import build_id_number
from gonghui.core.treepath import subtree_q
from gonghui.members.models import CURRENT_STATUSES, Member, MemberStatus, NewEmploymentForm
from gonghui.members.selectors import subtree_stats
from gonghui.orgs.models import Org


def person_id(n: int) -> str:
    """A distinct valid ID number for every n."""
    return build_id_number("110105", dt.date(1970, 1, 1) + dt.timedelta(days=n // 900), n % 900 + 1)


def counted(org: Org) -> dict:
    """COUNT(*) over the subtree, independently of the counters."""
    org = Org.objects.get(pk=org.pk)
    members = Member.objects.filter(subtree_q(org.path, "org__path"))
    by_status = dict.fromkeys(MemberStatus.values, 0)
    by_status.update(dict(members.values_list("status").annotate(n=Count("id")).order_by()))
    active = members.filter(status=MemberStatus.ACTIVE)
    by_form = {f: 0 for f in NewEmploymentForm.values if f != NewEmploymentForm.NONE}
    by_form.update(
        dict(
            active.exclude(new_employment_form=NewEmploymentForm.NONE)
            .values_list("new_employment_form")
            .annotate(n=Count("id"))
            .order_by()
        )
    )
    kinds = Org.objects.filter(subtree_q(org.path), is_active=True).values_list("kind").annotate(n=Count("id"))
    return {
        "members_by_status": by_status,
        "current_members": members.filter(status__in=CURRENT_STATUSES).count(),
        "migrant_workers": active.filter(is_migrant_worker=True).count(),
        "new_employment_by_category": by_form,
        "unions_by_kind": dict(kinds.order_by()),
    }


def mismatches() -> dict[str, tuple[dict, dict]]:
    """Every union whose statistics differ from the ground truth: code → (stats, truth)."""
    out = {}
    for org in Org.objects.order_by("path"):
        stats, truth = subtree_stats(org=org), counted(org)
        if stats != truth:
            out[org.code] = (stats, truth)
    return out
