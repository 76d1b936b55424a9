"""Reads for workers: everything is the worker's own (their membership, their history)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.accounts.permissions import require_read
from gonghui.accounts.scope import scope_q
from gonghui.core.errors import NotFound
from gonghui.core.queues import QueueSpec
from gonghui.core.treepath import STEP_LEN
from gonghui.members.models import Member, Transfer
from gonghui.members.selectors import member_current_elsewhere
from gonghui.orgs.models import Org

from .models import BindingRequest, WorkerAccount


def linked_person_hash(worker: WorkerAccount | None) -> str:
    """The bound ID number's hash if the binding proves the person for the union's records about
    them (membership, transfers, hardship files, mutual-aid enrolments); "" otherwise.

    Every read that maps a worker account to a person's records goes through here. A binding made
    while the person was on no roll (`no_record`) proved nothing but the name and ID number, which
    a stranger can know: it links records only once the account itself proved the person later —
    its own online join application produced the record (`joined_online`, written by joining's
    approval), or a code to the roll's phone or the union's review (a newer confirmed request).
    The newest confirmed request for the bound number decides. Bindings made before requests were
    recorded have none and count as proven: they were made when any binding was trusted, and the
    union can unbind a wrong one (no data migration needed, nothing to guess for old rows).
    """
    if worker is None or not worker.id_number_hash:
        return ""
    key = (worker.pk, worker.id_number_hash, worker.verified_at)
    cached = getattr(worker, "_linked_person_hash", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    method = (
        BindingRequest.objects.filter(
            worker=worker, state=BindingRequest.State.CONFIRMED, id_number_hash=worker.id_number_hash
        )
        .order_by("-decided_at", "-id")
        .values_list("method", flat=True)
        .first()
    )
    linked = "" if method == BindingRequest.Method.NO_RECORD else worker.id_number_hash
    worker._linked_person_hash = (key, linked)  # type: ignore[attr-defined]
    return linked


PROOF_NEEDED_MESSAGE = gettext_lazy("您的实名信息已与会员档案匹配，请完成验证后查看")


def proof_needed_for(worker: WorkerAccount | None) -> Member | None:
    """The current membership that matches the worker's unproven binding (see linked_person_hash):
    the record the worker must prove before seeing it (code to its phone, or the union's review)."""
    if worker is None or not worker.id_number_hash or linked_person_hash(worker):
        return None
    return member_current_elsewhere(id_number_hash=worker.id_number_hash)


def account_linked_to(*, id_number_hash: str) -> WorkerAccount | None:
    """The active worker account whose binding is proven for this person (who may be told about
    their records), if any."""
    if not id_number_hash:
        return None
    worker = (
        WorkerAccount.objects.select_related("user").filter(id_number_hash=id_number_hash, user__is_active=True).first()
    )
    return worker if worker is not None and linked_person_hash(worker) else None


def current_member(worker: WorkerAccount | None) -> Member | None:
    """The worker's current membership (active or retained), found by the proven binding's hash."""
    person = linked_person_hash(worker)
    if not person:
        return None
    return member_current_elsewhere(id_number_hash=person)


def membership_records(worker: WorkerAccount) -> list[Member]:
    """Every membership record of the worker's person, newest first (transfers open new ones)."""
    person = linked_person_hash(worker)
    if not person:
        return []
    return list(Member.objects.filter(id_number_hash=person).select_related("org").order_by("-join_date", "-id"))


def transfer_history(worker: WorkerAccount) -> list[Transfer]:
    """The person's completed transfers (会员接转), newest first."""
    person = linked_person_hash(worker)
    if not person:
        return []
    return list(
        Transfer.objects.filter(Q(from_member__id_number_hash=person) | Q(to_member__id_number_hash=person))
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
