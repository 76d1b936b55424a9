"""/api/v1/medical-aid: mutual medical aid (职工医疗互助) over HTTP.

Two audiences, one error shape:
* officers: plans (any officer in scope reads; the organiser's writers change), enrolment and
  claims (personal health data: the assistance right, 403 without it), review actions, payment,
  payout preview, figures (aggregates: any officer in scope). Out of scope is 404.
* workers (`/my/...`, a real-name verified worker account): their own enrolments and claims;
  someone else's claim is 404.

Money is a decimal string with two places ("1234.50") in and out.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.params import FileEx, FormEx, P

from gonghui.core.api_schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    BatchIn,
    BatchOut,
    Date,
    InputSchema,
    Money,
    PageParams,
    RowId,
    SortParams,
    Year,
    batch_envelope,
    keyset_envelope,
    queue_envelope,
    whole_list,
    whole_list_of,
)
from gonghui.core.errors import NotFound
from gonghui.jobs.selectors import job_get_visible
from gonghui.members.selectors import member_get_visible
from gonghui.orgs.selectors import org_get_visible
from gonghui.portal.web import require_verified_worker
from gonghui.privacy.models import ConsentPurpose
from gonghui.privacy.services import sensitive_consent
from gonghui.web import client_ip

from . import enrolment as bulk
from . import services
from .attachments import attachment_response
from .models import Claim, ClaimAttachment, ClaimEvent, Enrolment, MedicalAidPlan
from .rules import to_money
from .selectors import (
    CLAIM_QUEUE,
    ClaimFilters,
    EnrolmentFilters,
    attachment_get_for_worker,
    attachment_get_visible,
    claim_events,
    claim_get_for_worker,
    claim_get_visible,
    claim_list,
    claim_qs_for_worker,
    enrolment_get_visible,
    enrolment_list,
    enrolment_usage,
    plan_figures,
    plan_get_visible,
    plan_list,
    worker_enrolment_get,
    worker_enrolments,
)
from .views import mask_name

router = Router(tags=["职工医疗互助"])

CategoryValue = Literal["inpatient", "serious_outpatient", "accident", "maternity"]
PlanStateValue = Literal["draft", "open", "closed"]
ClaimStateValue = Literal["submitted", "under_review", "returned", "approved", "rejected", "paid"]
BasisValue = Literal["per_claim", "per_year"]
MethodValue = Literal["bank_transfer", "cash"]
AttachmentKindValue = Literal["invoice", "discharge_summary", "settlement", "voucher", "other"]
_CATEGORY_HELP = "inpatient 住院，serious_outpatient 门诊大病/特殊病，accident 意外伤害，maternity 生育"
_CLAIM_STATE_HELP = (
    "submitted 已提交，under_review 审核中，returned 退回补充材料，approved 已核准，rejected 不予补助，paid 已发放"
)


# ---- schemas: plans -------------------------------------------------------------------------


class TierSchema(Schema):
    up_to: Money | None = Field(..., description="本段上限（元）；最后一段为 null，表示“以上”")
    percent: Money = Field(..., description="补助比例（%），大于 0、不超过 100")


class PlanOut(Schema):
    id: int
    organiser: int = Field(..., description="主办工会 id（计划适用于其全部下级）")
    organiser_name: str
    year: int
    name: str
    contribution: Decimal = Field(..., description="每人每年缴费（元）")
    enrol_start: dt.date
    enrol_end: dt.date
    cover_start: dt.date
    cover_end: dt.date
    deductible: Decimal = Field(..., description="起付线（元）")
    deductible_basis: BasisValue = Field(..., description="per_claim 每次就诊，per_year 年度累计")
    tiers: list[TierSchema] = Field(..., description="起付线以上金额的分段补助比例，分段累进")
    per_claim_cap: Decimal
    yearly_cap: Decimal
    categories: list[CategoryValue] = Field(..., description=_CATEGORY_HELP)
    description: str
    state: PlanStateValue = Field(..., description="draft 草稿，open 实施中，closed 已结束")

    @staticmethod
    def resolve_organiser(obj: MedicalAidPlan) -> int:
        return obj.organiser_id

    @staticmethod
    def resolve_organiser_name(obj: MedicalAidPlan) -> str:
        return obj.organiser.name


class PlanPage(Schema):
    items: list[PlanOut]
    next_cursor: str | None


class PlanIn(InputSchema):
    organiser: RowId = Field(..., description="主办工会 id：地方总工会或产业、区域工会联合会")
    year: Year
    name: str = Field(..., max_length=128)
    contribution: Money
    enrol_start: Date
    enrol_end: Date
    cover_start: Date
    cover_end: Date
    deductible: Money = Decimal("0")
    deductible_basis: BasisValue = "per_claim"
    tiers: list[TierSchema]
    per_claim_cap: Money
    yearly_cap: Money
    categories: list[CategoryValue]
    description: str = Field("", max_length=5000)


class PlanPatchIn(InputSchema):
    year: Year | None = None
    name: str | None = Field(None, max_length=128)
    contribution: Money | None = None
    enrol_start: Date | None = None
    enrol_end: Date | None = None
    cover_start: Date | None = None
    cover_end: Date | None = None
    deductible: Money | None = None
    deductible_basis: BasisValue | None = None
    tiers: list[TierSchema] | None = None
    per_claim_cap: Money | None = None
    yearly_cap: Money | None = None
    categories: list[CategoryValue] | None = None
    description: str | None = Field(None, max_length=5000)


class PlanListParams(Schema):
    year: Year | None = None
    state: PlanStateValue | None = None


class PreviewIn(InputSchema):
    eligible: Money = Field(..., description="可补助金额（个人自付扣除不予补助部分，元）")
    enrolment: RowId | None = Field(
        None, description="参保登记 id：按其本年度已核定的补助计算年度限额（需帮扶数据权限）"
    )


class TierRowOut(Schema):
    lower: str = Field(..., description="本段下限（元）")
    upper: str | None = Field(..., description="本段上限（元）；最后一段为 null")
    percent: str
    base: str
    amount: str


class DeductibleOut(Schema):
    basis: BasisValue
    configured: str
    used_before: str | None
    left: str
    applied: str


class BreakdownOut(Schema):
    eligible: str
    deductible: DeductibleOut
    above_deductible: str
    tiers: list[TierRowOut]
    tiered_total: str
    per_claim_cap: str
    yearly_cap: str
    paid_before: str
    yearly_left: str
    limited_by: Literal["per_claim_cap", "yearly_cap"] | None = Field(
        ..., description="补助受哪项限额限制：per_claim_cap 单次封顶，yearly_cap 年度限额；不受限为 null"
    )
    payout: str
    estimate: bool = Field(False, description="true：提交时的预计金额，以核准时重新计算为准")


class MedicalAidFigureRowOut(Schema):
    org: int
    org_name: str
    current_members: int
    enrolled: int
    contributions: Decimal = Field(..., description="已收缴费（元）")
    claims: int
    approved_claims: int = Field(..., description="已核准或已发放的件数")
    payouts: Decimal = Field(..., description="核定补助合计（元）")
    paid: Decimal = Field(..., description="已发放合计（元）")
    average_payout: Decimal


class MedicalAidFiguresOut(Schema):
    total: MedicalAidFigureRowOut
    unions: list[MedicalAidFigureRowOut] = Field(..., description="各直属下级工会（含其下级）")


# ---- schemas: enrolment ---------------------------------------------------------------------


class EnrolmentOut(Schema):
    id: int
    plan: int
    member: int
    name_masked: str = Field(..., description="脱敏姓名，如 李*")
    id_number_masked: str
    union: int
    union_name: str
    contribution: Decimal
    paid_on: dt.date | None
    state: Literal["active", "cancelled"] = Field(..., description="active 有效，cancelled 已退出")

    @staticmethod
    def resolve_plan(obj: Enrolment) -> int:
        return obj.plan_id

    @staticmethod
    def resolve_member(obj: Enrolment) -> int:
        return obj.member_id

    @staticmethod
    def resolve_name_masked(obj: Enrolment) -> str:
        return mask_name(obj.member.name)

    @staticmethod
    def resolve_id_number_masked(obj: Enrolment) -> str:
        return obj.member.id_number_masked

    @staticmethod
    def resolve_union(obj: Enrolment) -> int:
        return obj.union_id

    @staticmethod
    def resolve_union_name(obj: Enrolment) -> str:
        return obj.union.name


class EnrolmentPage(Schema):
    items: list[EnrolmentOut]
    next_cursor: str | None


class EnrolIn(InputSchema):
    member: RowId = Field(..., description="会员 id（在册会员）")
    paid_on: Date | None = Field(None, description="缴费日期")


class BulkEnrolIn(InputSchema):
    org: RowId = Field(..., description="工会 id：该工会及其全部下级的在册会员")
    paid_on: Date | None = None


class BulkJobOut(Schema):
    id: int
    state: Literal["queued", "running", "succeeded", "failed"]
    progress: int
    created_count: int = Field(..., description="已参保人数")
    message: str


class BulkOut(Schema):
    created: int = Field(..., description="本次参保人数（后台办理时为 0，见 job）")
    job: BulkJobOut | None = Field(
        ..., description="人数较多时转入后台办理的任务；用 GET /medical-aid/enrol-jobs/{id} 查看"
    )


class CancelIn(InputSchema):
    reason: str = Field(..., max_length=255)


# ---- schemas: claims ------------------------------------------------------------------------


class MedicalAidAttachmentOut(Schema):
    id: int
    kind: AttachmentKindValue
    original_name: str
    size: int
    created_at: dt.datetime


class MedicalAidEventOut(Schema):
    kind: str
    kind_label: str
    by_worker: bool
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj: ClaimEvent) -> str:
        return str(obj.get_kind_display())


class ClaimOut(Schema):
    id: int
    reference: str
    plan: int
    enrolment: int
    union: int
    union_name: str
    name_masked: str
    category: CategoryValue = Field(..., description=_CATEGORY_HELP)
    admission_date: dt.date
    self_paid: Decimal
    payout: Decimal | None = Field(..., description="补助：核准前为预计金额，核准后为核定金额；不予补助为 null")
    state: ClaimStateValue = Field(..., description=_CLAIM_STATE_HELP)
    by_worker: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_plan(obj: Claim) -> int:
        return obj.plan_id

    @staticmethod
    def resolve_enrolment(obj: Claim) -> int:
        return obj.enrolment_id

    @staticmethod
    def resolve_union(obj: Claim) -> int:
        return obj.union_id

    @staticmethod
    def resolve_union_name(obj: Claim) -> str:
        return obj.union.name

    @staticmethod
    def resolve_name_masked(obj: Claim) -> str:
        return mask_name(obj.enrolment.member.name)


class ClaimPage(Schema):
    items: list[ClaimOut]
    next_cursor: str | None


class ClaimDetailOut(Schema):
    id: int
    reference: str
    plan: int
    enrolment: int
    union: int
    union_name: str
    category: CategoryValue
    hospital: str
    diagnosis: str
    admission_date: dt.date
    discharge_date: dt.date | None
    total_cost: Decimal
    insurance_paid: Decimal
    other_paid: Decimal
    self_paid: Decimal = Field(..., description="个人自付 = 总费用 − 医保报销 − 其他报销")
    excluded_amount: Decimal
    eligible_amount: Decimal
    payout: Decimal | None
    breakdown: BreakdownOut | None = Field(..., description="补助计算明细（每段的基数与金额）")
    state: ClaimStateValue
    decision_note: str
    payment_method: Literal["", "bank_transfer", "cash"]
    paid_on: dt.date | None
    paid_amount: Decimal | None
    voucher_no: str
    by_worker: bool
    created_at: dt.datetime
    attachments: list[MedicalAidAttachmentOut]
    events: list[MedicalAidEventOut]

    @staticmethod
    def resolve_plan(obj: Claim) -> int:
        return obj.plan_id

    @staticmethod
    def resolve_enrolment(obj: Claim) -> int:
        return obj.enrolment_id

    @staticmethod
    def resolve_union(obj: Claim) -> int:
        return obj.union_id

    @staticmethod
    def resolve_union_name(obj: Claim) -> str:
        return obj.union.name

    @staticmethod
    def resolve_breakdown(obj: Claim) -> dict | None:
        return obj.breakdown or None

    @staticmethod
    def resolve_attachments(obj: Claim) -> list[ClaimAttachment]:
        return list(obj.attachments.all())

    @staticmethod
    def resolve_events(obj: Claim) -> list[ClaimEvent]:
        return list(claim_events(claim=obj))


class OfficerClaimDetailOut(ClaimDetailOut):
    name: str = Field(..., description="申请人姓名（仅单个申请的接口返回）")
    id_number_masked: str

    @staticmethod
    def resolve_name(obj: Claim) -> str:
        return obj.enrolment.member.name

    @staticmethod
    def resolve_id_number_masked(obj: Claim) -> str:
        return obj.enrolment.member.id_number_masked


class ClaimIn(InputSchema):
    category: CategoryValue = Field(..., description=_CATEGORY_HELP)
    hospital: str = Field(..., max_length=128)
    diagnosis: str = Field(..., max_length=255)
    admission_date: Date = Field(..., description="入院（就诊）日期，须在保障期内")
    discharge_date: Date | None = Field(None, description="出院日期；住院必填")
    total_cost: Money
    insurance_paid: Money = Decimal("0")
    other_paid: Money = Decimal("0")


class OfficerClaimIn(ClaimIn):
    excluded_amount: Money = Field(Decimal("0"), description="不予补助部分（自费药品等）")


class WorkerClaimIn(ClaimIn):
    enrolment: RowId = Field(..., description="本人的参保登记 id（见 GET /medical-aid/my/enrolments）")
    consent_sensitive: bool = Field(
        False,
        description="单独同意处理敏感个人信息（《个人信息保护法》第二十九条）；首次提供时须为 true，否则 422 consent_required",
    )


class ClaimPatchIn(InputSchema):
    category: CategoryValue | None = None
    hospital: str | None = Field(None, max_length=128)
    diagnosis: str | None = Field(None, max_length=255)
    admission_date: Date | None = None
    discharge_date: Date | None = None
    total_cost: Money | None = None
    insurance_paid: Money | None = None
    other_paid: Money | None = None


class ClaimListParams(Schema):
    state: ClaimStateValue | None = None
    org: RowId | None = Field(None, description="工会 id：该工会及其全部下级")
    category: CategoryValue | None = None
    plan: RowId | None = None
    q: str = Field("", max_length=100, description="申请编号或姓名（前缀）")


class ApproveIn(InputSchema):
    excluded_amount: Money | None = Field(None, description="核定的不予补助部分；不传则沿用申请中的金额")
    note: str = Field("", max_length=500)


class MedicalAidReasonIn(InputSchema):
    reason: str = Field(..., max_length=500)


class PayIn(InputSchema):
    method: MethodValue = Field(..., description="bank_transfer 银行转账，cash 现金")
    paid_on: Date
    amount: Money = Field(..., description="应等于核定补助")
    voucher_no: str = Field("", max_length=64, description="凭证号；银行转账必填")


class UsageOut(Schema):
    claims: int = Field(..., description="本年度已核准（含已发放）的件数")
    paid_out: Decimal = Field(..., description="本年度已核定补助合计（元）")
    yearly_left: Decimal = Field(..., description="年度限额尚余（元）")
    open_claims: int = Field(..., description="审核中的申请件数")


class MyEnrolmentOut(Schema):
    id: int
    plan: PlanOut
    union_name: str
    contribution: Decimal
    paid_on: dt.date | None
    state: Literal["active", "cancelled"]
    usage: UsageOut

    @staticmethod
    def resolve_union_name(obj: Enrolment) -> str:
        return obj.union.name

    @staticmethod
    def resolve_usage(obj: Enrolment) -> Any:
        return enrolment_usage(obj)


# ---- officer routes: plans ------------------------------------------------------------------


def _tiers(tiers: list[TierSchema] | None) -> list[dict[str, Any]] | None:
    if tiers is None:
        return None
    return [{"up_to": t.up_to, "percent": t.percent} for t in tiers]


@router.get("/plans", response={200: PlanPage, **READ_ERRORS}, summary="医疗互助计划列表")
def list_plans(request, params: Query[PlanListParams], page: Query[PageParams]):
    qs = plan_list(actor=request.auth, year=params.year, state=params.state or "")
    return keyset_envelope(qs, page)


@router.post(
    "/plans",
    response={201: PlanOut, **WRITE_ERRORS},
    summary="新建计划（草稿）",
    description="分段须上限递增、最后一段不设上限；比例大于 0% 且不超过 100%。金额最多两位小数。",
)
def create_plan(request, payload: PlanIn):
    data = payload.model_dump()
    data["tiers"] = _tiers(payload.tiers)
    return Status(201, services.plan_create(actor=request.auth, data=data))


@router.get("/plans/{plan_id}", response={200: PlanOut, **READ_ERRORS}, summary="计划详情")
def get_plan(request, plan_id: RowId):
    return plan_get_visible(actor=request.auth, plan_id=plan_id)


@router.patch(
    "/plans/{plan_id}",
    response={200: PlanOut, **WRITE_ERRORS},
    summary="修改计划",
    description="草稿可改全部字段；实施中只能改名称、说明和参保登记期（改规则返回 409 plan_rules_locked）；已结束不能改。",
)
def update_plan(request, plan_id: RowId, payload: PlanPatchIn):
    plan = plan_get_visible(actor=request.auth, plan_id=plan_id)
    data = payload.model_dump(exclude_unset=True)
    if "tiers" in data:
        data["tiers"] = _tiers(payload.tiers)
    return services.plan_update(actor=request.auth, plan=plan, data=data)


@router.post("/plans/{plan_id}/open", response={200: PlanOut, **WRITE_ERRORS}, summary="启动计划")
def open_plan(request, plan_id: RowId):
    plan = plan_get_visible(actor=request.auth, plan_id=plan_id)
    return services.plan_open(actor=request.auth, plan=plan)


@router.post("/plans/{plan_id}/close", response={200: PlanOut, **WRITE_ERRORS}, summary="结束计划")
def close_plan(request, plan_id: RowId):
    plan = plan_get_visible(actor=request.auth, plan_id=plan_id)
    return services.plan_close(actor=request.auth, plan=plan)


@router.post(
    "/plans/{plan_id}/preview",
    response={200: BreakdownOut, **WRITE_ERRORS},
    summary="补助试算（不保存）",
    description="按计划规则计算一笔可补助金额的补助；给出 enrolment 时计入该参保人本年度已核定的补助。",
)
def preview(request, plan_id: RowId, payload: PreviewIn):
    plan = plan_get_visible(actor=request.auth, plan_id=plan_id)
    enrolment = None
    if payload.enrolment is not None:
        enrolment = enrolment_get_visible(actor=request.auth, enrolment_id=payload.enrolment)
        if enrolment.plan_id != plan.pk:
            raise NotFound(_("参保登记不存在"))
    eligible = to_money(payload.eligible, field="eligible", label=_("可补助金额"))
    assert eligible is not None
    return services.payout_preview(plan=plan, eligible=eligible, enrolment=enrolment).breakdown


@router.get(
    "/plans/{plan_id}/figures",
    response={200: MedicalAidFiguresOut, **READ_ERRORS},
    summary="统计（各工会）",
    description="参保人数、已收缴费、申请件数、核定与已发放补助、件均补助；不含个人信息，数据范围内的干部均可查看。",
)
def figures(request, plan_id: RowId, org: RowId | None = None):
    plan = plan_get_visible(actor=request.auth, plan_id=plan_id)
    base = org_get_visible(actor=request.auth, org_id=org) if org is not None else None
    total, rows = plan_figures(actor=request.auth, plan=plan, org=base)
    return {"total": total.as_dict(), "unions": [r.as_dict() for r in rows]}


# ---- officer routes: enrolment --------------------------------------------------------------


@router.get("/plans/{plan_id}/enrolments", response={200: EnrolmentPage, **READ_ERRORS}, summary="参保人员")
def list_enrolments(
    request, plan_id: RowId, page: Query[PageParams], org: RowId | None = None, state: str = "", q: str = ""
):
    plan = plan_get_visible(actor=request.auth, plan_id=plan_id)
    qs = enrolment_list(actor=request.auth, plan=plan, filters=EnrolmentFilters(org_id=org, state=state, q=q))
    return keyset_envelope(qs, page)


@router.post("/plans/{plan_id}/enrolments", response={201: EnrolmentOut, **WRITE_ERRORS}, summary="为一名会员参保")
def enrol_member(request, plan_id: RowId, payload: EnrolIn):
    plan = plan_get_visible(actor=request.auth, plan_id=plan_id)
    member = member_get_visible(actor=request.auth, member_id=payload.member)
    enrolment = services.enrolment_create(actor=request.auth, plan=plan, member=member, paid_on=payload.paid_on)
    return Status(201, enrolment)


def _job_out(job) -> dict[str, Any]:
    return {
        "id": job.pk,
        "state": job.state,
        "progress": job.progress,
        "created_count": job.created_count,
        "message": job.message,
    }


@router.post(
    "/plans/{plan_id}/enrolments/bulk",
    response={200: BulkOut, 202: BulkOut, **WRITE_ERRORS},
    summary="批量参保",
    description="该工会及其下级全部在册会员中尚未参保的人员；重复调用不会重复登记。人数较多时转入后台（202，返回 job）。",
)
def enrol_bulk(request, plan_id: RowId, payload: BulkEnrolIn):
    plan = plan_get_visible(actor=request.auth, plan_id=plan_id)
    outcome = bulk.enrol_bulk(actor=request.auth, plan=plan, org=payload.org, paid_on=payload.paid_on)
    if outcome.job is not None:
        return Status(202, {"created": 0, "job": _job_out(outcome.job)})
    return {"created": outcome.created, "job": None}


@router.get("/enrol-jobs/{job_id}", response={200: BulkJobOut, **READ_ERRORS}, summary="批量参保任务进度")
def get_enrol_job(request, job_id: RowId):
    job = job_get_visible(actor=request.auth, job_id=job_id)
    if job.kind != bulk.JOB_KIND:
        raise NotFound(_("任务不存在"))
    return _job_out(job)


@router.post("/enrolments/{enrolment_id}/cancel", response={200: EnrolmentOut, **WRITE_ERRORS}, summary="退出计划")
def cancel_enrolment(request, enrolment_id: RowId, payload: CancelIn):
    enrolment = enrolment_get_visible(actor=request.auth, enrolment_id=enrolment_id)
    return services.enrolment_cancel(actor=request.auth, enrolment=enrolment, reason=payload.reason)


class PaymentIn(InputSchema):
    paid_on: Date = Field(..., description="缴费日期")


@router.post("/enrolments/{enrolment_id}/payment", response={200: EnrolmentOut, **WRITE_ERRORS}, summary="补记缴费")
def record_payment(request, enrolment_id: RowId, payload: PaymentIn):
    enrolment = enrolment_get_visible(actor=request.auth, enrolment_id=enrolment_id)
    return services.enrolment_record_payment(actor=request.auth, enrolment=enrolment, paid_on=payload.paid_on)


@router.post(
    "/enrolments/{enrolment_id}/claims",
    response={201: OfficerClaimDetailOut, **WRITE_ERRORS},
    summary="代为登记申请",
    description="个人自付（总费用 − 医保报销 − 其他报销）须大于 0，否则 422 no_self_paid。材料另用 attachments 上传。",
)
def create_claim(request, enrolment_id: RowId, payload: OfficerClaimIn):
    enrolment = enrolment_get_visible(actor=request.auth, enrolment_id=enrolment_id)
    claim = services.claim_create(actor=request.auth, enrolment=enrolment, data=payload.model_dump())
    return Status(201, claim_get_visible(actor=request.auth, claim_id=claim.pk))


# ---- officer routes: claims -----------------------------------------------------------------


@router.get(
    "/claims",
    response={200: ClaimPage, **READ_ERRORS},
    summary="申请列表",
    description="需要帮扶数据权限；姓名脱敏。",
)
def list_claims(request, params: Query[ClaimListParams], page: Query[PageParams], order: Query[SortParams]):
    filters = ClaimFilters(
        state=params.state or "",
        org_id=params.org,
        category=params.category or "",
        plan_id=params.plan,
        q=params.q,
    )
    return queue_envelope(claim_list(actor=request.auth, filters=filters), page, spec=CLAIM_QUEUE, sort=order.sort)


class BatchClaimPayIn(BatchIn):
    method: Literal["bank_transfer", "cash"] = Field(..., description="发放方式")
    paid_on: dt.date = Field(..., description="发放日期")
    voucher_no: str = Field("", max_length=64, description="凭证号（银行转账必填，如银行批量代发批次号）")


@router.post(
    "/claims/batch-pay",
    response={200: BatchOut, **WRITE_ERRORS},
    summary="批量登记发放（按核定补助）",
    description="逐条按“登记发放”办理（数据范围、状态、历史记录），每条单独提交；"
    "某条不能登记（不存在、不在范围内、未核准或已发放）只记入结果，不影响其他条。",
)
def batch_pay_claims(request, payload: BatchClaimPayIn):
    items = services.claim_pay_many(
        actor=request.auth,
        ids=payload.ids,
        method=payload.method,
        paid_on=payload.paid_on,
        voucher_no=payload.voucher_no,
    )
    return batch_envelope(items)


@router.get(
    "/claims/{claim_id}",
    response={200: OfficerClaimDetailOut, **READ_ERRORS},
    summary="申请详情",
    description="每次查看都写入审计记录。",
)
def get_claim(request, claim_id: RowId):
    return services.claim_open(actor=request.auth, claim_id=claim_id, ip=client_ip(request))


def _claim(request, claim_id: RowId) -> Claim:
    return claim_get_visible(actor=request.auth, claim_id=claim_id)


@router.post(
    "/claims/{claim_id}/start-review", response={200: OfficerClaimDetailOut, **WRITE_ERRORS}, summary="开始审核"
)
def start_review(request, claim_id: RowId):
    return services.claim_start_review(actor=request.auth, claim=_claim(request, claim_id))


@router.post(
    "/claims/{claim_id}/approve",
    response={200: OfficerClaimDetailOut, **WRITE_ERRORS},
    summary="核准补助",
    description="在该参保人的参保登记行锁内按规则重新计算并确定补助，并发核准也不会超过年度限额。",
)
def approve(request, claim_id: RowId, payload: ApproveIn):
    return services.claim_approve(
        actor=request.auth,
        claim=_claim(request, claim_id),
        excluded_amount=payload.excluded_amount,
        note=payload.note,
    )


@router.post("/claims/{claim_id}/reject", response={200: OfficerClaimDetailOut, **WRITE_ERRORS}, summary="不予补助")
def reject(request, claim_id: RowId, payload: MedicalAidReasonIn):
    return services.claim_reject(actor=request.auth, claim=_claim(request, claim_id), reason=payload.reason)


@router.post("/claims/{claim_id}/return", response={200: OfficerClaimDetailOut, **WRITE_ERRORS}, summary="退回补充材料")
def return_claim(request, claim_id: RowId, payload: MedicalAidReasonIn):
    return services.claim_return(actor=request.auth, claim=_claim(request, claim_id), reason=payload.reason)


@router.post(
    "/claims/{claim_id}/resubmit",
    response={200: OfficerClaimDetailOut, **WRITE_ERRORS},
    summary="代为重新提交",
)
def resubmit(request, claim_id: RowId, payload: ClaimPatchIn):
    return services.claim_resubmit(
        actor=request.auth, claim=_claim(request, claim_id), data=payload.model_dump(exclude_unset=True)
    )


@router.post(
    "/claims/{claim_id}/pay",
    response={200: OfficerClaimDetailOut, **WRITE_ERRORS},
    summary="登记发放",
    description="金额须等于核定补助（否则 422 amount_mismatch）；凭证可另用 attachments（kind=voucher）上传。",
)
def pay(request, claim_id: RowId, payload: PayIn):
    return services.claim_pay(
        actor=request.auth,
        claim=_claim(request, claim_id),
        method=payload.method,
        paid_on=payload.paid_on,
        amount=payload.amount,
        voucher_no=payload.voucher_no,
    )


@router.post(
    "/claims/{claim_id}/attachments",
    response={201: MedicalAidAttachmentOut, **WRITE_ERRORS},
    summary="上传材料",
    description="PDF、JPG、PNG，每个不超过 10 MB，每个申请最多 20 个。",
)
def attach(
    request,
    claim_id: RowId,
    file: FileEx[UploadedFile, P(description="PDF、JPG 或 PNG")],
    kind: FormEx[
        AttachmentKindValue,
        P(description="invoice 发票，discharge_summary 出院小结，settlement 结算单，voucher 发放凭证，other 其他"),
    ],
):
    attachment = services.claim_attach(actor=request.auth, claim=_claim(request, claim_id), upload=file, kind=kind)
    return Status(201, attachment)


@router.get("/claims/{claim_id}/attachments/{attachment_id}", response=READ_ERRORS, summary="下载材料")
def download(request, claim_id: RowId, attachment_id: RowId):
    return attachment_response(
        attachment_get_visible(actor=request.auth, claim_id=claim_id, attachment_id=attachment_id)
    )


# ---- worker routes --------------------------------------------------------------------------


@router.get(
    "/my/enrolments", response={200: whole_list_of(MyEnrolmentOut), **READ_ERRORS}, summary="职工：我的参保与本年度使用"
)
def my_enrolments(request):
    worker = require_verified_worker(request.auth)
    return whole_list(worker_enrolments(worker=worker))


@router.get("/my/claims", response={200: ClaimPage, **READ_ERRORS}, summary="职工：我的申请")
def my_claims(request, page: Query[PageParams]):
    worker = require_verified_worker(request.auth)
    return keyset_envelope(claim_qs_for_worker(worker=worker).select_related("enrolment__member"), page)


@router.post(
    "/my/claims",
    response={201: ClaimDetailOut, **WRITE_ERRORS},
    summary="职工：申请医疗互助补助",
    description="材料另用 POST /medical-aid/my/claims/{id}/attachments 上传。所在工会的干部会收到通知。",
)
def my_file(request, payload: WorkerClaimIn):
    worker = require_verified_worker(request.auth)
    enrolment = worker_enrolment_get(worker=worker, enrolment_id=payload.enrolment)
    sensitive_consent(
        user=worker.user, purpose=ConsentPurpose.MEDICAL_AID, agreed=payload.consent_sensitive, ip=client_ip(request)
    )
    data = payload.model_dump(exclude={"enrolment", "consent_sensitive"})
    claim = services.claim_file_worker(worker=worker, enrolment=enrolment, data=data)
    return Status(201, claim_get_for_worker(worker=worker, claim_id=claim.pk))


@router.get("/my/claims/{claim_id}", response={200: ClaimDetailOut, **READ_ERRORS}, summary="职工：申请详情")
def my_claim(request, claim_id: RowId):
    worker = require_verified_worker(request.auth)
    return claim_get_for_worker(worker=worker, claim_id=claim_id)


@router.post(
    "/my/claims/{claim_id}/resubmit",
    response={200: ClaimDetailOut, **WRITE_ERRORS},
    summary="职工：修改后重新提交",
)
def my_resubmit(request, claim_id: RowId, payload: ClaimPatchIn):
    worker = require_verified_worker(request.auth)
    claim = claim_get_for_worker(worker=worker, claim_id=claim_id)
    return services.claim_resubmit(worker=worker, claim=claim, data=payload.model_dump(exclude_unset=True))


@router.post(
    "/my/claims/{claim_id}/attachments",
    response={201: MedicalAidAttachmentOut, **WRITE_ERRORS},
    summary="职工：上传材料",
)
def my_attach(
    request,
    claim_id: RowId,
    file: FileEx[UploadedFile, P(description="PDF、JPG 或 PNG")],
    kind: FormEx[Literal["invoice", "discharge_summary", "settlement", "other"], P(description="材料类型")],
):
    worker = require_verified_worker(request.auth)
    claim = claim_get_for_worker(worker=worker, claim_id=claim_id)
    return Status(201, services.claim_attach(worker=worker, claim=claim, upload=file, kind=kind))


@router.get("/my/claims/{claim_id}/attachments/{attachment_id}", response=READ_ERRORS, summary="职工：下载材料")
def my_download(request, claim_id: RowId, attachment_id: RowId):
    worker = require_verified_worker(request.auth)
    return attachment_response(attachment_get_for_worker(worker=worker, claim_id=claim_id, attachment_id=attachment_id))
