"""Reads for joining and transfer requests.

Officers see applications, transfer requests and founding prompts of unions in their subtree;
workers see only their own. The union search for workers is public information (names and the
chain of parent unions) and is not scoped.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.scope import scope_q
from gonghui.core.errors import NotFound
from gonghui.core.queues import QueueSpec
from gonghui.core.regions import DIVISION_DATA
from gonghui.core.treepath import STEP_LEN, subtree_q
from gonghui.members.models import CURRENT_STATUSES, Member
from gonghui.orgs.models import MEMBER_HOLDING_KINDS, Org, OrgKind
from gonghui.orgs.selectors import org_get_visible, org_name_q
from gonghui.portal.models import WorkerAccount
from gonghui.portal.selectors import account_linked_to, linked_person_hash

from .employers import employer_key
from .models import (
    FoundingPrompt,
    JoinApplication,
    JoinState,
    OnlineHome,
    OrgInvite,
    PromptState,
    TransferRequest,
    TransferState,
)

# Unions a worker may apply to: member-holding unions, and township unions (their online home).
JOINABLE_KINDS = (*sorted(MEMBER_HOLDING_KINDS), OrgKind.TOWNSHIP)
SEARCH_LIMIT = 30
_SPACES = re.compile(r"\s+")


# ---- public union search (workers) -----------------------------------------------------------


def union_joinable_get(*, org_id: int | str) -> Org:
    """An active union a worker may apply to (public), or NotFound."""
    try:
        return Org.objects.select_related("parent").filter(is_active=True, kind__in=JOINABLE_KINDS).get(pk=int(org_id))
    except (Org.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("工会组织不存在")) from None


def region_prefix(region: str) -> str:
    """The significant prefix of a GB/T 2260 code: 440000 → 44, 440300 → 4403, 440305 → 440305."""
    region = (region or "").strip()
    if region not in DIVISION_DATA:
        return ""
    if region.endswith("0000"):
        return region[:2]
    if region.endswith("00"):
        return region[:4]
    return region


def union_search(*, q: str = "", region: str = "", no_union: bool = False, limit: int = SEARCH_LIMIT) -> list[Org]:
    """Unions to join: by name (prefix, pinyin initials, or contained) and/or region.

    `no_union` (my employer has no union; riders, drivers, couriers, domestic workers): the
    township unions (their online members' homes) and joint unions of the region instead.
    """
    q = _SPACES.sub("", q or "")
    prefix = region_prefix(region)
    if not q and not prefix:
        return []
    # An online home is offered through its township (one entry, the township's name).
    qs = Org.objects.filter(is_active=True, online_home_of__isnull=True).select_related("parent")
    if no_union:
        qs = qs.filter(kind__in=[OrgKind.TOWNSHIP, OrgKind.JOINT_GRASSROOTS])
    else:
        qs = qs.filter(kind__in=sorted(MEMBER_HOLDING_KINDS))
    if prefix:
        qs = qs.filter(region_code__startswith=prefix)
    if q:
        qs = qs.filter(org_name_q(q))
    return list(qs.order_by("kind", "name")[:limit])


def org_chain(org: Org) -> list[Org]:
    """The union's parents from the top down (public: names only)."""
    prefixes = [org.path[:i] for i in range(STEP_LEN, len(org.path), STEP_LEN)]
    return list(Org.objects.filter(path__in=prefixes).order_by("path"))


def region_options(parent: str = "") -> list[tuple[str, str]]:
    """Provinces (no parent), the cities of a province, or the counties of a city: (code, name)."""
    if not parent:
        return [(c, n) for c, n in sorted(DIVISION_DATA.items()) if c.endswith("0000")]
    if parent.endswith("0000"):
        return [
            (c, n)
            for c, n in sorted(DIVISION_DATA.items())
            if c.startswith(parent[:2]) and c.endswith("00") and not c.endswith("0000")
        ]
    if parent.endswith("00"):
        return [(c, n) for c, n in sorted(DIVISION_DATA.items()) if c.startswith(parent[:4]) and not c.endswith("00")]
    return []


def invite_lookup(*, code: str) -> OrgInvite:
    """The active invite for a code (public), or NotFound; a regenerated code no longer works."""
    try:
        return (
            OrgInvite.objects.select_related("org", "org__parent")
            .filter(is_active=True, org__is_active=True)
            .get(token=str(code or "")[:32])
        )
    except OrgInvite.DoesNotExist:
        raise NotFound(_("邀请链接无效或已更新，请向工会索取新的二维码")) from None


def online_home_of(township: Org) -> OnlineHome | None:
    return OnlineHome.objects.select_related("org").filter(township=township).first()


# ---- officers ------------------------------------------------------------------------------


def invite_for(*, actor, org_id: int | str) -> tuple[Org, OrgInvite | None]:
    org = org_get_visible(actor=actor, org_id=org_id)
    invite = OrgInvite.objects.filter(org=org, is_active=True).first()
    return org, invite


@dataclass(frozen=True)
class ApplicationFilters:
    state: str = ""
    org_id: int | None = None  # that union and its subtree
    overdue: bool = False
    due: str = ""  # "overdue" (as overdue) / "soon": pending, deadline within DUE_SOON_HOURS


DUE_SOON_HOURS = 48


# The queues' sorts (core.queues): applications past their deadline first (those already flagged
# to the union as overdue before the rest), then by nearest deadline; pending transfers oldest first.
APPLICATION_QUEUE = QueueSpec(
    open_q=Q(state=JoinState.SUBMITTED),
    created="submitted_at",
    due="due_at",
    escalated_q=Q(flagged_at__isnull=False),
    name="name",
)
TRANSFER_QUEUE = QueueSpec(open_q=Q(state=TransferState.PENDING), created="created_at")


def application_qs_visible_to(*, actor) -> QuerySet[JoinApplication]:
    return JoinApplication.objects.filter(scope_q(actor, "org__path"))


def application_get_visible(*, actor, application_id: int | str) -> JoinApplication:
    try:
        return (
            application_qs_visible_to(actor=actor)
            .select_related("org", "org__parent", "worker", "decided_by", "member")
            .get(pk=int(application_id))
        )
    except (JoinApplication.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("入会申请不存在")) from None


def application_list_visible_to(
    *, actor, filters: ApplicationFilters | None = None, now: dt.datetime | None = None
) -> QuerySet[JoinApplication]:
    filters = filters or ApplicationFilters()
    qs = application_qs_visible_to(actor=actor).select_related("org")
    if filters.org_id is not None:
        within = org_get_visible(actor=actor, org_id=filters.org_id)
        qs = qs.filter(subtree_q(within.path, "org__path"))
    if filters.state:
        qs = qs.filter(state=filters.state)
    now = now or timezone.now()
    if filters.overdue or filters.due == "overdue":
        qs = qs.filter(state=JoinState.SUBMITTED, due_at__lt=now)
    elif filters.due == "soon":
        qs = qs.filter(state=JoinState.SUBMITTED, due_at__gte=now, due_at__lt=now + dt.timedelta(hours=DUE_SOON_HOURS))
    return qs


def application_pending_count(*, actor) -> int:
    return application_qs_visible_to(actor=actor).filter(state=JoinState.SUBMITTED).count()


@dataclass(frozen=True)
class TransferFilters:
    state: str = ""
    direction: str = ""  # "in": to unions in scope; "out": from unions in scope


def transfer_qs_visible_to(*, actor) -> QuerySet[TransferRequest]:
    """Requests into or out of the actor's subtree."""
    return TransferRequest.objects.filter(scope_q(actor, "to_org__path") | scope_q(actor, "from_org__path"))


def transfer_get_visible(*, actor, request_id: int | str) -> TransferRequest:
    try:
        return (
            transfer_qs_visible_to(actor=actor)
            .select_related("member", "from_org", "to_org", "requested_by", "decided_by", "transfer")
            .get(pk=int(request_id))
        )
    except (TransferRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("接转申请不存在")) from None


def transfer_list_visible_to(*, actor, filters: TransferFilters | None = None) -> QuerySet[TransferRequest]:
    filters = filters or TransferFilters()
    if filters.direction == "in":
        qs = TransferRequest.objects.filter(scope_q(actor, "to_org__path"))
    elif filters.direction == "out":
        qs = TransferRequest.objects.filter(scope_q(actor, "from_org__path"))
    else:
        qs = transfer_qs_visible_to(actor=actor)
    if filters.state:
        qs = qs.filter(state=filters.state)
    return qs.select_related("member", "from_org", "to_org")


def transfer_receivable(*, actor, request: TransferRequest) -> bool:
    """Whether the actor acts for the receiving union (may approve or reject)."""
    return Org.objects.filter(scope_q(actor), pk=request.to_org_id).exists()


def transfer_sendable(*, actor, request: TransferRequest) -> bool:
    """Whether the actor acts for the sending union (may cancel a request)."""
    return Org.objects.filter(scope_q(actor), pk=request.from_org_id).exists()


def transfer_incoming_pending_count(*, actor) -> int:
    return TransferRequest.objects.filter(scope_q(actor, "to_org__path"), state=TransferState.PENDING).count()


def prompt_list_visible_to(*, actor, state: str = "") -> QuerySet[FoundingPrompt]:
    qs = FoundingPrompt.objects.filter(scope_q(actor, "township__path")).select_related(
        "township", "home__org", "founded_org"
    )
    return qs.filter(state=state) if state else qs


def prompt_get_visible(*, actor, prompt_id: int | str) -> FoundingPrompt:
    try:
        return prompt_list_visible_to(actor=actor).get(pk=int(prompt_id))
    except (FoundingPrompt.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("建会提示不存在")) from None


def prompt_open_count(*, actor) -> int:
    return FoundingPrompt.objects.filter(scope_q(actor, "township__path"), state=PromptState.OPEN).count()


def prompt_members(*, actor, prompt: FoundingPrompt, limit: int = 200) -> list[Member]:
    """The online home's current members working for the prompt's employer."""
    prompt = prompt_get_visible(actor=actor, prompt_id=prompt.pk)
    qs = Member.objects.filter(org=prompt.home.org, status__in=CURRENT_STATUSES)
    if prompt.employer_uscc:
        return list(qs.filter(employer_uscc=prompt.employer_uscc).order_by("id")[:limit])
    rows = qs.filter(employer_uscc="").order_by("id")
    return [m for m in rows if employer_key(m.employer_name, "") == prompt.employer_key][:limit]


def union_pending_counts(*, actor, org: Org) -> dict[str, int]:
    """For a union's page: pending applications to it and its subtree, incoming transfers."""
    org = org_get_visible(actor=actor, org_id=org.pk)
    return {
        "applications": JoinApplication.objects.filter(
            subtree_q(org.path, "org__path"), state=JoinState.SUBMITTED
        ).count(),
        "transfers": TransferRequest.objects.filter(
            subtree_q(org.path, "to_org__path"), state=TransferState.PENDING
        ).count(),
    }


# ---- workers -------------------------------------------------------------------------------


def worker_applications(*, worker: WorkerAccount) -> QuerySet[JoinApplication]:
    return JoinApplication.objects.filter(worker=worker).select_related("org", "member", "member__org")


def worker_application_get(*, worker: WorkerAccount, application_id: int | str) -> JoinApplication:
    try:
        return worker_applications(worker=worker).get(pk=int(application_id))
    except (JoinApplication.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("入会申请不存在")) from None


def worker_pending_application(*, worker: WorkerAccount | None) -> JoinApplication | None:
    if worker is None:
        return None
    return worker_applications(worker=worker).filter(state=JoinState.SUBMITTED).first()


def worker_membership(*, worker: WorkerAccount) -> Member | None:
    """The worker's current membership, found by their proven binding (survives transfers)."""
    person = linked_person_hash(worker)
    if not person:
        return None
    return Member.objects.filter(id_number_hash=person, status__in=CURRENT_STATUSES).select_related("org").first()


def worker_transfers(*, worker: WorkerAccount) -> QuerySet[TransferRequest]:
    """Transfer requests on any membership record of the worker's (bound) person."""
    person = linked_person_hash(worker)
    if not person:
        return TransferRequest.objects.none()
    return TransferRequest.objects.filter(member__id_number_hash=person).select_related("from_org", "to_org", "member")


def worker_transfer_get(*, worker: WorkerAccount, request_id: int | str) -> TransferRequest:
    try:
        return worker_transfers(worker=worker).get(pk=int(request_id))
    except (TransferRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("接转申请不存在")) from None


def worker_for_member(member: Member) -> WorkerAccount | None:
    """The worker account bound to the member's person by a proven binding, if any."""
    return account_linked_to(id_number_hash=member.id_number_hash)
