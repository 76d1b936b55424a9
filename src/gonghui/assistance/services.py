"""Writes to hardship files, home visits, living standards and pairings.

Workflow of a file (every step leaves a FileEvent on the timeline)::

    draft ──submit──▶ submitted ──verify──▶ verified ──(notice starts at once)──▶ in_notice
      ▲   (filing union,          (county federation        │ objection ──▶ verified
      │    needs a home visit)     above the union)          │   (county restarts the notice or returns)
      └──── returned ◀──return── submitted / verified        ▼ notice period ended (tasks.finish_notices)
                                                           filed ──re-verify (yearly)──▶ filed
                                                             └──exit──▶ exited

* A worker's online application is a ``draft`` with source ``worker``; the union completes it
  (edits, home visit) and submits it, or declines it (``declined``) with a reason for the worker.
* Filing, editing, visits, submitting, objections, re-verification, exit and pairing: officers
  with the assistance right and write role whose scope holds the file's union.
* Verifying, returning and restarting the notice: officers with the right whose scope holds the
  verifying federation (``selectors.verifying_org_for``: the nearest county-level federation
  above the union, else the nearest federation) — the filing union's own officers cannot.
* Public notice: N working days (``LivingStandard.notice_working_days`` for the region, default
  5), ending at the end of the N-th working day after verification (core.workdays.deadline_after).
* Filed: ``next_review_due`` = the filed day + 1 year; a re-verification moves it to the review
  day + 1 year. Reminders: ``send_review_reminders`` (30 days before, and when overdue), once each.
* One open file (submitted, verified, in_notice, filed) per person nationwide: checked here (409,
  naming the holding union only when the actor may see it) and by the partial unique index.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.accounts.models import Role, User
from gonghui.accounts.permissions import (
    can_access_assistance,
    can_read,
    require_assistance,
    require_assistance_write,
    require_write,
)
from gonghui.core import pii
from gonghui.core.errors import Conflict, Forbidden, InvalidInput
from gonghui.core.idcard import mask_id_number, parse_id_number
from gonghui.core.phone import mask_mobile, validate_mobile
from gonghui.core.regions import is_region_code
from gonghui.core.uploads import UploadRules, check_upload
from gonghui.core.workdays import deadline_after, local_date
from gonghui.notifications.services import notify
from gonghui.orgs.models import MEMBER_HOLDING_KINDS, Org, OrgKind
from gonghui.orgs.selectors import org_get_visible
from gonghui.portal.selectors import linked_person_hash

from . import rules
from .models import (
    DEFAULT_NOTICE_WORKING_DAYS,
    EDITABLE_STATES,
    NOT_ELIGIBLE,
    REVIEW_REMINDER_DAYS,
    ExitReason,
    FileEvent,
    FileSource,
    FileState,
    HardshipCause,
    HardshipFile,
    HardshipLevel,
    HealthStatus,
    HomeVisit,
    HouseholdMember,
    HousingSituation,
    LivingStandard,
    Pairing,
    PairingVisit,
    ReviewReminder,
    VisitPhoto,
    WorkStatus,
)
from .selectors import (
    file_get_visible,
    in_scope,
    open_file_of_person,
    pairing_get_visible,
    verifying_org_for,
)

TOPIC = "assistance"
MAX_HOUSEHOLD = 20
PHOTO_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".pdf": "application/pdf"}
PHOTO_MAX_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 6

# Facts shown in the timeline's "what changed" (ID number and phone only masked).
TRACKED = (
    "name",
    "phone_masked",
    "employer_name",
    "address",
    "region_code",
    "monthly_household_income",
    "other_monthly_income",
    "household_size",
    "per_capita_income",
    "causes",
    "sudden_loss",
    "housing",
    "level",
    "suggested_level",
)


# ---- helpers -------------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _bad(field: str, message: str, code: str = "validation_error") -> InvalidInput:
    return InvalidInput(message, code=code, fields={field: [message]})


def _snapshot(file: HardshipFile) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in TRACKED:
        value = getattr(file, name)
        out[name] = str(value) if isinstance(value, Decimal) else value
    return out


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _event(
    file: HardshipFile,
    kind: str,
    *,
    actor,
    now: dt.datetime,
    from_state: str = "",
    to_state: str = "",
    changes: dict | None = None,
    note: str = "",
) -> FileEvent:
    return FileEvent.objects.create(
        file=file,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        from_state=from_state,
        to_state=to_state,
        changes=changes or {},
        note=note[:500],
        created_at=now,
    )


def _assistance_officers(org: Org | None) -> list[User]:
    """The union's write officers holding the assistance right (who get hardship notifications)."""
    if org is None:
        return []
    return list(
        User.objects.filter(org=org, role__in=[Role.ADMIN, Role.OFFICER], is_active=True, assistance_access=True)
    )


def _file_url(file: HardshipFile) -> str:
    return reverse("assistance:detail", args=[file.pk])


def _decimal(data: dict, name: str, label: str, *, default: Decimal | None = None) -> Decimal:
    raw = data.get(name)
    if raw in (None, ""):
        if default is not None:
            return default
        raise _bad(name, _("请填写%(label)s") % {"label": label})
    try:
        value = Decimal(str(raw)).quantize(rules.CENT)
    except (InvalidOperation, ValueError):
        raise _bad(name, _("%(label)s应为数字") % {"label": label}) from None
    if value < 0 or value >= Decimal("100000000"):
        raise _bad(name, _("%(label)s应在0到1亿元之间") % {"label": label})
    return value


def _choice(value: Any, choices, name: str, label: str, *, blank: bool = False) -> str:
    value = (value or "").strip() if isinstance(value, str) else value
    if not value and blank:
        return ""
    if value not in dict(choices.choices):
        raise _bad(name, _("%(label)s无效") % {"label": label})
    return value


def _causes(raw: Any) -> list[str]:
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        raw = [c for c in raw.replace("，", ",").split(",") if c.strip()]
    allowed = dict(HardshipCause.choices)
    out: list[str] = []
    for value in raw:
        value = str(value).strip()
        if value not in allowed:
            raise _bad("causes", _("致困原因无效：%(value)s") % {"value": value})
        if value not in out:
            out.append(value)
    return [c for c in allowed if c in out]  # in the choices' order


def _household(raw: Any) -> list[dict[str, Any]]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise _bad("household", _("家庭成员格式有误"))
    if len(raw) > MAX_HOUSEHOLD:
        raise _bad("household", _("家庭成员最多%(n)s人") % {"n": MAX_HOUSEHOLD})
    this_year = timezone.localdate().year
    rows = []
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise _bad("household", _("家庭成员格式有误"))
        name = str(item.get("name") or "").strip()
        relation = str(item.get("relation") or "").strip()
        if not name or not relation:
            raise _bad("household", _("第%(i)s位家庭成员缺少姓名或与本人关系") % {"i": i})
        birth_year = item.get("birth_year")
        if birth_year in (None, ""):
            birth_year = None
        else:
            try:
                birth_year = int(birth_year)
            except (TypeError, ValueError):
                raise _bad("household", _("第%(i)s位家庭成员的出生年份无效") % {"i": i}) from None
            if not 1900 <= birth_year <= this_year:
                raise _bad("household", _("第%(i)s位家庭成员的出生年份无效") % {"i": i})
        rows.append(
            {
                "name": name[:64],
                "relation": relation[:16],
                "birth_year": birth_year,
                "health": _choice(item.get("health") or "healthy", HealthStatus, "household", _("健康状况")),
                "work_status": _choice(item.get("work_status"), WorkStatus, "household", _("就业状况"), blank=True),
                "monthly_income": _decimal(item, "monthly_income", _("家庭成员月收入"), default=Decimal("0")),
            }
        )
    return rows


def _apply_facts(file: HardshipFile, data: dict[str, Any], *, partial: bool) -> list[dict[str, Any]] | None:
    """Set the income, cause and housing facts from `data`; returns the new household rows (None
    when the household is not being replaced). Recomputes per-capita income and the suggestion."""
    household = None
    if "household" in data or not partial:
        household = _household(data.get("household"))
    if "other_monthly_income" in data or not partial:
        file.other_monthly_income = _decimal(data, "other_monthly_income", _("其他月收入"), default=Decimal("0"))
    if household:
        file.household_size = len(household)
        file.monthly_household_income = sum((r["monthly_income"] for r in household), Decimal("0")) + (
            file.other_monthly_income
        )
    else:
        if "household_size" in data or not partial:
            try:
                size = int(data.get("household_size") or 0)
            except (TypeError, ValueError):
                size = 0
            if not 1 <= size <= MAX_HOUSEHOLD:
                raise _bad("household_size", _("家庭人口应为1到%(n)s人") % {"n": MAX_HOUSEHOLD})
            file.household_size = size
        if "monthly_household_income" in data or not partial:
            file.monthly_household_income = _decimal(data, "monthly_household_income", _("家庭月收入"))
    if "causes" in data or not partial:
        file.causes = _causes(data.get("causes"))
    if "cause_note" in data or not partial:
        file.cause_note = str(data.get("cause_note") or "").strip()[:500]
    if "sudden_loss" in data or not partial:
        file.sudden_loss = bool(data.get("sudden_loss"))
    if "housing" in data or not partial:
        file.housing = _choice(data.get("housing"), HousingSituation, "housing", _("住房情况"), blank=True)
    if "housing_note" in data or not partial:
        file.housing_note = str(data.get("housing_note") or "").strip()[:255]
    _recompute(file)
    return household


def _recompute(file: HardshipFile, *, today: dt.date | None = None) -> None:
    file.per_capita_income = rules.per_capita(file.monthly_household_income, file.household_size)
    year = (today or timezone.localdate()).year
    file.suggested_level = rules.suggest_level(
        per_capita_income=file.per_capita_income,
        causes=file.causes,
        sudden_loss=file.sudden_loss,
        standard=rules.standard_for(file.region_code, year),
    )


def _apply_level(file: HardshipFile, data: dict[str, Any], *, partial: bool) -> None:
    if "level" in data or not partial:
        file.level = _choice(data.get("level"), HardshipLevel, "level", _("困难类别"), blank=True)
    if "level_reason" in data or not partial:
        file.level_reason = str(data.get("level_reason") or "").strip()[:255]


def _check_level_reason(file: HardshipFile) -> None:
    """A level different from the suggestion needs a reason (rules module docstring)."""
    if file.level and file.suggested_level and file.level != file.suggested_level and not file.level_reason:
        if file.suggested_level == NOT_ELIGIBLE:
            message = _("系统测算为不符合建档条件，认定困难类别须填写理由")
        else:
            message = _("认定类别与系统建议（%(s)s）不同，须填写理由") % {"s": file.suggested_level_label()}
        raise _bad("level_reason", message, "level_reason_required")


def _apply_person(file: HardshipFile, data: dict[str, Any], *, partial: bool) -> None:
    if "name" in data or not partial:
        name = str(data.get("name") or "").strip()
        if not name or len(name) > 64:
            raise _bad("name", _("请填写姓名（不超过64个字）"))
        file.name = name
    if "phone" in data or not partial:
        raw = str(data.get("phone") or "").strip()
        if raw:
            try:
                file.phone = validate_mobile(raw)
            except ValidationError as exc:
                raise _bad("phone", exc.messages[0]) from None
        else:
            file.phone = ""
    if "employer_name" in data or not partial:
        file.employer_name = str(data.get("employer_name") or "").strip()[:128]
    if "address" in data or not partial:
        file.address = str(data.get("address") or "").strip()[:200]


def _set_id_number(file: HardshipFile, data: dict[str, Any]) -> None:
    id_type = str(data.get("id_type") or "resident_id")
    try:
        facts = parse_id_number(str(data.get("id_number") or ""), id_type)
    except ValidationError as exc:
        raise _bad("id_number", exc.messages[0]) from None
    file.id_type = id_type
    file.id_number_encrypted = pii.encrypt(facts.number)
    file.id_number_hash = pii.keyed_hash(facts.number)
    file.id_number_masked = mask_id_number(facts.number)
    file.birth_date = facts.birth_date
    file.gender = facts.gender


def _replace_household(file: HardshipFile, rows: list[dict[str, Any]] | None) -> None:
    if rows is None:
        return
    file.household.all().delete()
    HouseholdMember.objects.bulk_create([HouseholdMember(file=file, **r) for r in rows])


def open_file_conflict(*, actor, holder: HardshipFile) -> Conflict:
    """409 open_file_exists, naming the holding union only when the actor may see it."""
    visible = can_read(actor) and in_scope(actor, holder.org)
    if visible:
        message = _("此人已在%(org)s有在档或审核中的困难职工档案（%(state)s）") % {
            "org": holder.org.name,
            "state": holder.get_state_display(),
        }
    else:
        message = _("此人已在其他工会有在档或审核中的困难职工档案")
    return Conflict(message, code="open_file_exists", fields={"id_number": [message]})


def _check_no_open_file(*, actor, file: HardshipFile) -> None:
    holder = open_file_of_person(id_number_hash=file.id_number_hash, exclude_id=file.pk)
    if holder is not None:
        raise open_file_conflict(actor=actor, holder=holder)


def _save_open(*, actor, file: HardshipFile, fields: list[str]) -> None:
    """Save a transition into an open state; a concurrent open file of the person → 409."""
    try:
        with transaction.atomic():
            file.save(update_fields=fields)
    except IntegrityError:
        holder = open_file_of_person(id_number_hash=file.id_number_hash, exclude_id=file.pk)
        if holder is not None:
            raise open_file_conflict(actor=actor, holder=holder) from None
        raise


def _locked(*, actor, file: HardshipFile) -> HardshipFile:
    require_assistance_write(actor)
    return file_get_visible(actor=actor, file_id=file.pk, for_update=True)


def _require_state(file: HardshipFile, *states: str) -> None:
    if file.state not in states:
        raise Conflict(
            _("档案当前状态为“%(state)s”，不能进行此操作") % {"state": file.get_state_display()},
            code="bad_state",
        )


def _require_verifier(actor, file: HardshipFile) -> Org:
    org = file.verifying_org or verifying_org_for(file.org)
    if org is None:
        if actor.is_superuser:
            return file.org
        raise Forbidden(_("没有可审核此档案的上级总工会"))
    if not in_scope(actor, org):
        raise Forbidden(_("须由%(org)s审核") % {"org": org.name})
    return org


# ---- files ---------------------------------------------------------------------------------


def _filing_union(*, actor, org_id: Any) -> Org:
    if org_id in (None, ""):
        raise _bad("org", _("请选择建档工会"))
    org = org_get_visible(actor=actor, org_id=org_id)
    if org.kind not in MEMBER_HOLDING_KINDS:
        raise _bad("org", _("困难职工档案由基层工会建立，请选择基层工会"), "org_not_grassroots")
    if not org.is_active:
        raise _bad("org", _("该工会已撤销"), "org_inactive")
    return org


def _link_member(*, actor, file: HardshipFile) -> None:
    """The person's membership, when it is in the actor's scope; a member of a union elsewhere is
    filed by their own union (422 member_out_of_scope, which does not say where)."""
    from gonghui.members.selectors import person_membership_for

    file.member = person_membership_for(actor=actor, id_number_hash=file.id_number_hash)


@transaction.atomic
def file_create(*, actor, data: dict[str, Any], now: dt.datetime | None = None) -> HardshipFile:
    """Start a hardship file (draft) at a grassroots union in the actor's scope."""
    require_assistance_write(actor)
    now = _now(now)
    org = _filing_union(actor=actor, org_id=data.get("org"))
    file = HardshipFile(org=org, state=FileState.DRAFT, source=FileSource.OFFICER, created_by=actor)
    _apply_person(file, data, partial=False)
    _set_id_number(file, data)
    region = str(data.get("region_code") or org.region_code).strip()
    if not is_region_code(region):
        raise _bad("region_code", _("行政区划代码无效"))
    file.region_code = region
    household = _apply_facts(file, data, partial=False)
    _apply_level(file, data, partial=False)
    _check_level_reason(file)
    _link_member(actor=actor, file=file)
    _check_no_open_file(actor=actor, file=file)
    file.save()
    _replace_household(file, household)
    _event(file, FileEvent.Kind.CREATED, actor=actor, now=now, to_state=file.state, changes=_diff({}, _snapshot(file)))
    return file


@transaction.atomic
def file_update(*, actor, file: HardshipFile, data: dict[str, Any], now: dt.datetime | None = None) -> HardshipFile:
    """Edit a draft or returned file (the person's ID number is fixed once the file exists)."""
    now = _now(now)
    file = _locked(actor=actor, file=file)
    _require_state(file, *EDITABLE_STATES)
    if data.get("id_number"):
        raise _bad("id_number", _("证件号码建档后不能修改；如有误请不予建档后重新建档"), "id_number_fixed")
    before = _snapshot(file)
    _apply_person(file, data, partial=True)
    if data.get("region_code"):
        region = str(data["region_code"]).strip()
        if not is_region_code(region):
            raise _bad("region_code", _("行政区划代码无效"))
        file.region_code = region
    household = _apply_facts(file, data, partial=True)
    _apply_level(file, data, partial=True)
    _check_level_reason(file)
    file.save()
    _replace_household(file, household)
    changes = _diff(before, _snapshot(file))
    if household is not None:
        changes["household"] = [None, len(household)]
    _event(file, FileEvent.Kind.UPDATED, actor=actor, now=now, changes=changes)
    return file


def check_photo(upload) -> tuple[str, str]:
    rules = UploadRules(
        types=PHOTO_TYPES,
        max_bytes=PHOTO_MAX_BYTES,
        label="JPG、PNG、PDF",
        field="photos",
        type_message=gettext_lazy("附件只能是 JPG、PNG 或 PDF 文件"),
        too_large_message=gettext_lazy("每个附件不能超过5 MB"),
    )
    checked = check_upload(upload, rules)
    return checked.name, checked.content_type


@transaction.atomic
def home_visit_add(
    *, actor, file: HardshipFile, data: dict[str, Any], photos: list | None = None, now: dt.datetime | None = None
) -> HomeVisit:
    """Record a home visit (入户走访) to the household, with optional photos/scans."""
    now = _now(now)
    file = _locked(actor=actor, file=file)
    _require_state(file, FileState.DRAFT, FileState.RETURNED, FileState.SUBMITTED, FileState.FILED)
    raw_date = data.get("visit_date")
    try:
        visit_date = raw_date if isinstance(raw_date, dt.date) else dt.date.fromisoformat(str(raw_date))
    except ValueError:
        raise _bad("visit_date", _("请填写走访日期")) from None
    if visit_date > local_date(now):
        raise _bad("visit_date", _("走访日期不能晚于今天"))
    visitors = str(data.get("visitors") or "").strip()
    findings = str(data.get("findings") or "").strip()
    if not visitors:
        raise _bad("visitors", _("请填写走访人员"))
    if not findings:
        raise _bad("findings", _("请填写走访情况"))
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise _bad("photos", _("每次走访最多上传%(n)s个附件") % {"n": MAX_PHOTOS})
    checked = [(p, *check_photo(p)) for p in photos]
    visit = HomeVisit.objects.create(
        file=file, visit_date=visit_date, visitors=visitors[:200], findings=findings[:5000], created_by=actor
    )
    for upload, name, content_type in checked:
        photo = VisitPhoto(
            visit=visit,
            stored_name=secrets.token_hex(16) + PurePosixPath(name).suffix.lower(),
            original_name=name,
            content_type=content_type,
            size=upload.size,
        )
        upload.seek(0)
        photo.file.save(photo.stored_name, upload, save=False)
        photo.save()
    _event(
        file,
        FileEvent.Kind.VISITED,
        actor=actor,
        now=now,
        changes={"visit_date": visit_date.isoformat(), "photos": len(checked)},
        note=visitors,
    )
    return visit


def file_submit(*, actor, file: HardshipFile, now: dt.datetime | None = None) -> HardshipFile:
    """The filing union submits a completed file to the verifying federation."""
    now = _now(now)
    with transaction.atomic():
        file = _locked(actor=actor, file=file)
        _require_state(file, *EDITABLE_STATES)
        errors: dict[str, list[str]] = {}
        if not file.visits.exists():
            errors["visits"] = [_("提交前须有入户走访记录")]
        if not file.causes:
            errors["causes"] = [_("请选择致困原因")]
        if not file.level:
            errors["level"] = [_("请认定困难类别")]
        if errors:
            raise InvalidInput(next(iter(errors.values()))[0], code="incomplete", fields=errors)
        _recompute(file, today=local_date(now))
        _check_level_reason(file)
        _check_no_open_file(actor=actor, file=file)
        verifier = verifying_org_for(file.org)
        before = file.state
        file.state = FileState.SUBMITTED
        file.submitted_at = now
        file.verifying_org = verifier
        file.return_reason = ""
        _save_open(
            actor=actor,
            file=file,
            fields=[
                "state",
                "submitted_at",
                "verifying_org",
                "return_reason",
                "per_capita_income",
                "suggested_level",
                "updated_at",
            ],
        )
        _event(file, FileEvent.Kind.SUBMITTED, actor=actor, now=now, from_state=before, to_state=file.state)
        notify(
            _assistance_officers(verifier),
            topic=TOPIC,
            title=_("困难职工档案待审核：%(org)s") % {"org": file.org.name},
            body=_("%(org)s提交了一份困难职工档案，请审核。") % {"org": file.org.name},
            url=_file_url(file),
        )
    return file


def _notice_days(file: HardshipFile, today: dt.date) -> int:
    return rules.notice_days_for(file.region_code, today.year, DEFAULT_NOTICE_WORKING_DAYS)


def _start_notice(file: HardshipFile, *, actor, now: dt.datetime) -> dt.datetime:
    """Put the file on public notice; returns when the notice ends."""
    days = _notice_days(file, local_date(now))
    before = file.state
    file.state = FileState.IN_NOTICE
    file.notice_started_at = now
    file.notice_ends_at = ends_at = deadline_after(now, days)
    file.save(update_fields=["state", "notice_started_at", "notice_ends_at", "updated_at"])
    _event(
        file,
        FileEvent.Kind.NOTICE_STARTED,
        actor=actor,
        now=now,
        from_state=before,
        to_state=file.state,
        changes={"working_days": days, "ends": local_date(ends_at - dt.timedelta(seconds=1)).isoformat()},
    )
    return ends_at


@transaction.atomic
def file_verify(
    *,
    actor,
    file: HardshipFile,
    note: str = "",
    level: str = "",
    level_reason: str = "",
    now: dt.datetime | None = None,
) -> HardshipFile:
    """The verifying federation checks the file; the public notice starts at once."""
    now = _now(now)
    file = _locked(actor=actor, file=file)
    _require_state(file, FileState.SUBMITTED)
    org = _require_verifier(actor, file)
    changes: dict[str, Any] = {}
    if level and level != file.level:
        new_level = _choice(level, HardshipLevel, "level", _("困难类别"))
        if not level_reason.strip():
            raise _bad("level_reason", _("调整困难类别须填写理由"), "level_reason_required")
        changes["level"] = [file.level, new_level]
        file.level = new_level
        file.level_reason = level_reason.strip()[:255]
    file.state = FileState.VERIFIED
    file.verified_at = now
    file.verified_by = actor
    file.verifying_org = org
    file.save(
        update_fields=["state", "verified_at", "verified_by", "verifying_org", "level", "level_reason", "updated_at"]
    )
    _event(
        file,
        FileEvent.Kind.VERIFIED,
        actor=actor,
        now=now,
        from_state=FileState.SUBMITTED,
        to_state=FileState.VERIFIED,
        changes=changes,
        note=note,
    )
    notice_ends_at = _start_notice(file, actor=actor, now=now)
    notify(
        _assistance_officers(file.org),
        topic=TOPIC,
        title=_("困难职工档案审核通过，开始公示"),
        body=_("%(org)s审核通过了%(name)s的档案，公示至%(end)s。")
        % {
            "org": org.name,
            "name": file.name,
            "end": local_date(notice_ends_at - dt.timedelta(seconds=1)).isoformat(),
        },
        url=_file_url(file),
    )
    return file


@transaction.atomic
def file_return(*, actor, file: HardshipFile, reason: str, now: dt.datetime | None = None) -> HardshipFile:
    """The verifying federation sends the file back to the union with a reason."""
    now = _now(now)
    file = _locked(actor=actor, file=file)
    _require_state(file, FileState.SUBMITTED, FileState.VERIFIED)
    _require_verifier(actor, file)
    reason = (reason or "").strip()
    if not reason:
        raise _bad("reason", _("请填写退回原因"))
    before = file.state
    file.state = FileState.RETURNED
    file.return_reason = reason[:255]
    file.notice_started_at = None
    file.notice_ends_at = None
    file.save(update_fields=["state", "return_reason", "notice_started_at", "notice_ends_at", "updated_at"])
    _event(file, FileEvent.Kind.RETURNED, actor=actor, now=now, from_state=before, to_state=file.state, note=reason)
    notify(
        _assistance_officers(file.org),
        topic=TOPIC,
        title=_("困难职工档案被退回"),
        body=_("%(name)s的档案被退回：%(reason)s") % {"name": file.name, "reason": reason},
        url=_file_url(file),
    )
    return file


@transaction.atomic
def file_start_notice(*, actor, file: HardshipFile, now: dt.datetime | None = None) -> HardshipFile:
    """Restart the public notice of a verified file (after an objection was looked into)."""
    now = _now(now)
    file = _locked(actor=actor, file=file)
    _require_state(file, FileState.VERIFIED)
    _require_verifier(actor, file)
    _start_notice(file, actor=actor, now=now)
    return file


@transaction.atomic
def file_record_objection(*, actor, file: HardshipFile, content: str, now: dt.datetime | None = None) -> HardshipFile:
    """Record an objection received during the notice: the file goes back to review (verified)."""
    now = _now(now)
    file = _locked(actor=actor, file=file)
    _require_state(file, FileState.IN_NOTICE)
    content = (content or "").strip()
    if not content:
        raise _bad("content", _("请填写异议内容"))
    file.state = FileState.VERIFIED
    file.notice_started_at = None
    file.notice_ends_at = None
    file.save(update_fields=["state", "notice_started_at", "notice_ends_at", "updated_at"])
    _event(
        file,
        FileEvent.Kind.OBJECTION,
        actor=actor,
        now=now,
        from_state=FileState.IN_NOTICE,
        to_state=file.state,
        note=content,
    )
    recipients = _assistance_officers(file.verifying_org) + _assistance_officers(file.org)
    notify(
        recipients,
        topic=TOPIC,
        title=_("困难职工档案公示期收到异议"),
        body=_("%(name)s的档案公示期收到异议，已暂停公示，请复查。") % {"name": file.name},
        url=_file_url(file),
    )
    return file


def finish_notices(*, now: dt.datetime | None = None) -> int:
    """Periodic: files whose notice ended without objection become filed. Idempotent."""
    now = _now(now)
    done = 0
    ids = list(
        HardshipFile.objects.filter(state=FileState.IN_NOTICE, notice_ends_at__lte=now).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            file = HardshipFile.objects.select_for_update().select_related("org").filter(pk=pk).first()
            if (
                file is None
                or file.state != FileState.IN_NOTICE
                or not file.notice_ends_at
                or file.notice_ends_at > now
            ):
                continue
            filed_day = local_date(now)
            file.state = FileState.FILED
            file.filed_at = now
            file.next_review_due = _one_year_after(filed_day)
            file.save(update_fields=["state", "filed_at", "next_review_due", "updated_at"])
            _event(
                file,
                FileEvent.Kind.FILED,
                actor=None,
                now=now,
                from_state=FileState.IN_NOTICE,
                to_state=FileState.FILED,
                changes={"next_review_due": file.next_review_due.isoformat()},
            )
            notify(
                _assistance_officers(file.org),
                topic=TOPIC,
                title=_("困难职工档案公示期满，已建档"),
                body=_("%(name)s的档案已建档，下次复核日期%(due)s。")
                % {"name": file.name, "due": file.next_review_due.isoformat()},
                url=_file_url(file),
            )
            if file.worker is not None:
                notify(
                    [file.worker.user],
                    topic=TOPIC,
                    title=_("您的困难职工帮扶申请已建档"),
                    url=reverse("assistance_portal:detail", args=[file.pk]),
                    sms=True,
                )
            done += 1
    return done


def _one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def send_review_reminders(*, now: dt.datetime | None = None) -> int:
    """Periodic: remind the union's officers (with the right) 30 days before a re-verification is
    due, and once more when it is overdue. Each reminder goes once per due date. Idempotent."""
    now = _now(now)
    today = local_date(now)
    sent = 0
    due = HardshipFile.objects.filter(
        state=FileState.FILED, next_review_due__lte=today + dt.timedelta(days=REVIEW_REMINDER_DAYS)
    ).select_related("org")
    for file in due:
        due_date = file.next_review_due
        assert due_date is not None  # the next_review_due__lte filter leaves out NULLs
        kind = ReviewReminder.Kind.OVERDUE if due_date < today else ReviewReminder.Kind.DUE_SOON
        with transaction.atomic():
            _reminder, created = ReviewReminder.objects.get_or_create(
                file=file, kind=kind, due_date=due_date, defaults={"sent_at": now}
            )
            if not created:
                continue
            if kind == ReviewReminder.Kind.OVERDUE:
                title = _("困难职工档案复核已逾期：%(name)s") % {"name": file.name}
            else:
                title = _("困难职工档案即将到期复核：%(name)s") % {"name": file.name}
            notify(
                _assistance_officers(file.org),
                topic=TOPIC,
                title=title,
                body=_("复核日期：%(due)s") % {"due": due_date.isoformat()},
                url=_file_url(file),
            )
            sent += 1
    return sent


@transaction.atomic
def file_reverify(*, actor, file: HardshipFile, data: dict[str, Any], now: dt.datetime | None = None) -> HardshipFile:
    """Yearly re-verification (年度复核) of a filed file: new income facts and level, with history;
    the next review is due a year after this one."""
    now = _now(now)
    file = _locked(actor=actor, file=file)
    _require_state(file, FileState.FILED)
    before = _snapshot(file)
    today = local_date(now)
    household = _apply_facts(file, data, partial=True)
    _recompute(file, today=today)
    _apply_level(
        file, {"level": data.get("level") or file.level, "level_reason": data.get("level_reason", "")}, partial=False
    )
    if not file.level:
        raise _bad("level", _("请认定困难类别"))
    _check_level_reason(file)
    file.last_reviewed_on = today
    file.next_review_due = _one_year_after(today)
    file.save()
    _replace_household(file, household)
    changes: dict[str, Any] = _diff(before, _snapshot(file))  # plus a plain value, shown as is
    changes["next_review_due"] = file.next_review_due.isoformat()
    _event(file, FileEvent.Kind.REVIEWED, actor=actor, now=now, changes=changes, note=str(data.get("note") or ""))
    return file


@transaction.atomic
def file_exit(
    *,
    actor,
    file: HardshipFile,
    reason: str,
    exit_date: dt.date | str | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> HardshipFile:
    """解困脱困: close a filed file with a reason and date; active pairings end that day."""
    now = _now(now)
    file = _locked(actor=actor, file=file)
    _require_state(file, FileState.FILED)
    reason = _choice(reason, ExitReason, "reason", _("脱困原因"))
    if exit_date in (None, ""):
        day = local_date(now)
    else:
        try:
            day = exit_date if isinstance(exit_date, dt.date) else dt.date.fromisoformat(str(exit_date))
        except ValueError:
            raise _bad("exit_date", _("脱困日期无效")) from None
    if day > local_date(now):
        raise _bad("exit_date", _("脱困日期不能晚于今天"))
    if reason == ExitReason.OTHER and not (note or "").strip():
        raise _bad("note", _("请说明脱困情况"))
    file.state = FileState.EXITED
    file.exit_reason = reason
    file.exit_date = day
    file.exit_note = (note or "").strip()[:255]
    file.save(update_fields=["state", "exit_reason", "exit_date", "exit_note", "updated_at"])
    Pairing.objects.filter(file=file, is_active=True).update(is_active=False, end_date=day)
    _event(
        file,
        FileEvent.Kind.EXITED,
        actor=actor,
        now=now,
        from_state=FileState.FILED,
        to_state=FileState.EXITED,
        changes={"exit_reason": reason, "exit_date": day.isoformat()},
        note=file.exit_note,
    )
    return file


@transaction.atomic
def file_decline(*, actor, file: HardshipFile, reason: str, now: dt.datetime | None = None) -> HardshipFile:
    """Decline a worker's application (or discard a draft) with a reason the worker will see."""
    now = _now(now)
    file = _locked(actor=actor, file=file)
    _require_state(file, *EDITABLE_STATES)
    reason = (reason or "").strip()
    if not reason:
        raise _bad("reason", _("请填写不予建档的理由"))
    before = file.state
    file.state = FileState.DECLINED
    file.return_reason = reason[:255]
    file.save(update_fields=["state", "return_reason", "updated_at"])
    _event(file, FileEvent.Kind.DECLINED, actor=actor, now=now, from_state=before, to_state=file.state, note=reason)
    if file.worker is not None:
        notify(
            [file.worker.user],
            topic=TOPIC,
            title=_("您的困难职工帮扶申请未予建档"),
            body=reason,
            url=reverse("assistance_portal:detail", args=[file.pk]),
        )
    return file


# ---- living standards ----------------------------------------------------------------------


def _require_standard_editor(actor, region_code: str) -> None:
    require_write(actor)
    if actor.is_superuser:
        return
    if not can_access_assistance(actor):
        raise Forbidden(_("此账号没有帮扶数据权限"))
    org = actor.org
    if org is None or org.kind != OrgKind.FEDERATION:
        raise Forbidden(_("只有地方总工会可以设置生活保障标准"))
    if not region_code.startswith(rules.region_prefix(org.region_code)):
        raise Forbidden(_("只能设置本地区的生活保障标准"))


@transaction.atomic
def living_standard_save(*, actor, data: dict[str, Any], standard: LivingStandard | None = None) -> LivingStandard:
    """Create or edit a region's 低保 / low-income lines for a year (federation officers with the right)."""
    region = str(data.get("region_code") or (standard.region_code if standard else "")).strip()
    if not is_region_code(region):
        raise _bad("region_code", _("行政区划代码无效"))
    _require_standard_editor(actor, region)
    if standard is not None:
        _require_standard_editor(actor, standard.region_code)
    try:
        year = int(data.get("year") or (standard.year if standard else 0))
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        raise _bad("year", _("年度无效"))
    minimum = _decimal(data, "minimum_living", _("最低生活保障标准"))
    low = _decimal(data, "low_income", _("低收入标准"))
    if minimum <= 0:
        raise _bad("minimum_living", _("最低生活保障标准应大于0"))
    if low < minimum:
        raise _bad("low_income", _("低收入标准不能低于最低生活保障标准"))
    days = data.get("notice_working_days")
    if days in (None, ""):
        days = None
    else:
        try:
            days = int(days)
        except (TypeError, ValueError):
            days = 0
        if not 1 <= days <= 30:
            raise _bad("notice_working_days", _("公示期应为1到30个工作日"))
    clash = LivingStandard.objects.filter(region_code=region, year=year)
    if standard is not None:
        clash = clash.exclude(pk=standard.pk)
    if clash.exists():
        raise Conflict(_("该地区该年度的标准已存在"), code="duplicate_standard", fields={"year": [_("该年度已设置")]})
    row = standard or LivingStandard()
    row.region_code = region
    row.year = year
    row.minimum_living = minimum
    row.low_income = low
    row.notice_working_days = days
    row.note = str(data.get("note") or "").strip()[:255]
    row.updated_by = actor
    row.save()
    return row


# ---- pairing -------------------------------------------------------------------------------


@transaction.atomic
def pairing_create(
    *,
    actor,
    file: HardshipFile,
    officer_id: Any,
    start_date: dt.date | str | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Pairing:
    """Pair an officer (with the assistance right, at the file's union, above it, or in the
    actor's scope) with a filed hardship family."""
    from .selectors import pairing_officer_choices

    now = _now(now)
    file = _locked(actor=actor, file=file)
    _require_state(file, FileState.FILED)
    try:
        officer = pairing_officer_choices(actor=actor, file=file).get(pk=int(officer_id))
    except (User.DoesNotExist, TypeError, ValueError):
        raise _bad("officer", _("请选择有帮扶数据权限的工会工作人员")) from None
    day = _date(start_date, "start_date", _("开始日期"), default=local_date(now))
    if Pairing.objects.filter(file=file, officer=officer, is_active=True).exists():
        raise Conflict(_("该工作人员已与此户结对"), code="duplicate_pairing", fields={"officer": [_("已结对")]})
    pairing = Pairing.objects.create(
        file=file, officer=officer, start_date=day, note=(note or "").strip()[:255], created_by=actor
    )
    _event(file, FileEvent.Kind.PAIRED, actor=actor, now=now, changes={"officer": str(officer)}, note=pairing.note)
    notify(
        [officer],
        topic=TOPIC,
        title=_("您已与困难职工%(name)s结对帮扶") % {"name": file.name},
        url=_file_url(file),
    )
    return pairing


def _date(value: Any, field: str, label: str, *, default: dt.date) -> dt.date:
    if value in (None, ""):
        return default
    try:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        raise _bad(field, _("%(label)s无效") % {"label": label}) from None


@transaction.atomic
def pairing_end(
    *, actor, pairing: Pairing, end_date: dt.date | str | None = None, now: dt.datetime | None = None
) -> Pairing:
    now = _now(now)
    require_assistance_write(actor)
    pairing = pairing_get_visible(actor=actor, pairing_id=pairing.pk)
    if not pairing.is_active:
        raise Conflict(_("该结对已结束"), code="bad_state")
    day = _date(end_date, "end_date", _("结束日期"), default=local_date(now))
    if day < pairing.start_date:
        raise _bad("end_date", _("结束日期不能早于开始日期"))
    pairing.is_active = False
    pairing.end_date = day
    pairing.save(update_fields=["is_active", "end_date"])
    _event(pairing.file, FileEvent.Kind.UNPAIRED, actor=actor, now=now, changes={"officer": str(pairing.officer)})
    return pairing


@transaction.atomic
def pairing_visit_add(*, actor, pairing: Pairing, data: dict[str, Any], now: dt.datetime | None = None) -> PairingVisit:
    """Log a visit of the pairing: what was done, help given (type, value), next steps. The paired
    officer or any officer with the right over the file may log it."""
    from .models import HelpType

    now = _now(now)
    require_assistance(actor)
    if pairing.officer_id != actor.pk:
        require_assistance_write(actor)
    pairing = pairing_get_visible(actor=actor, pairing_id=pairing.pk)
    if not pairing.is_active:
        raise Conflict(_("该结对已结束，不能再记录走访"), code="bad_state")
    day = _date(data.get("visit_date"), "visit_date", _("走访日期"), default=local_date(now))
    if day > local_date(now):
        raise _bad("visit_date", _("走访日期不能晚于今天"))
    if day < pairing.start_date:
        raise _bad("visit_date", _("走访日期不能早于结对开始日期"))
    content = str(data.get("content") or "").strip()
    if not content:
        raise _bad("content", _("请填写帮扶内容"))
    help_type = _choice(data.get("help_type") or "none", HelpType, "help_type", _("帮扶形式"))
    value = _decimal(data, "help_value", _("折合金额"), default=Decimal("0"))
    if help_type == HelpType.NONE and value:
        raise _bad("help_value", _("看望慰问不填折合金额，请选择资金、物资或服务"))
    visit = PairingVisit.objects.create(
        pairing=pairing,
        visit_date=day,
        content=content[:5000],
        help_type=help_type,
        help_value=value,
        next_steps=str(data.get("next_steps") or "").strip()[:500],
        created_by=actor,
    )
    _event(
        pairing.file,
        FileEvent.Kind.PAIRING_VISIT,
        actor=actor,
        now=now,
        changes={"visit_date": day.isoformat(), "help_type": help_type, "help_value": str(value)},
    )
    return visit


# ---- the worker's application --------------------------------------------------------------


def worker_apply(*, worker, data: dict[str, Any], now: dt.datetime | None = None) -> HardshipFile:
    """A real-name-verified member applies online: a draft at their union's queue; the union's
    officers with the right are told, complete it with a home visit and submit it (or decline)."""
    from gonghui.members.selectors import member_current_elsewhere

    now = _now(now)
    if not worker.is_verified:
        raise Forbidden(_("请先完成实名认证"))
    person = linked_person_hash(worker)
    member = member_current_elsewhere(id_number_hash=person) if person else None
    if member is None:
        raise Conflict(_("网上申请仅限工会会员；非会员职工请联系所在地工会办理"), code="not_a_member")
    with transaction.atomic():
        pending = (
            HardshipFile.objects.select_for_update()
            .filter(id_number_hash=worker.id_number_hash)
            .filter(
                state__in=[
                    *EDITABLE_STATES,
                    FileState.SUBMITTED,
                    FileState.VERIFIED,
                    FileState.IN_NOTICE,
                    FileState.FILED,
                ]
            )
            .first()
        )
        if pending is not None:
            raise Conflict(
                _("您已有一份困难职工帮扶申请或档案（%(state)s），请勿重复申请")
                % {"state": str(_worker_state(pending))},
                code="application_exists",
            )
        file = HardshipFile(
            org=member.org,
            member=member,
            worker=worker,
            source=FileSource.WORKER,
            state=FileState.DRAFT,
            name=worker.real_name,
            id_type=worker.id_type or "resident_id",
            id_number_encrypted=worker.id_number_encrypted,
            id_number_hash=worker.id_number_hash,
            id_number_masked=worker.id_number_masked,
            gender=member.gender,
            birth_date=member.birth_date,
            phone=worker.phone,
            employer_name=member.employer_name,
            region_code=member.org.region_code,
        )
        file.address = str(data.get("address") or "").strip()[:200]
        household = _apply_facts(file, data, partial=False)
        if not file.causes:
            raise _bad("causes", _("请选择致困原因"))
        file.save()
        _replace_household(file, household)
        _event(
            file,
            FileEvent.Kind.APPLIED,
            actor=worker.user,
            now=now,
            to_state=file.state,
            changes=_diff({}, _snapshot(file)),
        )
        notify(
            _assistance_officers(member.org),
            topic=TOPIC,
            title=_("新的困难职工帮扶申请"),
            body=_("会员%(name)s（%(phone)s）在网上申请困难职工帮扶，请联系核实并入户走访。")
            % {"name": file.name, "phone": mask_mobile(file.phone)},
            url=_file_url(file),
        )
    return file


def _worker_state(file: HardshipFile) -> str:
    from .selectors import worker_state_text

    return worker_state_text(file)


# ---- a year's holiday schedule entered (core.calendar_entry) ---------------------------------


def deadlines_recount(*, recount) -> int:
    """Move the end of the notices (公示) that ran into the newly entered year, with a line on
    each file's timeline. Returns how many moved."""
    moved = 0
    in_notice = HardshipFile.objects.filter(state=FileState.IN_NOTICE, notice_ends_at__gte=recount.since)
    for file in in_notice.select_for_update().order_by("pk"):
        old = file.notice_ends_at
        assert old is not None  # filtered on notice_ends_at__gte
        new = recount.moved(old)
        if new == old:
            continue
        file.notice_ends_at = new
        file.save(update_fields=["notice_ends_at", "updated_at"])
        _event(
            file,
            FileEvent.Kind.DEADLINE_RECOUNTED,
            actor=recount.actor,
            now=recount.now,
            changes={"notice_ends_at": [old.isoformat(), new.isoformat()]},
            note=recount.note(_("公示期"), old, new),
        )
        moved += 1
    return moved
