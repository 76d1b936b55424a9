"""Every write on a rights or service request: filing, routing, the state transitions, transfer,
dispatch down and report up, messages, attachments, escalation and the major-incident alarm.

Each service checks who acts (a worker on their own request, an officer with write rights on a
request held in their subtree), locks the request row, changes it, appends the timeline event
(`record_event`) and notifies inside the same transaction. `now=` lets tests and the demo set
the moment; deadlines count Chinese working days (core.workdays).

Escalation rule (escalate_overdue, every 15 minutes): an open request past its deadline is
raised to the parent of the union holding it (level 1); for each further full period of the same
length overdue (1 working day while awaiting acceptance, the resolve limit in working days while
being handled) it is raised one more level, up to the root. Acceptance, transfer and reopening
start a new deadline and clear the escalation. The task only ever raises the level, so running it
twice (or late) changes nothing more.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.permissions import require_write
from gonghui.casework.selectors import follow_up_current  # a read: closing needs the current follow-up
from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Throttled
from gonghui.core.phone import normalize_mobile
from gonghui.core.regions import is_region_code
from gonghui.core.sms import send_sms
from gonghui.core.treepath import STEP_LEN
from gonghui.core.workdays import deadline_after
from gonghui.members.models import CURRENT_STATUSES, Member
from gonghui.notifications.services import notify, org_officers
from gonghui.orgs.models import FederationLevel, Org, OrgKind
from gonghui.portal.selectors import linked_person_hash

from .access import in_scope as _in_scope
from .access import require_handler as _require_handler
from .attachments import store_upload
from .events import record_event
from .facts import clean_facts as clean_category_facts
from .models import (
    ACCEPT_WITHIN_DAYS,
    AWAITING_ACCEPTANCE,
    BEING_HANDLED,
    DEFAULT_RESOLVE_DAYS,
    MAJOR_INCIDENT_WORKERS,
    REOPEN_WITHIN_DAYS,
    Attachment,
    Category,
    Channel,
    Complexity,
    DeadlinePolicy,
    Dispatch,
    EventKind,
    RequestEvent,
    ServiceRequest,
    State,
)
from .selectors import open_dispatch, overdue_q

logger = logging.getLogger(__name__)

TOPIC = "rights"
MAX_TITLE = 120
MAX_TEXT = 5000


# ---- deadlines ------------------------------------------------------------------------------


def resolve_days(category: str, complexity: str) -> int:
    """Working days to resolve: the category's DeadlinePolicy row, else the complexity default."""
    days = (
        DeadlinePolicy.objects.filter(category=category, complexity=complexity)
        .values_list("working_days", flat=True)
        .first()
    )
    return int(days) if days else DEFAULT_RESOLVE_DAYS[Complexity(complexity)]


def accept_deadline(moment: dt.datetime) -> dt.datetime:
    return deadline_after(moment, ACCEPT_WITHIN_DAYS)


# ---- helpers --------------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _lock(request: ServiceRequest, actor=None) -> ServiceRequest:
    """The request's row, locked; for an officer, checked again (it may have moved meanwhile)."""
    locked = ServiceRequest.objects.select_for_update().select_related("handling_org").get(pk=request.pk)
    if actor is not None and locked.handling_org_id != request.handling_org_id:
        _require_handler(actor, locked)
    return locked


def _require_owner(worker, request: ServiceRequest) -> None:
    if worker is None or request.requester_id != worker.pk:
        raise NotFound(_("申请不存在"))


def _require_state(request: ServiceRequest, allowed: Iterable[str], action: str) -> None:
    if request.state not in allowed:
        raise Conflict(
            _("当前状态为“%(state)s”，不能%(action)s") % {"state": request.get_state_display(), "action": action},
            code="bad_state",
        )


def _text(value: Any, field: str, label: str, *, required: bool = True, max_len: int = MAX_TEXT) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(_("请填写%(label)s") % {"label": label}, fields={field: [_("此项为必填项")]})
    if len(text) > max_len:
        msg = _("不能超过%(max)s个字符") % {"max": max_len}
        raise InvalidInput(msg, fields={field: [msg]})
    return text


def _officer_url(request: ServiceRequest) -> str:
    return reverse("rights:detail", args=[request.pk])


def _worker_url(request: ServiceRequest) -> str:
    return reverse("rights_portal:detail", args=[request.pk])


def _tell_worker(request: ServiceRequest, title: str, body: str = "", *, sms: bool = False) -> None:
    if request.requester_id is None:
        # Hotline and walk-in callers without an account hear back by SMS on the number they left.
        if sms and request.requester_phone and len(normalize_mobile(request.requester_phone)) == 11:
            phone = normalize_mobile(request.requester_phone)
            signature = settings.GONGHUI_SMS_SIGNATURE
            transaction.on_commit(lambda: send_sms(phone, f"【{signature}】{title}", fail_silently=True))
        return
    assert request.requester is not None
    notify([request.requester.user], topic=TOPIC, title=title, body=body, url=_worker_url(request), sms=sms)


def _tell_org(org: Org | None, request: ServiceRequest, title: str, body: str = "", *, sms: bool = False) -> None:
    if org is not None:
        notify(org_officers(org), topic=TOPIC, title=title, body=body, url=_officer_url(request), sms=sms)


def _ancestors(org: Org) -> list[Org]:
    """The unions above org, nearest first."""
    prefixes = [org.path[:n] for n in range(STEP_LEN, len(org.path), STEP_LEN)]
    return sorted(Org.objects.filter(path__in=prefixes), key=lambda o: -len(o.path))


# ---- routing --------------------------------------------------------------------------------


def current_membership(*, id_number_hash: str) -> Member | None:
    if not id_number_hash:
        return None
    return (
        Member.objects.filter(id_number_hash=id_number_hash, status__in=CURRENT_STATUSES).select_related("org").first()
    )


def route_by_region(region_code: str) -> Org | None:
    """The county-level federation of the area (县级总工会), else the city's, else the province's:
    the nearest federation up whose region code matches. Never a street union picked by chance:
    a street (township) union gets a request only when the officer picks it (`street_org`)."""
    code = (region_code or "").strip()
    if not code:
        return None
    federations = Org.objects.filter(is_active=True, kind=OrgKind.FEDERATION)
    for candidate in dict.fromkeys((code, code[:4] + "00", code[:2] + "0000")):
        federation = federations.filter(region_code=candidate).order_by("depth", "path").first()
        if federation is not None:
            return federation
    return None


def street_union(org_id: Any, region_code: str = "", *, actor=None) -> Org:
    """The township/street union an officer picked for a non-member's request; it must be in the
    officer's scope and lie in the region given (when one is)."""
    try:
        org = Org.objects.get(pk=int(org_id), is_active=True, kind=OrgKind.TOWNSHIP)
    except (Org.DoesNotExist, TypeError, ValueError):
        org = None
    if org is None or (actor is not None and not _in_scope(actor, org)):
        msg = _("请选择有效的乡镇(街道)工会")
        raise InvalidInput(msg, fields={"street_org": [msg]})
    if region_code and org.region_code != region_code:
        msg = _("%(org)s不在所选地区") % {"org": org.name}
        raise InvalidInput(msg, fields={"street_org": [msg]})
    return org


def route_request(*, member: Member | None, region_code: str, street: Org | None = None) -> Org | None:
    """Where a new request goes: the member's union, or for non-members the street union picked,
    else the county federation of the region."""
    if member is not None and member.org.is_active:
        return member.org
    if street is not None:
        return street
    return route_by_region(region_code)


# ---- filing ---------------------------------------------------------------------------------


def _facts_of(data: dict[str, Any]) -> dict[str, Any] | None:
    raw = data.get("facts")
    if raw is not None and not isinstance(raw, dict):
        msg = _("诉求要素应为对象")
        raise InvalidInput(msg, fields={"facts": [msg]})
    return raw


def _clean_facts(data: dict[str, Any], now: dt.datetime | None = None) -> dict[str, Any]:
    """Validate what every channel asks: category, title, description, employer, region, workers,
    and the category's figures (rights.facts)."""
    errors: dict[str, list[str]] = {}
    category = str(data.get("category") or "")
    if category not in Category.values:
        errors["category"] = [_("请选择求助类别")]
    title = str(data.get("title") or "").strip()
    description = str(data.get("description") or "").strip()
    if not title:
        errors["title"] = [_("此项为必填项")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("不能超过%(max)s个字符") % {"max": MAX_TITLE}]
    if not description:
        errors["description"] = [_("请说明遇到的情况")]
    elif len(description) > MAX_TEXT:
        errors["description"] = [_("不能超过%(max)s个字符") % {"max": MAX_TEXT}]
    employer = str(data.get("employer_name") or "").strip()[:128]
    region = str(data.get("region_code") or "").strip()
    if region and not is_region_code(region):
        errors["region_code"] = [_("行政区划代码 %(code)s 不在 GB/T 2260 代码表中") % {"code": region}]
    try:
        raw = data.get("workers_involved")
        workers = 1 if raw in (None, "") else int(raw)
        if workers < 1:
            raise ValueError
    except (TypeError, ValueError):
        errors["workers_involved"] = [_("涉及职工人数应为不小于1的整数")]
        workers = 1
    figures: dict[str, Any] = {}
    if category in Category.values:
        try:
            figures = clean_category_facts(category, _facts_of(data), now=now)
        except InvalidInput as exc:
            errors.update(exc.fields or {})
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(_("输入有误：%(detail)s") % {"detail": first}, fields=errors)
    return {
        "facts": figures,
        "category": category,
        "title": title,
        "description": description,
        "employer_name": employer,
        "region_code": region,
        "workers_involved": workers,
    }


def _create(
    *, facts: dict[str, Any], now: dt.datetime, received_at: dt.datetime | None = None, **fields: Any
) -> ServiceRequest:
    received_at = received_at or now
    request = ServiceRequest(
        **facts,
        **fields,
        created_at=now,
        received_at=received_at,
        accept_due_from=received_at,
        accept_due_at=accept_deadline(received_at),
    )
    request.reference = f"TMP-{secrets.token_hex(12)}"  # unique until the id is known
    request.save()
    day = timezone.localtime(now).strftime("%Y%m%d")
    request.reference = f"WQ{day}-{request.pk:06d}"
    request.save(update_fields=["reference"])
    return request


def _after_arrival(request: ServiceRequest, actor, now: dt.datetime) -> None:
    record_event(
        request=request,
        actor=None,
        kind=EventKind.ROUTED,
        org=request.handling_org,
        note=_("分派至%(org)s") % {"org": request.handling_org.name},
        now=now,
    )
    _tell_org(
        request.handling_org,
        request,
        _("新的维权服务申请：%(ref)s") % {"ref": request.reference},
        _("%(category)s：%(title)s，请在1个工作日内受理")
        % {"category": request.get_category_display(), "title": request.title},
    )
    if request.workers_involved >= MAJOR_INCIDENT_WORKERS:
        _flag_major(request, actor=actor, now=now)


def request_file(
    *, worker, data: dict[str, Any], uploads: Iterable[Any] = (), now: dt.datetime | None = None
) -> ServiceRequest:
    """A worker files a request online (channel portal), routed to their union or by region."""
    if worker is None:
        raise Forbidden(_("请使用职工账号登录"))
    now = _now(now)
    facts = _clean_facts(data, now)
    given_name = _text(data.get("requester_name"), "requester_name", _("姓名"), required=False, max_len=64)
    uploads = list(uploads)
    _check_upload_count(0, len(uploads))
    member = current_membership(id_number_hash=linked_person_hash(worker)) if worker.is_verified else None
    org = route_request(member=member, region_code=facts["region_code"])
    if org is None:
        msg = _("请选择用人单位所在地区，以便转到当地工会办理")
        raise InvalidInput(msg, code="no_route", fields={"region_code": [msg]})
    phone = normalize_mobile(str(data.get("requester_phone") or "")) or worker.phone
    stored: list[Attachment] = []
    try:
        # A real-name bound worker is known by the bound name; others by the name they gave.
        name = worker.real_name if worker.is_verified and worker.real_name else given_name
        request = _file(worker, facts, uploads, member, org, name, phone, now, stored)
    except Exception:
        for attachment in stored:  # files written before a later one was refused: nothing stays
            attachment.file.delete(save=False)
        raise
    return request


def _file(worker, facts, uploads, member, org, name, phone, now, stored: list[Attachment]) -> ServiceRequest:
    with transaction.atomic():
        request = _create(
            facts=facts,
            now=now,
            channel=Channel.PORTAL,
            requester=worker,
            requester_name=name,
            requester_phone=phone,
            member=member,
            handling_org=org,
        )
        record_event(request=request, actor=worker.user, kind=EventKind.SUBMITTED, note=facts["title"], now=now)
        for upload in uploads:
            stored.append(_attach(request=request, user=worker.user, upload=upload, now=now))
        _after_arrival(request, worker.user, now)
        _tell_worker(
            request,
            _("已收到您的申请：%(ref)s") % {"ref": request.reference},
            _("%(org)s将在1个工作日内受理") % {"org": org.name},
        )
    return request


def _member_for_call(actor, data: dict[str, Any]) -> Member | None:
    """Optional member lookup for a hotline/walk-in record: by member id, by ID number, or else by
    the caller's mobile phone when exactly one current member in the officer's scope has it."""
    from gonghui.core.pii import keyed_hash
    from gonghui.members.selectors import member_get_visible, member_qs_visible_to

    member_id = data.get("member_id") or data.get("member")
    if member_id:
        return member_get_visible(actor=actor, member_id=member_id)
    id_number = str(data.get("id_number") or "").strip().upper()
    if id_number:
        member = current_membership(id_number_hash=keyed_hash(id_number))
        if member is None:
            msg = _("会员名册中没有此证件号码的在册会员")
            raise InvalidInput(msg, fields={"id_number": [msg]})
        return member
    phone = normalize_mobile(str(data.get("requester_phone") or ""))
    if len(phone) == 11:
        matches = list(
            member_qs_visible_to(actor=actor).filter(phone=phone, status__in=CURRENT_STATUSES).select_related("org")[:2]
        )
        if len(matches) == 1:
            return matches[0]
    return None


def received_at_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The earliest and latest received time an officer may record (GONGHUI_RECEIVED_AT_MAX_DAYS_BACK)."""
    return now - dt.timedelta(days=settings.GONGHUI_RECEIVED_AT_MAX_DAYS_BACK), now


def _moment(value: Any, field: str, label: str) -> dt.datetime | None:
    """A datetime from the form or the API (aware, or naive meaning Shanghai time), or None."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            msg = _("%(label)s格式应为 2026-11-24 09:30") % {"label": label}
            raise InvalidInput(msg, fields={field: [msg]}) from None
    if not isinstance(value, dt.datetime):
        msg = _("%(label)s格式应为 2026-11-24 09:30") % {"label": label}
        raise InvalidInput(msg, fields={field: [msg]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def _check_received(moment: dt.datetime, now: dt.datetime, field: str, label: str) -> None:
    earliest, latest = received_at_bounds(now)
    if moment > latest:
        msg = _("%(label)s不能晚于现在") % {"label": label}
        raise InvalidInput(msg, code="received_in_future", fields={field: [msg]})
    if moment < earliest:
        msg = _("%(label)s不能早于%(days)s天前，更早的来电来访请按书面材料另行处理") % {
            "label": label,
            "days": settings.GONGHUI_RECEIVED_AT_MAX_DAYS_BACK,
        }
        raise InvalidInput(msg, code="received_too_early", fields={field: [msg]})


def _call_record(actor, data: dict[str, Any], channel: str, now: dt.datetime) -> dict[str, Any]:
    """The hotline ticket's own facts (operator, call start and end, recording) and the received
    time: the call's start for a call, the time of the visit for a walk-in; checked against now."""
    received = _moment(data.get("received_at"), "received_at", _("来电来访时间"))
    out: dict[str, Any] = {"operator": _operator(actor, data.get("operator")), "recording_ref": ""}
    if channel == Channel.HOTLINE:
        started = _moment(data.get("call_started_at"), "call_started_at", _("通话开始时间"))
        ended = _moment(data.get("call_ended_at"), "call_ended_at", _("通话结束时间"))
        if started is not None:
            _check_received(started, now, "call_started_at", _("通话开始时间"))
        if ended is not None:
            _check_received(ended, now, "call_ended_at", _("通话结束时间"))
            if started is not None and ended < started:
                msg = _("通话结束时间不能早于开始时间")
                raise InvalidInput(msg, fields={"call_ended_at": [msg]})
        out["call_started_at"], out["call_ended_at"] = started, ended
        out["recording_ref"] = _text(
            data.get("recording_ref"), "recording_ref", _("录音编号"), required=False, max_len=64
        )
        received = received or started
    if received is not None:
        _check_received(received, now, "received_at", _("来电来访时间"))
    out["received_at"] = received or now
    return out


def _operator(actor, operator_id: Any):
    """The officer who took the call: the recorder unless another officer of a union in the
    recorder's scope is named."""
    if operator_id in (None, "") or str(operator_id) == str(actor.pk):
        return actor
    from gonghui.accounts.models import User

    try:
        operator = User.objects.select_related("org").get(pk=int(operator_id), is_active=True)
    except (User.DoesNotExist, TypeError, ValueError):
        operator = None
    if operator is None or operator.org is None or not _in_scope(actor, operator.org):
        msg = _("接线员应为本工会管辖范围内的工作人员")
        raise InvalidInput(msg, fields={"operator": [msg]})
    return operator


def tracking_url(request: ServiceRequest) -> str:
    """The public page where a caller sees the status by case number and phone (no account)."""
    base = settings.GONGHUI_SITE_URL.rstrip("/")
    return f"{base}{reverse('rights_portal:track')}?ref={request.reference}"


def _sms_case_number(request: ServiceRequest) -> None:
    """Tell a caller without an account the case number and where to follow it."""
    phone = normalize_mobile(request.requester_phone or "")
    if len(phone) != 11 or not phone.startswith("1"):
        return
    text = _(
        "【%(sign)s】您反映的问题已登记，编号%(ref)s，%(org)s将在1个工作日内受理。凭编号和手机号后4位查询进度：%(url)s"
    ) % {
        "sign": settings.GONGHUI_SMS_SIGNATURE,
        "ref": request.reference,
        "org": request.handling_org.name,
        "url": tracking_url(request),
    }
    transaction.on_commit(lambda: send_sms(phone, text, fail_silently=True))


TRACK_TRIES_PER_HOUR = 20  # per address, and per case number (the last four digits are 10,000 guesses)


def request_track(*, reference: str, phone_last4: str, ip: str | None) -> ServiceRequest | None:
    """A caller looks up a request by case number and the phone's last four digits (the public
    tracking page). Every try counts, by address and by case number, before the lookup."""
    from gonghui.core import ratelimit

    from .selectors import request_track as lookup

    hour = dt.timedelta(hours=1)
    keys = [f"rights:track:ref:{(reference or '').strip().upper()[:32]}"]
    if ip:
        keys.append(f"rights:track:ip:{ip}")
    for key in keys:
        if ratelimit.hit(key, window=hour).over(TRACK_TRIES_PER_HOUR):
            raise Throttled(_("查询次数过多，请一小时后再试"), code="track_throttled")
    return lookup(reference=reference, phone_last4=phone_last4)


def request_record_call(*, actor, data: dict[str, Any], now: dt.datetime | None = None) -> ServiceRequest:
    """An officer records a 12351 hotline call or a walk-in visit into the same queue.

    The request goes to the union the officer picks (in scope), else the caller's union (member
    lookup optional), else the street union picked for the area or the area's county federation,
    else the officer's own union. The received time (the call's start, or the visit) may lie up
    to GONGHUI_RECEIVED_AT_MAX_DAYS_BACK days back, never ahead; the acceptance deadline counts
    from it. The caller gets the case number and the tracking link by SMS.
    """
    require_write(actor)
    now = _now(now)
    channel = str(data.get("channel") or "")
    if channel not in (Channel.HOTLINE, Channel.WALK_IN):
        msg = _("请选择来电或来访")
        raise InvalidInput(msg, fields={"channel": [msg]})
    facts = _clean_facts(data, now)
    name = _text(data.get("requester_name"), "requester_name", _("求助人姓名"), max_len=64)
    phone = normalize_mobile(str(data.get("requester_phone") or ""))
    if len(phone) > 20:
        msg = _("联系电话格式不正确")
        raise InvalidInput(msg, fields={"requester_phone": [msg]})
    call = _call_record(actor, data, channel, now)
    member = _member_for_call(actor, data)
    street = street_union(data["street_org"], facts["region_code"], actor=actor) if data.get("street_org") else None
    if street is not None and not facts["region_code"]:
        facts["region_code"] = street.region_code
    org: Org | None = None
    if data.get("handling_org"):
        from gonghui.orgs.selectors import org_get_visible

        org = org_get_visible(actor=actor, org_id=data["handling_org"])
    if org is None:
        org = route_request(member=member, region_code=facts["region_code"], street=street)
        if org is None or not _in_scope(actor, org):
            org = actor.org if not actor.is_superuser else org
    if org is None:
        msg = _("请选择承办工会或用人单位所在地区")
        raise InvalidInput(msg, code="no_route", fields={"handling_org": [msg]})
    with transaction.atomic():
        request = _create(
            facts=facts,
            now=now,
            channel=channel,
            requester=None,
            requester_name=name,
            requester_phone=phone,
            member=member,
            handling_org=org,
            taken_by_org=actor.org if getattr(actor, "org_id", None) else None,
            **call,
        )
        record_event(
            request=request,
            actor=actor,
            kind=EventKind.RECORDED,
            note=_("%(channel)s登记：%(title)s") % {"channel": request.get_channel_display(), "title": facts["title"]},
            data={"received_at": request.received_at.isoformat(), "operator": call["operator"].pk},
            now=now,
        )
        _after_arrival(request, actor, now)
        _sms_case_number(request)
    return request


# ---- major labour incidents -------------------------------------------------------------------


def major_incident_federation(org: Org) -> Org:
    """The nearest federation above the union (the union itself at the top of the tree)."""
    for ancestor in _ancestors(org):
        if ancestor.kind == OrgKind.FEDERATION:
            return ancestor
    return org


def _federation_of(org: Org | None) -> Org | None:
    """The union itself when it is a federation, else the nearest federation above it."""
    if org is None:
        return None
    if org.kind == OrgKind.FEDERATION:
        return org
    return next((a for a in _ancestors(org) if a.kind == OrgKind.FEDERATION), None)


TOP_LEVELS = (FederationLevel.CITY, FederationLevel.PROVINCIAL)


def major_incident_recipients(request: ServiceRequest) -> list[Org]:
    """Who is alarmed about a major incident: every federation above the handling union up to and
    including the city federation (not the province above it), nearest first, then the
    federation that took the call when it is not among them. A request held at the top of the
    tree alarms its own union."""
    chain: list[Org] = []
    handler = request.handling_org
    at_top = handler.kind == OrgKind.FEDERATION and handler.federation_level in TOP_LEVELS
    for ancestor in [] if at_top else _ancestors(handler):
        if ancestor.kind != OrgKind.FEDERATION:
            continue
        if ancestor.federation_level == FederationLevel.PROVINCIAL and chain:
            break
        chain.append(ancestor)
        if ancestor.federation_level == FederationLevel.CITY:
            break
    if not chain:
        chain = [request.handling_org]
    taker = _federation_of(request.taken_by_org)
    if taker is not None and all(o.pk != taker.pk for o in chain):
        chain.append(taker)
    return chain


def _flag_major(request: ServiceRequest, *, actor, now: dt.datetime) -> None:
    recipients = major_incident_recipients(request)
    request.is_major_incident = True
    request.major_notified_org = recipients[0]
    request.save(update_fields=["is_major_incident", "major_notified_org", "updated_at"])
    names = "、".join(o.name for o in recipients)
    record_event(
        request=request,
        actor=None,
        kind=EventKind.MAJOR_INCIDENT,
        org=recipients[0],
        note=_("涉及%(n)s名职工，已报告%(orgs)s") % {"n": request.workers_involved, "orgs": names},
        data={"orgs": [o.pk for o in recipients], "org_names": [o.name for o in recipients]},
        visible_to_worker=False,
        now=now,
    )
    title = _("重大劳动事件：%(ref)s 涉及%(n)s名职工") % {"ref": request.reference, "n": request.workers_involved}
    body = _("%(org)s受理的%(category)s诉求：%(title)s（用人单位：%(employer)s）") % {
        "org": request.handling_org.name,
        "category": request.get_category_display(),
        "title": request.title,
        "employer": request.employer_name or "—",
    }
    signature = settings.GONGHUI_SMS_SIGNATURE
    for federation in recipients:
        notify(org_officers(federation), topic=TOPIC, title=title, body=body, url=_officer_url(request), sms=True)
        # Officer accounts carry no phone: each federation's duty phone gets the SMS alarm.
        duty_phone = normalize_mobile(federation.contact_phone or "")
        if len(duty_phone) == 11 and duty_phone.startswith("1"):
            transaction.on_commit(
                functools.partial(send_sms, duty_phone, f"【{signature}】{title}", fail_silently=True)
            )


# ---- officer transitions ------------------------------------------------------------------------


def request_accept(
    *, actor, request: ServiceRequest, complexity: str = Complexity.ORDINARY, note: str = "", now=None
) -> ServiceRequest:
    """受理: set the complexity; the resolve deadline runs from now."""
    _require_handler(actor, request)
    if complexity not in Complexity.values:
        msg = _("请选择复杂程度")
        raise InvalidInput(msg, fields={"complexity": [msg]})
    now = _now(now)
    with transaction.atomic():
        request = _lock(request, actor)
        _require_state(request, AWAITING_ACCEPTANCE, _("受理"))
        days = resolve_days(request.category, complexity)
        request.state = State.ACCEPTED
        request.complexity = complexity
        request.accepted_at = now
        request.resolve_due_at = deadline_after(now, days)
        request.transferred_from = None
        request.escalation_level, request.escalated_to, request.escalated_at = 0, None, None
        request.save()
        record_event(
            request=request,
            actor=actor,
            kind=EventKind.ACCEPTED,
            note=note,
            data={"complexity": complexity, "working_days": days},
            org=request.handling_org,
            now=now,
        )
        _tell_worker(
            request,
            _("您的申请 %(ref)s 已受理") % {"ref": request.reference},
            _("%(org)s已受理，将在%(days)s个工作日内办结") % {"org": request.handling_org.name, "days": days},
            sms=True,
        )
    return request


def request_start(*, actor, request: ServiceRequest, note: str = "", now=None) -> ServiceRequest:
    _require_handler(actor, request)
    now = _now(now)
    with transaction.atomic():
        request = _lock(request, actor)
        _require_state(request, (State.ACCEPTED,), _("开始办理"))
        request.state = State.IN_PROGRESS
        request.save(update_fields=["state", "updated_at"])
        record_event(request=request, actor=actor, kind=EventKind.STARTED, note=note, org=request.handling_org, now=now)
        _tell_worker(request, _("您的申请 %(ref)s 正在办理") % {"ref": request.reference})
    return request


def request_transfer(*, actor, request: ServiceRequest, to_org: Org | int, note: str = "", now=None) -> ServiceRequest:
    """转办 to a union in the actor's scope or to the parent of the union holding it; the
    receiving union must accept (within 1 working day)."""
    _require_handler(actor, request)
    note = _text(note, "note", _("转办说明"))
    now = _now(now)
    with transaction.atomic():
        request = _lock(request, actor)
        _require_state(request, (*AWAITING_ACCEPTANCE, *BEING_HANDLED), _("转办"))
        target = _transfer_target(actor, request, to_org)
        if open_dispatch(request) is not None:
            raise Conflict(_("交办中的申请请向上级报告办理结果，不能转办"), code="dispatched")
        source = request.handling_org
        request.handling_org = target
        request.transferred_from = source
        request.state = State.TRANSFERRED
        request.accept_due_from = now
        request.accept_due_at = accept_deadline(now)
        request.accepted_at = None
        request.resolve_due_at = None
        request.escalation_level, request.escalated_to, request.escalated_at = 0, None, None
        request.save()
        record_event(
            request=request,
            actor=actor,
            kind=EventKind.TRANSFERRED,
            note=note,
            data={"from_org": source.pk, "to_org": target.pk, "to_org_name": target.name},
            org=source,
            now=now,
        )
        _tell_org(
            target,
            request,
            _("转办来的申请：%(ref)s") % {"ref": request.reference},
            _("%(org)s转来：%(note)s") % {"org": source.name, "note": note},
        )
        _tell_worker(
            request,
            _("您的申请 %(ref)s 已转至%(org)s办理") % {"ref": request.reference, "org": target.name},
        )
    return request


def _transfer_target(actor, request: ServiceRequest, to_org: Org | int) -> Org:
    pk = to_org.pk if isinstance(to_org, Org) else to_org
    try:
        target = Org.objects.get(pk=int(pk), is_active=True)
    except (Org.DoesNotExist, TypeError, ValueError):
        target = None
    if target is not None and target.pk == request.handling_org.parent_id:
        return target
    if target is None or not _in_scope(actor, target):
        msg = _("只能转给本工会管辖范围内的工会或上级工会")
        raise InvalidInput(msg, code="bad_target", fields={"to_org": [msg]})
    if target.pk == request.handling_org_id:
        msg = _("申请已在该工会办理")
        raise InvalidInput(msg, code="bad_target", fields={"to_org": [msg]})
    return target


def request_dispatch(
    *,
    actor,
    request: ServiceRequest,
    to_org: Org | int,
    instruction: str,
    due_days: int | None = None,
    now=None,
) -> Dispatch:
    """交办: hand an accepted request one level down the tree with an instruction; the lower
    union handles it and reports back (request_report)."""
    _require_handler(actor, request)
    instruction = _text(instruction, "instruction", _("交办意见"))
    now = _now(now)
    with transaction.atomic():
        request = _lock(request, actor)
        _require_state(request, BEING_HANDLED, _("交办"))
        pk = to_org.pk if isinstance(to_org, Org) else to_org
        try:
            target = Org.objects.get(pk=int(pk), is_active=True, parent_id=request.handling_org_id)
        except (Org.DoesNotExist, TypeError, ValueError):
            msg = _("只能交办给直属下一级工会")
            raise InvalidInput(msg, code="bad_target", fields={"to_org": [msg]}) from None
        if due_days is not None:
            if int(due_days) < 1:
                msg = _("反馈期限应不少于1个工作日")
                raise InvalidInput(msg, fields={"due_days": [msg]})
            due_at: dt.datetime | None = deadline_after(now, int(due_days))
        else:
            due_at = request.resolve_due_at
        source = request.handling_org
        dispatch = Dispatch.objects.create(
            request=request,
            from_org=source,
            to_org=target,
            instruction=instruction,
            due_at=due_at,
            created_by=actor,
            created_at=now,
        )
        request.handling_org = target
        request.state = State.IN_PROGRESS
        request.save(update_fields=["handling_org", "state", "updated_at"])
        record_event(
            request=request,
            actor=actor,
            kind=EventKind.DISPATCHED,
            note=instruction,
            data={"dispatch": dispatch.pk, "from_org": source.pk, "to_org": target.pk, "to_org_name": target.name},
            org=source,
            visible_to_worker=False,
            now=now,
        )
        _tell_org(
            target,
            request,
            _("上级交办：%(ref)s") % {"ref": request.reference},
            _("%(org)s交办：%(instruction)s") % {"org": source.name, "instruction": instruction},
        )
    return dispatch


def request_report(*, actor, request: ServiceRequest, report: str, now=None) -> Dispatch:
    """逐级反馈: the union a request was dispatched to reports its result one level up; the
    request goes back to the union that dispatched it."""
    _require_handler(actor, request)
    report = _text(report, "report", _("办理结果"))
    now = _now(now)
    with transaction.atomic():
        request = _lock(request, actor)
        _require_state(request, BEING_HANDLED, _("上报办理结果"))
        dispatch = open_dispatch(request)
        if dispatch is None:
            raise Conflict(_("此申请不是上级交办的，无需上报"), code="not_dispatched")
        if _in_scope(actor, dispatch.from_org) and not actor.is_superuser:
            raise Forbidden(_("应由承办工会上报办理结果"))
        dispatch.report = report
        dispatch.reported_by = actor
        dispatch.reported_at = now
        dispatch.save(update_fields=["report", "reported_by", "reported_at"])
        request.handling_org = dispatch.from_org
        request.save(update_fields=["handling_org", "updated_at"])
        record_event(
            request=request,
            actor=actor,
            kind=EventKind.REPORTED,
            note=report,
            data={"dispatch": dispatch.pk, "to_org": dispatch.from_org_id},
            org=dispatch.to_org,
            visible_to_worker=False,
            now=now,
        )
        _tell_org(
            dispatch.from_org,
            request,
            _("下级反馈办理结果：%(ref)s") % {"ref": request.reference},
            _("%(org)s：%(report)s") % {"org": dispatch.to_org.name, "report": report},
        )
    return dispatch


def request_resolve(*, actor, request: ServiceRequest, resolution: str, now=None) -> ServiceRequest:
    """办结 with the result the worker will read."""
    _require_handler(actor, request)
    resolution = _text(resolution, "resolution", _("办理结果"))
    now = _now(now)
    with transaction.atomic():
        request = _lock(request, actor)
        _require_state(request, BEING_HANDLED, _("办结"))
        if open_dispatch(request) is not None:
            raise Conflict(_("这是上级交办的申请，请向上级报告办理结果，由上级办结"), code="dispatched")
        request.state = State.RESOLVED
        request.resolution = resolution
        request.resolved_at = now
        request.save(update_fields=["state", "resolution", "resolved_at", "updated_at"])
        record_event(
            request=request,
            actor=actor,
            kind=EventKind.RESOLVED,
            note=resolution,
            org=request.handling_org,
            data={"on_time": bool(request.resolve_due_at and now <= request.resolve_due_at)},
            now=now,
        )
        _tell_worker(
            request,
            _("您的申请 %(ref)s 已办结") % {"ref": request.reference},
            _("办理结果：%(resolution)s。如不满意，可在%(days)s天内申请重新办理，欢迎评价。")
            % {"resolution": resolution, "days": REOPEN_WITHIN_DAYS},
            sms=True,
        )
    return request


def request_reject(*, actor, request: ServiceRequest, reason: str, now=None) -> ServiceRequest:
    """不予受理, with the reason the worker reads (only before acceptance)."""
    _require_handler(actor, request)
    reason = _text(reason, "reason", _("不予受理理由"))
    now = _now(now)
    with transaction.atomic():
        request = _lock(request, actor)
        _require_state(request, AWAITING_ACCEPTANCE, _("不予受理"))
        request.state = State.REJECTED
        request.reject_reason = reason
        request.closed_at = now
        request.escalation_level, request.escalated_to, request.escalated_at = 0, None, None
        request.save()
        record_event(
            request=request, actor=actor, kind=EventKind.REJECTED, note=reason, org=request.handling_org, now=now
        )
        _tell_worker(
            request,
            _("您的申请 %(ref)s 不予受理") % {"ref": request.reference},
            _("理由：%(reason)s") % {"reason": reason},
            sms=True,
        )
    return request


def _rating_of(request: ServiceRequest):
    try:
        return request.rating  # type: ignore[attr-defined]
    except Exception:
        return None


def request_close(*, actor, request: ServiceRequest, note: str = "", now=None) -> ServiceRequest:
    """关闭 a resolved request: needs the follow-up (回访) and the worker's rating, unless the
    follow-up records that the worker could not be reached."""
    _require_handler(actor, request)
    now = _now(now)
    with transaction.atomic():
        request = _lock(request, actor)
        _require_state(request, (State.RESOLVED,), _("关闭"))
        # A follow-up recorded before a reopening does not count for the new resolution.
        follow_up = follow_up_current(request)
        if follow_up is None:
            raise InvalidInput(_("关闭前须先完成回访"), code="follow_up_required")
        if getattr(follow_up, "contacted", None) is not False and _rating_of(request) is None:
            raise InvalidInput(_("关闭前须有职工的满意度评价（回访未联系上职工的除外）"), code="rating_required")
        request.state = State.CLOSED
        request.closed_at = now
        request.save(update_fields=["state", "closed_at", "updated_at"])
        record_event(request=request, actor=actor, kind=EventKind.CLOSED, note=note, org=request.handling_org, now=now)
        _tell_worker(request, _("您的申请 %(ref)s 已关闭") % {"ref": request.reference})
    return request


# ---- worker actions ---------------------------------------------------------------------------


def request_withdraw(*, worker, request: ServiceRequest, reason: str = "", now=None) -> ServiceRequest:
    """The worker withdraws an open request (e.g. the wages were paid); it closes at once."""
    _require_owner(worker, request)
    now = _now(now)
    reason = _text(reason, "reason", _("撤回原因"), required=False, max_len=500)
    with transaction.atomic():
        request = _lock(request)
        _require_state(request, (*AWAITING_ACCEPTANCE, *BEING_HANDLED), _("撤回"))
        request.state = State.CLOSED
        request.closed_at = now
        request.resolution = _("职工撤回申请") + (f"：{reason}" if reason else "")
        request.escalation_level, request.escalated_to, request.escalated_at = 0, None, None
        request.save()
        record_event(request=request, actor=worker.user, kind=EventKind.WITHDRAWN, note=reason, now=now)
        _tell_org(request.handling_org, request, _("职工已撤回申请：%(ref)s") % {"ref": request.reference}, reason)
    return request


def reopen_deadline(request: ServiceRequest) -> dt.datetime | None:
    base = max((t for t in (request.resolved_at, request.closed_at) if t is not None), default=None)
    return base + dt.timedelta(days=REOPEN_WITHIN_DAYS) if base else None


def can_reopen(request: ServiceRequest, now=None) -> bool:
    until = reopen_deadline(request)
    return request.state in (State.RESOLVED, State.CLOSED) and until is not None and _now(now) <= until


def request_reopen(*, worker, request: ServiceRequest, reason: str, now=None) -> ServiceRequest:
    """重新办理: the worker is not satisfied, within 15 days of resolution (or closing)."""
    _require_owner(worker, request)
    reason = _text(reason, "reason", _("不满意的原因"))
    now = _now(now)
    with transaction.atomic():
        request = _lock(request)
        _require_state(request, (State.RESOLVED, State.CLOSED), _("申请重新办理"))
        if not can_reopen(request, now):
            raise Conflict(
                _("已超过%(days)s天，不能申请重新办理，请重新提交申请") % {"days": REOPEN_WITHIN_DAYS},
                code="reopen_expired",
            )
        request.state = State.REOPENED
        request.reopened_at = now
        request.accept_due_from = now
        request.accept_due_at = accept_deadline(now)
        request.resolve_due_at = None
        request.closed_at = None
        request.escalation_level, request.escalated_to, request.escalated_at = 0, None, None
        request.save()
        record_event(request=request, actor=worker.user, kind=EventKind.REOPENED, note=reason, now=now)
        _tell_org(
            request.handling_org,
            request,
            _("职工申请重新办理：%(ref)s") % {"ref": request.reference},
            reason,
        )
    return request


# ---- messages and attachments -----------------------------------------------------------------


def request_message_worker(*, worker, request: ServiceRequest, text: str, now=None) -> RequestEvent:
    _require_owner(worker, request)
    text = _text(text, "text", _("留言内容"), max_len=2000)
    now = _now(now)
    with transaction.atomic():
        event = record_event(request=request, actor=worker.user, kind=EventKind.MESSAGE, note=text, now=now)
        _tell_org(request.handling_org, request, _("职工留言：%(ref)s") % {"ref": request.reference}, text[:200])
    return event


def request_message_officer(*, actor, request: ServiceRequest, text: str, now=None) -> RequestEvent:
    _require_handler(actor, request)
    text = _text(text, "text", _("留言内容"), max_len=2000)
    now = _now(now)
    with transaction.atomic():
        event = record_event(request=request, actor=actor, kind=EventKind.MESSAGE, note=text, now=now)
        _tell_worker(request, _("工会回复了您的申请 %(ref)s") % {"ref": request.reference}, text[:200])
    return event


def max_attachments() -> int:
    return settings.GONGHUI_RIGHTS_MAX_ATTACHMENTS


def _check_upload_count(existing: int, adding: int) -> None:
    if existing + adding > max_attachments():
        msg = _("每个申请最多%(n)s个附件") % {"n": max_attachments()}
        raise InvalidInput(msg, code="too_many_files", fields={"file": [msg]})


def _attach(*, request: ServiceRequest, user, upload, now: dt.datetime) -> Attachment:
    attachment = store_upload(request=request, upload=upload, user=user, now=now)
    record_event(
        request=request,
        actor=user,
        kind=EventKind.ATTACHMENT,
        note=attachment.original_name,
        data={"attachment": attachment.pk},
        now=now,
    )
    return attachment


def request_attach_worker(*, worker, request: ServiceRequest, upload, now=None) -> Attachment:
    _require_owner(worker, request)
    now = _now(now)
    with transaction.atomic():
        request = _lock(request)
        if request.state in (State.CLOSED, State.REJECTED):
            raise Conflict(_("申请已结束，不能再上传附件"), code="bad_state")
        _check_upload_count(request.attachments.count(), 1)
        return _attach(request=request, user=worker.user, upload=upload, now=now)


def request_attach_officer(*, actor, request: ServiceRequest, upload, now=None) -> Attachment:
    _require_handler(actor, request)
    now = _now(now)
    with transaction.atomic():
        request = _lock(request, actor)
        _check_upload_count(request.attachments.count(), 1)
        return _attach(request=request, user=actor, upload=upload, now=now)


# ---- escalation -------------------------------------------------------------------------------


def _phase(request: ServiceRequest) -> tuple[dt.datetime | None, int]:
    """The deadline being missed and the length of one escalation period in working days."""
    if request.state in AWAITING_ACCEPTANCE:
        return request.accept_due_at, ACCEPT_WITHIN_DAYS
    return request.resolve_due_at, resolve_days(request.category, request.complexity)


def escalation_level_due(request: ServiceRequest, *, levels_available: int, now: dt.datetime) -> int:
    """1 once past the deadline, +1 for each further full period overdue, capped by the tree."""
    due, period = _phase(request)
    if due is None or now <= due or levels_available < 1:
        return 0
    base = due - dt.timedelta(microseconds=1)  # the deadline's own day
    level = 1
    while level < levels_available and now > deadline_after(base, level * period):
        level += 1
    return level


def escalate_overdue(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Raise overdue requests to the unions above (see the module docstring); returns how many
    requests were raised this run."""
    now = _now(now)
    raised = 0
    # Requests already raised to the top of the tree are not read again.
    candidates = (
        ServiceRequest.objects.filter(overdue_q(now))
        .filter(escalation_level__lt=F("handling_org__depth") - 1)
        .select_related("handling_org")
        .order_by("id")
    )
    last_id = 0
    while True:
        chunk = list(candidates.filter(id__gt=last_id)[:batch])
        if not chunk:
            break
        last_id = chunk[-1].pk
        for request in chunk:
            ancestors = _ancestors(request.handling_org)
            level = escalation_level_due(request, levels_available=len(ancestors), now=now)
            if level <= request.escalation_level:
                continue
            with transaction.atomic():
                locked = _lock(request)
                if not locked.is_overdue(now) or level <= locked.escalation_level:
                    continue
                target = ancestors[level - 1]
                locked.escalation_level = level
                locked.escalated_to = target
                locked.escalated_at = now
                locked.save(update_fields=["escalation_level", "escalated_to", "escalated_at", "updated_at"])
                awaiting = locked.state in AWAITING_ACCEPTANCE
                what = _("超期未受理") if awaiting else _("超期未办结")
                record_event(
                    request=locked,
                    actor=None,
                    kind=EventKind.ESCALATED,
                    org=target,
                    note=_("%(what)s，提请%(org)s督办（第%(level)s级）")
                    % {"what": what, "org": target.name, "level": level},
                    data={"level": level, "to_org": target.pk, "phase": "accept" if awaiting else "resolve"},
                    visible_to_worker=False,
                    now=now,
                )
                _tell_org(
                    target,
                    locked,
                    _("督办：%(ref)s %(what)s") % {"ref": locked.reference, "what": what},
                    _("承办工会：%(org)s") % {"org": locked.handling_org.name},
                )
                _tell_org(
                    locked.handling_org,
                    locked,
                    _("申请 %(ref)s %(what)s，已提请上级督办") % {"ref": locked.reference, "what": what},
                )
                raised += 1
    return raised


# ---- a year's holiday schedule entered (core.calendar_entry) ---------------------------------


def deadlines_recount(*, recount) -> int:
    """Move the open accept/resolve and dispatch deadlines that ran into the newly entered year;
    a timeline line on each request that moved. Returns how many deadlines moved."""
    moved = 0
    open_requests = ServiceRequest.objects.filter(
        Q(state__in=AWAITING_ACCEPTANCE, accept_due_at__gte=recount.since)
        | Q(state__in=BEING_HANDLED, resolve_due_at__gte=recount.since)
    )
    for request in open_requests.select_for_update().order_by("pk"):
        if request.state in AWAITING_ACCEPTANCE:
            field, label = "accept_due_at", _("受理期限")
        else:
            field, label = "resolve_due_at", _("办结期限")
        old = getattr(request, field)
        assert old is not None  # filtered on the field
        new = recount.moved(old)
        if new == old:
            continue
        setattr(request, field, new)
        request.save(update_fields=[field, "updated_at"])
        record_event(
            request=request,
            actor=recount.actor,
            kind=EventKind.DEADLINE_RECOUNTED,
            note=recount.note(label, old, new),
            data={"field": field, "from": old.isoformat(), "to": new.isoformat()},
            org=request.handling_org,
            now=recount.now,
        )
        moved += 1
    dispatches = Dispatch.objects.filter(reported_at__isnull=True, due_at__gte=recount.since)
    for dispatch in dispatches.select_for_update().select_related("request").order_by("pk"):
        old = dispatch.due_at
        assert old is not None  # filtered on due_at__gte
        new = recount.moved(old)
        if new == old:
            continue
        dispatch.due_at = new
        dispatch.save(update_fields=["due_at"])
        record_event(
            request=dispatch.request,
            actor=recount.actor,
            kind=EventKind.DEADLINE_RECOUNTED,
            note=recount.note(_("交办反馈期限（%(org)s）") % {"org": dispatch.to_org.name}, old, new),
            data={"field": "dispatch.due_at", "dispatch": dispatch.pk, "from": old.isoformat(), "to": new.isoformat()},
            org=dispatch.from_org,
            visible_to_worker=False,
            now=recount.now,
        )
        moved += 1
    return moved
