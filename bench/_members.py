"""Shared by the search and list benchmarks: the scopes to measure and a sample member in each."""

from __future__ import annotations

from gonghui.cli import system_actor
from gonghui.core.pagination import keyset_page
from gonghui.core.treepath import STEP_LEN
from gonghui.members.models import Member
from gonghui.members.selectors import MemberFilters, member_list_visible_to
from gonghui.orgs.models import MEMBER_HOLDING_KINDS, Org

LEVELS = ("root", "province", "city", "grassroots")
PAGE = 50


def _own_samples() -> dict[str, Org]:
    """The largest grassroots union and its ancestors at depths 1-3 (one chain of the tree)."""
    grassroots = Org.objects.filter(kind__in=MEMBER_HOLDING_KINDS, is_active=True).order_by("-member_count").first()
    if grassroots is None:
        return {}
    samples = {"grassroots": grassroots}
    for label, depth in (("root", 1), ("province", 2), ("city", 3)):
        org = Org.objects.filter(path=grassroots.path[: depth * STEP_LEN]).first()
        if org is not None and not org.holds_members:
            samples[label] = org
    return samples


def sample_orgs() -> dict[str, Org]:
    try:
        from .dataset import sample_orgs as dataset_samples
    except ImportError:
        return _own_samples()
    found = dataset_samples()
    samples = dict(found) if isinstance(found, dict) else dict(zip(LEVELS, found, strict=False))
    return {label: samples[label] for label in LEVELS if samples.get(label) is not None}


def actor():
    return system_actor()


def page(filters: MemberFilters, cursor: str | None = None) -> tuple[list[Member], str | None]:
    """What the list page and GET /api/v1/members do: the selector, then one keyset page of 50."""
    return keyset_page(member_list_visible_to(actor=actor(), filters=filters), cursor=cursor, limit=PAGE)


def sample_member(org: Org) -> Member | None:
    rows, _ = page(MemberFilters(org_id=org.pk))
    return rows[len(rows) // 2] if rows else None
