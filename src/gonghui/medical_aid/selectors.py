"""Reads of mutual medical aid, limited to what the asker may see.

* Plans hold no personal data: an officer sees the plans organised in their subtree and the plans
  of the federations above them (which apply to their unions).
* Enrolments and claims are personal (claims are health data): they need the assistance right
  (`require_assistance`) and the union that holds them must be in the officer's subtree.
* Figures are aggregates without personal data: any officer sees them for unions in scope.
* A worker sees only their own enrolments and claims (matched by the keyed hash of their bound
  ID number, so the link survives transfers); anything else is NotFound.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils.translation import gettext as _

from gonghui.accounts.models import AuditLog
from gonghui.accounts.permissions import require_assistance
from gonghui.accounts.scope import scope_q, scope_root_path
from gonghui.core.errors import NotFound
from gonghui.core.queues import QueueSpec
from gonghui.core.treepath import STEP_LEN, subtree_q
from gonghui.members.models import CURRENT_STATUSES, Member
from gonghui.orgs.models import Org
from gonghui.orgs.selectors import org_get_visible, org_subtree_totals
from gonghui.portal.selectors import linked_person_hash

from .models import (
    COUNTED_STATES,
    Claim,
    ClaimAttachment,
    ClaimEvent,
    ClaimState,
    Enrolment,
    EnrolmentState,
    MedicalAidPlan,
)
from .rules import CENT, ZERO

# ---- plans ----------------------------------------------------------------------------------


def _ancestor_paths(path: str) -> list[str]:
    return [path[:n] for n in range(STEP_LEN, len(path), STEP_LEN)]


def plan_qs_visible_to(*, actor) -> QuerySet[MedicalAidPlan]:
    """Plans organised in the actor's subtree, and the plans above that apply to it."""
    root = scope_root_path(actor)
    qs = MedicalAidPlan.objects.select_related("organiser")
    if root is None:
        return qs
    return qs.filter(scope_q(actor, "organiser__path") | Q(organiser__path__in=_ancestor_paths(root)))


def plan_get_visible(*, actor, plan_id: Any) -> MedicalAidPlan:
    try:
        return plan_qs_visible_to(actor=actor).get(pk=int(plan_id))
    except (MedicalAidPlan.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("医疗互助计划不存在")) from None


def plan_is_managed_by(*, actor, plan: MedicalAidPlan) -> bool:
    """Whether the plan's organiser is in the actor's subtree (only then may they change it)."""
    root = scope_root_path(actor)
    return root is None or plan.organiser.path.startswith(root)


def plan_list(*, actor, year: int | None = None, state: str = "") -> QuerySet[MedicalAidPlan]:
    qs = plan_qs_visible_to(actor=actor)
    if year:
        qs = qs.filter(year=year)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-year", "-id")


def plan_scope_org(*, actor, plan: MedicalAidPlan) -> Org:
    """Where the actor's view of a plan is rooted: the organiser, or the actor's own union below it."""
    root = scope_root_path(actor)
    if root is None or plan.organiser.path.startswith(root):
        return plan.organiser
    return actor.org


# ---- enrolments -----------------------------------------------------------------------------


def enrolment_qs_visible_to(*, actor) -> QuerySet[Enrolment]:
    require_assistance(actor)
    return Enrolment.objects.filter(scope_q(actor, "union__path"))


def enrolment_get_visible(*, actor, enrolment_id: Any) -> Enrolment:
    try:
        return (
            enrolment_qs_visible_to(actor=actor)
            .select_related("plan", "plan__organiser", "member", "union")
            .get(pk=int(enrolment_id))
        )
    except (Enrolment.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("参保登记不存在")) from None


@dataclass(frozen=True)
class EnrolmentFilters:
    org_id: int | None = None
    state: str = ""
    q: str = ""


def enrolment_list(*, actor, plan: MedicalAidPlan, filters: EnrolmentFilters | None = None) -> QuerySet[Enrolment]:
    filters = filters or EnrolmentFilters()
    qs = enrolment_qs_visible_to(actor=actor).filter(plan=plan)
    if filters.org_id is not None:
        org = org_get_visible(actor=actor, org_id=filters.org_id)
        qs = qs.filter(subtree_q(org.path, "union__path"))
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.q:
        term = filters.q.strip()
        qs = qs.filter(Q(member__name__startswith=term) | Q(member__card_number=term))
    return qs.select_related("member", "union")


def enrolment_for_member(*, plan: MedicalAidPlan, member: Member) -> Enrolment | None:
    return Enrolment.objects.filter(plan=plan, person_hash=member.id_number_hash).first()


def bulk_candidates(*, plan: MedicalAidPlan, org: Org) -> QuerySet[Member]:
    """Current members of unions under `org` (and under the plan's organiser) not yet enrolled."""
    enrolled = Enrolment.objects.filter(plan=plan).values("person_hash")
    return (
        Member.objects.filter(status__in=CURRENT_STATUSES)
        .filter(subtree_q(org.path, "org__path"), subtree_q(plan.organiser.path, "org__path"))
        .exclude(id_number_hash__in=enrolled)
    )


def _money(value) -> Decimal:
    """A database sum as yuan to the fen (SQLite hands back 3500 for 3500.00)."""
    return Decimal(value or 0).quantize(CENT)


@dataclass(frozen=True)
class Usage:
    """A member's use of the plan so far: counted (approved or paid) claims."""

    claims: int
    paid_out: Decimal
    deductible_used: Decimal
    yearly_left: Decimal
    open_claims: int


def enrolment_usage(enrolment: Enrolment, *, exclude_claim_id: int | None = None) -> Usage:
    counted = Claim.objects.filter(enrolment=enrolment, state__in=COUNTED_STATES)
    if exclude_claim_id is not None:
        counted = counted.exclude(pk=exclude_claim_id)
    totals = counted.aggregate(
        n=Count("id"),
        paid=Coalesce(Sum("payout"), ZERO),
        deductible=Coalesce(Sum("deductible_applied"), ZERO),
    )
    open_claims = Claim.objects.filter(
        enrolment=enrolment, state__in=(ClaimState.SUBMITTED, ClaimState.UNDER_REVIEW, ClaimState.RETURNED)
    ).count()
    paid = _money(totals["paid"])
    return Usage(
        claims=totals["n"],
        paid_out=paid,
        deductible_used=_money(totals["deductible"]),
        yearly_left=max(ZERO, Decimal(enrolment.plan.yearly_cap) - paid),
        open_claims=open_claims,
    )


# ---- claims ---------------------------------------------------------------------------------


def claim_qs_visible_to(*, actor) -> QuerySet[Claim]:
    require_assistance(actor)
    return Claim.objects.filter(scope_q(actor, "union__path"))


@dataclass(frozen=True)
class ClaimFilters:
    state: str = ""
    org_id: int | None = None
    category: str = ""
    plan_id: int | None = None
    q: str = ""


# The claim queue's sorts (core.queues): claims still to review or to pay first, oldest first
# (claims have no deadline of their own).
CLAIM_QUEUE = QueueSpec(open_q=Q(state__in=["submitted", "under_review", "approved"]), created="created_at")


def claim_list(*, actor, filters: ClaimFilters | None = None) -> QuerySet[Claim]:
    filters = filters or ClaimFilters()
    qs = claim_qs_visible_to(actor=actor)
    if filters.org_id is not None:
        org = org_get_visible(actor=actor, org_id=filters.org_id)
        qs = qs.filter(subtree_q(org.path, "union__path"))
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.plan_id is not None:
        qs = qs.filter(plan_id=filters.plan_id)
    if filters.q:
        term = filters.q.strip()
        qs = qs.filter(Q(reference=term.upper()) | Q(enrolment__member__name__startswith=term))
    return qs.select_related("union", "plan", "enrolment__member")


def claim_get_visible(*, actor, claim_id: Any) -> Claim:
    try:
        return (
            claim_qs_visible_to(actor=actor)
            .select_related("union", "plan", "plan__organiser", "enrolment", "enrolment__member", "enrolment__plan")
            .get(pk=int(claim_id))
        )
    except (Claim.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("医疗互助申请不存在")) from None


def claim_events(*, claim: Claim, for_worker: bool = False) -> QuerySet[ClaimEvent]:
    return claim.events.select_related("actor").order_by("created_at", "id")


def claim_access_log(*, claim: Claim, limit: int = 50) -> list[AuditLog]:
    """Who opened the claim's details, newest first (shown to officers with the right)."""
    return list(
        AuditLog.objects.filter(action=AuditLog.Action.VIEW_ASSISTANCE, target_type="claim", target_id=str(claim.pk))
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )


def attachment_get_visible(*, actor, claim_id: Any, attachment_id: Any) -> ClaimAttachment:
    claim = claim_get_visible(actor=actor, claim_id=claim_id)
    try:
        return claim.attachments.get(pk=int(attachment_id))
    except (ClaimAttachment.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("附件不存在")) from None


# ---- workers --------------------------------------------------------------------------------


def worker_enrolments(*, worker) -> list[Enrolment]:
    """The worker's enrolments (newest plan first); none without a real-name binding."""
    person = linked_person_hash(worker)
    if not person:
        return []
    return list(
        Enrolment.objects.filter(person_hash=person)
        .select_related("plan", "plan__organiser", "union", "member")
        .order_by("-plan__year", "-id")
    )


def worker_enrolment_get(*, worker, enrolment_id: Any) -> Enrolment:
    try:
        return Enrolment.objects.select_related("plan", "union").get(
            pk=int(enrolment_id), person_hash=linked_person_hash(worker) or "-"
        )
    except (Enrolment.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("参保登记不存在")) from None


def claim_qs_for_worker(*, worker) -> QuerySet[Claim]:
    return Claim.objects.filter(enrolment__person_hash=linked_person_hash(worker) or "-").select_related(
        "plan", "union"
    )


def claim_get_for_worker(*, worker, claim_id: Any) -> Claim:
    try:
        return claim_qs_for_worker(worker=worker).select_related("enrolment", "enrolment__plan").get(pk=int(claim_id))
    except (Claim.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("医疗互助申请不存在")) from None


def attachment_get_for_worker(*, worker, claim_id: Any, attachment_id: Any) -> ClaimAttachment:
    claim = claim_get_for_worker(worker=worker, claim_id=claim_id)
    try:
        return claim.attachments.get(pk=int(attachment_id))
    except (ClaimAttachment.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("附件不存在")) from None


# ---- figures --------------------------------------------------------------------------------


@dataclass
class FigureRow:
    org: Org
    current_members: int = 0
    enrolled: int = 0
    contributions: Decimal = ZERO
    claims: int = 0
    approved: int = 0
    payouts: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def average_payout(self) -> Decimal:
        return (self.payouts / self.approved).quantize(Decimal("0.01")) if self.approved else ZERO

    @property
    def enrolment_rate(self) -> float:
        return round(self.enrolled * 100 / self.current_members, 1) if self.current_members else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "org": self.org.pk,
            "org_name": self.org.name,
            "current_members": self.current_members,
            "enrolled": self.enrolled,
            "contributions": self.contributions,
            "claims": self.claims,
            "approved_claims": self.approved,
            "payouts": self.payouts,
            "paid": self.paid,
            "average_payout": self.average_payout,
        }


def plan_figures(*, actor, plan: MedicalAidPlan, org: Org | None = None) -> tuple[FigureRow, list[FigureRow]]:
    """Aggregates of a plan (no personal data) for `org` and each of its direct children.

    `org` defaults to where the actor's view of the plan is rooted; it must be in scope. Counts
    and sums come from grouped queries over the path prefix of the child unions (one per table).
    """
    base = plan_scope_org(actor=actor, plan=plan) if org is None else org_get_visible(actor=actor, org_id=org.pk)
    if not base.path.startswith(plan.organiser.path):
        raise NotFound(_("该工会不在此计划范围内"))
    within = base.path
    children = list(Org.objects.filter(parent=base, is_active=True).order_by("path"))
    child_len = len(base.path) + STEP_LEN
    rows = {c.path: FigureRow(org=c) for c in children}
    total = FigureRow(org=base)
    totals = org_subtree_totals(orgs=[base, *children])
    total.current_members = totals[base.pk].members
    for child in children:
        rows[child.path].current_members = totals[child.pk].members

    enrol_rows = (
        Enrolment.objects.filter(plan=plan, state=EnrolmentState.ACTIVE)
        .filter(subtree_q(within, "union__path"))
        .annotate(prefix=Substr("union__path", 1, child_len))
        .values("prefix")
        .annotate(n=Count("id"), collected=Sum("contribution", filter=Q(paid_on__isnull=False)))
    )
    for row in enrol_rows:
        target = rows.get(row["prefix"])
        for r in (target, total) if target else (total,):
            r.enrolled += row["n"]
            r.contributions += _money(row["collected"])
    claim_rows = (
        Claim.objects.filter(plan=plan)
        .filter(subtree_q(within, "union__path"))
        .annotate(prefix=Substr("union__path", 1, child_len))
        .values("prefix")
        .annotate(
            n=Count("id"),
            approved=Count("id", filter=Q(state__in=COUNTED_STATES)),
            payouts=Sum("payout", filter=Q(state__in=COUNTED_STATES)),
            paid=Sum("paid_amount", filter=Q(state=ClaimState.PAID)),
        )
    )
    for counted in claim_rows:
        target = rows.get(counted["prefix"])
        for r in (target, total) if target else (total,):
            r.claims += counted["n"]
            r.approved += counted["approved"]
            r.payouts += _money(counted["payouts"])
            r.paid += _money(counted["paid"])
    return total, list(rows.values())


def claims_by_state(*, actor, plan: MedicalAidPlan, org: Org) -> dict[str, int]:
    """Counts of the plan's claims by state under `org` (aggregate: any officer in scope)."""
    org = org_get_visible(actor=actor, org_id=org.pk)
    rows = (
        Claim.objects.filter(plan=plan)
        .filter(subtree_q(org.path, "union__path"))
        .values("state")
        .annotate(n=Count("id"))
    )
    found = {r["state"]: r["n"] for r in rows}
    return {s: found.get(s, 0) for s in ClaimState.values}
