"""Reads for workers: everything is the worker's own (their membership, their history)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from gonghui.accounts.permissions import require_read
from gonghui.accounts.scope import scope_q
from gonghui.core.errors import NotFound
from gonghui.core.queues import QueueSpec
from gonghui.core.treepath import STEP_LEN
from gonghui.members.models import Member, Transfer
from gonghui.members.selectors import member_current_elsewhere
from gonghui.orgs.models import Org

from .models import BindingRequest, WorkerAccount


def current_member(worker: WorkerAccount | None) -> Member | None:
    """The worker's current membership (active or retained), found by the bound ID number's hash."""
    if worker is None or not worker.id_number_hash:
        return None
    return member_current_elsewhere(id_number_hash=worker.id_number_hash)


def membership_records(worker: WorkerAccount) -> list[Member]:
    """Every membership record of the worker's person, newest first (transfers open new ones)."""
    if not worker.id_number_hash:
        return []
    return list(
        Member.objects.filter(id_number_hash=worker.id_number_hash).select_related("org").order_by("-join_date", "-id")
    )


def transfer_history(worker: WorkerAccount) -> list[Transfer]:
    """The person's completed transfers (会员接转), newest first."""
    if not worker.id_number_hash:
        return []
    return list(
        Transfer.objects.filter(
            Q(from_member__id_number_hash=worker.id_number_hash) | Q(to_member__id_number_hash=worker.id_number_hash)
        )
        .select_related("from_org", "to_org")
        .order_by("-created_at", "-id")
    )


def org_chain(org: Org) -> list[Org]:
    """The union and its parents, the union first (望京科技公司工会, 望京街道工会, …, 市总工会): one query."""
    prefixes = [org.path[:n] for n in range(STEP_LEN, len(org.path) + 1, STEP_LEN)]
    return list(Org.objects.filter(path__in=prefixes).order_by("-path"))


@dataclass(frozen=True)
class WorkerSummary:
    worker: WorkerAccount
    member: Member | None

    @property
    def is_member(self) -> bool:
        return self.member is not None


def worker_summary(worker: WorkerAccount) -> WorkerSummary:
    return WorkerSummary(worker=worker, member=current_member(worker))


# --- The union's binding queue (officers; scoped along the union tree) ----------------------------


# The binding queue's sorts (core.queues): requests waiting for the union first, oldest first.
BINDING_QUEUE = QueueSpec(open_q=Q(state=BindingRequest.State.PENDING), created="created_at", name="name")


def binding_requests_visible_to(*, actor, state: str | None = None) -> QuerySet[BindingRequest]:
    """Binding requests of members of unions in the actor's subtree, oldest waiting first."""
    require_read(actor)
    qs = (
        BindingRequest.objects.filter(org__isnull=False)
        .filter(scope_q(actor, "org__path"))
        .select_related("org", "worker", "member", "decided_by")
    )
    if state:
        qs = qs.filter(state=state)
    return (
        qs.order_by("created_at", "id") if state == BindingRequest.State.PENDING else qs.order_by("-created_at", "-id")
    )


def binding_pending_count(*, actor) -> int:
    return binding_requests_visible_to(actor=actor, state=BindingRequest.State.PENDING).count()


def binding_request_get_visible(*, actor, request_id: int | str, for_update: bool = False) -> BindingRequest:
    """One request in the actor's scope; out of scope reads as "does not exist"."""
    qs = binding_requests_visible_to(actor=actor)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=int(request_id))
    except (BindingRequest.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(_("实名认证申请不存在")) from None


def member_bound_account(*, member: Member) -> WorkerAccount | None:
    """The worker account bound to this member's person (by the ID number's keyed hash)."""
    if not member.id_number_hash:
        return None
    return WorkerAccount.objects.filter(id_number_hash=member.id_number_hash).first()


def member_binding_requests(*, member: Member) -> list[BindingRequest]:
    """Binding requests that named this membership record, newest first."""
    return list(member.binding_requests.select_related("worker", "decided_by").order_by("-created_at", "-id")[:20])
