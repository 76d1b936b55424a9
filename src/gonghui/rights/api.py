"""/api/v1/rights: rights and service requests over HTTP.

Two audiences, one error shape:
* workers (`/rights/my/requests…`, a worker account's token or session): file, list and read
  their own requests, message, upload attachments, withdraw, reopen. Someone else's request is 404.
* officers (`/rights/requests…`): the queue in scope, a request with its timeline, recording a
  hotline call or walk-in, and every transition. Out of scope is 404; a read-only account 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import FileResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.params import FileEx, P

from gonghui.accounts.personal_data import PHONE_HELP, phone_for_context, phone_revealed_to
from gonghui.core.api_schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    DeadlineScheduleOut,
    InputSchema,
    PageParams,
    PositiveInt32,
    RowId,
    SortParams,
    deadline_schedule,
    queue_envelope,
)
from gonghui.core.pagination import keyset_page
from gonghui.core.phone import mask_mobile
from gonghui.portal.web import require_worker

from . import services
from .facts import facts_display
from .models import Attachment, Dispatch, RequestEvent, ServiceRequest
from .selectors import (
    REQUEST_QUEUE,
    RequestFilters,
    attachment_get_for_worker,
    attachment_get_visible,
    request_dispatches,
    request_get_for_worker,
    request_get_visible,
    request_list_for_worker,
    request_list_visible_to,
    request_timeline,
    requests_from_phone,
)
from .views import attachment_response, major_recipients

router = Router(tags=["维权服务"])

CategoryValue = Literal[
    "wage_arrears", "labour_contract", "social_insurance", "work_injury", "occupational_safety", "dismissal",
    "working_hours", "other_rights", "legal_consultation", "psychological_counselling", "employment_help",
    "hardship_help",
]  # fmt: skip
StateValue = Literal[
    "submitted", "accepted", "in_progress", "resolved", "closed", "rejected", "transferred", "reopened"
]
ChannelValue = Literal["portal", "hotline", "walk_in"]
ComplexityValue = Literal["ordinary", "difficult", "major_complex"]

_CATEGORY_HELP = (
    "维权：wage_arrears 欠薪，labour_contract 劳动合同，social_insurance 社会保险，work_injury 工伤，"
    "occupational_safety 职业安全卫生，dismissal 解除劳动关系，working_hours 工时与休假，other_rights 其他权益；"
    "服务：legal_consultation 法律咨询，psychological_counselling 心理咨询，employment_help 就业帮扶，hardship_help 困难帮扶"
)
_STATE_HELP = (
    "submitted 已提交，accepted 已受理，in_progress 办理中，resolved 已办结，closed 已关闭，rejected 不予受理，"
    "transferred 已转办（待接收工会受理），reopened 重新办理"
)
_COMPLEXITY_HELP = "ordinary 一般（默认5个工作日），difficult 疑难（15），major_complex 重大复杂（30）"


# ---- schemas ----------------------------------------------------------------------------------


class RequestOut(Schema):
    id: int
    reference: str = Field(..., description="编号，如 WQ20261124-000123")
    category: CategoryValue = Field(..., description=_CATEGORY_HELP)
    channel: ChannelValue = Field(..., description="portal 网上，hotline 12351热线，walk_in 来访")
    state: StateValue = Field(..., description=_STATE_HELP)
    title: str
    handling_org: int = Field(..., description="承办工会 id")
    handling_org_name: str
    workers_involved: int
    is_major_incident: bool = Field(..., description="涉及10名及以上职工的重大劳动事件")
    complexity: ComplexityValue = Field(..., description=_COMPLEXITY_HELP)
    overdue: bool = Field(..., description="是否已超过受理或办结期限")
    created_at: dt.datetime = Field(..., description="提交或登记时间")
    received_at: dt.datetime = Field(..., description="来电来访时间（网上申请为提交时间）；首次受理期限自此起算")
    accepted_at: dt.datetime | None = Field(..., description="受理时间")
    accept_due_at: dt.datetime | None
    accept_due_from: dt.datetime | None = Field(
        ..., description="受理期限的起算时间：来电来访时间，或转办、重新办理的时间"
    )
    resolve_due_at: dt.datetime | None
    resolve_due_from: dt.datetime | None = Field(..., description="办结期限的起算时间（受理时间）")
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    deadline_schedule: DeadlineScheduleOut

    @staticmethod
    def resolve_handling_org(obj: ServiceRequest) -> int:
        return obj.handling_org_id

    @staticmethod
    def resolve_deadline_schedule(obj: ServiceRequest) -> DeadlineScheduleOut:
        return deadline_schedule(obj.accept_due_at, obj.resolve_due_at)

    @staticmethod
    def resolve_handling_org_name(obj: ServiceRequest) -> str:
        return obj.handling_org.name

    @staticmethod
    def resolve_overdue(obj: ServiceRequest) -> bool:
        return obj.is_overdue()


class OfficerRequestOut(RequestOut):
    requester_name: str = Field(..., description="求助人自报或实名认证的姓名；未实名且未留姓名时为空字符串")
    requester_display: str = Field(..., description="页面显示的求助人：姓名，或“未实名 138****8000”")
    requester_phone_masked: str
    escalation_level: int = Field(..., description="超期督办层级：0 未督办，1 上一级，2 上两级……")
    escalated_to: int | None = Field(..., description="督办工会 id")

    @staticmethod
    def resolve_requester_display(obj: ServiceRequest) -> str:
        return obj.requester_display

    @staticmethod
    def resolve_requester_phone_masked(obj: ServiceRequest) -> str:
        return mask_mobile(obj.requester_phone) if obj.requester_phone else ""

    @staticmethod
    def resolve_escalated_to(obj: ServiceRequest) -> int | None:
        return obj.escalated_to_id


class FactOut(Schema):
    label: str
    value: str


class PhoneHistoryItemOut(Schema):
    id: int
    reference: str
    channel: ChannelValue
    category: CategoryValue
    state: StateValue
    received_at: dt.datetime
    handling_org_name: str

    @staticmethod
    def resolve_handling_org_name(obj: ServiceRequest) -> str:
        return obj.handling_org.name


class PhoneHistoryOut(Schema):
    items: list[PhoneHistoryItemOut] = Field(..., description="本账号可查看的以往申请（最近10件）")
    others: int = Field(..., description="其余件数（数据范围外或超出列出数），不能查看")


def _facts_out(obj: ServiceRequest, context) -> dict[str, Any]:
    """The stored facts, the subcontractor's phone as the reader may see it (PHONE_HELP)."""
    facts = dict(obj.facts or {})
    if "subcontractor_phone" in facts:
        facts["subcontractor_phone"] = phone_for_context(context, str(facts["subcontractor_phone"]))
    return facts


_FACTS_HELP = (
    "诉求要素（按类别）：wage_arrears 欠薪 amount_owed 欠薪金额（元，字符串两位小数）、months_owed 欠薪月数、"
    "employer_uscc 用人单位统一社会信用代码（校验位核对）、project_name 工程项目、subcontractor_name 包工头姓名、"
    "subcontractor_phone 包工头电话；labour_contract 劳动合同 contract_status（signed 已签 / not_signed 未签 / "
    "expired 到期未续签）、employer_uscc_contract；social_insurance 社会保险 months_unpaid 未缴月数；"
    "work_injury 工伤 injury_date 受伤日期、injury_part 受伤部位；dismissal 解除劳动关系 left_on 离职日期、"
    "compensation_claimed 主张经济补偿（元）。涉及人数见 workers_involved。其他类别没有要素。"
)


class RightsEventOut(Schema):
    id: int
    kind: str = Field(..., description="事项：submitted、accepted、message、transferred、dispatched、reported 等")
    kind_label: str
    note: str
    by_worker: bool = Field(..., description="是否职工本人所为（留言、撤回、重新办理）")
    actor_name: str
    org_name: str
    created_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj: RequestEvent) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_by_worker(obj: RequestEvent) -> bool:
        return bool(obj.actor_id) and not getattr(obj.actor, "org_id", None)

    @staticmethod
    def resolve_actor_name(obj: RequestEvent) -> str:
        if obj.actor is None:
            return ""
        return "" if not obj.actor.org_id else str(obj.actor)

    @staticmethod
    def resolve_org_name(obj: RequestEvent) -> str:
        return obj.org.name if obj.org is not None else ""


class RightsAttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    created_at: dt.datetime

    @staticmethod
    def resolve_name(obj: Attachment) -> str:
        return obj.original_name


class DispatchOut(Schema):
    id: int
    from_org: int
    from_org_name: str
    to_org: int
    to_org_name: str
    instruction: str
    due_at: dt.datetime | None
    report: str
    reported_at: dt.datetime | None
    deadline_schedule: DeadlineScheduleOut

    @staticmethod
    def resolve_deadline_schedule(obj: Dispatch) -> DeadlineScheduleOut:
        return deadline_schedule(obj.due_at)

    @staticmethod
    def resolve_from_org(obj: Dispatch) -> int:
        return obj.from_org_id

    @staticmethod
    def resolve_to_org(obj: Dispatch) -> int:
        return obj.to_org_id

    @staticmethod
    def resolve_from_org_name(obj: Dispatch) -> str:
        return obj.from_org.name

    @staticmethod
    def resolve_to_org_name(obj: Dispatch) -> str:
        return obj.to_org.name


class WorkerRequestDetailOut(RequestOut):
    description: str
    employer_name: str
    region_code: str
    region_name: str = Field(..., description="所在地区名称，如 浙江省杭州市临安区")
    facts: dict[str, Any] = Field(..., description=_FACTS_HELP)
    resolution: str
    reject_reason: str
    can_reopen: bool = Field(..., description="现在能否申请重新办理（办结或关闭后15天内）")
    events: list[RightsEventOut] = Field(..., description="办理进度（职工可见的事项）")
    attachments: list[RightsAttachmentOut]

    @staticmethod
    def resolve_region_name(obj: ServiceRequest) -> str:
        return obj.region_label

    @staticmethod
    def resolve_facts(obj: ServiceRequest) -> dict[str, Any]:
        return dict(obj.facts or {})

    @staticmethod
    def resolve_can_reopen(obj: ServiceRequest) -> bool:
        return services.can_reopen(obj)

    @staticmethod
    def resolve_events(obj: ServiceRequest) -> list[RequestEvent]:
        return list(request_timeline(request=obj, for_worker=True))

    @staticmethod
    def resolve_attachments(obj: ServiceRequest) -> list[Attachment]:
        return list(obj.attachments.all())


class OfficerRequestDetailOut(OfficerRequestOut):
    description: str
    employer_name: str
    region_code: str
    region_name: str = Field(..., description="所在地区名称，如 浙江省杭州市临安区；代码表中没有的显示为（代码）")
    facts: dict[str, Any] = Field(..., description=_FACTS_HELP)
    facts_display: list[FactOut] = Field(..., description="诉求要素的中文名称和显示值（按要素顺序）")
    operator: int | None = Field(..., description="接线员（登记来电的工作人员）账号 id")
    operator_name: str
    taken_by_org: int | None = Field(..., description="接听来电或接待来访的工会 id")
    call_started_at: dt.datetime | None
    call_ended_at: dt.datetime | None
    recording_ref: str = Field(..., description="录音编号（呼叫中心系统）")
    major_notified_orgs: list[str] = Field(..., description="重大劳动事件已报告的工会名称")
    earlier_requests: PhoneHistoryOut = Field(..., description="同一联系电话以往的申请")
    requester_phone: str = Field(..., description=PHONE_HELP)
    member: int | None = Field(..., description="会员记录 id；非会员为 null")
    resolution: str
    reject_reason: str
    events: list[RightsEventOut]
    attachments: list[RightsAttachmentOut]
    dispatches: list[DispatchOut] = Field(..., description="分级办理：交办与逐级反馈")

    @staticmethod
    def resolve_member(obj: ServiceRequest) -> int | None:
        return obj.member_id

    @staticmethod
    def resolve_region_name(obj: ServiceRequest) -> str:
        return obj.region_label

    @staticmethod
    def resolve_facts(obj: ServiceRequest, context) -> dict[str, Any]:
        return _facts_out(obj, context)

    @staticmethod
    def resolve_facts_display(obj: ServiceRequest, context) -> list[FactOut]:
        reveal = phone_revealed_to(getattr((context or {}).get("request"), "auth", None))
        return [FactOut(label=k, value=v) for k, v in facts_display(obj.category, obj.facts, reveal_phone=reveal)]

    @staticmethod
    def resolve_operator(obj: ServiceRequest) -> int | None:
        return obj.operator_id

    @staticmethod
    def resolve_operator_name(obj: ServiceRequest) -> str:
        return str(obj.operator) if obj.operator_id else ""

    @staticmethod
    def resolve_taken_by_org(obj: ServiceRequest) -> int | None:
        return obj.taken_by_org_id

    @staticmethod
    def resolve_major_notified_orgs(obj: ServiceRequest) -> list[str]:
        return major_recipients(obj) if obj.is_major_incident else []

    @staticmethod
    def resolve_earlier_requests(obj: ServiceRequest, context) -> dict[str, Any]:
        actor = getattr((context or {}).get("request"), "auth", None)
        if actor is None:
            return {"items": [], "others": 0}
        history = requests_from_phone(actor=actor, phone=obj.requester_phone, exclude_pk=obj.pk)
        return {"items": history.visible, "others": history.others}

    @staticmethod
    def resolve_events(obj: ServiceRequest) -> list[RequestEvent]:
        return list(request_timeline(request=obj))

    @staticmethod
    def resolve_attachments(obj: ServiceRequest) -> list[Attachment]:
        return list(obj.attachments.all())

    @staticmethod
    def resolve_dispatches(obj: ServiceRequest) -> list[Dispatch]:
        return list(request_dispatches(request=obj))

    @staticmethod
    def resolve_requester_phone(obj: ServiceRequest, context) -> str:
        return phone_for_context(context, obj.requester_phone)


class WorkerPage(Schema):
    items: list[RequestOut]
    next_cursor: str | None


class OfficerPage(Schema):
    items: list[OfficerRequestOut]
    next_cursor: str | None


class FileIn(InputSchema):
    category: CategoryValue = Field(..., description=_CATEGORY_HELP)
    title: str = Field(..., max_length=120)
    description: str = Field(..., max_length=5000, description="情况说明")
    employer_name: str = Field("", max_length=128)
    region_code: str = Field("", max_length=6, description="用人单位所在地区（6位行政区划代码）；非会员按此分派")
    workers_involved: PositiveInt32 = Field(1, ge=1, description="涉及职工人数；10人及以上为重大劳动事件")
    requester_phone: str = Field("", max_length=20, description="联系电话，默认注册手机号")
    requester_name: str = Field("", max_length=64, description="姓名（未实名认证时填写；已实名的按认证姓名）")
    facts: dict[str, Any] = Field(default_factory=dict, description=_FACTS_HELP)


class RecordIn(InputSchema):
    channel: Literal["hotline", "walk_in"] = Field(..., description="hotline 12351热线，walk_in 来访")
    requester_name: str = Field(..., max_length=64)
    requester_phone: str = Field("", max_length=20)
    member_id: RowId | None = Field(None, description="会员记录 id（可选，须在数据范围内）")
    id_number: str = Field("", max_length=24, description="证件号码（可选），按会员名册查找在册会员")
    handling_org: RowId | None = Field(None, description="承办工会 id（可选，须在数据范围内）；不传则自动分派")
    category: CategoryValue = Field(..., description=_CATEGORY_HELP)
    title: str = Field(..., max_length=120)
    description: str = Field(..., max_length=5000)
    employer_name: str = Field("", max_length=128)
    region_code: str = Field("", max_length=6, description="用人单位所在地区（6位代码）；非会员转该地区的县级总工会")
    street_org: RowId | None = Field(None, description="乡镇(街道)工会 id（可选）：非会员的诉求直接转该街道工会")
    workers_involved: PositiveInt32 = Field(1, ge=1)
    facts: dict[str, Any] = Field(default_factory=dict, description=_FACTS_HELP)
    operator: RowId | None = Field(None, description="接线员账号 id（可选，默认登记人）")
    call_started_at: dt.datetime | None = Field(None, description="通话开始（来电）；不带时区按北京时间")
    call_ended_at: dt.datetime | None = Field(None, description="通话结束（来电）")
    recording_ref: str = Field("", max_length=64, description="录音编号")
    received_at: dt.datetime | None = Field(
        None,
        description="来电来访时间：不能晚于现在，不能早于 GONGHUI_RECEIVED_AT_MAX_DAYS_BACK 天（默认30）前；"
        "来电不填则为通话开始时间，都不填为现在。受理期限自此起算",
    )


class TextIn(InputSchema):
    text: str = Field(..., max_length=2000)


class RightsReasonIn(InputSchema):
    reason: str = Field(..., max_length=5000)


class OptionalReasonIn(InputSchema):
    reason: str = Field("", max_length=500)


class NoteIn(InputSchema):
    note: str = Field("", max_length=2000)


class AcceptIn(InputSchema):
    complexity: ComplexityValue = Field("ordinary", description=_COMPLEXITY_HELP)
    note: str = Field("", max_length=2000)


class RightsTransferIn(InputSchema):
    to_org: RowId = Field(..., description="接收工会 id：数据范围内的工会，或承办工会的上级工会")
    note: str = Field(..., max_length=2000, description="转办说明")


class DispatchIn(InputSchema):
    to_org: RowId = Field(..., description="承办工会的直属下一级工会 id")
    instruction: str = Field(..., max_length=5000, description="交办意见")
    due_days: int | None = Field(None, ge=1, le=60, description="反馈期限（工作日）；不传则同办结期限")


class ReportIn(InputSchema):
    report: str = Field(..., max_length=5000, description="办理结果，上报给交办的上级工会")


class ResolveIn(InputSchema):
    resolution: str = Field(..., max_length=5000, description="办理结果（职工可见）")


class OfficerListParams(Schema):
    q: str = Field("", max_length=100, description="编号（WQ 开头，前缀）、求助人姓名（前缀）或手机号")
    state: StateValue | None = Field(None, description=_STATE_HELP)
    category: CategoryValue | None = None
    channel: ChannelValue | None = None
    org: RowId | None = Field(None, description="工会 id：该工会及其下级承办的申请")
    overdue: bool = Field(False, description="只看超期")
    major: bool = Field(False, description="只看重大劳动事件")
    escalated_to_me: bool = Field(False, description="只看提请本工会督办的")
    open: bool = Field(False, description="只看未办结（待受理、已受理、办理中）")

    def to_filters(self) -> RequestFilters:
        return RequestFilters(
            q=self.q,
            state=self.state or "",
            category=self.category or "",
            channel=self.channel or "",
            org_id=self.org,
            overdue=self.overdue,
            major=self.major,
            escalated_to_me=self.escalated_to_me,
            open_only=self.open,
        )


# ---- helpers ----------------------------------------------------------------------------------


def _officer_get(request, pk: int) -> ServiceRequest:
    return request_get_visible(actor=request.auth, pk=pk)


def _officer_reload(request, pk: int) -> ServiceRequest:
    return _officer_get(request, pk)


# ---- worker routes ----------------------------------------------------------------------------


@router.post(
    "/my/requests",
    response={201: WorkerRequestDetailOut, **WRITE_ERRORS},
    summary="职工：提交维权服务申请",
    description="会员按所在工会分派，非会员按 region_code 分派到当地乡镇(街道)工会或县级总工会。"
    "附件另用 POST /rights/my/requests/{id}/attachments 上传。",
)
def worker_file(request, payload: FileIn):
    worker = require_worker(request.auth)
    req = services.request_file(worker=worker, data=payload.model_dump())
    return Status(201, request_get_for_worker(worker=worker, pk=req.pk))


@router.get("/my/requests", response={200: WorkerPage, **READ_ERRORS}, summary="职工：我的申请")
def worker_list(request, page: Query[PageParams]):
    worker = require_worker(request.auth)
    rows, next_cursor = keyset_page(request_list_for_worker(worker=worker), cursor=page.cursor, limit=page.limit)
    return {"items": rows, "next_cursor": next_cursor}


@router.get(
    "/my/requests/{request_id}",
    response={200: WorkerRequestDetailOut, **READ_ERRORS},
    summary="职工：申请详情与办理进度",
)
def worker_get(request, request_id: RowId):
    worker = require_worker(request.auth)
    return request_get_for_worker(worker=worker, pk=request_id)


@router.post(
    "/my/requests/{request_id}/messages",
    response={201: WorkerRequestDetailOut, **WRITE_ERRORS},
    summary="职工：留言",
)
def worker_message(request, request_id: RowId, payload: TextIn):
    worker = require_worker(request.auth)
    req = request_get_for_worker(worker=worker, pk=request_id)
    services.request_message_worker(worker=worker, request=req, text=payload.text)
    return Status(201, request_get_for_worker(worker=worker, pk=request_id))


@router.post(
    "/my/requests/{request_id}/attachments",
    response={201: RightsAttachmentOut, **WRITE_ERRORS},
    summary="职工：上传附件",
    description="PDF、JPG、PNG、DOCX、XLSX（按扩展名和文件内容检查），每个不超过 10 MB，每个申请最多 10 个。",
)
def worker_upload(request, request_id: RowId, file: FileEx[UploadedFile, P(description="附件文件")]):
    worker = require_worker(request.auth)
    req = request_get_for_worker(worker=worker, pk=request_id)
    return Status(201, services.request_attach_worker(worker=worker, request=req, upload=file))


@router.get(
    "/my/requests/{request_id}/attachments/{attachment_id}",
    response=READ_ERRORS,
    summary="职工：下载附件",
    openapi_extra={"responses": {200: {"description": "附件文件"}}},
)
def worker_download(request, request_id: RowId, attachment_id: RowId) -> FileResponse:
    worker = require_worker(request.auth)
    return attachment_response(attachment_get_for_worker(worker=worker, request_pk=request_id, pk=attachment_id))


@router.post(
    "/my/requests/{request_id}/reopen",
    response={200: WorkerRequestDetailOut, **WRITE_ERRORS},
    summary="职工：不满意，申请重新办理",
    description="办结（或关闭）后15天内可申请；超过期限返回 409 reopen_expired。",
)
def worker_reopen(request, request_id: RowId, payload: RightsReasonIn):
    worker = require_worker(request.auth)
    req = request_get_for_worker(worker=worker, pk=request_id)
    services.request_reopen(worker=worker, request=req, reason=payload.reason)
    return request_get_for_worker(worker=worker, pk=request_id)


@router.post(
    "/my/requests/{request_id}/withdraw",
    response={200: WorkerRequestDetailOut, **WRITE_ERRORS},
    summary="职工：撤回申请",
    description="办结前可撤回，申请随即关闭。",
)
def worker_withdraw(request, request_id: RowId, payload: OptionalReasonIn):
    worker = require_worker(request.auth)
    req = request_get_for_worker(worker=worker, pk=request_id)
    services.request_withdraw(worker=worker, request=req, reason=payload.reason)
    return request_get_for_worker(worker=worker, pk=request_id)


# ---- officer routes ---------------------------------------------------------------------------


@router.get(
    "/requests",
    response={200: OfficerPage, **READ_ERRORS},
    summary="申请队列",
    description="数据范围内的申请（各渠道一个队列），默认按紧急程度排序（sort）；overdue 标记超期。",
)
def officer_list(request, params: Query[OfficerListParams], page: Query[PageParams], order: Query[SortParams]):
    qs = request_list_visible_to(actor=request.auth, filters=params.to_filters())
    return queue_envelope(qs, page, spec=REQUEST_QUEUE, sort=order.sort)


@router.post(
    "/requests",
    response={201: OfficerRequestDetailOut, **WRITE_ERRORS},
    summary="登记12351来电或来访",
)
def officer_record(request, payload: RecordIn):
    # The recorder's scope always holds the new request (services.request_record_call).
    req = services.request_record_call(actor=request.auth, data=payload.model_dump())
    return Status(201, _officer_reload(request, req.pk))


class PhoneHistoryParams(Schema):
    phone: str = Field(..., min_length=1, max_length=20, description="来电号码")


@router.get(
    "/requests/phone-history",
    response={200: PhoneHistoryOut, **READ_ERRORS},
    summary="查询来电记录",
    description="同一号码以往的申请：本账号数据范围内的最近10件，其余只给件数。",
)
def officer_phone_history(request, params: Query[PhoneHistoryParams]):
    history = requests_from_phone(actor=request.auth, phone=params.phone)
    return {"items": history.visible, "others": history.others}


@router.get(
    "/requests/{request_id}",
    response={200: OfficerRequestDetailOut, **READ_ERRORS},
    summary="申请详情（含办理记录、附件、分级办理）",
)
def officer_get(request, request_id: RowId):
    return _officer_reload(request, request_id)


def _transition(summary: str, description: str = ""):
    return router.post(
        "/requests/{request_id}/" + summary.split("|")[0],
        response={200: OfficerRequestDetailOut, **WRITE_ERRORS},
        summary=summary.split("|")[1],
        description=description,
    )


@_transition("accept|受理", "待受理、已转办或重新办理的申请；办结期限自受理时起按复杂程度计算工作日。")
def officer_accept(request, request_id: RowId, payload: AcceptIn):
    req = _officer_get(request, request_id)
    services.request_accept(actor=request.auth, request=req, complexity=payload.complexity, note=payload.note)
    return _officer_reload(request, request_id)


@_transition("start|开始办理")
def officer_start(request, request_id: RowId, payload: NoteIn):
    req = _officer_get(request, request_id)
    services.request_start(actor=request.auth, request=req, note=payload.note)
    return _officer_reload(request, request_id)


@_transition(
    "transfer|转办", "转给数据范围内的工会或上级工会；接收工会须在1个工作日内受理。转出后可能不再在本账号范围内。"
)
def officer_transfer(request, request_id: RowId, payload: RightsTransferIn):
    req = _officer_get(request, request_id)
    # Transferred up to the parent it leaves the sender's scope: the answer is the state it left in.
    return services.request_transfer(actor=request.auth, request=req, to_org=payload.to_org, note=payload.note)


@_transition("dispatch|交办下级", "交给直属下一级工会办理，下级办完后逐级上报。")
def officer_dispatch(request, request_id: RowId, payload: DispatchIn):
    req = _officer_get(request, request_id)
    services.request_dispatch(
        actor=request.auth,
        request=req,
        to_org=payload.to_org,
        instruction=payload.instruction,
        due_days=payload.due_days,
    )
    return _officer_reload(request, request_id)


@_transition("report|上报办理结果", "被交办的工会向交办的上级工会反馈办理结果，申请回到上级。")
def officer_report(request, request_id: RowId, payload: ReportIn):
    req = _officer_get(request, request_id)
    services.request_report(actor=request.auth, request=req, report=payload.report)
    return _officer_reload(request, request_id)


@_transition("resolve|办结")
def officer_resolve(request, request_id: RowId, payload: ResolveIn):
    req = _officer_get(request, request_id)
    services.request_resolve(actor=request.auth, request=req, resolution=payload.resolution)
    return _officer_reload(request, request_id)


@_transition("reject|不予受理", "只能在受理前；理由必填，职工可见。")
def officer_reject(request, request_id: RowId, payload: RightsReasonIn):
    req = _officer_get(request, request_id)
    services.request_reject(actor=request.auth, request=req, reason=payload.reason)
    return _officer_reload(request, request_id)


@_transition("close|关闭", "须已回访，且有职工评价（回访未联系上职工的除外），否则 422。")
def officer_close(request, request_id: RowId, payload: NoteIn):
    req = _officer_get(request, request_id)
    services.request_close(actor=request.auth, request=req, note=payload.note)
    return _officer_reload(request, request_id)


@router.post(
    "/requests/{request_id}/messages",
    response={201: OfficerRequestDetailOut, **WRITE_ERRORS},
    summary="给职工留言",
)
def officer_message(request, request_id: RowId, payload: TextIn):
    req = _officer_get(request, request_id)
    services.request_message_officer(actor=request.auth, request=req, text=payload.text)
    return Status(201, _officer_reload(request, request_id))


@router.post(
    "/requests/{request_id}/attachments",
    response={201: RightsAttachmentOut, **WRITE_ERRORS},
    summary="上传附件",
    description="PDF、JPG、PNG、DOCX、XLSX（按扩展名和文件内容检查），每个不超过 10 MB，每个申请最多 10 个。",
)
def officer_upload(request, request_id: RowId, file: FileEx[UploadedFile, P(description="附件文件")]):
    req = _officer_get(request, request_id)
    return Status(201, services.request_attach_officer(actor=request.auth, request=req, upload=file))


@router.get(
    "/requests/{request_id}/attachments/{attachment_id}",
    response=READ_ERRORS,
    summary="下载附件",
    openapi_extra={"responses": {200: {"description": "附件文件"}}},
)
def officer_download(request, request_id: RowId, attachment_id: RowId) -> FileResponse:
    return attachment_response(attachment_get_visible(actor=request.auth, request_pk=request_id, pk=attachment_id))
