"""/api/v1/joining: joining online and transfer requests, for workers (`/my/...`, `/unions`, `/invites`)
and for officers (`/applications`, `/transfers`, `/orgs/{id}/invite`, `/prompts`).

Workers' routes answer 403 to officers; officers' routes are scoped (out of scope = 404).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from gonghui.accounts.permissions import require_read
from gonghui.core.api_schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    BatchIn,
    BatchOut,
    DeadlineScheduleOut,
    InputSchema,
    PageParams,
    RowId,
    SortParams,
    batch_envelope,
    deadline_schedule,
    keyset_envelope,
    queue_envelope,
    whole_list,
    whole_list_of,
)
from gonghui.core.errors import NotFound
from gonghui.core.phone import mask_mobile
from gonghui.members.selectors import member_get_visible
from gonghui.orgs.models import Org, OrgKind
from gonghui.orgs.selectors import org_get_visible
from gonghui.portal.web import require_verified_worker, require_worker

from . import selectors, services
from .models import FoundingPrompt, JoinApplication, TransferRequest

router = Router(tags=["入会与接转"])

JoinStateValue = Literal["submitted", "approved", "rejected", "withdrawn"]
TransferStateValue = Literal["pending", "approved", "rejected", "cancelled"]
PromptStateValue = Literal["open", "founded", "dismissed"]
SourceValue = Literal["invite", "search", "online_home"]
EducationValue = Literal["", "primary", "junior", "senior", "junior_college", "bachelor", "master", "doctor"]
NewEmploymentValue = Literal[
    "none", "delivery_rider", "ride_hailing_driver", "courier", "truck_driver", "domestic_worker", "other_platform"
]
_JOIN_STATE_HELP = "submitted 待审批，approved 已批准，rejected 未批准，withdrawn 已撤回"
_TRANSFER_STATE_HELP = "pending 待转入工会审批，approved 已转入，rejected 未批准，cancelled 已撤回"


# ---- schemas -------------------------------------------------------------------------------


class UnionOut(Schema):
    id: int
    name: str = Field(..., description="工会名称")
    kind: str = Field(
        ..., description="grassroots 基层工会，joint_grassroots 联合基层工会，township 乡镇(街道)工会（网上会员之家）"
    )
    parent_name: str = Field(..., description="上级工会名称")
    online_home: bool = Field(..., description="是否为乡镇(街道)工会的网上会员之家（申请将进入该会员之家）")

    @staticmethod
    def resolve_parent_name(obj: Org) -> str:
        return obj.parent.name if obj.parent_id and obj.parent else ""

    @staticmethod
    def resolve_online_home(obj: Org) -> bool:
        return obj.kind == OrgKind.TOWNSHIP


class InviteLookupOut(Schema):
    code: str
    union: UnionOut
    parents: list[str] = Field(..., description="上级工会名称，自上而下")


class ApplicationIn(InputSchema):
    org: RowId | None = Field(None, description="申请加入的工会 id（与 invite_code 二选一）")
    invite_code: str | None = Field(
        None, max_length=64, description="工会的入会邀请码（二维码链接 /m/join/u/<邀请码>/ 中的一段）"
    )
    phone: str = Field("", max_length=20, description="联系电话；不填则用账号手机号")
    ethnicity: str = Field("汉族", max_length=16, description="民族，如 汉族")
    education: EducationValue = Field("", description="学历")
    employer_name: str = Field("", max_length=128, description="工作单位")
    employer_uscc: str = Field("", max_length=18, description="单位统一社会信用代码（18位，选填）")
    is_migrant_worker: bool = Field(False, description="是否农民工")
    new_employment_form: NewEmploymentValue = Field("none", description="新就业形态")


class ApplicationOut(Schema):
    id: int
    org: int = Field(..., description="申请加入的工会 id（批准后为会员所在工会）")
    org_name: str
    source: SourceValue = Field(..., description="invite 邀请链接/二维码，search 查找工会，online_home 网上会员之家")
    name: str
    id_number_masked: str
    phone_masked: str
    ethnicity: str
    education: EducationValue
    employer_name: str
    employer_uscc: str
    is_migrant_worker: bool
    new_employment_form: NewEmploymentValue
    state: JoinStateValue = Field(..., description=_JOIN_STATE_HELP)
    reject_reason: str
    submitted_at: dt.datetime
    due_at: dt.datetime = Field(..., description="办理期限（提交后第5个工作日结束）")
    overdue: bool = Field(..., description="是否已超期未审批")
    flagged_at: dt.datetime | None = Field(..., description="超期提醒时间")
    decided_at: dt.datetime | None
    member: int | None = Field(..., description="批准后创建的会员记录 id")
    card_number: str = Field(..., description="批准后的会员卡号")
    deadline_schedule: DeadlineScheduleOut

    @staticmethod
    def resolve_deadline_schedule(obj: JoinApplication) -> DeadlineScheduleOut:
        return deadline_schedule(obj.due_at if obj.is_pending else None)

    @staticmethod
    def resolve_org(obj: JoinApplication) -> int:
        return obj.org_id

    @staticmethod
    def resolve_org_name(obj: JoinApplication) -> str:
        return obj.org.name

    @staticmethod
    def resolve_phone_masked(obj: JoinApplication) -> str:
        return mask_mobile(obj.phone) if obj.phone else ""

    @staticmethod
    def resolve_overdue(obj: JoinApplication) -> bool:
        return obj.is_pending and obj.due_at < timezone.now()

    @staticmethod
    def resolve_member(obj: JoinApplication) -> int | None:
        return obj.member_id

    @staticmethod
    def resolve_card_number(obj: JoinApplication) -> str:
        return obj.member.card_number if obj.member_id and obj.member else ""


class ApplicationPage(Schema):
    items: list[ApplicationOut]
    next_cursor: str | None


class RejectIn(InputSchema):
    reason: str = Field(..., max_length=255, description="未批准原因（必填，告知申请人）")


class JoiningTransferIn(InputSchema):
    to_org: RowId | None = Field(None, description="转入工会 id（与 invite_code 二选一）")
    invite_code: str | None = Field(None, max_length=64, description="转入工会的入会邀请码")
    reason: str = Field("", max_length=255, description="接转原因")


class OfficerTransferIn(InputSchema):
    member: RowId = Field(..., description="会员 id（本账号管辖范围内）")
    to_org: RowId = Field(..., description="转入工会 id（本账号管辖范围外；范围内请直接办理会员接转）")
    reason: str = Field("", max_length=255, description="接转原因")


class JoiningTransferOut(Schema):
    id: int
    member: int = Field(..., description="申请时的会员记录 id")
    member_name: str
    from_org: int
    from_org_name: str
    to_org: int
    to_org_name: str
    reason: str
    channel: Literal["worker", "officer"] = Field(..., description="worker 会员本人申请，officer 转出工会发起")
    state: TransferStateValue = Field(..., description=_TRANSFER_STATE_HELP)
    reject_reason: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    new_member: int | None = Field(..., description="接转后在转入工会的新会员记录 id")

    @staticmethod
    def resolve_member(obj: TransferRequest) -> int:
        return obj.member_id

    @staticmethod
    def resolve_member_name(obj: TransferRequest) -> str:
        return obj.member.name

    @staticmethod
    def resolve_from_org(obj: TransferRequest) -> int:
        return obj.from_org_id

    @staticmethod
    def resolve_from_org_name(obj: TransferRequest) -> str:
        return obj.from_org.name

    @staticmethod
    def resolve_to_org(obj: TransferRequest) -> int:
        return obj.to_org_id

    @staticmethod
    def resolve_to_org_name(obj: TransferRequest) -> str:
        return obj.to_org.name

    @staticmethod
    def resolve_new_member(obj: TransferRequest) -> int | None:
        return obj.transfer.to_member_id if obj.transfer_id and obj.transfer else None


class TransferPage(Schema):
    items: list[JoiningTransferOut]
    next_cursor: str | None


class InviteOut(Schema):
    org: int
    code: str = Field(..., description="邀请码")
    url: str = Field(..., description="邀请链接（二维码内容）")
    created_at: dt.datetime


class PromptOut(Schema):
    id: int
    township: int
    township_name: str
    online_home: int = Field(..., description="网上会员之家（联合基层工会）id")
    employer_name: str
    employer_uscc: str
    member_count: int = Field(..., description="网上会员之家中在该单位工作的会员人数")
    state: PromptStateValue = Field(..., description="open 待建会，founded 已建会，dismissed 不予建会")
    founded_org: int | None
    note: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_township(obj: FoundingPrompt) -> int:
        return obj.township_id

    @staticmethod
    def resolve_township_name(obj: FoundingPrompt) -> str:
        return obj.township.name

    @staticmethod
    def resolve_online_home(obj: FoundingPrompt) -> int:
        return obj.home.org_id

    @staticmethod
    def resolve_founded_org(obj: FoundingPrompt) -> int | None:
        return obj.founded_org_id


class PromptPage(Schema):
    items: list[PromptOut]
    next_cursor: str | None


class PromptIn(InputSchema):
    state: PromptStateValue
    founded_org: RowId | None = Field(None, description="已建会时可关联新建的基层工会 id")
    note: str = Field("", max_length=255, description="备注")


class ApplicationListParams(PageParams, SortParams):
    state: JoinStateValue | None = Field(None, description=_JOIN_STATE_HELP)
    org: RowId | None = Field(None, description="工会 id：该工会及其全部下级")
    overdue: bool = Field(False, description="只看超期未审批的")


class TransferListParams(PageParams, SortParams):
    state: TransferStateValue | None = Field(None, description=_TRANSFER_STATE_HELP)
    direction: Literal["in", "out"] | None = Field(None, description="in 转入本级及下级，out 从本级及下级转出")


class PromptListParams(PageParams):
    state: PromptStateValue | None = None


class UnionSearchParams(Schema):
    q: str = Field("", max_length=100, description="工作单位或工会名称（前缀、拼音首字母或包含）")
    region: str = Field("", max_length=6, description="行政区划代码（省、市或区县，如 110000、110100、110105）")
    no_union: bool = Field(False, description="单位没有工会 / 新就业形态：列出乡镇(街道)网上会员之家和联合工会")


# ---- workers -------------------------------------------------------------------------------


def _invite_url(request, token: str) -> str:
    from django.urls import reverse

    return request.build_absolute_uri(reverse("join_portal:invite", args=[token]))


@router.get("/unions", response={200: whole_list_of(UnionOut), **READ_ERRORS}, summary="查找可加入的工会（职工）")
def get_unions(request, params: Query[UnionSearchParams]):
    require_worker(request.user)
    return whole_list(selectors.union_search(q=params.q, region=params.region, no_union=params.no_union))


@router.get("/invites/{code}", response={200: InviteLookupOut, **READ_ERRORS}, summary="按邀请码查看工会（职工）")
def get_invite(request, code: str):
    require_worker(request.user)
    invite = selectors.invite_lookup(code=code)
    return {"code": invite.token, "union": invite.org, "parents": [o.name for o in selectors.org_chain(invite.org)]}


def _target(*, org: int | None, invite_code: str | None) -> tuple[int, str]:
    from .models import JoinSource

    if invite_code:
        return selectors.invite_lookup(code=invite_code).org_id, JoinSource.INVITE
    if org is None:
        from django.utils.translation import gettext as _

        from gonghui.core.errors import InvalidInput

        message = _("请选择工会或填写邀请码")
        raise InvalidInput(message, fields={"org": [message]})
    return org, JoinSource.SEARCH


@router.post("/my/applications", response={201: ApplicationOut, **WRITE_ERRORS}, summary="提交入会申请（职工）")
def post_my_application(request, payload: ApplicationIn):
    worker = require_verified_worker(request.user)
    org_id, source = _target(org=payload.org, invite_code=payload.invite_code)
    data = payload.dict(exclude={"org", "invite_code"})
    if not data["phone"]:
        data.pop("phone")
    application = services.application_submit(worker=worker, org=org_id, data=data, source=source)
    return Status(201, application)


@router.get("/my/applications", response={200: ApplicationPage, **READ_ERRORS}, summary="我的入会申请（职工）")
def get_my_applications(request, page: Query[PageParams]):
    worker = require_worker(request.user)
    return keyset_envelope(selectors.worker_applications(worker=worker), page)


@router.get(
    "/my/applications/{application_id}", response={200: ApplicationOut, **READ_ERRORS}, summary="我的一份入会申请"
)
def get_my_application(request, application_id: RowId):
    worker = require_worker(request.user)
    return selectors.worker_application_get(worker=worker, application_id=application_id)


@router.post(
    "/my/applications/{application_id}/withdraw",
    response={200: ApplicationOut, **WRITE_ERRORS},
    summary="撤回待审批的入会申请（职工）",
)
def post_my_application_withdraw(request, application_id: RowId):
    worker = require_worker(request.user)
    application = selectors.worker_application_get(worker=worker, application_id=application_id)
    return services.application_withdraw(worker=worker, application=application)


@router.post("/my/transfers", response={201: JoiningTransferOut, **WRITE_ERRORS}, summary="申请会员接转（职工）")
def post_my_transfer(request, payload: JoiningTransferIn):
    worker = require_verified_worker(request.user)
    org_id, _source = _target(org=payload.to_org, invite_code=payload.invite_code)
    request_ = services.transfer_request_by_worker(worker=worker, to_org=org_id, reason=payload.reason)
    return Status(201, request_)


@router.get("/my/transfers", response={200: TransferPage, **READ_ERRORS}, summary="我的接转申请（职工）")
def get_my_transfers(request, page: Query[PageParams]):
    worker = require_worker(request.user)
    return keyset_envelope(selectors.worker_transfers(worker=worker), page)


@router.post(
    "/my/transfers/{request_id}/cancel",
    response={200: JoiningTransferOut, **WRITE_ERRORS},
    summary="撤回接转申请（职工）",
)
def post_my_transfer_cancel(request, request_id: RowId):
    worker = require_worker(request.user)
    found = selectors.worker_transfer_get(worker=worker, request_id=request_id)
    return services.transfer_request_cancel_by_worker(worker=worker, request=found)


# ---- officers ------------------------------------------------------------------------------


@router.get("/applications", response={200: ApplicationPage, **READ_ERRORS}, summary="入会申请（数据范围内）")
def get_applications(request, params: Query[ApplicationListParams]):
    filters = selectors.ApplicationFilters(state=params.state or "", org_id=params.org, overdue=params.overdue)
    qs = selectors.application_list_visible_to(actor=request.user, filters=filters).select_related("member")
    return queue_envelope(qs, params, spec=selectors.APPLICATION_QUEUE, sort=params.sort)


@router.post(
    "/applications/batch-approve",
    response={200: BatchOut, **WRITE_ERRORS},
    summary="批量批准入会",
    description="逐条按“批准入会”办理（数据范围、状态、历史记录），每条单独提交；"
    "某条不能批准（不存在、不在范围内、已办理）只记入结果，不影响其他条。",
)
def post_applications_batch_approve(request, payload: BatchIn):
    return batch_envelope(services.application_approve_many(actor=request.user, ids=payload.ids))


@router.get("/applications/{application_id}", response={200: ApplicationOut, **READ_ERRORS}, summary="一份入会申请")
def get_application(request, application_id: RowId):
    return selectors.application_get_visible(actor=request.user, application_id=application_id)


@router.post(
    "/applications/{application_id}/approve",
    response={200: ApplicationOut, **WRITE_ERRORS},
    summary="批准入会（创建会员并分配会员卡号）",
)
def post_application_approve(request, application_id: RowId):
    application = selectors.application_get_visible(actor=request.user, application_id=application_id)
    return services.application_approve(actor=request.user, application=application)


@router.post(
    "/applications/{application_id}/reject", response={200: ApplicationOut, **WRITE_ERRORS}, summary="不予批准入会"
)
def post_application_reject(request, application_id: RowId, payload: RejectIn):
    application = selectors.application_get_visible(actor=request.user, application_id=application_id)
    return services.application_reject(actor=request.user, application=application, reason=payload.reason)


@router.get("/transfers", response={200: TransferPage, **READ_ERRORS}, summary="接转申请（转入或转出数据范围）")
def get_transfers(request, params: Query[TransferListParams]):
    filters = selectors.TransferFilters(state=params.state or "", direction=params.direction or "")
    qs = selectors.transfer_list_visible_to(actor=request.user, filters=filters).select_related("transfer")
    return queue_envelope(qs, params, spec=selectors.TRANSFER_QUEUE, sort=params.sort)


@router.post("/transfers", response={201: JoiningTransferOut, **WRITE_ERRORS}, summary="转出工会发起跨范围接转申请")
def post_transfer(request, payload: OfficerTransferIn):
    member = member_get_visible(actor=request.user, member_id=payload.member)
    created = services.transfer_request_by_officer(
        actor=request.user, member=member, to_org=payload.to_org, reason=payload.reason
    )
    return Status(201, created)


@router.get("/transfers/{request_id}", response={200: JoiningTransferOut, **READ_ERRORS}, summary="一份接转申请")
def get_transfer(request, request_id: RowId):
    return selectors.transfer_get_visible(actor=request.user, request_id=request_id)


@router.post(
    "/transfers/{request_id}/approve", response={200: JoiningTransferOut, **WRITE_ERRORS}, summary="转入工会同意接转"
)
def post_transfer_approve(request, request_id: RowId):
    found = selectors.transfer_get_visible(actor=request.user, request_id=request_id)
    return services.transfer_request_approve(actor=request.user, request=found)


@router.post(
    "/transfers/{request_id}/reject", response={200: JoiningTransferOut, **WRITE_ERRORS}, summary="转入工会不予批准接转"
)
def post_transfer_reject(request, request_id: RowId, payload: RejectIn):
    found = selectors.transfer_get_visible(actor=request.user, request_id=request_id)
    return services.transfer_request_reject(actor=request.user, request=found, reason=payload.reason)


@router.post(
    "/transfers/{request_id}/cancel", response={200: JoiningTransferOut, **WRITE_ERRORS}, summary="转出工会撤回接转申请"
)
def post_transfer_cancel(request, request_id: RowId):
    found = selectors.transfer_get_visible(actor=request.user, request_id=request_id)
    return services.transfer_request_cancel_by_officer(actor=request.user, request=found)


@router.get("/orgs/{org_id}/invite", response={200: InviteOut, **READ_ERRORS}, summary="工会的入会邀请码")
def get_org_invite(request, org_id: RowId):
    org, invite = selectors.invite_for(actor=request.user, org_id=org_id)
    if invite is None:
        from django.utils.translation import gettext as _

        raise NotFound(_("该工会尚未生成入会邀请码"))
    return {
        "org": org.pk,
        "code": invite.token,
        "url": _invite_url(request, invite.token),
        "created_at": invite.created_at,
    }


@router.post(
    "/orgs/{org_id}/invite/regenerate",
    response={200: InviteOut, **WRITE_ERRORS},
    summary="生成新的入会邀请码（原邀请码作废）",
)
def post_org_invite_regenerate(request, org_id: RowId):
    org = org_get_visible(actor=request.user, org_id=org_id)
    invite = services.invite_regenerate(actor=request.user, org=org)
    return {
        "org": org.pk,
        "code": invite.token,
        "url": _invite_url(request, invite.token),
        "created_at": invite.created_at,
    }


@router.get("/prompts", response={200: PromptPage, **READ_ERRORS}, summary="建会提示（数据范围内）")
def get_prompts(request, params: Query[PromptListParams]):
    require_read(request.user)
    return keyset_envelope(selectors.prompt_list_visible_to(actor=request.user, state=params.state or ""), params)


@router.patch("/prompts/{prompt_id}", response={200: PromptOut, **WRITE_ERRORS}, summary="处理建会提示")
def patch_prompt(request, prompt_id: RowId, payload: PromptIn):
    prompt = selectors.prompt_get_visible(actor=request.user, prompt_id=prompt_id)
    founded = org_get_visible(actor=request.user, org_id=payload.founded_org) if payload.founded_org else None
    return services.prompt_decide(
        actor=request.user, prompt=prompt, state=payload.state, founded_org=founded, note=payload.note
    )
