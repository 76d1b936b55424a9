"""Reads of campaigns, allocations, grants and figures, scoped to who asks.

Who sees what:
* a campaign: officers of its organiser's subtree and above it (the organiser in their scope);
  officers below the organiser see it once it is open (a draft stays with the organising level);
* an allocation: when its union is in the actor's subtree;
* a grant (personal data): only with the assistance right, when the beneficiary's union is in
  the actor's subtree;
* figures (budget allocated / committed / paid / remaining and counts, no personal data): any
  officer who sees the campaign, for the unions of their subtree. This is a deliberate choice:
  budget execution is a union's own business and does not identify anyone.

Out of scope looks exactly like missing (NotFound).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from gonghui.accounts.permissions import require_assistance
from gonghui.accounts.scope import scope_q, scope_root_path
from gonghui.assistance.models import HardshipFile
from gonghui.core.errors import NotFound
from gonghui.core.queues import QueueSpec
from gonghui.core.treepath import STEP_LEN, subtree_q
from gonghui.orgs.models import Org

from .models import (
    COMMITTED_STATES,
    LIVE_STATES,
    ZERO,
    AllocationState,
    AssistanceCampaign,
    BudgetAllocation,
    CampaignState,
    Grant,
    GrantEvent,
)


def _money(value) -> Decimal:
    """A database sum as yuan with two places (SQLite drops trailing zeros)."""
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _prefixes(path: str) -> list[str]:
    """The paths of a union and all its ancestors."""
    return [path[:n] for n in range(STEP_LEN, len(path) + 1, STEP_LEN)]


def in_scope(actor, org: Org) -> bool:
    root = scope_root_path(actor)
    return root is None or org.path.startswith(root)


# ---- campaigns ---------------------------------------------------------------------------------


def campaign_qs_visible_to(*, actor) -> QuerySet[AssistanceCampaign]:
    root = scope_root_path(actor)  # Forbidden for accounts without read access
    qs = AssistanceCampaign.objects.all()
    if root is None:
        return qs
    below = subtree_q(root, "organiser__path")
    above = Q(organiser__path__in=_prefixes(root)) & ~Q(state=CampaignState.DRAFT)
    return qs.filter(below | above)


@dataclass(frozen=True)
class CampaignFilters:
    year: int | None = None
    type: str = ""
    state: str = ""
    q: str = ""
    org_id: int | None = None  # organised by this union (in scope) or above it


def campaign_list_visible_to(*, actor, filters: CampaignFilters | None = None) -> QuerySet[AssistanceCampaign]:
    filters = filters or CampaignFilters()
    qs = campaign_qs_visible_to(actor=actor)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.q.strip():
        qs = qs.filter(name__contains=filters.q.strip())
    if filters.org_id is not None:
        from gonghui.orgs.selectors import org_get_visible

        org = org_get_visible(actor=actor, org_id=filters.org_id)
        qs = qs.filter(Q(organiser__path__in=_prefixes(org.path)) | subtree_q(org.path, "organiser__path"))
    return qs.select_related("organiser")


def campaign_get_visible(*, actor, pk: int | str) -> AssistanceCampaign:
    try:
        return campaign_qs_visible_to(actor=actor).select_related("organiser").get(pk=int(pk))
    except (AssistanceCampaign.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("活动不存在")) from None


def campaign_manageable(*, actor, campaign: AssistanceCampaign) -> bool:
    """Whether the actor's scope includes the organiser (the organising level or above)."""
    return in_scope(actor, campaign.organiser)


# ---- allocations -------------------------------------------------------------------------------


def allocation_list_visible(*, actor, campaign: AssistanceCampaign) -> QuerySet[BudgetAllocation]:
    """The campaign's allocations held by unions in the actor's subtree, in tree order."""
    return (
        campaign.allocations.filter(scope_q(actor, "org__path"))
        .select_related("org", "parent__org", "approved_by")
        .order_by("org__path")
    )


def allocation_get_visible(*, actor, pk: int | str) -> BudgetAllocation:
    try:
        allocation = (
            BudgetAllocation.objects.filter(scope_q(actor, "org__path"))
            .select_related("org", "parent__org", "campaign__organiser")
            .get(pk=int(pk))
        )
    except (BudgetAllocation.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("预算分配不存在")) from None
    campaign_get_visible(actor=actor, pk=allocation.campaign_id)
    return allocation


def allocation_for_org(*, campaign: AssistanceCampaign, org: Org) -> BudgetAllocation | None:
    """The allocation a grant to someone in `org` draws on: the nearest at or above the union."""
    return (
        campaign.allocations.filter(org__path__in=_prefixes(org.path))
        .select_related("org")
        .order_by("-org__depth")
        .first()
    )


def allocation_parent_for(*, campaign: AssistanceCampaign, org: Org) -> BudgetAllocation | None:
    """The allocation a new allocation to `org` comes out of: the nearest strictly above it."""
    return (
        campaign.allocations.filter(org__path__in=_prefixes(org.path)[:-1])
        .select_related("org")
        .order_by("-org__depth")
        .first()
    )


def allocation_targets(*, actor, allocation: BudgetAllocation, q: str = "", limit: int = 200) -> list[Org]:
    """Unions the holder of `allocation` may allocate to: its direct children, in scope, not yet
    allocated (deeper unions are reached through the picker by name)."""
    taken = allocation.campaign.allocations.values("org_id")
    qs = Org.objects.filter(parent_id=allocation.org_id, is_active=True).filter(scope_q(actor)).exclude(pk__in=taken)
    if q:
        qs = qs.filter(name__contains=q)
    return list(qs.order_by("path")[:limit])


# ---- grants ------------------------------------------------------------------------------------


def grant_qs_visible_to(*, actor) -> QuerySet[Grant]:
    require_assistance(actor)
    return Grant.objects.filter(scope_q(actor, "org__path"))


@dataclass(frozen=True)
class GrantFilters:
    campaign_id: int | None = None
    state: str = ""
    type: str = ""
    org_id: int | None = None  # that union's subtree
    year: int | None = None
    q: str = ""  # name prefix


# The grant queue's sorts (core.queues): grants still waiting for a decision or a payment first,
# oldest first; grants have no deadline of their own.
GRANT_QUEUE = QueueSpec(open_q=Q(state__in=["proposed", "approved"]), created="proposed_at", name="person_name")


def grant_list_visible_to(*, actor, filters: GrantFilters | None = None) -> QuerySet[Grant]:
    filters = filters or GrantFilters()
    qs = grant_qs_visible_to(actor=actor)
    if filters.campaign_id is not None:
        qs = qs.filter(campaign_id=filters.campaign_id)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.type:
        qs = qs.filter(campaign__type=filters.type)
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.org_id is not None:
        from gonghui.orgs.selectors import org_get_visible

        org = org_get_visible(actor=actor, org_id=filters.org_id)
        qs = qs.filter(subtree_q(org.path, "org__path"))
    if filters.q.strip():
        qs = qs.filter(person_name__startswith=filters.q.strip())
    return qs.select_related("campaign", "org")


def grant_get_visible(*, actor, pk: int | str) -> Grant:
    try:
        return (
            grant_qs_visible_to(actor=actor)
            .select_related("campaign__organiser", "org", "allocation__org", "hardship_file", "member")
            .get(pk=int(pk))
        )
    except (Grant.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("救助记录不存在")) from None


def grant_history(*, grant: Grant) -> QuerySet[GrantEvent]:
    return grant.events.select_related("actor")


def candidate_files(*, actor, campaign: AssistanceCampaign, q: str = "", limit: int = 200) -> list[HardshipFile]:
    """Filed hardship files in the actor's subtree (and the campaign's) not yet granted in it."""
    require_assistance(actor)
    granted = Grant.objects.filter(campaign=campaign, state__in=LIVE_STATES).values("id_number_hash")
    qs = (
        HardshipFile.objects.filed()
        .filter(scope_q(actor, "org__path"))
        .filter(subtree_q(campaign.organiser.path, "org__path"))
        .exclude(id_number_hash__in=granted)
    )
    if q.strip():
        qs = qs.filter(name__startswith=q.strip())
    return list(qs.select_related("org").order_by("org__path", "id")[:limit])


def person_committed_in_year(
    *, id_number_hash: str, year: int, exclude_pk: int | None = None, visible_to=None
) -> Decimal:
    """What a person holds in approved and paid grants of the year, across all campaigns
    (only those `visible_to` that actor, when given)."""
    qs = Grant.objects.filter(id_number_hash=id_number_hash, year=year, state__in=COMMITTED_STATES)
    if visible_to is not None:
        qs = qs.filter(scope_q(visible_to, "org__path"))
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    total = ZERO
    for state, amount, paid in qs.values_list("state", "amount", "paid_amount"):
        total += (paid or ZERO) if state == "paid" else amount
    return total


def payment_roll(*, actor, campaign: AssistanceCampaign, org: Org) -> QuerySet[Grant]:
    """Approved and paid grants of the campaign for people in `org`'s subtree (the caller checked scope)."""
    return (
        grant_qs_visible_to(actor=actor)
        .filter(campaign=campaign, state__in=COMMITTED_STATES)
        .filter(subtree_q(org.path, "org__path"))
        .select_related("org")
        .order_by("org__path", "id")
    )


# ---- figures -----------------------------------------------------------------------------------


@dataclass
class Figures:
    org: Org
    allocated: Decimal = ZERO  # money that came into the subtree
    committed: Decimal = ZERO  # approved + paid grants charged to allocations in the subtree
    paid: Decimal = ZERO
    beneficiaries: int = 0  # approved + paid grants to people in the subtree
    proposed: int = 0  # grants waiting for approval, people in the subtree

    @property
    def remaining(self) -> Decimal:
        return self.allocated - self.committed

    @property
    def used_pct(self) -> int:
        return int(self.committed * 100 / self.allocated) if self.allocated else 0


@dataclass
class CampaignFigures:
    root: Org
    total: Figures
    rows: list[Figures] = field(default_factory=list)
    own: BudgetAllocation | None = None  # the root union's own allocation
    own_row: Figures | None = None  # what the root union kept and granted itself
    funded_by: BudgetAllocation | None = None  # without an own allocation: the one above it draws on


def figures_root(*, actor, campaign: AssistanceCampaign, org: Org | None = None) -> Org:
    """The union the figures are about: `org` (in scope and in the campaign's tree), else the
    organiser when the actor sees it, else the actor's own union."""
    if org is not None:
        if not in_scope(actor, org) or not org.path.startswith(campaign.organiser.path):
            raise NotFound(_("工会组织不存在"))
        return org
    if in_scope(actor, campaign.organiser):
        return campaign.organiser
    return actor.org


def campaign_figures(*, actor, campaign: AssistanceCampaign, org: Org | None = None) -> CampaignFigures:
    """Budget figures of the root union's subtree, with one row per child union (their subtrees).

    Money follows allocations: `allocated` is what came into a subtree from above (its top
    allocations), `committed` and `paid` are grants charged to allocations inside it, `remaining`
    = allocated − committed. People follow the beneficiary's union.
    """
    root = figures_root(actor=actor, campaign=campaign, org=org)
    allocations = campaign.allocations.filter(subtree_q(root.path, "org__path"))
    grants = campaign.grants.filter(subtree_q(root.path, "org__path"))

    def money(qs) -> dict:
        return qs.aggregate(c=Sum("committed_amount"), p=Sum("paid_amount"))

    came_in = allocations.filter(Q(parent__isnull=True) | Q(parent__org__depth__lt=root.depth)).aggregate(
        a=Sum("amount")
    )["a"]
    m = money(allocations)
    people = grants.aggregate(
        b=Count("id", filter=Q(state__in=COMMITTED_STATES)), w=Count("id", filter=Q(state="proposed"))
    )
    total = Figures(
        org=root,
        allocated=_money(came_in),
        committed=_money(m["c"]),
        paid=_money(m["p"]),
        beneficiaries=people["b"],
        proposed=people["w"],
    )
    length = len(root.path) + STEP_LEN
    below = allocations.filter(org__depth__gt=root.depth).annotate(prefix=Substr("org__path", 1, length))
    into = {
        r["prefix"]: r["a"]
        for r in below.filter(Q(parent__isnull=True) | Q(parent__org__depth__lte=root.depth))
        .values("prefix")
        .annotate(a=Sum("amount"))
    }
    spent = {r["prefix"]: r for r in below.values("prefix").annotate(c=Sum("committed_amount"), p=Sum("paid_amount"))}
    heads = {
        r["prefix"]: r
        for r in grants.filter(org__depth__gt=root.depth)
        .annotate(prefix=Substr("org__path", 1, length))
        .values("prefix")
        .annotate(b=Count("id", filter=Q(state__in=COMMITTED_STATES)), w=Count("id", filter=Q(state="proposed")))
    }
    rows = []
    for child in Org.objects.filter(parent=root, is_active=True).order_by("path"):
        s: Mapping[str, Any] = spent.get(child.path, {})
        h: Mapping[str, Any] = heads.get(child.path, {})
        row = Figures(
            org=child,
            allocated=_money(into.get(child.path)),
            committed=_money(s.get("c")),
            paid=_money(s.get("p")),
            beneficiaries=h.get("b", 0),
            proposed=h.get("w", 0),
        )
        if row.allocated or row.committed or row.beneficiaries or row.proposed:
            rows.append(row)
    own = campaign.allocations.filter(org=root).first()
    own_row = None
    funded_by = None
    if own is not None:
        own_row = Figures(
            org=root,
            allocated=own.amount - own.allocated_amount,
            committed=own.committed_amount,
            paid=own.paid_amount,
            beneficiaries=own.grants.filter(state__in=COMMITTED_STATES).count(),
            proposed=own.grants.filter(state="proposed").count(),
        )
    else:
        funded_by = allocation_for_org(campaign=campaign, org=root)
    return CampaignFigures(root=root, total=total, rows=rows, own=own, own_row=own_row, funded_by=funded_by)


@dataclass
class TypeFigures:
    type: str
    label: str
    campaigns: int = 0
    allocated: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    beneficiaries: int = 0


def year_figures(*, actor, year: int) -> list[TypeFigures]:
    """Per campaign type, for the campaigns of the year the actor sees: the money in the actor's
    subtree (as in campaign_figures) and the people helped there."""
    from .models import CampaignType

    root = scope_root_path(actor)
    campaigns = campaign_qs_visible_to(actor=actor).filter(year=year).exclude(state=CampaignState.DRAFT)
    out = {t.value: TypeFigures(type=t.value, label=str(t.label)) for t in CampaignType}
    for count_row in campaigns.values("type").annotate(n=Count("id")):
        out[count_row["type"]].campaigns = count_row["n"]
    allocations = BudgetAllocation.objects.filter(campaign__in=campaigns)
    grants = Grant.objects.filter(campaign__in=campaigns, state__in=COMMITTED_STATES)
    if root is not None:
        allocations = allocations.filter(subtree_q(root, "org__path"))
        grants = grants.filter(subtree_q(root, "org__path"))
        depth = len(root) // STEP_LEN
        came_in = allocations.filter(Q(parent__isnull=True) | Q(parent__org__depth__lt=depth))
    else:
        came_in = allocations.filter(parent__isnull=True)
    for in_row in came_in.values("campaign__type").annotate(a=Sum("amount")):
        out[in_row["campaign__type"]].allocated = _money(in_row["a"])
    for spent_row in allocations.values("campaign__type").annotate(c=Sum("committed_amount"), p=Sum("paid_amount")):
        out[spent_row["campaign__type"]].committed = _money(spent_row["c"])
        out[spent_row["campaign__type"]].paid = _money(spent_row["p"])
    for grant_row in grants.values("campaign__type").annotate(b=Count("id")):
        out[grant_row["campaign__type"]].beneficiaries = grant_row["b"]
    return list(out.values())


def approved_allocation(allocation: BudgetAllocation | None) -> bool:
    return allocation is not None and allocation.state == AllocationState.APPROVED


def grant_get_for_view(*, actor, pk: int | str, ip: str | None = None, channel: str = "page") -> Grant:
    """A grant for its detail view: the read of personal data is audited (VIEW_ASSISTANCE)."""
    from gonghui.accounts.models import AuditLog
    from gonghui.accounts.services import audit

    grant = grant_get_visible(actor=actor, pk=pk)
    audit(
        actor=actor,
        action=AuditLog.Action.VIEW_ASSISTANCE,
        target=grant,
        org=grant.org,
        ip=ip,
        detail={"what": "grant", "campaign": grant.campaign_id, "via": channel},
    )
    return grant


def grant_access_history(*, grant: Grant, limit: int = 50):
    from gonghui.accounts.models import AuditLog

    return (
        AuditLog.objects.filter(action=AuditLog.Action.VIEW_ASSISTANCE, target_type="grant", target_id=str(grant.pk))
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )


def grant_list_for_person(*, actor, id_number_hash: str) -> QuerySet[Grant]:
    """A person's grants the actor may see (for a hardship file's page), newest first."""
    return (
        grant_qs_visible_to(actor=actor)
        .filter(id_number_hash=id_number_hash)
        .select_related("campaign", "org")
        .order_by("-proposed_at", "-id")
    )
