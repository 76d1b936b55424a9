"""/api/v1/campaigns: assistance campaigns, budget allocations, grants, the payment roll and figures.

Campaigns and figures (no personal data) are readable by any officer who sees the campaign;
grants and the payment roll need the assistance right (403 without it). Out of scope is 404.
Every write needs the assistance right and write access.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http.response import HttpResponseBase
from ninja import Field, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.params import FileEx, FormEx, P

from gonghui.core.api_schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    XLSX_CONTENT_TYPE,
    BatchIn,
    BatchOut,
    Date,
    InputSchema,
    Money14,
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
from gonghui.orgs.selectors import org_get_visible
from gonghui.web import client_ip

from . import services
from .models import AssistanceCampaign, BudgetAllocation, Grant, GrantEvent
from .selectors import (
    GRANT_QUEUE,
    CampaignFilters,
    Figures,
    GrantFilters,
    allocation_get_visible,
    allocation_list_visible,
    campaign_figures,
    campaign_get_visible,
    campaign_list_visible_to,
    grant_get_for_view,
    grant_get_visible,
    grant_history,
    grant_list_visible_to,
    year_figures,
)
from .views import payment_roll_response

router = Router(tags=["帮扶救助活动"])

TypeValue = Literal[
    "spring_warmth", "education_aid", "medical_relief", "living_relief", "special_hardship", "hospital_visit"
]
_TYPE_HELP = (
    "spring_warmth 送温暖，education_aid 金秋助学，medical_relief 医疗救助，living_relief 生活救助，"
    "special_hardship 一次性特殊困难补助，hospital_visit 大病住院慰问"
)
CampaignStateValue = Literal["draft", "open", "closed"]
GrantStateValue = Literal["proposed", "approved", "paid", "rejected", "cancelled"]
_GRANT_STATE_HELP = "proposed 待审批，approved 已批准，paid 已发放，rejected 未批准，cancelled 已撤销"
EligibilityValue = Literal["filed_only", "open"]
StageValue = Literal["primary", "junior", "senior", "college", "university", "graduate"]
PayMethodValue = Literal["bank_transfer", "cash", "in_kind"]

_XLSX_RESPONSE = {
    "responses": {
        200: {
            "description": "Excel 文件（XLSX）",
            "content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


# ---- schemas ----------------------------------------------------------------------------------


class Standards(Schema):
    # `default=` by keyword: mypy's dataclass_transform only sees a keyword default, and
    # `Field(default_factory=Standards)` below needs Standards() to take no arguments.
    default: Money14 | None = Field(default=None, description="默认标准（元/人）")
    levels: dict[str, Money14] = Field(
        default_factory=dict, description="按困难类别：deep 深度困难，relative 相对困难，accident 意外致困"
    )
    stages: dict[str, Money14] = Field(
        default_factory=dict,
        description="按学段（金秋助学）：primary 小学，junior 初中，senior 高中，college 大专，university 本科，graduate 研究生",
    )


class CampaignOut(Schema):
    id: int
    type: TypeValue = Field(..., description=_TYPE_HELP)
    name: str
    year: int
    starts_on: dt.date
    ends_on: dt.date
    organiser: int = Field(..., description="组织单位（工会 id）")
    organiser_name: str
    eligibility: EligibilityValue = Field(..., description="filed_only 仅限已建档困难职工，open 也接受个人申请")
    yearly_cap: Decimal | None = Field(..., description="每人年度救助上限（元，跨活动合计）；null 为不限")
    standards: Standards
    description: str
    state: CampaignStateValue = Field(..., description="draft 草稿，open 进行中，closed 已结束")
    budget: Decimal = Field(..., description="活动总预算（元）")
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_organiser(obj: AssistanceCampaign) -> int:
        return obj.organiser_id

    @staticmethod
    def resolve_organiser_name(obj: AssistanceCampaign) -> str:
        return obj.organiser.name

    @staticmethod
    def resolve_budget(obj: AssistanceCampaign) -> Decimal:
        root = obj.allocations.filter(parent__isnull=True).values_list("amount", flat=True).first()
        return root or Decimal("0")


class CampaignPage(Schema):
    items: list[CampaignOut]
    next_cursor: str | None


class CampaignIn(InputSchema):
    type: TypeValue = Field(..., description=_TYPE_HELP)
    name: str = Field(..., max_length=120)
    organiser: RowId = Field(..., description="组织单位：数据范围内的总工会或乡镇(街道)工会等上级工会 id")
    year: Year = Field(..., ge=2000, le=2100)
    starts_on: Date
    ends_on: Date
    eligibility: EligibilityValue = "filed_only"
    budget: Money14 = Field(..., ge=0, description="活动总预算（元）")
    yearly_cap: Money14 | None = Field(None, gt=0, description="每人年度救助上限（元）")
    standards: Standards = Field(default_factory=Standards)
    description: str = Field("", max_length=5000)


class CampaignPatch(InputSchema):
    name: str | None = Field(None, max_length=120)
    starts_on: Date | None = None
    ends_on: Date | None = None
    type: TypeValue | None = Field(None, description="仅草稿可改")
    year: Year | None = Field(None, description="仅草稿可改")
    eligibility: EligibilityValue | None = Field(None, description="仅草稿可改")
    budget: Money14 | None = Field(None, ge=0, description="活动总预算；不能少于已下拨和已批准的金额")
    yearly_cap: Money14 | None = None
    standards: Standards | None = None
    description: str | None = Field(None, max_length=5000)


class AllocationOut(Schema):
    id: int
    campaign: int
    org: int
    org_name: str
    parent: int | None = Field(..., description="上级分配 id；活动总预算为 null")
    amount: Decimal
    allocated_amount: Decimal = Field(..., description="已下拨给下级的金额")
    committed_amount: Decimal = Field(..., description="本级已批准和已发放的救助金额")
    paid_amount: Decimal
    available: Decimal = Field(..., description="尚可分配或批准的金额 = amount − allocated − committed")
    state: Literal["draft", "approved"] = Field(..., description="draft 待批准，approved 已批准")
    note: str
    approved_at: dt.datetime | None

    @staticmethod
    def resolve_campaign(obj: BudgetAllocation) -> int:
        return obj.campaign_id

    @staticmethod
    def resolve_org(obj: BudgetAllocation) -> int:
        return obj.org_id

    @staticmethod
    def resolve_org_name(obj: BudgetAllocation) -> str:
        return obj.org.name

    @staticmethod
    def resolve_parent(obj: BudgetAllocation) -> int | None:
        return obj.parent_id


class AllocationIn(InputSchema):
    org: RowId = Field(..., description="下级工会 id；资金从其最近的上级分配中划出")
    amount: Money14 = Field(..., gt=0)
    note: str = Field("", max_length=200)


class AllocationPatch(InputSchema):
    amount: Money14 = Field(..., gt=0, description="仅待批准的分配可改")
    note: str | None = Field(None, max_length=200)


class GrantOut(Schema):
    id: int
    campaign: int
    campaign_name: str
    campaign_type: TypeValue
    org: int = Field(..., description="受助人所在工会 id")
    org_name: str
    allocation: int = Field(..., description="使用的预算分配 id")
    source: Literal["hardship_file", "application"]
    hardship_file: int | None
    person_name: str
    id_number_masked: str
    level: str = Field(..., description="困难类别：deep、relative、accident；个人申请为空")
    amount: Decimal
    state: GrantStateValue = Field(..., description=_GRANT_STATE_HELP)
    proposed_at: dt.datetime
    decided_at: dt.datetime | None
    pay_method: str = Field(..., description="bank_transfer 银行转账，cash 现金，in_kind 实物；未发放为空")
    paid_on: dt.date | None
    paid_amount: Decimal | None

    @staticmethod
    def resolve_campaign(obj: Grant) -> int:
        return obj.campaign_id

    @staticmethod
    def resolve_campaign_name(obj: Grant) -> str:
        return obj.campaign.name

    @staticmethod
    def resolve_campaign_type(obj: Grant) -> str:
        return obj.campaign.type

    @staticmethod
    def resolve_org(obj: Grant) -> int:
        return obj.org_id

    @staticmethod
    def resolve_org_name(obj: Grant) -> str:
        return obj.org.name

    @staticmethod
    def resolve_allocation(obj: Grant) -> int:
        return obj.allocation_id

    @staticmethod
    def resolve_hardship_file(obj: Grant) -> int | None:
        return obj.hardship_file_id


class GrantEventOut(Schema):
    kind: str
    kind_label: str
    note: str
    actor_name: str
    created_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj: GrantEvent) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_actor_name(obj: GrantEvent) -> str:
        return str(obj.actor) if obj.actor_id else ""


class GrantDetailOut(GrantOut):
    member: int | None
    reason: str
    child_name: str
    school: str
    stage: str
    medical_total: Decimal | None
    medical_reimbursed: Decimal | None
    medical_self_paid: Decimal | None
    reject_reason: str
    cancel_reason: str
    payer: str
    has_voucher: bool
    events: list[GrantEventOut]

    @staticmethod
    def resolve_member(obj: Grant) -> int | None:
        return obj.member_id

    @staticmethod
    def resolve_has_voucher(obj: Grant) -> bool:
        return bool(obj.voucher)

    @staticmethod
    def resolve_events(obj: Grant) -> list[GrantEvent]:
        return list(grant_history(grant=obj))


class GrantPage(Schema):
    items: list[GrantOut]
    next_cursor: str | None


class GrantIn(InputSchema):
    hardship_file: RowId | None = Field(None, description="已建档的困难职工档案 id（与个人申请二选一）")
    person_name: str = Field("", max_length=64, description="个人申请：姓名")
    id_number: str = Field("", max_length=24, description="个人申请：身份证号码")
    org: RowId | None = Field(None, description="个人申请：所在工会 id")
    reason: str = Field("", max_length=2000, description="救助事由（个人申请必填）")
    amount: Money14 | None = Field(None, gt=0, description="救助金额；不传则按活动标准（金秋助学按学段标准）")
    child_name: str = Field("", max_length=64, description="金秋助学：子女姓名")
    school: str = Field("", max_length=128, description="金秋助学：就读学校")
    stage: StageValue | None = Field(None, description="金秋助学：学段")
    medical_total: Money14 | None = Field(None, description="医疗救助：医疗费用总额")
    medical_reimbursed: Money14 | None = Field(None, description="医疗救助：医保等已报销")


class GrantNoteIn(InputSchema):
    note: str = Field("", max_length=2000)


class GrantReasonIn(InputSchema):
    reason: str = Field(..., max_length=2000)


class FiguresRow(Schema):
    org: int
    org_name: str
    allocated: Decimal = Field(..., description="从上级分配进入该工会（含下级）的预算")
    committed: Decimal = Field(..., description="已批准和已发放（按实发）的救助金额")
    paid: Decimal
    remaining: Decimal = Field(..., description="allocated − committed")
    beneficiaries: int = Field(..., description="已批准和已发放的受助人数（按受助人所在工会）")
    proposed: int = Field(..., description="待审批的申报数")

    @staticmethod
    def resolve_org(obj: Figures) -> int:
        return obj.org.pk

    @staticmethod
    def resolve_org_name(obj: Figures) -> str:
        return obj.org.name


class CampaignFiguresOut(Schema):
    campaign: int
    total: FiguresRow = Field(..., description="所选工会（含下级）合计")
    rows: list[FiguresRow] = Field(..., description="各直属下级工会（含其下级）")


class TypeFiguresOut(Schema):
    type: TypeValue
    label: str
    campaigns: int
    allocated: Decimal
    committed: Decimal
    paid: Decimal
    beneficiaries: int


class CampaignListParams(Schema):
    year: Year | None = None
    type: TypeValue | None = None
    state: CampaignStateValue | None = None
    q: str = Field("", max_length=100, description="名称包含")
    org: RowId | None = Field(None, description="该工会（须在数据范围内）组织或参与的活动")


class GrantListParams(Schema):
    campaign: RowId | None = None
    state: GrantStateValue | None = None
    type: TypeValue | None = None
    org: RowId | None = Field(None, description="受助人所在工会（含下级）")
    year: Year | None = None
    q: str = Field("", max_length=100, description="姓名（前缀）")


def _standards(payload: Standards | None) -> dict | None:
    if payload is None:
        return None
    return {
        "default": payload.default,
        "levels": dict(payload.levels),
        "stages": dict(payload.stages),
    }


# ---- campaigns ----------------------------------------------------------------------------------


@router.get("", response={200: CampaignPage, **READ_ERRORS}, summary="活动列表")
def list_campaigns(request, params: Query[CampaignListParams], page: Query[PageParams]):
    filters = CampaignFilters(
        year=params.year, type=params.type or "", state=params.state or "", q=params.q, org_id=params.org
    )
    return keyset_envelope(campaign_list_visible_to(actor=request.auth, filters=filters), page)


@router.post("", response={201: CampaignOut, **WRITE_ERRORS}, summary="创建活动（草稿）")
def create_campaign(request, payload: CampaignIn):
    actor = request.auth
    organiser = org_get_visible(actor=actor, org_id=payload.organiser)
    data = payload.model_dump(exclude={"organiser", "budget"})
    data["standards"] = _standards(payload.standards)
    campaign = services.campaign_create(actor=actor, organiser=organiser, data=data, budget=payload.budget)
    return Status(201, campaign_get_visible(actor=actor, pk=campaign.pk))


@router.get("/figures", response={200: whole_list_of(TypeFiguresOut), **READ_ERRORS}, summary="年度汇总（按活动类型）")
def figures_by_type(request, year: Year):
    return whole_list(year_figures(actor=request.auth, year=year))


class BatchPayIn(BatchIn):
    method: Literal["cash", "bank_transfer", "in_kind"] = Field(..., description="发放方式")
    paid_on: dt.date = Field(..., description="发放日期")
    payer: str = Field("", max_length=64, description="经办人")


@router.get("/grants", response={200: GrantPage, **READ_ERRORS}, summary="救助记录列表（需帮扶权限）")
def list_grants(request, params: Query[GrantListParams], page: Query[PageParams], order: Query[SortParams]):
    actor = request.auth
    if params.campaign is not None:
        campaign_get_visible(actor=actor, pk=params.campaign)
    filters = GrantFilters(
        campaign_id=params.campaign,
        state=params.state or "",
        type=params.type or "",
        org_id=params.org,
        year=params.year,
        q=params.q,
    )
    qs = grant_list_visible_to(actor=actor, filters=filters)
    return queue_envelope(qs, page, spec=GRANT_QUEUE, sort=order.sort)


@router.post(
    "/grants/batch-pay",
    response={200: BatchOut, **WRITE_ERRORS},
    summary="批量登记救助发放（按批准金额）",
    description="逐条按“登记发放”办理（数据范围、状态、历史记录），每条单独提交；"
    "某条不能登记（不存在、不在范围内、未批准或已发放）只记入结果，不影响其他条。",
)
def batch_pay_grants(request, payload: BatchPayIn):
    items = services.grant_pay_many(
        actor=request.auth, ids=payload.ids, method=payload.method, paid_on=payload.paid_on, payer=payload.payer
    )
    return batch_envelope(items)


@router.get(
    "/grants/{grant_id}",
    response={200: GrantDetailOut, **READ_ERRORS},
    summary="救助记录详情（需帮扶权限，留痕）",
)
def get_grant(request, grant_id: RowId):
    return grant_get_for_view(actor=request.auth, pk=grant_id, ip=client_ip(request), channel="api")


@router.post(
    "/grants/{grant_id}/approve",
    response={200: GrantDetailOut, **WRITE_ERRORS},
    summary="批准救助",
    description="由预算所在工会及其上级批准；检查救助对象资格、每人年度上限和预算余额（并发安全）。"
    "预算不足为 409 budget_exceeded，超过年度上限为 409 yearly_cap_exceeded。",
)
def approve_grant(request, grant_id: RowId, payload: GrantNoteIn):
    grant = grant_get_visible(actor=request.auth, pk=grant_id)
    services.grant_approve(actor=request.auth, grant=grant, note=payload.note)
    return grant_get_visible(actor=request.auth, pk=grant_id)


@router.post("/grants/{grant_id}/reject", response={200: GrantDetailOut, **WRITE_ERRORS}, summary="不批准")
def reject_grant(request, grant_id: RowId, payload: GrantReasonIn):
    grant = grant_get_visible(actor=request.auth, pk=grant_id)
    services.grant_reject(actor=request.auth, grant=grant, reason=payload.reason)
    return grant_get_visible(actor=request.auth, pk=grant_id)


@router.post(
    "/grants/{grant_id}/cancel",
    response={200: GrantDetailOut, **WRITE_ERRORS},
    summary="撤销救助（释放预算）",
    description="待审批的由申报工会撤销，已批准的由审批工会撤销；已发放的不能撤销。",
)
def cancel_grant(request, grant_id: RowId, payload: GrantReasonIn):
    grant = grant_get_visible(actor=request.auth, pk=grant_id)
    services.grant_cancel(actor=request.auth, grant=grant, reason=payload.reason)
    return grant_get_visible(actor=request.auth, pk=grant_id)


@router.post(
    "/grants/{grant_id}/pay",
    response={200: GrantDetailOut, **WRITE_ERRORS},
    summary="登记发放（multipart 表单）",
    description="凭证可选：PDF、JPG 或 PNG，不超过 5 MB。实发金额不超过批准金额，差额退回预算。",
)
def pay_grant(
    request,
    grant_id: RowId,
    method: FormEx[PayMethodValue, P(description="bank_transfer 银行转账，cash 现金，in_kind 实物")],
    paid_on: FormEx[dt.date, P(description="发放日期")],
    paid_amount: FormEx[Decimal | None, P(description="实发金额；不传则为批准金额")] = None,
    payer: FormEx[str, P(description="经办人")] = "",
    voucher: FileEx[UploadedFile | None, P(description="发放凭证")] = None,
):
    grant = grant_get_visible(actor=request.auth, pk=grant_id)
    services.grant_pay(
        actor=request.auth,
        grant=grant,
        method=method,
        paid_on=paid_on,
        paid_amount=paid_amount,
        payer=payer,
        voucher=voucher,
    )
    return grant_get_visible(actor=request.auth, pk=grant_id)


@router.post(
    "/allocations/{allocation_id}/approve",
    response={200: AllocationOut, **WRITE_ERRORS},
    summary="批准预算分配",
    description="由分配方（上级分配所在工会及其上级）批准；批准后才能在其下申报和批准救助。",
)
def approve_allocation(request, allocation_id: RowId):
    allocation = allocation_get_visible(actor=request.auth, pk=allocation_id)
    return services.allocation_approve(actor=request.auth, allocation=allocation)


@router.patch(
    "/allocations/{allocation_id}",
    response={200: AllocationOut, **WRITE_ERRORS},
    summary="修改待批准的预算分配",
)
def update_allocation(request, allocation_id: RowId, payload: AllocationPatch):
    allocation = allocation_get_visible(actor=request.auth, pk=allocation_id)
    services.allocation_update(actor=request.auth, allocation=allocation, amount=payload.amount, note=payload.note)
    return allocation_get_visible(actor=request.auth, pk=allocation_id)


@router.get("/{campaign_id}", response={200: CampaignOut, **READ_ERRORS}, summary="活动详情")
def get_campaign(request, campaign_id: RowId):
    return campaign_get_visible(actor=request.auth, pk=campaign_id)


@router.patch("/{campaign_id}", response={200: CampaignOut, **WRITE_ERRORS}, summary="修改活动")
def update_campaign(request, campaign_id: RowId, payload: CampaignPatch):
    actor = request.auth
    campaign = campaign_get_visible(actor=actor, pk=campaign_id)
    data = payload.model_dump(exclude_unset=True, exclude={"budget", "standards"})
    if "standards" in payload.model_fields_set:
        data["standards"] = _standards(payload.standards)
    services.campaign_update(actor=actor, campaign=campaign, data=data, budget=payload.budget)
    return campaign_get_visible(actor=actor, pk=campaign_id)


@router.post("/{campaign_id}/open", response={200: CampaignOut, **WRITE_ERRORS}, summary="启动活动（批准总预算）")
def open_campaign(request, campaign_id: RowId):
    campaign = campaign_get_visible(actor=request.auth, pk=campaign_id)
    services.campaign_open(actor=request.auth, campaign=campaign)
    return campaign_get_visible(actor=request.auth, pk=campaign_id)


@router.post("/{campaign_id}/close", response={200: CampaignOut, **WRITE_ERRORS}, summary="结束活动")
def close_campaign(request, campaign_id: RowId):
    campaign = campaign_get_visible(actor=request.auth, pk=campaign_id)
    services.campaign_close(actor=request.auth, campaign=campaign)
    return campaign_get_visible(actor=request.auth, pk=campaign_id)


@router.get(
    "/{campaign_id}/allocations",
    response={200: whole_list_of(AllocationOut), **READ_ERRORS},
    summary="预算分配（数据范围内，按组织树排序）",
)
def list_allocations(request, campaign_id: RowId):
    campaign = campaign_get_visible(actor=request.auth, pk=campaign_id)
    return whole_list(allocation_list_visible(actor=request.auth, campaign=campaign))


@router.post(
    "/{campaign_id}/allocations",
    response={201: AllocationOut, **WRITE_ERRORS},
    summary="向下级工会分配预算",
    description="下级分配合计不超过上级分配（409 allocation_exceeds_parent）；上级分配须已批准。",
)
def create_allocation(request, campaign_id: RowId, payload: AllocationIn):
    actor = request.auth
    campaign = campaign_get_visible(actor=actor, pk=campaign_id)
    org = org_get_visible(actor=actor, org_id=payload.org)
    allocation = services.allocation_create(
        actor=actor, campaign=campaign, org=org, amount=payload.amount, note=payload.note
    )
    return Status(201, allocation)


@router.post(
    "/{campaign_id}/grants",
    response={201: GrantDetailOut, **WRITE_ERRORS},
    summary="申报救助",
    description="从已建档困难职工档案（hardship_file）或个人申请（person_name、id_number、org、reason；"
    "仅 eligibility=open 的活动）申报。每人每个活动限一次（409 duplicate_grant）。",
)
def propose_grant(request, campaign_id: RowId, payload: GrantIn):
    actor = request.auth
    campaign = campaign_get_visible(actor=actor, pk=campaign_id)
    data = {k: v for k, v in payload.model_dump().items() if v not in (None, "")}
    grant = services.grant_propose(actor=actor, campaign=campaign, data=data)
    return Status(201, grant_get_visible(actor=actor, pk=grant.pk))


@router.get(
    "/{campaign_id}/figures",
    response={200: CampaignFiguresOut, **READ_ERRORS},
    summary="预算执行情况（按下级工会）",
    description="不含个人信息，数据范围内的工作人员均可查看。org 为数据范围内的工会（默认：组织单位或本工会）。",
)
def figures(request, campaign_id: RowId, org: RowId | None = None):
    actor = request.auth
    campaign = campaign_get_visible(actor=actor, pk=campaign_id)
    target = org_get_visible(actor=actor, org_id=org) if org is not None else None
    result = campaign_figures(actor=actor, campaign=campaign, org=target)
    return {"campaign": campaign.pk, "total": result.total, "rows": result.rows}


@router.get(
    "/{campaign_id}/payment-roll",
    response=READ_ERRORS,
    summary="导出发放花名册（XLSX，需帮扶权限，留痕）",
    description="已批准和已发放的救助，按工会（含下级）；证件号码脱敏，留有领取人签字栏。",
    openapi_extra=_XLSX_RESPONSE,
)
def payment_roll_export(request, campaign_id: RowId, org: RowId | None = None) -> HttpResponseBase:
    from gonghui.accounts.permissions import require_assistance

    actor = request.auth
    campaign = campaign_get_visible(actor=actor, pk=campaign_id)
    require_assistance(actor)
    target = org_get_visible(actor=actor, org_id=org) if org is not None else None
    return payment_roll_response(actor=actor, campaign=campaign, org=target, ip=client_ip(request))
