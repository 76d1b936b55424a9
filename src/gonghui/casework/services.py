"""Writes of the casework on a request: legal aid, mediation, follow-up (回访) and rating (满意度评价).

One function per business operation, keyword-only, taking the acting officer (`actor=`) or the
worker (`worker=`). Each checks the role and the scope (a request out of scope is NotFound, as if
missing), validates, saves, and writes the step on the request's timeline through
rights.events.record_event, in one transaction. Reads (the current follow-up, whether a
worker may rate) are in casework.selectors.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core.errors import Conflict, InvalidInput, NotFound
from gonghui.core.uscc import validate_uscc
from gonghui.notifications.services import notify_org
from gonghui.rights.access import require_handler
from gonghui.rights.events import record_event
from gonghui.rights.models import ServiceRequest, State
from gonghui.rights.selectors import request_get_for_worker, request_get_visible

from .models import (
    FollowUp,
    LegalAidCase,
    LegalAidOutcome,
    LegalAidStage,
    Mediation,
    MediationResult,
    MediationSession,
    Rating,
    RatingSource,
)
from .selectors import is_ratable, legal_aid_get_visible, mediation_get_visible

# Casework (legal aid, mediation) is recorded while the request is being handled, and after it is
# resolved (an enforcement or a mediation agreement is often performed later); a closed, rejected or
# not yet accepted request takes none.
CASEWORK_STATES = frozenset({"accepted", "in_progress", "reopened", "resolved"})
# The follow-up is made between resolution and closing.
FOLLOW_UP_STATES = frozenset({"resolved"})

# Timeline kinds written by this module (rights.models.EventKind); data["action"] tells the step.
EVENT_LEGAL_AID = "legal_aid"
EVENT_MEDIATION = "mediation"
EVENT_FOLLOW_UP = "follow_up"
EVENT_RATED = "rated"

LEGAL_AID_FIELDS = (
    "aid_type",
    "lawyer_name",
    "agency_name",
    "lawyer_phone",
    "stage",
    "case_number",
    "opened_on",
    "closed_on",
    "outcome",
    "amount_claimed",
    "amount_recovered",
    "notes",
)
MEDIATION_FIELDS = (
    "worker_party",
    "employer_name",
    "employer_uscc",
    "employer_representative",
    "mediator_name",
    "mediator_org",
    "started_on",
    "notes",
)
MEDIATION_RESULT_FIELDS = ("result", "agreement_amount", "agreement_date", "performed", "performed_on")
SESSION_FIELDS = ("held_on", "place", "attendees", "summary")
FOLLOW_UP_FIELDS = ("method", "contacted", "answer", "satisfied", "followed_at")


# ---- helpers -------------------------------------------------------------------------------------


def _invalid(field: str, message: str, code: str = "validation_error") -> InvalidInput:
    return InvalidInput(_("输入有误：%(detail)s") % {"detail": message}, code=code, fields={field: [message]})


def _assign(instance: models.Model, data: dict[str, Any], fields: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise _invalid(unknown[0], _("不支持此字段"))
    for name, value in data.items():
        field: Any = instance._meta.get_field(name)
        if value is None and not field.null:
            value = "" if isinstance(field, models.CharField | models.TextField) else field.get_default()
        if isinstance(value, str) and isinstance(field, models.CharField | models.TextField):
            value = value.strip()
        setattr(instance, name, value)


def _clean(instance: models.Model, *, exclude: tuple[str, ...] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise InvalidInput.from_django(exc) from None


def _fmt_money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _changes(before: dict[str, Any], instance: models.Model, fields: tuple[str, ...]) -> dict[str, list[Any]]:
    return {
        f: [_jsonable(before[f]), _jsonable(getattr(instance, f))] for f in fields if before[f] != getattr(instance, f)
    }


def _officer_request(*, actor, request: ServiceRequest, states: frozenset[str]) -> ServiceRequest:
    """The request, locked for the write, when the actor's union holds it (or is above it).

    Out of scope is NotFound; a union that only took part through a dispatch reads but does not
    write (Forbidden), as for the request's own steps. A state that takes no such step is refused.
    """
    visible = request_get_visible(actor=actor, pk=request.pk)
    require_handler(actor, visible)
    locked = (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("handling_org", "requester__user")
        .get(pk=visible.pk)
    )
    if locked.state not in states:
        raise Conflict(
            _("诉求当前状态为“%(state)s”，不能办理此项") % {"state": locked.get_state_display()},
            code="bad_state",
        )
    return locked


# ---- legal aid -----------------------------------------------------------------------------------


def _check_legal_aid(case: LegalAidCase) -> None:
    if case.closed_on and case.opened_on and case.closed_on < case.opened_on:
        raise _invalid("closed_on", _("结案日期不能早于援助开始日期"))
    if case.outcome != LegalAidOutcome.PENDING and case.closed_on is None:
        case.closed_on = timezone.localdate()
    if case.outcome == LegalAidOutcome.PENDING and case.closed_on is not None:
        raise _invalid("outcome", _("已填写结案日期，请选择结果"))


@transaction.atomic
def legal_aid_open(*, actor, request: ServiceRequest, data: dict[str, Any]) -> LegalAidCase:
    """Record legal aid on a request (法律援助立案): provider, aid type, stage, amounts."""
    locked = _officer_request(actor=actor, request=request, states=CASEWORK_STATES)
    case = LegalAidCase(request=locked, created_by=actor)
    _assign(case, data, LEGAL_AID_FIELDS)
    if case.opened_on is None:
        case.opened_on = timezone.localdate()
    _clean(case, exclude=("request", "created_by"))
    _check_legal_aid(case)
    case.save()
    case.refresh_from_db()
    record_event(
        request=locked,
        actor=actor,
        kind=EVENT_LEGAL_AID,
        note=_("法律援助：%(type)s，%(lawyer)s（%(agency)s），阶段：%(stage)s")
        % {
            "type": case.get_aid_type_display(),
            "lawyer": case.lawyer_name,
            "agency": case.agency_name,
            "stage": case.get_stage_display(),
        },
        data={"action": "opened", "legal_aid": case.pk, "stage": case.stage},
    )
    return case


@transaction.atomic
def legal_aid_update(*, actor, case: LegalAidCase, data: dict[str, Any]) -> LegalAidCase:
    """Change a legal aid case; a new stage or outcome is a step of its own on the timeline."""

    case = legal_aid_get_visible(actor=actor, pk=case.pk)
    locked = _officer_request(actor=actor, request=case.request, states=CASEWORK_STATES)
    case = LegalAidCase.objects.select_for_update().get(pk=case.pk)
    before = {f: getattr(case, f) for f in LEGAL_AID_FIELDS}
    _assign(case, data, LEGAL_AID_FIELDS)
    _clean(case, exclude=("request", "created_by"))
    _check_legal_aid(case)
    changes = _changes(before, case, LEGAL_AID_FIELDS)
    if not changes:
        return case
    case.save(update_fields=[*changes, "updated_at"])
    case.refresh_from_db()
    if "stage" in changes:
        record_event(
            request=locked,
            actor=actor,
            kind=EVENT_LEGAL_AID,
            note=_("法律援助阶段：%(old)s → %(new)s")
            % {"old": LegalAidStage(before["stage"]).label, "new": case.get_stage_display()},
            data={"action": "stage", "legal_aid": case.pk, "stage": changes["stage"]},
        )
    if "outcome" in changes or (case.outcome != LegalAidOutcome.PENDING and "amount_recovered" in changes):
        record_event(
            request=locked,
            actor=actor,
            kind=EVENT_LEGAL_AID,
            note=_("法律援助结果：%(outcome)s，挽回金额 %(amount)s 元")
            % {"outcome": case.get_outcome_display(), "amount": _fmt_money(case.amount_recovered)},
            data={
                "action": "outcome",
                "legal_aid": case.pk,
                "outcome": case.outcome,
                "amount_recovered": str(case.amount_recovered),
            },
        )
    rest = {k: v for k, v in changes.items() if k not in ("stage", "outcome")}
    if rest and not ("outcome" in changes and set(rest) <= {"amount_recovered", "closed_on"}):
        record_event(
            request=locked,
            actor=actor,
            kind=EVENT_LEGAL_AID,
            note=_("修改法律援助案件信息"),
            data={"action": "updated", "legal_aid": case.pk, "changes": rest},
        )
    return case


# ---- mediation -----------------------------------------------------------------------------------


def _check_mediation(mediation: Mediation) -> None:
    if mediation.employer_uscc:
        try:
            mediation.employer_uscc = validate_uscc(mediation.employer_uscc)
        except ValidationError as exc:
            raise _invalid("employer_uscc", exc.messages[0]) from None


@transaction.atomic
def mediation_open(*, actor, request: ServiceRequest, data: dict[str, Any]) -> Mediation:
    """Start a labour-dispute mediation (劳动争议调解) on a request."""
    locked = _officer_request(actor=actor, request=request, states=CASEWORK_STATES)
    mediation = Mediation(request=locked, created_by=actor)
    data = dict(data)
    data.setdefault("employer_name", locked.employer_name)
    _assign(mediation, data, MEDIATION_FIELDS)
    if mediation.started_on is None:
        mediation.started_on = timezone.localdate()
    _clean(mediation, exclude=("request", "created_by"))
    _check_mediation(mediation)
    mediation.save()
    mediation.refresh_from_db()
    record_event(
        request=locked,
        actor=actor,
        kind=EVENT_MEDIATION,
        note=_("开始调解：%(worker)s 与 %(employer)s，调解员 %(mediator)s（%(org)s）")
        % {
            "worker": mediation.worker_party,
            "employer": mediation.employer_name,
            "mediator": mediation.mediator_name,
            "org": mediation.mediator_org,
        },
        data={"action": "opened", "mediation": mediation.pk},
    )
    return mediation


def _mediation_for_write(*, actor, mediation: Mediation) -> tuple[ServiceRequest, Mediation]:

    mediation = mediation_get_visible(actor=actor, pk=mediation.pk)
    locked = _officer_request(actor=actor, request=mediation.request, states=CASEWORK_STATES)
    return locked, Mediation.objects.select_for_update().get(pk=mediation.pk)


@transaction.atomic
def mediation_update(*, actor, mediation: Mediation, data: dict[str, Any]) -> Mediation:
    """Correct the parties, the mediator or the notes of a mediation."""
    locked, mediation = _mediation_for_write(actor=actor, mediation=mediation)
    before = {f: getattr(mediation, f) for f in MEDIATION_FIELDS}
    _assign(mediation, data, MEDIATION_FIELDS)
    _clean(mediation, exclude=("request", "created_by"))
    _check_mediation(mediation)
    changes = _changes(before, mediation, MEDIATION_FIELDS)
    if changes:
        mediation.save(update_fields=[*changes, "updated_at"])
        record_event(
            request=locked,
            actor=actor,
            kind=EVENT_MEDIATION,
            note=_("修改调解信息"),
            data={"action": "updated", "mediation": mediation.pk, "changes": changes},
        )
    return mediation


@transaction.atomic
def mediation_add_session(*, actor, mediation: Mediation, data: dict[str, Any]) -> MediationSession:
    """Record one sitting of a mediation: date, place, who came, what happened."""
    locked, mediation = _mediation_for_write(actor=actor, mediation=mediation)
    if mediation.result != MediationResult.PENDING:
        raise Conflict(_("调解已有结果，不能再添加调解记录"), code="mediation_concluded")
    session = MediationSession(mediation=mediation, created_by=actor)
    _assign(session, data, SESSION_FIELDS)
    if session.held_on is None:
        session.held_on = timezone.localdate()
    _clean(session, exclude=("mediation", "created_by"))
    if session.held_on < mediation.started_on:
        raise _invalid("held_on", _("调解日期不能早于开始调解日期"))
    session.save()
    record_event(
        request=locked,
        actor=actor,
        kind=EVENT_MEDIATION,
        note=_("调解记录（%(date)s，%(place)s）：%(summary)s")
        % {"date": session.held_on.isoformat(), "place": session.place, "summary": session.summary},
        data={"action": "session", "mediation": mediation.pk, "session": session.pk},
    )
    return session


@transaction.atomic
def mediation_record_result(*, actor, mediation: Mediation, data: dict[str, Any]) -> Mediation:
    """Record the outcome: agreement reached (amount, date) or not, and whether it was performed (履行)."""
    locked, mediation = _mediation_for_write(actor=actor, mediation=mediation)
    before = {f: getattr(mediation, f) for f in MEDIATION_RESULT_FIELDS}
    _assign(mediation, data, MEDIATION_RESULT_FIELDS)
    _clean(mediation, exclude=("request", "created_by"))
    if mediation.result == MediationResult.AGREED:
        if mediation.agreement_date is None:
            raise _invalid("agreement_date", _("达成协议时请填写协议日期"))
        if mediation.agreement_date < mediation.started_on:
            raise _invalid("agreement_date", _("协议日期不能早于开始调解日期"))
        if mediation.performed and mediation.performed_on is None:
            mediation.performed_on = timezone.localdate()
        if mediation.performed_on and not mediation.performed:
            raise _invalid("performed", _("填写了履行日期，请勾选协议已履行"))
        if mediation.performed_on and mediation.performed_on < mediation.agreement_date:
            raise _invalid("performed_on", _("履行日期不能早于协议日期"))
    else:
        if mediation.performed or mediation.performed_on:
            raise _invalid("performed", _("只有达成协议的调解才有履行情况"))
        if mediation.result == MediationResult.PENDING and (mediation.agreement_amount or mediation.agreement_date):
            raise _invalid("result", _("填写了协议内容，请选择“达成协议”"))
        mediation.agreement_amount = None
        mediation.agreement_date = None
        mediation.performed = None
        mediation.performed_on = None
    changes = _changes(before, mediation, MEDIATION_RESULT_FIELDS)
    if not changes:
        return mediation
    mediation.save(update_fields=[*changes, "updated_at"])
    mediation.refresh_from_db()
    if mediation.result == MediationResult.AGREED:
        note = _("调解达成协议（%(date)s），协议金额 %(amount)s 元，%(performed)s") % {
            "date": mediation.agreement_date.isoformat() if mediation.agreement_date else "",
            "amount": _fmt_money(mediation.agreement_amount),
            "performed": _("已履行") if mediation.performed else _("尚未履行"),
        }
    else:
        note = _("调解结果：%(result)s") % {"result": mediation.get_result_display()}
    record_event(
        request=locked,
        actor=actor,
        kind=EVENT_MEDIATION,
        note=note,
        data={"action": "result", "mediation": mediation.pk, "changes": changes},
    )
    return mediation


# ---- follow-up and rating ------------------------------------------------------------------------


@transaction.atomic
def follow_up_record(
    *,
    actor,
    request: ServiceRequest,
    data: dict[str, Any],
    score: int | None = None,
    comment: str = "",
    now: dt.datetime | None = None,
) -> FollowUp:
    """Record the follow-up (回访) of a resolved request; a retry replaces it and counts the attempts.

    With `score` (the worker's rating said on the call), the rating is recorded too (source phone).
    """
    now = now or timezone.now()
    locked = _officer_request(actor=actor, request=request, states=FOLLOW_UP_STATES)
    try:
        follow_up = FollowUp.objects.select_for_update().get(request=locked)
        attempt = follow_up.attempts + 1
    except FollowUp.DoesNotExist:
        follow_up = FollowUp(request=locked)
        attempt = 1
    data = dict(data)
    if data.get("followed_at") is None:
        data["followed_at"] = now
    _assign(follow_up, data, FOLLOW_UP_FIELDS)
    follow_up.officer = actor
    follow_up.attempts = attempt
    _clean(follow_up, exclude=("request", "officer"))
    if follow_up.followed_at > now + dt.timedelta(minutes=5):
        raise _invalid("followed_at", _("回访时间不能晚于现在"))
    if not follow_up.contacted:
        if follow_up.satisfied is not None:
            raise _invalid("satisfied", _("未联系上职工，不能填写是否满意"))
        if score is not None:
            raise _invalid("score", _("未联系上职工，不能代为评分"))
    follow_up.save()
    if follow_up.contacted:
        said = {True: _("表示满意"), False: _("表示不满意"), None: _("未表态")}[follow_up.satisfied]
        note = _("%(method)s：已联系上职工，%(said)s。%(answer)s") % {
            "method": follow_up.get_method_display(),
            "said": said,
            "answer": follow_up.answer,
        }
    else:
        note = _("%(method)s：未联系上职工（第%(n)s次）。%(answer)s") % {
            "method": follow_up.get_method_display(),
            "n": attempt,
            "answer": follow_up.answer,
        }
    record_event(
        request=locked,
        actor=actor,
        kind=EVENT_FOLLOW_UP,
        note=note.strip(),
        data={"contacted": follow_up.contacted, "satisfied": follow_up.satisfied, "attempt": attempt},
        now=now,
    )
    if score is not None:
        _rate(
            request=locked,
            score=score,
            comment=comment,
            source=RatingSource.PHONE,
            actor=actor,
            worker=None,
            now=now,
        )
    return follow_up


def _rate(*, request: ServiceRequest, score: Any, comment: str, source: str, actor, worker, now) -> Rating:
    if Rating.objects.filter(request=request).exists():
        raise Conflict(_("该诉求已评价，不能重复评价"), code="already_rated")
    if not is_ratable(request):
        raise Conflict(_("诉求办结后才能评价"), code="not_resolved")
    rating = Rating(
        request=request,
        score=score,
        comment=(comment or "").strip(),
        source=source,
        worker=worker if worker is not None else request.requester,
        recorded_by=actor if source == RatingSource.PHONE else None,
        rated_at=now,
    )
    _clean(rating, exclude=("request", "worker", "recorded_by"))
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError:
        raise Conflict(_("该诉求已评价，不能重复评价"), code="already_rated") from None
    note = _("%(source)s：%(score)s分。%(comment)s") % {
        "source": rating.get_source_display(),
        "score": rating.score,
        "comment": rating.comment,
    }
    record_event(
        request=request,
        actor=actor if actor is not None else worker.user,
        kind=EVENT_RATED,
        note=note.strip(),
        data={"score": rating.score, "source": rating.source},
        now=now,
    )
    if rating.is_low:
        notify_org(
            request.handling_org,
            topic="rights.low_rating",
            title=_("诉求 %(ref)s 收到低分评价（%(score)s分）") % {"ref": request.reference, "score": rating.score},
            body=rating.comment,
            url=reverse("rights:detail", args=[request.pk]),
        )
    return rating


@transaction.atomic
def rating_submit(
    *, worker, request: ServiceRequest, score: int, comment: str = "", now: dt.datetime | None = None
) -> Rating:
    """The requester rates the service online (1–5 and a comment), once, after it was resolved."""
    if worker is None:
        raise NotFound(_("诉求不存在"))
    own = request_get_for_worker(worker=worker, pk=request.pk)  # someone else's request: NotFound
    locked = ServiceRequest.objects.select_for_update(of=("self",)).select_related("handling_org").get(pk=own.pk)
    return _rate(
        request=locked,
        score=score,
        comment=comment,
        source=RatingSource.ONLINE,
        actor=None,
        worker=worker,
        now=now or timezone.now(),
    )


@transaction.atomic
def rating_record(
    *, actor, request: ServiceRequest, score: int, comment: str = "", now: dt.datetime | None = None
) -> Rating:
    """An officer records the rating the worker gave on the follow-up call (source phone)."""
    locked = _officer_request(actor=actor, request=request, states=frozenset(State.values))
    return _rate(
        request=locked,
        score=score,
        comment=comment,
        source=RatingSource.PHONE,
        actor=actor,
        worker=None,
        now=now or timezone.now(),
    )
