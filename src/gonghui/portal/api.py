"""/api/v1/portal: the workers' app — codes, registration, login, real-name binding, me, the card.

Public routes (auth=None) are the ones a signed-out phone needs; everything else is the
signed-in worker's own data (an officer's token or session gets 403).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from gonghui.core.api_schemas import READ_ERRORS, InputSchema, error_responses
from gonghui.core.phone import mask_mobile
from gonghui.members.models import Member
from gonghui.privacy.models import ConsentPurpose
from gonghui.privacy.services import sensitive_consent
from gonghui.web import client_ip

from . import binding, services
from .conf import limit
from .models import WorkerAccount
from .selectors import current_member, proof_needed_for
from .web import require_worker

router = Router(tags=["职工服务"])

PUBLIC_ERRORS = error_responses(400, 401, 403, 404, 409, 422, 429, 503)
WORKER_ERRORS = error_responses(400, 401, 403, 404, 409, 422, 429)

PurposeValue = Literal["register", "login", "reset_password"]
IdTypeValue = Literal["resident_id", "hk_mo_tw_residence", "foreign_permanent"]


class PortalCodeIn(InputSchema):
    phone: str = Field(..., description="中国大陆手机号码")
    purpose: PurposeValue = Field(..., description="register 注册，login 验证码登录，reset_password 找回密码")


class PortalDetailOut(Schema):
    detail: str = Field(..., description="给人看的中文说明")


class PortalRegisterIn(InputSchema):
    phone: str
    code: str = Field(..., description="注册验证码（6位）")
    password: str = Field(..., description="至少8位，不能是纯数字或常见密码")


class PortalLoginIn(InputSchema):
    phone: str
    password: str | None = Field(None, description="密码；与 code 二选一")
    code: str | None = Field(None, description="登录验证码；与 password 二选一")


class PortalResetIn(InputSchema):
    phone: str
    code: str = Field(..., description="找回密码验证码")
    new_password: str


class PortalVerifyIn(InputSchema):
    name: str = Field(..., description="证件上的姓名")
    id_type: IdTypeValue = Field("resident_id", description="证件类型")
    id_number: str = Field(..., description="证件号码（18位）")
    consent_sensitive: bool = Field(
        False,
        description="单独同意处理敏感个人信息（《个人信息保护法》第二十九条）；首次提供时须为 true，否则 422 consent_required",
    )
    phone_changed: bool = Field(False, description="名册中的手机号已不用：不发验证码，改由所在工会工作人员核实确认")
    note: str = Field("", max_length=200, description="给工会的说明（选填）")


class PortalVerifyCodeIn(InputSchema):
    code: str = Field(..., max_length=6, description="发送到名册手机号的验证码（6位）")


class PortalProveIn(InputSchema):
    phone_changed: bool = Field(False, description="名册中的手机号已不用：不发验证码，改由所在工会工作人员核实确认")
    note: str = Field("", max_length=200, description="给工会的说明（选填）")


class PortalAskUnionIn(InputSchema):
    note: str = Field("", max_length=200, description="给工会的说明（选填）")


class PortalMembershipOut(Schema):
    org: int = Field(..., description="所在工会 id")
    org_name: str = Field(..., description="所在工会名称")
    card_number: str = Field(..., description="会员卡号")
    join_date: dt.date
    status: str = Field(..., description="active 会员，retained 保留会籍")
    status_label: str
    employer_name: str

    @staticmethod
    def resolve_org(obj: Member) -> int:
        return obj.org_id

    @staticmethod
    def resolve_org_name(obj: Member) -> str:
        return obj.org.name

    @staticmethod
    def resolve_status_label(obj: Member) -> str:
        return str(obj.get_status_display())


class PortalMeOut(Schema):
    phone_masked: str = Field(..., description="脱敏手机号，如 139****5678")
    verified: bool = Field(..., description="是否已实名认证")
    real_name: str = Field(..., description="实名认证的姓名；未认证为空")
    id_number_masked: str = Field(..., description="脱敏证件号码；未认证为空")
    membership: PortalMembershipOut | None = Field(..., description="当前会籍；不是会员时为 null")
    binding_proof_required: bool = Field(
        ...,
        description="实名信息已与会员档案匹配但尚未证明是本人（认证时名册中无此人）：调用 /verify/prove 完成验证后才返回会籍",
    )


class PortalBindingOut(Schema):
    state: Literal["none", "awaiting_code", "pending", "confirmed", "rejected", "cancelled"] = Field(
        ...,
        description="awaiting_code 验证码已发至名册手机号，待输入；pending 待工会确认；confirmed 已绑定；"
        "rejected 工会驳回（见 reason）；cancelled 已撤回；none 从未申请",
    )
    method: Literal["", "sms", "review", "phone_match", "no_record", "joined_online"] = Field(
        ...,
        description="sms 名册手机号验证码，review 工会确认，phone_match 注册手机号即名册手机号，no_record 名册中无此人，"
        "joined_online 本账号在线入会获批",
    )
    phone_masked: str = Field(..., description="验证码发送到的名册手机号（脱敏），如 138****1234")
    org_name: str = Field(..., description="确认申请的工会（待工会确认时）")
    reason: str = Field(..., description="驳回理由")
    me: PortalMeOut


class PortalSessionOut(Schema):
    token: str = Field(..., description="App 使用的 API 令牌：Authorization: Bearer <token>")
    me: PortalMeOut


class PortalCardOut(Schema):
    token: str = Field(..., description="会员卡签名令牌（做成二维码）")
    verify_url: str = Field(..., description="扫码核验地址")
    expires_at: dt.datetime
    masked_name: str
    union_name: str
    masked_card_number: str


class PortalCardCheckOut(Schema):
    state: Literal["valid", "expired", "invalid", "ended"] = Field(
        ..., description="valid 有效，expired 已过期（请持卡人刷新），invalid 无效，ended 会籍已终止"
    )
    valid: bool
    union_name: str = Field(..., description="所在工会（仅 valid 时）")
    masked_name: str = Field(..., description="脱敏姓名，如 张*（仅 valid 时）")
    masked_card_number: str = Field(..., description="脱敏会员卡号（仅 valid 时）")
    checked_at: dt.datetime


def _me(worker: WorkerAccount) -> dict:
    return {
        "phone_masked": mask_mobile(worker.phone),
        "verified": worker.is_verified,
        "real_name": worker.real_name,
        "id_number_masked": worker.id_number_masked,
        "membership": current_member(worker),
        "binding_proof_required": proof_needed_for(worker) is not None,
    }


@router.post(
    "/codes",
    auth=None,
    response={202: PortalDetailOut, **PUBLIC_ERRORS},
    summary="获取短信验证码",
    description="同一手机号同一用途60秒一次，每小时5次、每天10次；同一IP每小时20次；超出返回 429 并说明何时可重试。"
    "为防止探测手机号是否注册，无论是否已注册都返回相同结果。",
)
def post_code(request, payload: PortalCodeIn):
    services.code_request(phone=payload.phone, purpose=payload.purpose, ip=client_ip(request))
    return Status(
        202, {"detail": _("短信验证码已发送，%(ttl)s分钟内有效") % {"ttl": limit("GONGHUI_SMS_CODE_TTL_MINUTES")}}
    )


@router.post("/register", auth=None, response={201: PortalSessionOut, **PUBLIC_ERRORS}, summary="注册职工账号")
def post_register(request, payload: PortalRegisterIn):
    worker = services.worker_register(
        phone=payload.phone, code=payload.code, password=payload.password, ip=client_ip(request)
    )
    return Status(201, {"token": services.worker_token_issue(worker=worker), "me": _me(worker)})


@router.post(
    "/login",
    auth=None,
    response={200: PortalSessionOut, **PUBLIC_ERRORS},
    summary="职工登录",
    description="手机号 + 密码，或手机号 + 登录验证码；连续失败会锁定账号一段时间（429）。返回 API 令牌。",
)
def post_login(request, payload: PortalLoginIn):
    user = services.worker_login_check(
        phone=payload.phone, password=payload.password, code=payload.code, ip=client_ip(request)
    )
    worker = WorkerAccount.objects.get(user=user)
    return {"token": services.worker_token_issue(worker=worker), "me": _me(worker)}


@router.post(
    "/reset-password",
    auth=None,
    response={200: PortalDetailOut, **PUBLIC_ERRORS},
    summary="找回密码",
    description="成功后原有的 API 令牌全部失效。",
)
def post_reset_password(request, payload: PortalResetIn):
    services.worker_reset_password(
        phone=payload.phone, code=payload.code, new_password=payload.new_password, ip=client_ip(request)
    )
    return {"detail": _("密码已重置，请用新密码登录")}


def _binding(worker: WorkerAccount, request=None) -> dict:
    worker.refresh_from_db()
    request = request or binding.worker_last_binding(worker)
    return {
        "state": request.state if request else "none",
        "method": request.method if request else "",
        "phone_masked": request.phone_masked if request else "",
        "org_name": request.org.name if request and request.org else "",
        "reason": request.reason if request else "",
        "me": _me(worker),
    }


def _real_name_consent(request, worker, payload: PortalVerifyIn) -> None:
    """The separate consent to processing the ID number (PIPL art. 29), asked before binding."""
    sensitive_consent(
        user=worker.user, purpose=ConsentPurpose.REAL_NAME, agreed=payload.consent_sensitive, ip=client_ip(request)
    )


@router.post(
    "/verify",
    response={200: PortalBindingOut, **PUBLIC_ERRORS},
    summary="实名认证：提交姓名和证件号码",
    description="姓名 + 证件号码与会员名册比对，还需证明是本人：名册有手机号时验证码发至该号（state=awaiting_code，"
    "再调用 /verify/code）；名册无手机号或 phone_changed=true 时交所在工会确认（state=pending）；"
    "名册中无此人或注册手机号即名册手机号时直接绑定（state=confirmed）。"
    "一人只能绑定一个账号（409 identity_taken）；每个账号每天最多尝试5次、每个证件号码每天最多10次（429）。",
)
def post_verify(request, payload: PortalVerifyIn):
    worker = require_worker(request.auth)
    _real_name_consent(request, worker, payload)
    started = binding.worker_bind_identity(
        worker=worker,
        name=payload.name,
        id_type=payload.id_type,
        id_number=payload.id_number,
        phone_changed=payload.phone_changed,
        note=payload.note,
        ip=client_ip(request),
    )
    return _binding(worker, started)


@router.get("/verify", response={200: PortalBindingOut, **READ_ERRORS}, summary="实名认证：当前进度")
def get_verify(request):
    return _binding(require_worker(request.auth))


@router.post(
    "/verify/code",
    response={200: PortalBindingOut, **WORKER_ERRORS},
    summary="实名认证：输入名册手机号收到的验证码",
    description="每个验证码最多尝试5次。",
)
def post_verify_code(request, payload: PortalVerifyCodeIn):
    worker = require_worker(request.auth)
    done = binding.worker_binding_enter_code(worker=worker, code=payload.code, ip=client_ip(request))
    return _binding(worker, done)


@router.post(
    "/verify/ask-union",
    response={200: PortalBindingOut, **WORKER_ERRORS},
    summary="实名认证：改由工会确认",
    description="名册手机号已不用时，把待输入验证码的申请交所在工会核实确认。",
)
def post_verify_ask_union(request, payload: PortalAskUnionIn):
    worker = require_worker(request.auth)
    return _binding(worker, binding.worker_binding_ask_union(worker=worker, note=payload.note))


@router.post(
    "/verify/prove",
    response={200: PortalBindingOut, **PUBLIC_ERRORS},
    summary="实名认证：证明会员档案是本人的",
    description="认证时名册中无此人、之后名册出现了匹配的会员档案（/me 的 binding_proof_required=true）时，"
    "须证明是本人才能看到会籍：验证码发至名册手机号（state=awaiting_code，再调用 /verify/code），"
    "或 phone_changed=true 交所在工会确认（state=pending）；注册手机号即名册手机号时直接完成。"
    "无需证明时 409 no_proof_needed。",
)
def post_verify_prove(request, payload: PortalProveIn):
    worker = require_worker(request.auth)
    started = binding.worker_prove_binding(
        worker=worker, phone_changed=payload.phone_changed, note=payload.note, ip=client_ip(request)
    )
    return _binding(worker, started)


@router.post("/verify/cancel", response={200: PortalBindingOut, **WORKER_ERRORS}, summary="实名认证：撤回申请")
def post_verify_cancel(request):
    worker = require_worker(request.auth)
    binding.worker_binding_cancel(worker=worker)
    return _binding(worker)


@router.get("/me", response={200: PortalMeOut, **READ_ERRORS}, summary="我的账号与会籍")
def get_me(request):
    return _me(require_worker(request.auth))


@router.get(
    "/card",
    response={200: PortalCardOut, **READ_ERRORS},
    summary="电子会员卡",
    description="返回新的签名令牌和核验地址（有效期默认5分钟）；不是会员返回 403 not_member。",
)
def get_card(request):
    member = services.require_member(require_worker(request.auth))
    now = timezone.now()
    token = services.card_token(member=member, now=now)
    return {
        "token": token,
        "verify_url": services.card_verify_url(token),
        "expires_at": now + dt.timedelta(seconds=limit("GONGHUI_CARD_TOKEN_MAX_AGE_SECONDS")),
        "masked_name": services.mask_name(member.name),
        "union_name": member.org.name,
        "masked_card_number": services.mask_card_number(member.card_number),
    }


@router.get(
    "/card/verify/{token}",
    auth=None,
    response={200: PortalCardCheckOut, **READ_ERRORS},
    summary="核验会员卡（公开）",
    description="扫码核验：有效 / 已过期 / 无效 / 会籍已终止；只返回脱敏信息。",
)
def get_card_verify(request, token: str):
    check = services.card_check(token=token)
    return {
        "state": check.state,
        "valid": check.is_valid,
        "union_name": check.union_name,
        "masked_name": check.masked_name,
        "masked_card_number": check.masked_card_number,
        "checked_at": check.checked_at,
    }
