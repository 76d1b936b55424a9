"""Writes of mutual medical aid: plans, enrolment, claims and their review, payment.

Every function takes the acting officer (`actor=`) or worker (`worker=`), checks the right and
the scope, validates, writes in one transaction with its ClaimEvent, and tells the people
concerned (notifications commit with the change). Time-dependent rules take `today=`/`now=` so
tests can set the moment.

Rights: plans need a writing officer whose subtree holds the organiser; enrolment and claims
(personal and health data) need the assistance right as well (`require_assistance_write`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from gonghui.accounts.models import AuditLog
from gonghui.accounts.permissions import require_assistance, require_assistance_write, require_write
from gonghui.accounts.services import audit
from gonghui.core.batch import BatchItem, clean_ids, run_batch
from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gonghui.members.models import CURRENT_STATUSES, Member
from gonghui.members.selectors import member_get_visible
from gonghui.notifications.services import notify, org_officers
from gonghui.orgs.models import Org, OrgKind
from gonghui.orgs.selectors import org_get_visible
from gonghui.portal.selectors import account_linked_to, linked_person_hash

from .attachments import store_upload
from .models import (
    AttachmentKind,
    Category,
    Claim,
    ClaimAttachment,
    ClaimEvent,
    ClaimState,
    DeductibleBasis,
    Enrolment,
    EnrolmentState,
    MedicalAidPlan,
    PaymentMethod,
    PlanState,
)
from .rules import ZERO, Payout, Rules, clean_tiers, compute_payout, to_money
from .selectors import (
    claim_get_visible,
    enrolment_get_visible,
    enrolment_usage,
    plan_get_visible,
    plan_is_managed_by,
)

ORGANISER_KINDS = (OrgKind.FEDERATION, OrgKind.INDUSTRY_FEDERATION, OrgKind.REGIONAL_FEDERATION)
TOPIC = "medical_aid"
Upload = tuple[str, Any]  # (attachment kind, uploaded file)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _invalid(field: str, message: str, code: str = "validation_error") -> InvalidInput:
    return InvalidInput(message, code=code, fields={field: [message]})


def _date(data: dict[str, Any], field: str, label: str, *, required: bool = True) -> dt.date | None:
    value = data.get(field)
    if value in (None, ""):
        if required:
            raise _invalid(field, _("%(label)s：此项为必填项") % {"label": label})
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        parsed = parse_date(str(value))
    except ValueError:
        parsed = None
    if parsed is None:
        raise _invalid(field, _("%(label)s：日期格式应为 YYYY-MM-DD") % {"label": label})
    return parsed


def _text(data: dict[str, Any], field: str, label: str, max_length: int, *, required: bool = True) -> str:
    value = str(data.get(field) or "").strip()
    if required and not value:
        raise _invalid(field, _("%(label)s：此项为必填项") % {"label": label})
    if len(value) > max_length:
        raise _invalid(field, _("%(label)s：不能超过%(n)s个字符") % {"label": label, "n": max_length})
    return value


# ---- plans ----------------------------------------------------------------------------------

PLAN_FIELDS = (
    "year",
    "name",
    "contribution",
    "enrol_start",
    "enrol_end",
    "cover_start",
    "cover_end",
    "deductible",
    "deductible_basis",
    "tiers",
    "per_claim_cap",
    "yearly_cap",
    "categories",
    "description",
)
# Once a plan is open its rules are fixed (claims are computed by them); these may still change.
OPEN_PLAN_FIELDS = ("name", "description", "enrol_start", "enrol_end")


def clean_plan_input(data: dict[str, Any]) -> dict[str, Any]:
    """A whole plan's fields, validated together (dates and caps depend on each other)."""
    out: dict[str, Any] = {}
    try:
        year = int(data.get("year") or 0)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        raise _invalid("year", _("年度应为 2000 至 2100 之间的年份"))
    out["year"] = year
    out["name"] = _text(data, "name", _("名称"), 128)
    out["description"] = _text(data, "description", _("说明"), 4000, required=False)
    out["contribution"] = to_money(data.get("contribution"), field="contribution", label=_("每人每年缴费"))
    out["enrol_start"] = _date(data, "enrol_start", _("参保登记开始"))
    out["enrol_end"] = _date(data, "enrol_end", _("参保登记截止"))
    out["cover_start"] = _date(data, "cover_start", _("保障期开始"))
    out["cover_end"] = _date(data, "cover_end", _("保障期结束"))
    if out["enrol_end"] < out["enrol_start"]:
        raise _invalid("enrol_end", _("参保登记截止日期不能早于开始日期"))
    if out["cover_end"] < out["cover_start"]:
        raise _invalid("cover_end", _("保障期结束日期不能早于开始日期"))
    if (out["cover_end"] - out["cover_start"]).days > 366:
        raise _invalid("cover_end", _("保障期不能超过一年"))
    if out["enrol_end"] > out["cover_end"]:
        raise _invalid("enrol_end", _("参保登记截止日期不能晚于保障期结束日期"))
    out["deductible"] = to_money(data.get("deductible") or "0", field="deductible", label=_("起付线"))
    basis = data.get("deductible_basis") or DeductibleBasis.PER_CLAIM
    if basis not in DeductibleBasis.values:
        raise _invalid("deductible_basis", _("起付线计算方式无效"))
    out["deductible_basis"] = basis
    out["tiers"] = [t.as_json() for t in clean_tiers(data.get("tiers"))]
    out["per_claim_cap"] = to_money(data.get("per_claim_cap"), field="per_claim_cap", label=_("单次最高补助"))
    out["yearly_cap"] = to_money(data.get("yearly_cap"), field="yearly_cap", label=_("年度最高补助"))
    if out["per_claim_cap"] <= 0:
        raise _invalid("per_claim_cap", _("单次最高补助应大于0"))
    if out["yearly_cap"] < out["per_claim_cap"]:
        raise _invalid("yearly_cap", _("年度最高补助不能低于单次最高补助"))
    categories = data.get("categories") or []
    if isinstance(categories, str):
        categories = [categories]
    categories = list(dict.fromkeys(categories))
    if not categories:
        raise _invalid("categories", _("请至少选择一个受理范围"))
    if any(c not in Category.values for c in categories):
        raise _invalid("categories", _("受理范围无效"))
    out["categories"] = [c for c in Category.values if c in categories]
    return out


def _organiser(*, actor, org_id: Any) -> Org:
    org = org_get_visible(actor=actor, org_id=org_id)
    if org.kind not in ORGANISER_KINDS:
        raise _invalid("organiser", _("医疗互助计划由地方总工会或产业、区域工会联合会主办"), "bad_organiser")
    if not org.is_active:
        raise _invalid("organiser", _("该工会已撤销"), "org_inactive")
    return org


def _plan_name_taken(plan: MedicalAidPlan) -> Conflict:
    message = _("同一工会同一年度已有同名计划")
    return Conflict(message, code="duplicate_plan", fields={"name": [message]})


def plan_create(*, actor, data: dict[str, Any]) -> MedicalAidPlan:
    require_write(actor)
    if data.get("organiser") in (None, ""):
        raise _invalid("organiser", _("请选择主办工会"))
    organiser = _organiser(actor=actor, org_id=getattr(data.get("organiser"), "pk", data.get("organiser")))
    cleaned = clean_plan_input(data)
    plan = MedicalAidPlan(organiser=organiser, created_by=actor, state=PlanState.DRAFT, **cleaned)
    if MedicalAidPlan.objects.filter(organiser=organiser, year=plan.year, name=plan.name).exists():
        raise _plan_name_taken(plan)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise _plan_name_taken(plan) from None
    return plan


def _managed_plan(*, actor, plan: MedicalAidPlan) -> MedicalAidPlan:
    require_write(actor)
    plan = plan_get_visible(actor=actor, plan_id=plan.pk)
    if not plan_is_managed_by(actor=actor, plan=plan):
        raise Forbidden(_("只有主办工会及其上级可以修改此计划"))
    return plan


def plan_update(*, actor, plan: MedicalAidPlan, data: dict[str, Any]) -> MedicalAidPlan:
    """Draft: any field. Open: name, description and the enrolment window only. Closed: none."""
    plan = _managed_plan(actor=actor, plan=plan)
    if plan.state == PlanState.CLOSED:
        raise Conflict(_("计划已结束，不能修改"), code="plan_closed")
    merged = {f: getattr(plan, f) for f in PLAN_FIELDS}
    if plan.state == PlanState.OPEN:
        locked = [f for f in data if f in PLAN_FIELDS and f not in OPEN_PLAN_FIELDS and data[f] != merged[f]]
        if locked:
            message = _("计划实施后补助规则不能修改")
            raise Conflict(message, code="plan_rules_locked", fields={f: [message] for f in locked})
    merged.update({k: v for k, v in data.items() if k in PLAN_FIELDS})
    cleaned = clean_plan_input(merged)
    changed = [f for f in PLAN_FIELDS if getattr(plan, f) != cleaned[f]]
    if not changed:
        return plan
    for field in changed:
        setattr(plan, field, cleaned[field])
    taken = MedicalAidPlan.objects.filter(organiser=plan.organiser, year=plan.year, name=plan.name)
    if ("name" in changed or "year" in changed) and taken.exclude(pk=plan.pk).exists():
        raise _plan_name_taken(plan)
    try:
        with transaction.atomic():
            plan.save(update_fields=[*changed, "updated_at"])
    except IntegrityError:
        raise _plan_name_taken(plan) from None
    return plan


def plan_open(*, actor, plan: MedicalAidPlan, now: dt.datetime | None = None) -> MedicalAidPlan:
    """Start the plan: enrolment opens in its window, claims may be filed; the rules are fixed."""
    plan = _managed_plan(actor=actor, plan=plan)
    with transaction.atomic():
        plan = MedicalAidPlan.objects.select_for_update().select_related("organiser").get(pk=plan.pk)
        if plan.state != PlanState.DRAFT:
            raise Conflict(_("只有草稿状态的计划可以启动"), code="bad_state")
        clean_plan_input({f: getattr(plan, f) for f in PLAN_FIELDS})
        plan.state = PlanState.OPEN
        plan.opened_at = now or timezone.now()
        plan.save(update_fields=["state", "opened_at", "updated_at"])
    return plan


def plan_close(*, actor, plan: MedicalAidPlan, now: dt.datetime | None = None) -> MedicalAidPlan:
    """End the plan: no more enrolment or new claims; claims already filed are still handled."""
    plan = _managed_plan(actor=actor, plan=plan)
    with transaction.atomic():
        plan = MedicalAidPlan.objects.select_for_update().select_related("organiser").get(pk=plan.pk)
        if plan.state != PlanState.OPEN:
            raise Conflict(_("只有实施中的计划可以结束"), code="bad_state")
        plan.state = PlanState.CLOSED
        plan.closed_at = now or timezone.now()
        plan.save(update_fields=["state", "closed_at", "updated_at"])
    return plan


# ---- enrolment ------------------------------------------------------------------------------


def check_enrolment_window(plan: MedicalAidPlan, today: dt.date) -> None:
    if plan.state != PlanState.OPEN:
        raise Conflict(_("计划未在实施中，不能参保登记"), code="plan_not_open")
    if not plan.enrol_start <= today <= plan.enrol_end:
        raise Conflict(
            _("不在参保登记期内（%(start)s 至 %(end)s）") % {"start": plan.enrol_start, "end": plan.enrol_end},
            code="outside_enrolment_window",
        )


def _within_plan(plan: MedicalAidPlan, org: Org) -> bool:
    return org.path.startswith(plan.organiser.path)


def enrolment_create(
    *, actor, plan: MedicalAidPlan, member: Member, paid_on: dt.date | None = None, today: dt.date | None = None
) -> Enrolment:
    """Enrol one current member of a union in scope (and under the plan's organiser)."""
    require_assistance_write(actor)
    plan = plan_get_visible(actor=actor, plan_id=plan.pk)
    member = member_get_visible(actor=actor, member_id=member.pk)
    check_enrolment_window(plan, _today(today))
    if member.status not in CURRENT_STATUSES:
        raise _invalid("member", _("只有在册会员可以参保"), "not_current_member")
    if not _within_plan(plan, member.org):
        raise _invalid("member", _("该会员所在工会不在此计划范围内"), "outside_plan")
    existing = Enrolment.objects.filter(plan=plan, person_hash=member.id_number_hash).first()
    if existing is not None and existing.state == EnrolmentState.ACTIVE:
        raise Conflict(_("此人已参加本计划"), code="already_enrolled")
    with transaction.atomic():
        if existing is not None:  # re-enrolment after leaving: the same row, active again
            existing.member = member
            existing.union = member.org
            existing.contribution = plan.contribution
            existing.paid_on = paid_on
            existing.state = EnrolmentState.ACTIVE
            existing.enrolled_by = actor
            existing.cancelled_at = None
            existing.cancel_reason = ""
            existing.save()
            return existing
        try:
            with transaction.atomic():
                return Enrolment.objects.create(
                    plan=plan,
                    member=member,
                    person_hash=member.id_number_hash,
                    union=member.org,
                    contribution=plan.contribution,
                    paid_on=paid_on,
                    enrolled_by=actor,
                )
        except IntegrityError:
            raise Conflict(_("此人已参加本计划"), code="already_enrolled") from None


def enrolment_cancel(*, actor, enrolment: Enrolment, reason: str, now: dt.datetime | None = None) -> Enrolment:
    """Take a person off the plan (退出), only while they have no claim in progress or paid."""
    require_assistance_write(actor)
    enrolment = enrolment_get_visible(actor=actor, enrolment_id=enrolment.pk)
    reason = _text({"reason": reason}, "reason", _("退出原因"), 255)
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.state != EnrolmentState.ACTIVE:
            raise Conflict(_("该参保登记已退出"), code="bad_state")
        if enrolment.claims.exclude(state=ClaimState.REJECTED).exists():
            raise Conflict(_("此人已有医疗互助申请，不能退出"), code="has_claims")
        enrolment.state = EnrolmentState.CANCELLED
        enrolment.cancelled_at = now or timezone.now()
        enrolment.cancel_reason = reason
        enrolment.save(update_fields=["state", "cancelled_at", "cancel_reason"])
    return enrolment


def enrolment_record_payment(*, actor, enrolment: Enrolment, paid_on: dt.date) -> Enrolment:
    """Record that the contribution was collected (缴费日期)."""
    require_assistance_write(actor)
    enrolment = enrolment_get_visible(actor=actor, enrolment_id=enrolment.pk)
    if enrolment.state != EnrolmentState.ACTIVE:
        raise Conflict(_("该参保登记已退出"), code="bad_state")
    enrolment.paid_on = paid_on
    enrolment.save(update_fields=["paid_on"])
    return enrolment


# ---- claims ---------------------------------------------------------------------------------


def clean_claim_input(plan: MedicalAidPlan, data: dict[str, Any], *, today: dt.date) -> dict[str, Any]:
    """The claim's facts, validated against the plan; computes the self-paid and eligible parts."""
    out: dict[str, Any] = {}
    category = data.get("category") or ""
    if category not in Category.values:
        raise _invalid("category", _("请选择类别"))
    if category not in plan.categories:
        raise _invalid("category", _("本计划不受理“%(c)s”") % {"c": Category(category).label}, "category_not_covered")
    out["category"] = category
    out["hospital"] = _text(data, "hospital", _("医院"), 128)
    out["diagnosis"] = _text(data, "diagnosis", _("诊断"), 255)
    admission = _date(data, "admission_date", _("入院（就诊）日期"))
    discharge = _date(data, "discharge_date", _("出院日期"), required=category == Category.INPATIENT)
    assert admission is not None
    if admission > today:
        raise _invalid("admission_date", _("入院（就诊）日期不能晚于今天"))
    if not plan.cover_start <= admission <= plan.cover_end:
        raise _invalid(
            "admission_date",
            _("入院（就诊）日期应在保障期内（%(start)s 至 %(end)s）")
            % {"start": plan.cover_start, "end": plan.cover_end},
            "outside_cover_period",
        )
    if discharge is not None:
        if discharge < admission:
            raise _invalid("discharge_date", _("出院日期不能早于入院日期"))
        if discharge > today:
            raise _invalid("discharge_date", _("出院日期不能晚于今天"))
    out["admission_date"] = admission
    out["discharge_date"] = discharge
    total = to_money(data.get("total_cost"), field="total_cost", label=_("医疗总费用"))
    insurance = to_money(data.get("insurance_paid") or "0", field="insurance_paid", label=_("基本医保报销"))
    other = to_money(data.get("other_paid") or "0", field="other_paid", label=_("其他报销"))
    excluded = to_money(data.get("excluded_amount") or "0", field="excluded_amount", label=_("不予补助部分"))
    assert total is not None and insurance is not None and other is not None and excluded is not None
    if total <= 0:
        raise _invalid("total_cost", _("医疗总费用应大于0"))
    self_paid = total - insurance - other
    if self_paid <= 0:
        message = _("个人自付部分（总费用 − 医保报销 − 其他报销）应大于0")
        raise InvalidInput(message, code="no_self_paid", fields={"insurance_paid": [message], "other_paid": [message]})
    if excluded > self_paid:
        raise _invalid("excluded_amount", _("不予补助部分不能超过个人自付部分"))
    out.update(
        total_cost=total,
        insurance_paid=insurance,
        other_paid=other,
        self_paid=self_paid,
        excluded_amount=excluded,
        eligible_amount=self_paid - excluded,
    )
    return out


def claim_payout(claim: Claim, *, exclude_self: bool = True) -> Payout:
    """The payout of `claim` under its plan's rules and the member's counted claims so far."""
    usage = enrolment_usage(claim.enrolment, exclude_claim_id=claim.pk if exclude_self else None)
    return compute_payout(
        Rules.of(claim.plan),
        eligible=claim.eligible_amount,
        deductible_used=usage.deductible_used,
        paid_before=usage.paid_out,
    )


def payout_preview(*, plan: MedicalAidPlan, eligible: Decimal, enrolment: Enrolment | None = None) -> Payout:
    """What a claim of `eligible` yuan would get now (nothing saved). With an enrolment, its
    earlier counted claims use up the yearly cap and a per-year deductible."""
    deductible_used = paid_before = ZERO
    if enrolment is not None:
        usage = enrolment_usage(enrolment)
        deductible_used, paid_before = usage.deductible_used, usage.paid_out
    return compute_payout(Rules.of(plan), eligible=eligible, deductible_used=deductible_used, paid_before=paid_before)


def _event(claim: Claim, kind: str, *, actor=None, by_worker: bool = False, note: str = "", **data: Any) -> None:
    ClaimEvent.objects.create(
        claim=claim,
        kind=kind,
        actor=actor,
        by_worker=by_worker,
        note=note,
        data={k: (str(v) if isinstance(v, Decimal | dt.date) else v) for k, v in data.items()},
    )


def _worker_user(claim: Claim):
    worker = account_linked_to(id_number_hash=claim.enrolment.person_hash)
    return worker.user if worker is not None else None


def _tell_worker(claim: Claim, title: str, body: str = "") -> None:
    user = _worker_user(claim)
    if user is not None:
        notify(
            [user],
            topic=TOPIC,
            title=title,
            body=body,
            url=reverse("medical_aid_portal:claim", args=[claim.pk]),
            sms=True,
            email=False,
        )


def _notify_union(union: Org, **message: Any) -> None:
    """Tell the union's officers; a union without officer accounts of its own is looked after by
    the nearest union above it that has some (up the tree, one query per level at most)."""
    org: Org | None = union
    while org is not None:
        officers = org_officers(org)
        if officers:
            notify(officers, **message)
            return
        org = org.parent


def _check_claimable(enrolment: Enrolment) -> None:
    if enrolment.state != EnrolmentState.ACTIVE:
        raise Conflict(_("参保登记已退出，不能申请"), code="not_enrolled")
    if enrolment.plan.state != PlanState.OPEN:
        raise Conflict(_("计划未在实施中，不能提交申请"), code="plan_not_open")


def _duplicate_claim(enrolment: Enrolment, cleaned: dict[str, Any], exclude_pk: int | None = None) -> None:
    same = Claim.objects.filter(
        enrolment=enrolment, hospital=cleaned["hospital"], admission_date=cleaned["admission_date"]
    ).exclude(state=ClaimState.REJECTED)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    holder = same.first()
    if holder is not None:
        message = _("同一医院同一入院日期已有申请 %(ref)s") % {"ref": holder.reference}
        raise Conflict(message, code="duplicate_claim", fields={"admission_date": [message]})


def _create_claim(
    *, enrolment: Enrolment, data: dict[str, Any], uploads: Iterable[Upload], user, by_worker: bool, today: dt.date
) -> Claim:
    _check_claimable(enrolment)
    if by_worker:
        data = {**data, "excluded_amount": "0"}  # the reviewing officer decides what is excluded
    cleaned = clean_claim_input(enrolment.plan, data, today=today)
    _duplicate_claim(enrolment, cleaned)
    with transaction.atomic():
        claim = Claim(
            enrolment=enrolment,
            plan=enrolment.plan,
            union=enrolment.union,
            by_worker=by_worker,
            filed_by=user,
            reference=f"T-{secrets.token_hex(10)}",  # replaced once the id is known
            **cleaned,
        )
        estimate = claim_payout(claim, exclude_self=False)
        claim.payout = estimate.amount
        claim.breakdown = {**estimate.breakdown, "estimate": True}
        claim.save()
        claim.reference = f"YL{enrolment.plan.year}-{claim.pk:06d}"
        claim.save(update_fields=["reference"])
        for kind, upload in uploads:
            store_upload(claim=claim, upload=upload, kind=kind, user=user)
        _event(claim, ClaimEvent.Kind.SUBMITTED, actor=user, by_worker=by_worker, estimate=estimate.amount)
        _notify_union(
            claim.union,
            topic=TOPIC,
            title=_("新的医疗互助申请：%(ref)s") % {"ref": claim.reference},
            body=_("%(category)s · 自付 %(amount)s 元")
            % {"category": claim.get_category_display(), "amount": claim.self_paid},
            url=reverse("medical_aid:claim", args=[claim.pk]),
        )
    return claim


def claim_create(
    *, actor, enrolment: Enrolment, data: dict[str, Any], uploads: Iterable[Upload] = (), today: dt.date | None = None
) -> Claim:
    """An officer files a claim for an enrolled member (paper forms brought to the union)."""
    require_assistance_write(actor)
    enrolment = enrolment_get_visible(actor=actor, enrolment_id=enrolment.pk)
    return _create_claim(
        enrolment=enrolment, data=data, uploads=uploads, user=actor, by_worker=False, today=_today(today)
    )


def claim_file_worker(
    *, worker, enrolment: Enrolment, data: dict[str, Any], uploads: Iterable[Upload] = (), today: dt.date | None = None
) -> Claim:
    """A real-name verified worker files a claim under their own enrolment."""
    if not worker.is_verified or not worker.id_number_hash:
        raise Forbidden(_("请先完成实名认证"))
    if enrolment.person_hash != linked_person_hash(worker):
        raise NotFound(_("参保登记不存在"))
    enrolment = Enrolment.objects.select_related("plan", "union").get(pk=enrolment.pk)
    return _create_claim(
        enrolment=enrolment, data=data, uploads=uploads, user=worker.user, by_worker=True, today=_today(today)
    )


def _locked_claim(claim_pk: int, allowed: tuple[str, ...], message: str) -> Claim:
    claim = Claim.objects.select_for_update(of=("self",)).select_related("enrolment", "plan", "union").get(pk=claim_pk)
    if claim.state not in allowed:
        raise Conflict(message + _("（当前状态：%(state)s）") % {"state": claim.get_state_display()}, code="bad_state")
    return claim


def claim_start_review(*, actor, claim: Claim) -> Claim:
    require_assistance_write(actor)
    claim = claim_get_visible(actor=actor, claim_id=claim.pk)
    with transaction.atomic():
        claim = _locked_claim(claim.pk, (ClaimState.SUBMITTED,), _("只有已提交的申请可以开始审核"))
        claim.state = ClaimState.UNDER_REVIEW
        claim.reviewed_by = actor
        claim.save(update_fields=["state", "reviewed_by", "updated_at"])
        _event(claim, ClaimEvent.Kind.REVIEW_STARTED, actor=actor)
        _tell_worker(claim, _("您的医疗互助申请 %(ref)s 正在审核") % {"ref": claim.reference})
    return claim


def claim_return(*, actor, claim: Claim, reason: str, now: dt.datetime | None = None) -> Claim:
    """Send back for more documents or corrections (退回补充材料); the worker resubmits."""
    require_assistance_write(actor)
    claim = claim_get_visible(actor=actor, claim_id=claim.pk)
    reason = _text({"reason": reason}, "reason", _("退回原因"), 500)
    with transaction.atomic():
        claim = _locked_claim(claim.pk, (ClaimState.SUBMITTED, ClaimState.UNDER_REVIEW), _("只有待审核的申请可以退回"))
        claim.state = ClaimState.RETURNED
        claim.decision_note = reason
        claim.reviewed_by = actor
        claim.decided_at = now or timezone.now()
        claim.save(update_fields=["state", "decision_note", "reviewed_by", "decided_at", "updated_at"])
        _event(claim, ClaimEvent.Kind.RETURNED, actor=actor, note=reason)
        _tell_worker(claim, _("您的医疗互助申请 %(ref)s 需要补充材料") % {"ref": claim.reference}, reason)
    return claim


def claim_reject(*, actor, claim: Claim, reason: str, now: dt.datetime | None = None) -> Claim:
    require_assistance_write(actor)
    claim = claim_get_visible(actor=actor, claim_id=claim.pk)
    reason = _text({"reason": reason}, "reason", _("不予补助的理由"), 500)
    with transaction.atomic():
        claim = _locked_claim(
            claim.pk, (ClaimState.SUBMITTED, ClaimState.UNDER_REVIEW), _("只有待审核的申请可以不予补助")
        )
        claim.state = ClaimState.REJECTED
        claim.decision_note = reason
        claim.reviewed_by = actor
        claim.decided_at = now or timezone.now()
        claim.payout = None
        claim.save(update_fields=["state", "decision_note", "reviewed_by", "decided_at", "payout", "updated_at"])
        _event(claim, ClaimEvent.Kind.REJECTED, actor=actor, note=reason)
        _tell_worker(claim, _("您的医疗互助申请 %(ref)s 未获补助") % {"ref": claim.reference}, reason)
    return claim


def claim_approve(
    *,
    actor,
    claim: Claim,
    excluded_amount: Any = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Claim:
    """Fix the payout (核准). Recomputed here under a row lock on the member's enrolment, so two
    approvals for the same member run one after the other and together stay within the yearly
    cap and a per-year deductible. The reviewer may set the excluded (not covered) part."""
    require_assistance_write(actor)
    claim = claim_get_visible(actor=actor, claim_id=claim.pk)
    note = _text({"note": note}, "note", _("审核意见"), 500, required=False)
    with transaction.atomic():
        Enrolment.objects.select_for_update().filter(pk=claim.enrolment_id).first()
        claim = _locked_claim(claim.pk, (ClaimState.UNDER_REVIEW,), _("请先开始审核，再核准补助"))
        # Four eyes on money: whoever typed a claim in for a worker does not also approve it.
        if claim.filed_by_id is not None and claim.filed_by_id == actor.pk:
            raise Forbidden(_("不能核准自己录入的申请，请由其他工作人员审核"))
        if excluded_amount not in (None, ""):
            excluded = to_money(excluded_amount, field="excluded_amount", label=_("不予补助部分"))
            assert excluded is not None
            if excluded > claim.self_paid:
                raise _invalid("excluded_amount", _("不予补助部分不能超过个人自付部分"))
            claim.excluded_amount = excluded
            claim.eligible_amount = claim.self_paid - excluded
        payout = claim_payout(claim)
        claim.payout = payout.amount
        claim.deductible_applied = payout.deductible_applied
        claim.breakdown = payout.breakdown
        claim.state = ClaimState.APPROVED
        claim.decision_note = note
        claim.reviewed_by = actor
        claim.decided_at = now or timezone.now()
        claim.save(
            update_fields=[
                "excluded_amount",
                "eligible_amount",
                "payout",
                "deductible_applied",
                "breakdown",
                "state",
                "decision_note",
                "reviewed_by",
                "decided_at",
                "updated_at",
            ]
        )
        _event(
            claim,
            ClaimEvent.Kind.APPROVED,
            actor=actor,
            note=note,
            payout=payout.amount,
            excluded=claim.excluded_amount,
        )
        _tell_worker(
            claim,
            _("您的医疗互助申请 %(ref)s 已核准，补助 %(amount)s 元") % {"ref": claim.reference, "amount": claim.payout},
        )
    return claim


def claim_pay(
    *,
    actor,
    claim: Claim,
    method: str,
    paid_on: Any,
    amount: Any,
    voucher_no: str = "",
    voucher: Any = None,
    today: dt.date | None = None,
) -> Claim:
    """Record the payment (发放): the amount must be the approved payout."""
    require_assistance_write(actor)
    claim = claim_get_visible(actor=actor, claim_id=claim.pk)
    if method not in PaymentMethod.values:
        raise _invalid("method", _("请选择发放方式"))
    paid_date = _date({"paid_on": paid_on}, "paid_on", _("发放日期"))
    assert paid_date is not None
    if paid_date > _today(today):
        raise _invalid("paid_on", _("发放日期不能晚于今天"))
    paid_amount = to_money(amount, field="amount", label=_("发放金额"))
    voucher_no = _text({"voucher_no": voucher_no}, "voucher_no", _("凭证号"), 64, required=method != PaymentMethod.CASH)
    with transaction.atomic():
        claim = _locked_claim(claim.pk, (ClaimState.APPROVED,), _("只有已核准的申请可以发放"))
        decided_on = timezone.localdate(claim.decided_at) if claim.decided_at else None
        if decided_on is not None and paid_date < decided_on:
            raise _invalid("paid_on", _("发放日期不能早于核准日期"))
        if paid_amount != claim.payout:
            raise _invalid(
                "amount", _("发放金额应等于核定补助 %(amount)s 元") % {"amount": claim.payout}, "amount_mismatch"
            )
        claim.state = ClaimState.PAID
        claim.payment_method = method
        claim.paid_on = paid_date
        claim.paid_amount = paid_amount
        claim.voucher_no = voucher_no
        claim.save(update_fields=["state", "payment_method", "paid_on", "paid_amount", "voucher_no", "updated_at"])
        if voucher is not None:
            store_upload(claim=claim, upload=voucher, kind=AttachmentKind.VOUCHER, user=actor)
        _event(claim, ClaimEvent.Kind.PAID, actor=actor, amount=paid_amount, method=method, paid_on=paid_date)
        _tell_worker(
            claim,
            _("医疗互助补助 %(amount)s 元已发放（%(ref)s）") % {"amount": paid_amount, "ref": claim.reference},
        )
    return claim


def claim_pay_many(
    *, actor, ids: list[int], method: str, paid_on: Any, voucher_no: str = "", today: dt.date | None = None
) -> list[BatchItem]:
    """Record the payment of several approved claims at their approved payouts (same method, day and
    voucher number, e.g. one bank batch), each exactly as claim_pay in its own transaction; one that
    cannot be paid (out of scope, not approved) is reported and the rest go on."""
    require_assistance_write(actor)
    return run_batch(
        clean_ids(ids),
        fetch=lambda pk: claim_get_visible(actor=actor, claim_id=pk),
        act=lambda claim: claim_pay(
            actor=actor,
            claim=claim,
            method=method,
            paid_on=paid_on,
            # Not yet approved: no payout; claim_pay then refuses for the state, not the amount.
            amount=claim.payout if claim.payout is not None else 0,
            voucher_no=voucher_no,
            today=today,
        ),
        label=lambda claim: claim.reference,
    )


def claim_resubmit(
    *,
    worker=None,
    actor=None,
    claim: Claim,
    data: dict[str, Any] | None = None,
    uploads: Iterable[Upload] = (),
    today: dt.date | None = None,
) -> Claim:
    """After a return: corrected facts and/or more documents, and back to the queue."""
    if worker is not None:
        from .selectors import claim_get_for_worker

        claim = claim_get_for_worker(worker=worker, claim_id=claim.pk)
        user, by_worker = worker.user, True
    else:
        require_assistance_write(actor)
        claim = claim_get_visible(actor=actor, claim_id=claim.pk)
        user, by_worker = actor, False
    with transaction.atomic():
        claim = _locked_claim(claim.pk, (ClaimState.RETURNED,), _("只有被退回的申请可以重新提交"))
        fields = {
            f: getattr(claim, f)
            for f in (
                "category",
                "hospital",
                "diagnosis",
                "admission_date",
                "discharge_date",
                "total_cost",
                "insurance_paid",
                "other_paid",
                "excluded_amount",
            )
        }
        fields.update({k: v for k, v in (data or {}).items() if k in fields and v is not None})
        if by_worker:
            fields["excluded_amount"] = claim.excluded_amount
        cleaned = clean_claim_input(claim.plan, fields, today=_today(today))
        _duplicate_claim(claim.enrolment, cleaned, exclude_pk=claim.pk)
        for field, value in cleaned.items():
            setattr(claim, field, value)
        estimate = claim_payout(claim)
        claim.payout = estimate.amount
        claim.breakdown = {**estimate.breakdown, "estimate": True}
        claim.state = ClaimState.SUBMITTED
        claim.save()
        for kind, upload in uploads:
            store_upload(claim=claim, upload=upload, kind=kind, user=user)
        _event(claim, ClaimEvent.Kind.RESUBMITTED, actor=user, by_worker=by_worker)
        _notify_union(
            claim.union,
            topic=TOPIC,
            title=_("医疗互助申请已重新提交：%(ref)s") % {"ref": claim.reference},
            url=reverse("medical_aid:claim", args=[claim.pk]),
        )
    return claim


def claim_attach(*, claim: Claim, upload: Any, kind: str, actor=None, worker=None) -> ClaimAttachment:
    """Add a document. Workers: while the claim waits for review or was returned."""
    if worker is not None:
        from .selectors import claim_get_for_worker

        claim = claim_get_for_worker(worker=worker, claim_id=claim.pk)
        user, by_worker = worker.user, True
        allowed: tuple[str, ...] = (ClaimState.SUBMITTED, ClaimState.RETURNED)
    else:
        require_assistance_write(actor)
        claim = claim_get_visible(actor=actor, claim_id=claim.pk)
        user, by_worker = actor, False
        allowed = (ClaimState.SUBMITTED, ClaimState.UNDER_REVIEW, ClaimState.RETURNED, ClaimState.APPROVED)
    with transaction.atomic():
        claim = _locked_claim(claim.pk, allowed, _("此申请已办结，不能再上传材料"))
        attachment = store_upload(claim=claim, upload=upload, kind=kind, user=user)
        _event(claim, ClaimEvent.Kind.ATTACHMENT, actor=user, by_worker=by_worker, name=attachment.original_name)
    return attachment


def claim_open(*, actor, claim_id: Any, ip: str | None = None) -> Claim:
    """A claim's details for an officer with the assistance right; every opening is audited."""
    require_assistance(actor)
    claim = claim_get_visible(actor=actor, claim_id=claim_id)
    audit(
        actor=actor,
        action=AuditLog.Action.VIEW_ASSISTANCE,
        target=claim,
        org=claim.union,
        ip=ip,
        detail={"kind": "medical_aid_claim", "reference": claim.reference},
    )
    return claim
