"""/api/v1/rights (mounted beside the request routes): casework on a request (legal aid, mediation, follow-up, rating) and the reports.

Officer routes read and write within the caller's scope (out of scope answers 404 like a missing
id; read-only accounts get 403 on writes). The worker routes under /my/ serve only the requester.
Thin: casework.selectors reads, casework.services writes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from gonghui.core.api_schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    XLSX_CONTENT_TYPE,
    Date,
    DateTime,
    DeadlineScheduleOut,
    InputSchema,
    Money,
    RowId,
    deadline_schedule,
)
from gonghui.core.errors import InvalidInput
from gonghui.core.exports import xlsx_response
from gonghui.portal.web import require_worker
from gonghui.rights.selectors import request_get_for_worker, request_get_visible

from . import services
from .models import FollowUp, LegalAidCase, Mediation, MediationSession, Rating
from .selectors import (
    OverdueFilters,
    ReportFilters,
    can_rate,
    casework_of,
    legal_aid_get_visible,
    mediation_get_visible,
    overdue_by_union,
    overdue_list,
    overdue_summary,
    rating_of,
    satisfaction_report,
    satisfaction_xlsx,
)

router = Router(tags=["维权服务：案件办理与统计"])

AidTypeValue = Literal["consultation", "representation", "document_drafting"]
StageValue = Literal["arbitration", "first_instance", "second_instance", "enforcement", "settled"]
OutcomeValue = Literal["pending", "won", "partly_won", "lost", "settled", "withdrawn"]
ResultValue = Literal["pending", "agreed", "not_agreed"]
MethodValue = Literal["phone", "visit", "online"]
SourceValue = Literal["online", "phone"]

_AID_HELP = "consultation 法律咨询，representation 代理诉讼/仲裁，document_drafting 代写法律文书"
_STAGE_HELP = "arbitration 劳动仲裁，first_instance 一审，second_instance 二审，enforcement 执行，settled 已结案"
_OUTCOME_HELP = (
    "pending 未结，won 胜诉，partly_won 部分胜诉，lost 败诉，settled 和解/调解结案，withdrawn 撤诉/撤回；"
    "非 pending 时未填结案日期则记为今天"
)
_RESULT_HELP = "pending 调解中，agreed 达成协议（须填协议日期），not_agreed 未达成协议（清空协议内容）"
_METHOD_HELP = "phone 电话回访，visit 上门回访，online 网上回访"
_SOURCE_HELP = "online 职工网上评价，phone 回访时由工作人员代为记录"


# ---- schemas -------------------------------------------------------------------------------------


class LegalAidIn(InputSchema):
    aid_type: AidTypeValue = Field(..., description=_AID_HELP)
    lawyer_name: str = Field(..., max_length=64, description="承办律师/法律工作者")
    agency_name: str = Field(..., max_length=128, description="律师事务所/法律援助机构")
    lawyer_phone: str = Field("", max_length=20, description="联系电话")
    stage: StageValue = Field(..., description=_STAGE_HELP)
    case_number: str = Field("", max_length=64, description="案号")
    opened_on: Date | None = Field(None, description="援助开始日期，默认今天")
    closed_on: Date | None = Field(None, description="结案日期")
    outcome: OutcomeValue = Field("pending", description=_OUTCOME_HELP)
    amount_claimed: Money = Field(
        Decimal("0"), description="主张金额（元，两位小数，不小于0）", ge=0, max_digits=12, decimal_places=2
    )
    amount_recovered: Money = Field(
        Decimal("0"), description="挽回金额（元，两位小数，不小于0）", ge=0, max_digits=12, decimal_places=2
    )
    notes: str = Field("", max_length=5000, description="备注")


class LegalAidPatchIn(InputSchema):
    aid_type: AidTypeValue | None = None
    lawyer_name: str | None = Field(None, max_length=64)
    agency_name: str | None = Field(None, max_length=128)
    lawyer_phone: str | None = Field(None, max_length=20)
    stage: StageValue | None = Field(None, description=_STAGE_HELP + "；阶段变化记入办理记录")
    case_number: str | None = Field(None, max_length=64)
    opened_on: Date | None = None
    closed_on: Date | None = None
    outcome: OutcomeValue | None = Field(None, description=_OUTCOME_HELP)
    amount_claimed: Money | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    amount_recovered: Money | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    notes: str | None = Field(None, max_length=5000)


class LegalAidOut(Schema):
    id: int
    request: int = Field(..., description="诉求 id")
    aid_type: AidTypeValue = Field(..., description=_AID_HELP)
    lawyer_name: str
    agency_name: str
    lawyer_phone: str
    stage: StageValue = Field(..., description=_STAGE_HELP)
    case_number: str
    opened_on: dt.date
    closed_on: dt.date | None
    outcome: OutcomeValue = Field(..., description=_OUTCOME_HELP)
    amount_claimed: Decimal = Field(..., description="主张金额（元，字符串形式的两位小数）")
    amount_recovered: Decimal = Field(..., description="挽回金额（元，字符串形式的两位小数）")
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_request(obj: LegalAidCase) -> int:
        return obj.request_id


class MediationIn(InputSchema):
    worker_party: str = Field(..., max_length=255, description="职工一方，如 李四等3人")
    employer_name: str | None = Field(None, max_length=128, description="用人单位；默认取诉求中的用人单位")
    employer_uscc: str = Field("", max_length=18, description="用人单位统一社会信用代码（可不填，填写则校验）")
    employer_representative: str = Field("", max_length=64, description="用人单位代表")
    mediator_name: str = Field(..., max_length=64, description="调解员")
    mediator_org: str = Field(..., max_length=128, description="调解组织")
    started_on: Date | None = Field(None, description="开始调解日期，默认今天")
    notes: str = Field("", max_length=5000, description="备注")


class MediationPatchIn(InputSchema):
    worker_party: str | None = Field(None, max_length=255)
    employer_name: str | None = Field(None, max_length=128)
    employer_uscc: str | None = Field(None, max_length=18)
    employer_representative: str | None = Field(None, max_length=64)
    mediator_name: str | None = Field(None, max_length=64)
    mediator_org: str | None = Field(None, max_length=128)
    started_on: Date | None = None
    notes: str | None = Field(None, max_length=5000)


class SessionIn(InputSchema):
    held_on: Date | None = Field(None, description="调解日期，默认今天；不得早于开始调解日期")
    place: str = Field(..., max_length=128, description="地点")
    attendees: str = Field(..., max_length=255, description="参加人员")
    summary: str = Field(..., max_length=5000, description="调解情况")


class SessionOut(Schema):
    id: int
    held_on: dt.date
    place: str
    attendees: str
    summary: str
    created_at: dt.datetime


class MediationResultIn(InputSchema):
    result: ResultValue = Field(..., description=_RESULT_HELP)
    agreement_amount: Money | None = Field(None, description="协议金额（元）", ge=0, max_digits=12, decimal_places=2)
    agreement_date: Date | None = Field(None, description="协议日期")
    performed: bool | None = Field(None, description="协议是否已履行（null 表示未知）")
    performed_on: Date | None = Field(None, description="履行日期，默认今天（performed=true 时）")


class MediationOut(Schema):
    id: int
    request: int = Field(..., description="诉求 id")
    worker_party: str
    employer_name: str
    employer_uscc: str
    employer_representative: str
    mediator_name: str
    mediator_org: str
    started_on: dt.date
    result: ResultValue = Field(..., description=_RESULT_HELP)
    agreement_amount: Decimal | None
    agreement_date: dt.date | None
    performed: bool | None
    performed_on: dt.date | None
    notes: str
    sessions: list[SessionOut]

    @staticmethod
    def resolve_request(obj: Mediation) -> int:
        return obj.request_id

    @staticmethod
    def resolve_sessions(obj: Mediation) -> list[MediationSession]:
        return list(obj.sessions.all())


class FollowUpIn(InputSchema):
    method: MethodValue = Field(..., description=_METHOD_HELP)
    contacted: bool = Field(..., description="是否联系上职工；未联系上也可关闭诉求（无需评价）")
    answer: str = Field("", max_length=5000, description="职工的答复或回访情况")
    satisfied: bool | None = Field(None, description="职工在回访中是否表示满意；未联系上时须为 null")
    followed_at: DateTime | None = Field(None, description="回访时间，默认现在")
    score: int | None = Field(None, ge=1, le=5, description="职工在回访中给出的评分（1–5），同时记为评价（来源 phone）")
    comment: str = Field("", max_length=1000, description="评价内容（与 score 一起）")


class FollowUpOut(Schema):
    request: int
    officer_name: str | None
    followed_at: dt.datetime
    method: MethodValue = Field(..., description=_METHOD_HELP)
    contacted: bool
    answer: str
    satisfied: bool | None
    attempts: int = Field(..., description="回访次数（再次回访会覆盖上次记录并计数）")

    @staticmethod
    def resolve_request(obj: FollowUp) -> int:
        return obj.request_id

    @staticmethod
    def resolve_officer_name(obj: FollowUp) -> str | None:
        return str(obj.officer) if obj.officer is not None else None


class RatingIn(InputSchema):
    score: int = Field(..., ge=1, le=5, description="评分 1–5（4、5分计为满意）")
    comment: str = Field("", max_length=1000, description="评价内容")


class RatingOut(Schema):
    request: int
    score: int
    comment: str
    source: SourceValue = Field(..., description=_SOURCE_HELP)
    rated_at: dt.datetime

    @staticmethod
    def resolve_request(obj: Rating) -> int:
        return obj.request_id


class CaseworkOut(Schema):
    legal_aid: list[LegalAidOut]
    mediations: list[MediationOut]
    follow_up: FollowUpOut | None
    rating: RatingOut | None


class MyRatingOut(Schema):
    can_rate: bool = Field(..., description="现在能否评价（本人的诉求、已办结或未评价的已关闭诉求、尚未评价）")
    rating: RatingOut | None


class OverdueParams(Schema):
    org: RowId | None = Field(None, description="只看此承办工会（不含下级）")
    within: RowId | None = Field(None, description="只看此工会及其全部下级")
    escalated: bool = Field(False, description="只看已提请上级督办的")
    major: bool = Field(False, description="只看重大劳动事件")
    limit: int = Field(100, ge=0, le=500, description="items 最多条数（超期最久的在前）")

    def to_filters(self) -> OverdueFilters:
        return OverdueFilters(org_id=self.org, within_id=self.within, escalated=self.escalated, major=self.major)


class OverdueTotals(Schema):
    overdue: int = Field(..., description="超期诉求数（未按期受理或未按期办结）")
    escalated: int = Field(..., description="其中已提请上级督办")
    major: int = Field(..., description="其中重大劳动事件")


class OverdueUnionOut(Schema):
    org_id: int
    org_name: str
    overdue: int
    escalated: int
    major: int
    oldest_due: dt.datetime | None = Field(..., description="最早的办结期限")


class OverdueItemOut(Schema):
    id: int
    reference: str
    title: str
    state: str
    handling_org: int
    handling_org_name: str
    accept_due_at: dt.datetime | None
    resolve_due_at: dt.datetime | None
    escalation_level: int
    escalated_to_name: str | None
    is_major_incident: bool
    deadline_schedule: DeadlineScheduleOut

    @staticmethod
    def resolve_deadline_schedule(obj) -> DeadlineScheduleOut:
        return deadline_schedule(obj.accept_due_at, obj.resolve_due_at)

    @staticmethod
    def resolve_handling_org(obj) -> int:
        return obj.handling_org_id

    @staticmethod
    def resolve_handling_org_name(obj) -> str:
        return obj.handling_org.name

    @staticmethod
    def resolve_escalated_to_name(obj) -> str | None:
        return obj.escalated_to.name if obj.escalated_to is not None else None


class OverdueReportOut(Schema):
    totals: OverdueTotals
    unions: list[OverdueUnionOut] = Field(..., description="按承办工会统计，超期多的在前")
    items: list[OverdueItemOut]


class ReportParams(Schema):
    date_from: Date | None = Field(None, description="受理（提交）日期起，默认今年1月1日")
    date_to: Date | None = Field(None, description="受理（提交）日期止（含），默认今天")
    category: str = Field("", max_length=32, description="诉求类别，空为全部")
    org: RowId | None = Field(None, description="统计工会：按其直属下级分行；默认本账号所在工会")

    def to_filters(self) -> ReportFilters:
        default = ReportFilters.this_year()
        start = self.date_from or default.date_from
        end = self.date_to or max(default.date_to, start)
        if end < start:
            msg = _("结束日期不能早于开始日期")
            raise InvalidInput(msg, fields={"date_to": [msg]})
        return ReportFilters(date_from=start, date_to=end, category=self.category, org_id=self.org)


class CaseworkFiguresOut(Schema):
    total: int = Field(..., description="诉求数")
    done: int = Field(..., description="已办结和已关闭")
    resolved: int = Field(..., description="已办结过（有办结时间）")
    on_time: int = Field(..., description="在办结期限内办结")
    followed: int = Field(..., description="已办结和已关闭中已回访的")
    rated: int = Field(..., description="评价数")
    satisfied: int = Field(..., description="4分及以上的评价数")
    overdue: int = Field(..., description="当前超期")
    satisfaction_rate: Decimal | None = Field(..., description="满意率（%，一位小数）= satisfied ÷ rated")
    follow_up_rate: Decimal | None = Field(..., description="回访率（%）= followed ÷ done")
    on_time_rate: Decimal | None = Field(..., description="按期办结率（%）= on_time ÷ resolved")
    average_score: Decimal | None = Field(..., description="平均分（两位小数）")


class UnionFiguresOut(CaseworkFiguresOut):
    org_id: int
    org_name: str
    own: bool = Field(..., description="true 表示统计工会本级承办的（不含下级）")


class MonthFiguresOut(CaseworkFiguresOut):
    month: str = Field(..., description="YYYY-MM")


class CaseworkOrgRef(Schema):
    id: int
    name: str


class SatisfactionReportOut(Schema):
    root: CaseworkOrgRef | None
    date_from: dt.date
    date_to: dt.date
    rows: list[UnionFiguresOut] = Field(..., description="直属下级工会各一行（含其全部下级），最后是本级")
    total: CaseworkFiguresOut
    trend: list[MonthFiguresOut] = Field(..., description="按受理月份")


# ---- officer routes ----------------------------------------------------------------------------


@router.get(
    "/requests/{request_id}/casework",
    response={200: CaseworkOut, **READ_ERRORS},
    summary="诉求的案件办理情况",
    description="法律援助、劳动争议调解（含调解记录）、回访和满意度评价。",
)
def get_casework(request, request_id: RowId):
    req = request_get_visible(actor=request.auth, pk=request_id)
    work = casework_of(req)
    return {
        "legal_aid": work.legal_aid,
        "mediations": work.mediations,
        "follow_up": work.follow_up,
        "rating": work.rating,
    }


@router.post(
    "/requests/{request_id}/legal-aid",
    response={201: LegalAidOut, **WRITE_ERRORS},
    summary="登记法律援助",
    description="诉求已受理、办理中、重新办理或已办结时可登记（409 bad_state）；可登记多件。",
)
def create_legal_aid(request, request_id: RowId, payload: LegalAidIn):
    req = request_get_visible(actor=request.auth, pk=request_id)
    data = payload.model_dump(exclude_none=True)
    return Status(201, services.legal_aid_open(actor=request.auth, request=req, data=data))


@router.get("/legal-aid/{case_id}", response={200: LegalAidOut, **READ_ERRORS}, summary="法律援助案件")
def get_legal_aid(request, case_id: RowId):
    return legal_aid_get_visible(actor=request.auth, pk=case_id)


@router.patch(
    "/legal-aid/{case_id}",
    response={200: LegalAidOut, **WRITE_ERRORS},
    summary="更新法律援助案件",
    description="只修改给出的字段；阶段和结果的变化分别记入诉求的办理记录。",
)
def update_legal_aid(request, case_id: RowId, payload: LegalAidPatchIn):
    case = legal_aid_get_visible(actor=request.auth, pk=case_id)
    data = payload.model_dump(exclude_unset=True)
    return services.legal_aid_update(actor=request.auth, case=case, data=data)


@router.post(
    "/requests/{request_id}/mediations",
    response={201: MediationOut, **WRITE_ERRORS},
    summary="登记劳动争议调解",
)
def create_mediation(request, request_id: RowId, payload: MediationIn):
    req = request_get_visible(actor=request.auth, pk=request_id)
    data = payload.model_dump(exclude_none=True)
    return Status(201, services.mediation_open(actor=request.auth, request=req, data=data))


@router.get("/mediations/{mediation_id}", response={200: MediationOut, **READ_ERRORS}, summary="调解详情")
def get_mediation(request, mediation_id: RowId):
    return mediation_get_visible(actor=request.auth, pk=mediation_id)


@router.patch(
    "/mediations/{mediation_id}",
    response={200: MediationOut, **WRITE_ERRORS},
    summary="修改调解信息",
    description="当事人、调解员、备注；结果请用 POST /mediations/{id}/result。",
)
def update_mediation(request, mediation_id: RowId, payload: MediationPatchIn):
    mediation = mediation_get_visible(actor=request.auth, pk=mediation_id)
    data = payload.model_dump(exclude_unset=True)
    return services.mediation_update(actor=request.auth, mediation=mediation, data=data)


@router.post(
    "/mediations/{mediation_id}/sessions",
    response={201: SessionOut, **WRITE_ERRORS},
    summary="添加调解记录",
    description="调解已有结果时返回 409 mediation_concluded。",
)
def add_mediation_session(request, mediation_id: RowId, payload: SessionIn):
    mediation = mediation_get_visible(actor=request.auth, pk=mediation_id)
    data = payload.model_dump(exclude_none=True)
    return Status(201, services.mediation_add_session(actor=request.auth, mediation=mediation, data=data))


@router.post(
    "/mediations/{mediation_id}/result",
    response={200: MediationOut, **WRITE_ERRORS},
    summary="记录调解结果",
    description=_RESULT_HELP,
)
def record_mediation_result(request, mediation_id: RowId, payload: MediationResultIn):
    mediation = mediation_get_visible(actor=request.auth, pk=mediation_id)
    updated = services.mediation_record_result(actor=request.auth, mediation=mediation, data=payload.model_dump())
    return mediation_get_visible(actor=request.auth, pk=updated.pk)


@router.post(
    "/requests/{request_id}/follow-up",
    response={200: FollowUpOut, **WRITE_ERRORS},
    summary="记录回访",
    description="诉求已办结时可记录（409 bad_state）；再次回访覆盖上次记录并计数。给出 score 则同时记录评价"
    "（已评价时 409 already_rated）。关闭诉求前须有回访，联系上职工的还须有评价。",
)
def record_follow_up(request, request_id: RowId, payload: FollowUpIn):
    req = request_get_visible(actor=request.auth, pk=request_id)
    data = payload.model_dump(exclude={"score", "comment"})
    return services.follow_up_record(
        actor=request.auth, request=req, data=data, score=payload.score, comment=payload.comment
    )


@router.post(
    "/requests/{request_id}/rating",
    response={201: RatingOut, **WRITE_ERRORS},
    summary="代为记录职工评价",
    description="回访中职工口头给出的评分（来源 phone）。已办结或未评价的已关闭诉求；每件只能评价一次。",
)
def record_rating(request, request_id: RowId, payload: RatingIn):
    req = request_get_visible(actor=request.auth, pk=request_id)
    rating = services.rating_record(actor=request.auth, request=req, score=payload.score, comment=payload.comment)
    return Status(201, rating)


@router.get(
    "/reports/overdue",
    response={200: OverdueReportOut, **READ_ERRORS},
    summary="超期督办统计",
    description="数据范围内超期的诉求：总数、按承办工会统计，以及超期最久的若干件。",
)
def overdue_report(request, params: Query[OverdueParams]):
    filters = params.to_filters()
    return {
        "totals": overdue_summary(actor=request.auth, filters=filters),
        "unions": overdue_by_union(actor=request.auth, filters=filters),
        "items": overdue_list(actor=request.auth, filters=filters, limit=params.limit),
    }


def _report_out(report, filters: ReportFilters) -> dict:
    return {
        "root": {"id": report.root.pk, "name": report.root.name} if report.root is not None else None,
        "date_from": filters.date_from,
        "date_to": filters.date_to,
        "rows": report.rows,
        "total": report.total,
        "trend": report.trend,
    }


@router.get(
    "/reports/satisfaction",
    response={200: SatisfactionReportOut, **READ_ERRORS},
    summary="满意度、回访率与按期办结率",
    description="按受理（提交）日期统计；统计工会的直属下级各一行（含其全部下级），另有本级、合计和按月趋势。",
)
def satisfaction(request, params: Query[ReportParams]):
    filters = params.to_filters()
    return _report_out(satisfaction_report(actor=request.auth, filters=filters), filters)


@router.get(
    "/reports/satisfaction/export",
    response=READ_ERRORS,
    summary="导出满意度统计（XLSX）",
    openapi_extra={
        "responses": {
            200: {
                "description": "Excel 文件（XLSX）",
                "content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def satisfaction_export(request, params: Query[ReportParams]):
    filters = params.to_filters()
    report = satisfaction_report(actor=request.auth, filters=filters)
    filename = f"satisfaction-{filters.date_from}-{filters.date_to}.xlsx"
    return xlsx_response(satisfaction_xlsx(report, filters), filename=filename)


# ---- worker routes -----------------------------------------------------------------------------


@router.get(
    "/my/requests/{request_id}/rating",
    response={200: MyRatingOut, **READ_ERRORS},
    summary="我的评价（职工）",
    description="只限本人提交的诉求（他人的诉求返回 404，工作人员账号 403）。",
)
def my_rating(request, request_id: RowId):
    worker = require_worker(request.auth)
    req = request_get_for_worker(worker=worker, pk=request_id)
    return {"can_rate": can_rate(worker=worker, request=req), "rating": rating_of(req)}


@router.post(
    "/my/requests/{request_id}/rating",
    response={201: RatingOut, **WRITE_ERRORS},
    summary="评价服务（职工）",
    description="本人的诉求办结后（或未评价即关闭后）评价一次：1–5分和评价内容。"
    "未办结 409 not_resolved，已评价 409 already_rated。2分及以下会提醒承办工会，职工可申请重新办理。",
)
def rate_my_request(request, request_id: RowId, payload: RatingIn):
    worker = require_worker(request.auth)
    req = request_get_for_worker(worker=worker, pk=request_id)
    return Status(201, services.rating_submit(worker=worker, request=req, score=payload.score, comment=payload.comment))
