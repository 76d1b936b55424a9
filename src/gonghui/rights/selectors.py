"""Reads of requests, scoped to who asks.

Officers see a request when the union holding it (`handling_org`) is in their subtree, or when
their subtree took part in it through a dispatch (a union that reported back up keeps reading
the request it worked on). Workers see only the requests they filed. Out of scope looks exactly
like missing (NotFound).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, DateTimeField, Exists, F, OuterRef, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.scope import scope_q, scope_root_path
from gonghui.core.errors import NotFound
from gonghui.core.queues import QueueSpec
from gonghui.core.treepath import subtree_q
from gonghui.orgs.models import Org
from gonghui.orgs.selectors import org_get_visible

from .models import (
    AWAITING_ACCEPTANCE,
    BEING_HANDLED,
    OPEN_STATES,
    Attachment,
    Dispatch,
    RequestEvent,
    ServiceRequest,
    State,
)


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Requests past their deadline: not accepted by accept_due_at, or not resolved by resolve_due_at."""
    now = now or timezone.now()
    return Q(state__in=AWAITING_ACCEPTANCE, accept_due_at__lt=now) | Q(
        state__in=(*BEING_HANDLED, State.REOPENED), resolve_due_at__lt=now
    )


# The queue's sorts (core.queues): open requests late for acceptance or resolution first, those
# escalated to a higher union before the rest, then by the deadline running now.
REQUEST_QUEUE = QueueSpec(
    open_q=Q(state__in=OPEN_STATES),
    created="created_at",
    due=Case(
        When(state__in=AWAITING_ACCEPTANCE, then=F("accept_due_at")),
        When(state__in=BEING_HANDLED, then=F("resolve_due_at")),
        output_field=DateTimeField(),
    ),
    escalated_q=Q(escalation_level__gt=0),
    name="requester_name",
)


DUE_SOON_HOURS = 48  # "due soon": the running deadline falls within the next two days


def due_soon_q(now: dt.datetime | None = None) -> Q:
    """Requests not yet overdue whose running deadline falls within DUE_SOON_HOURS."""
    now = now or timezone.now()
    until = now + dt.timedelta(hours=DUE_SOON_HOURS)
    soon = Q(state__in=AWAITING_ACCEPTANCE, accept_due_at__gte=now, accept_due_at__lt=until) | Q(
        state__in=(*BEING_HANDLED, State.REOPENED), resolve_due_at__gte=now, resolve_due_at__lt=until
    )
    # A reopened request runs both clocks: one past makes it overdue, not soon.
    return soon & ~Q(state=State.REOPENED, accept_due_at__lt=now) & ~Q(state=State.REOPENED, resolve_due_at__lt=now)


def awaiting_report_q(root: str | None) -> Q:
    """Requests with a dispatch (交办) to a union in the subtree `root` whose report is still due."""
    waiting = Dispatch.objects.filter(request=OuterRef("pk"), reported_at__isnull=True)
    if root is not None:
        waiting = waiting.filter(subtree_q(root, "to_org__path"))
    return Q(Exists(waiting))


def _visible_q(actor) -> Q:
    root = scope_root_path(actor)  # Forbidden for accounts without read access
    if root is None:
        return Q()
    took_part = Dispatch.objects.filter(request=OuterRef("pk")).filter(subtree_q(root, "to_org__path"))
    return subtree_q(root, "handling_org__path") | Q(Exists(took_part))


def request_qs_visible_to(*, actor) -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.filter(_visible_q(actor))


@dataclass(frozen=True)
class RequestFilters:
    q: str = ""  # reference, requester name (prefix) or phone
    state: str = ""
    category: str = ""
    channel: str = ""
    overdue: bool = False
    due: str = ""  # "overdue" (same as overdue) / "soon" (deadline within DUE_SOON_HOURS)
    awaiting: str = ""  # "accept": waiting to be accepted / "report": a dispatch awaits its report
    major: bool = False
    escalated_to_me: bool = False
    org_id: int | None = None  # that union's subtree
    mine_only: bool = False  # held by the actor's own union (not below)
    open_only: bool = False


def request_list_visible_to(*, actor, filters: RequestFilters | None = None, now=None) -> QuerySet[ServiceRequest]:
    """The queue as the actor may list it (unordered: pages sort it with REQUEST_QUEUE)."""
    filters = filters or RequestFilters()
    qs = request_qs_visible_to(actor=actor)
    if filters.org_id is not None:
        org = org_get_visible(actor=actor, org_id=filters.org_id)
        qs = qs.filter(subtree_q(org.path, "handling_org__path"))
    if filters.mine_only and not actor.is_superuser:
        qs = qs.filter(handling_org_id=actor.org_id)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.open_only:
        qs = qs.filter(state__in=(*AWAITING_ACCEPTANCE, *BEING_HANDLED))
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.overdue or filters.due == "overdue":
        qs = qs.filter(overdue_q(now))
    elif filters.due == "soon":
        qs = qs.filter(due_soon_q(now))
    if filters.awaiting == "accept":
        qs = qs.filter(state__in=AWAITING_ACCEPTANCE)
    elif filters.awaiting == "report":
        qs = qs.filter(state__in=OPEN_STATES).filter(awaiting_report_q(scope_root_path(actor)))
    if filters.major:
        qs = qs.filter(is_major_incident=True)
    if filters.escalated_to_me:
        qs = qs.filter(escalated_to_id=actor.org_id) if not actor.is_superuser else qs.exclude(escalated_to=None)
    term = filters.q.strip()
    if term:
        if term.upper().startswith("WQ"):
            qs = qs.filter(reference__startswith=term.upper())
        elif term.isdigit():
            qs = qs.filter(requester_phone=term) if len(term) == 11 else qs.filter(requester_phone__endswith=term)
        else:
            qs = qs.filter(requester_name__startswith=term)
    return qs.select_related("handling_org", "escalated_to")


def request_get_visible(*, actor, pk: int | str) -> ServiceRequest:
    try:
        return (
            request_qs_visible_to(actor=actor)
            .select_related(
                "handling_org", "requester", "member", "escalated_to", "transferred_from", "operator", "taken_by_org"
            )
            .get(pk=int(pk))
        )
    except (ServiceRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("申请不存在")) from None


def request_list_for_worker(*, worker) -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.filter(requester=worker).select_related("handling_org")


def request_get_for_worker(*, worker, pk: int | str) -> ServiceRequest:
    try:
        return request_list_for_worker(worker=worker).get(pk=int(pk))
    except (ServiceRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("申请不存在")) from None


def request_timeline(*, request: ServiceRequest, for_worker: bool = False) -> QuerySet[RequestEvent]:
    """The timeline of a request the caller already holds (got through a scoped selector)."""
    qs = request.events.select_related("actor", "org")
    if for_worker:
        qs = qs.filter(visible_to_worker=True)
    return qs


def request_attachments(*, request: ServiceRequest) -> QuerySet[Attachment]:
    return request.attachments.all()


def request_dispatches(*, request: ServiceRequest) -> QuerySet[Dispatch]:
    return request.dispatches.select_related("from_org", "to_org", "created_by", "reported_by")


def attachment_get_visible(*, actor, request_pk: int | str, pk: int | str) -> Attachment:
    request = request_get_visible(actor=actor, pk=request_pk)
    try:
        return request.attachments.get(pk=int(pk))
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("附件不存在")) from None


def attachment_get_for_worker(*, worker, request_pk: int | str, pk: int | str) -> Attachment:
    request = request_get_for_worker(worker=worker, pk=request_pk)
    try:
        return request.attachments.get(pk=int(pk))
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("附件不存在")) from None


def open_dispatch(request: ServiceRequest) -> Dispatch | None:
    """The dispatch that handed the request to the union holding it now (awaiting its report)."""
    return (
        request.dispatches.filter(to_org_id=request.handling_org_id, reported_at__isnull=True)
        .select_related("from_org", "to_org")
        .first()
    )


def transfer_targets(*, actor, request: ServiceRequest, limit: int = 300) -> list[Org]:
    """Unions offered for a transfer: the parent of the union holding the request, and, within
    the actor's scope, its children and siblings (the service accepts any union in scope)."""
    org = request.handling_org
    near = Q(parent_id=org.pk)
    if org.parent_id:
        near |= Q(parent_id=org.parent_id)
    in_scope = Org.objects.filter(is_active=True).filter(near).filter(scope_q(actor)).exclude(pk=org.pk)
    out = list(in_scope.order_by("path")[:limit])
    if org.parent_id and all(o.pk != org.parent_id for o in out):
        parent = Org.objects.filter(pk=org.parent_id, is_active=True).first()
        if parent is not None:
            out.insert(0, parent)
    return out


def dispatch_targets(*, request: ServiceRequest, limit: int = 500) -> list[Org]:
    """The unions one level below the one holding the request."""
    return list(Org.objects.filter(parent_id=request.handling_org_id, is_active=True).order_by("path")[:limit])


def routable_regions(limit: int = 600) -> list[tuple[str, str]]:
    """(region code, full name) of the areas that have a township union or a federation on the
    platform: the choices for "where is your employer" (non-members are routed by it)."""
    from gonghui.core.regions import region_full_name
    from gonghui.orgs.models import OrgKind

    codes = (
        Org.objects.filter(is_active=True, kind__in=[OrgKind.TOWNSHIP, OrgKind.FEDERATION])
        .order_by("region_code")
        .values_list("region_code", flat=True)
        .distinct()[:limit]
    )
    return [(code, region_full_name(code) or code) for code in codes if code]


@dataclass(frozen=True)
class PhoneHistory:
    """Earlier requests from one phone: those the officer may open, and how many others exist."""

    phone: str
    visible: list[ServiceRequest]
    others: int

    @property
    def total(self) -> int:
        return len(self.visible) + self.others


def requests_from_phone(*, actor, phone: str, exclude_pk: int | None = None, limit: int = 10) -> PhoneHistory:
    """Earlier calls and filings from this phone (the 12351 operator's "来电记录"): up to `limit`
    the actor may see, newest first, and a count of the rest (held by unions outside the actor's
    scope, or beyond the limit), which the actor may not open."""
    from gonghui.core.phone import normalize_mobile

    phone = normalize_mobile(phone or "")
    if not phone or len(phone) > 20:
        return PhoneHistory(phone=phone, visible=[], others=0)
    everyone = ServiceRequest.objects.filter(requester_phone=phone)
    if exclude_pk is not None:
        everyone = everyone.exclude(pk=exclude_pk)
    mine = everyone.filter(_visible_q(actor)).select_related("handling_org").order_by("-id")
    visible = list(mine[:limit])
    total = everyone.count()
    return PhoneHistory(phone=phone, visible=visible, others=max(total - len(visible), 0))


def request_track(*, reference: str, phone_last4: str) -> ServiceRequest | None:
    """The request a caller follows on the public tracking page: the case number and the last
    four digits of the phone it was recorded with must both match (else None, whichever failed)."""
    reference = (reference or "").strip().upper()
    last4 = (phone_last4 or "").strip()
    if not reference or len(last4) != 4 or not last4.isdigit():
        return None
    return (
        ServiceRequest.objects.filter(reference=reference, requester_phone__endswith=last4)
        .select_related("handling_org")
        .first()
    )


def street_choices(*, actor, limit: int = 2000) -> list[tuple[str, list[tuple[int, str]]]]:
    """The street/township unions in the actor's scope that a non-member's request may be sent to,
    grouped by the county they lie in (region name), for the region picker that goes down to streets."""
    from gonghui.core.regions import region_label
    from gonghui.orgs.models import OrgKind

    rows = (
        Org.objects.filter(is_active=True, kind=OrgKind.TOWNSHIP)
        .filter(scope_q(actor))
        .order_by("region_code", "name")
        .values_list("pk", "name", "region_code")[:limit]
    )
    groups: dict[str, list[tuple[int, str]]] = {}
    for pk, name, code in rows:
        groups.setdefault(code, []).append((pk, name))
    return [(region_label(code), streets) for code, streets in groups.items()]


def operator_choices(*, actor, limit: int = 200) -> list[tuple[int, str]]:
    """Officers who may be named as the call's operator: active accounts of the actor's union."""
    from gonghui.accounts.models import User

    if not getattr(actor, "org_id", None):
        return [(actor.pk, str(actor))]
    users = User.objects.filter(is_active=True, org_id=actor.org_id).order_by("username")[:limit]
    out = [(u.pk, str(u)) for u in users]
    if all(pk != actor.pk for pk, _name in out):
        out.insert(0, (actor.pk, str(actor)))
    return out
