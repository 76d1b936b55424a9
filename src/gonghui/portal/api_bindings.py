"""/api/v1/bindings: the union's queue of real-name binding requests, and unbinding a member's account.

Officers only, scoped along the union tree like every officer route (out of scope = 404).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema

from gonghui.core.api_schemas import READ_ERRORS, WRITE_ERRORS, InputSchema, PageParams, SortParams, queue_envelope
from gonghui.core.phone import mask_mobile

from . import binding, selectors
from .models import BindingRequest

router = Router(tags=["实名认证审核"])

StateValue = Literal["awaiting_code", "pending", "confirmed", "rejected", "cancelled"]


class BindingRequestOut(Schema):
    id: int
    state: StateValue
    state_label: str
    method: Literal["sms", "review", "phone_match", "no_record"]
    org: int | None = Field(..., description="会员所在工会 id")
    org_name: str
    member: int | None = Field(..., description="名册中的会员 id")
    name: str
    id_number_masked: str
    account_phone_masked: str = Field(..., description="申请账号的手机号（脱敏）")
    roll_phone_masked: str = Field(..., description="名册中的手机号（脱敏），供核实")
    note: str = Field(..., description="职工的说明")
    reason: str = Field(..., description="驳回理由")
    created_at: dt.datetime
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_state_label(obj: BindingRequest) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_org(obj: BindingRequest) -> int | None:
        return obj.org_id

    @staticmethod
    def resolve_org_name(obj: BindingRequest) -> str:
        return obj.org.name if obj.org else ""

    @staticmethod
    def resolve_member(obj: BindingRequest) -> int | None:
        return obj.member_id

    @staticmethod
    def resolve_account_phone_masked(obj: BindingRequest) -> str:
        return mask_mobile(obj.worker.phone)

    @staticmethod
    def resolve_roll_phone_masked(obj: BindingRequest) -> str:
        return mask_mobile(obj.member.phone) if obj.member and obj.member.phone else ""


class BindingRequestPage(Schema):
    items: list[BindingRequestOut]
    next_cursor: str | None


class BindingListParams(PageParams, SortParams):
    state: StateValue | None = Field(None, description="按状态筛选；pending 为待确认队列")


class BindingRejectIn(InputSchema):
    reason: str = Field(..., max_length=200, description="驳回理由（职工可见）")


class UnbindIn(InputSchema):
    reason: str = Field(..., max_length=200, description="解除原因（写入会员变更记录）")


class UnbindOut(Schema):
    member: int
    account_phone_masked: str
    detail: str


@router.get("", response={200: BindingRequestPage, **READ_ERRORS}, summary="实名认证申请（数据范围内）")
def get_bindings(request, params: Query[BindingListParams]):
    qs = selectors.binding_requests_visible_to(actor=request.user, state=params.state)
    return queue_envelope(qs, params, spec=selectors.BINDING_QUEUE, sort=params.sort)


@router.get("/{request_id}", response={200: BindingRequestOut, **READ_ERRORS}, summary="一份实名认证申请")
def get_binding(request, request_id: int):
    return selectors.binding_request_get_visible(actor=request.user, request_id=request_id)


@router.post(
    "/{request_id}/confirm",
    response={200: BindingRequestOut, **WRITE_ERRORS},
    summary="确认实名认证申请",
    description="核实是本人后确认：账号绑定到该会员。已办理的申请返回 409。",
)
def post_binding_confirm(request, request_id: int):
    return binding.binding_request_confirm(actor=request.user, request_id=request_id)


@router.post("/{request_id}/reject", response={200: BindingRequestOut, **WRITE_ERRORS}, summary="驳回实名认证申请")
def post_binding_reject(request, request_id: int, payload: BindingRejectIn):
    return binding.binding_request_reject(actor=request.user, request_id=request_id, reason=payload.reason)


@router.post(
    "/members/{member_id}/unbind",
    response={200: UnbindOut, **WRITE_ERRORS},
    summary="解除会员的职工账号绑定",
    description="账号被冒用时使用：账号失去实名信息，其 API 令牌全部失效；会员变更记录留痕。",
)
def post_member_unbind(request, member_id: int, payload: UnbindIn):
    worker = binding.member_account_unbind(actor=request.user, member_id=member_id, reason=payload.reason)
    return {"member": member_id, "account_phone_masked": mask_mobile(worker.phone), "detail": "ok"}
