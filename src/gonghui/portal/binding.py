"""Real-name binding (实名认证) with proof of the person, the union's queue, and unbinding.

Name + ID number find the person; they do not prove it. A person on the roll proves it with a
code texted to the phone the roll holds, or an officer of their union confirms the request; a
worker whose own verified phone is the roll's, and a person on no roll, bind at once (see
BindingRequest). Every try is counted before anything is looked up (core.ratelimit), per account
and per ID number, and audited; the member's history shows requests, bindings, refusals and
unbindings.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import AuditLog, User
from gonghui.accounts.permissions import require_write
from gonghui.accounts.services import audit, sign_out_everywhere
from gonghui.core import codes, pii, ratelimit
from gonghui.core.errors import Conflict, InvalidInput, NotFound, Throttled
from gonghui.core.idcard import mask_id_number, parse_id_number
from gonghui.core.limits import limit
from gonghui.core.phone import mask_mobile
from gonghui.core.sms import SmsDeliveryError, send_sms
from gonghui.members.models import IdType, Member, MemberEvent
from gonghui.members.selectors import member_current_elsewhere
from gonghui.notifications.services import notify

from .models import BindingAttempt, BindingRequest, WorkerAccount
from .services import Unavailable, _moment_text

Method, State = BindingRequest.Method, BindingRequest.State
DAY = dt.timedelta(days=1)


def normalize_name(name: str) -> str:
    """Names compare without spaces and with one kind of middle dot (少数民族姓名 阿依古丽·买买提)."""
    value = "".join((name or "").split())
    for dot in ("•", "．", "・", "‧", "∙", "."):
        value = value.replace(dot, "·")
    return value


def _binding_failed(*, worker: WorkerAccount, reason: str, now: dt.datetime, ip: str | None = None) -> None:
    BindingAttempt.objects.create(worker=worker, reason=reason, created_at=now)
    audit(
        actor=worker.user,
        action=AuditLog.Action.WORKER_IDENTITY_REFUSED,
        target=worker,
        ip=ip,
        detail={"reason": reason},
    )


def _throttled(hit: ratelimit.Hit) -> Throttled:
    return Throttled(
        _("实名认证尝试次数过多，请于 %(time)s 后再试") % {"time": _moment_text(hit.resets_at, timezone.now())},
        code="binding_throttled",
    )


def _code_hash(request_id: int, code: str) -> str:
    return pii.keyed_hash(f"binding-code:{request_id}:{code.strip()}")


def worker_bind_identity(
    *,
    worker: WorkerAccount,
    name: str,
    id_type: str,
    id_number: str,
    phone_changed: bool = False,
    note: str = "",
    ip: str | None = None,
    now: dt.datetime | None = None,
) -> BindingRequest:
    """Ask to bind the account to a person; the request tells what happens next (its `state`).

    - confirmed at once: not on any roll, or the worker's verified phone is the roll's phone;
    - awaiting_code: a code went to the roll's phone (worker_binding_enter_code);
    - pending: the union's officers confirm or reject it (the roll has no phone, or the worker
      says it changed).
    When the roll holds a current membership with that ID number, the name must be the roll's;
    a refusal never says whose record it is. One account per person.
    """
    now = now or timezone.now()
    if worker.is_verified:
        raise Conflict(_("此账号已完成实名认证"), code="already_verified")
    # Counted first, atomically: parallel tries cannot probe more ID numbers than the limit.
    by_account = ratelimit.hit(f"binding:worker:{worker.pk}", window=DAY)
    if by_account.over(limit("GONGHUI_BINDING_MAX_FAILURES_PER_DAY")):
        raise _throttled(by_account)
    name = normalize_name(name)
    if not name or len(name) > 64:
        message = _("请填写证件上的姓名")
        raise InvalidInput(message, fields={"name": [message]})
    if id_type not in IdType.values:
        message = _("证件类型无效")
        raise InvalidInput(message, fields={"id_type": [message]})
    try:
        facts = parse_id_number(id_number, id_type, today=timezone.localdate(now))
    except ValidationError as exc:
        raise InvalidInput(
            exc.messages[0], code="invalid_id_number", fields={"id_number": list(exc.messages)}
        ) from None
    number_hash = pii.keyed_hash(facts.number)
    by_person = ratelimit.hit(f"binding:person:{number_hash}", window=DAY)
    if by_person.over(limit("GONGHUI_BINDING_MAX_TRIES_PER_PERSON_DAY")):
        _binding_failed(worker=worker, reason="person_throttled", now=now, ip=ip)
        raise _throttled(by_person)
    member = member_current_elsewhere(id_number_hash=number_hash)
    if member is not None and normalize_name(member.name) != name:
        _binding_failed(worker=worker, reason="name_mismatch", now=now, ip=ip)
        message = _("姓名与证件号码不匹配，请核对后重试；如有疑问请联系所在工会")
        raise InvalidInput(message, code="identity_mismatch", fields={"name": [message]})
    taken = _("该证件已绑定其他职工账号；如非本人操作，请联系工会处理")
    if WorkerAccount.objects.filter(id_number_hash=number_hash).exclude(pk=worker.pk).exists():
        _binding_failed(worker=worker, reason="taken", now=now, ip=ip)
        raise Conflict(taken, code="identity_taken", fields={"id_number": [taken]})

    method: str
    if member is None:
        method = Method.NO_RECORD
    else:
        method = _proof_method(worker=worker, member=member, phone_changed=phone_changed)
    return _open_request(
        worker=worker,
        member=member,
        method=method,
        identity={
            "name": name,
            "id_type": id_type,
            "id_number_encrypted": pii.encrypt(facts.number),
            "id_number_hash": number_hash,
            "id_number_masked": mask_id_number(facts.number),
        },
        note=note,
        ip=ip,
        now=now,
    )


def _proof_method(*, worker: WorkerAccount, member: Member, phone_changed: bool) -> str:
    if member.phone and member.phone == worker.phone and worker.phone_verified_at:
        return Method.PHONE_MATCH
    if member.phone and not phone_changed:
        return Method.SMS
    return Method.REVIEW


def _open_request(
    *,
    worker: WorkerAccount,
    member: Member | None,
    method: str,
    identity: dict[str, str],
    note: str,
    ip: str | None,
    now: dt.datetime,
) -> BindingRequest:
    """Record the request and start its proof: bind at once, text the code, or queue it."""
    code = f"{secrets.randbelow(10**6):06d}" if method == Method.SMS else ""
    with transaction.atomic():
        # A new try replaces the worker's open one (a lost code, a phone that changed meanwhile).
        open_requests = BindingRequest.objects.select_for_update().filter(
            worker=worker, state__in=BindingRequest.OPEN_STATES
        )
        for old in open_requests:
            old.state, old.decided_at = State.CANCELLED, now
            old.save(update_fields=["state", "decided_at"])
        request = BindingRequest.objects.create(
            worker=worker,
            member=member,
            org=member.org if member else None,
            method=method,
            state=State.AWAITING_CODE if method == Method.SMS else State.PENDING,
            phone_masked=mask_mobile(member.phone) if method == Method.SMS and member else "",
            note=(note or "").strip()[:200],
            created_at=now,
            **identity,
        )
        audit(
            actor=worker.user,
            action=AuditLog.Action.WORKER_IDENTITY_REQUESTED,
            target=worker,
            org=request.org,
            ip=ip,
            detail={"request": request.pk, "method": method, "member": member.pk if member else None},
        )
        if method == Method.SMS:
            request.code_hash = _code_hash(request.pk, code)
            request.code_expires_at = now + dt.timedelta(minutes=limit("GONGHUI_SMS_CODE_TTL_MINUTES"))
            request.save(update_fields=["code_hash", "code_expires_at"])
        elif method == Method.REVIEW and member is not None:
            MemberEvent.objects.create(
                member=member,
                kind=MemberEvent.Kind.BINDING_REQUESTED,
                actor=worker.user,
                note=_("职工账号申请绑定，待工会确认") + (f"：{request.note}" if request.note else ""),
            )
            transaction.on_commit(lambda: _tell_worker_pending(request))
        else:
            _bind(request, actor=worker.user, now=now)
    if method == Method.SMS:
        assert member is not None
        text = _(
            "验证码%(code)s，用于职工账号实名认证，%(ttl)s分钟内有效。如非本人操作，请勿告诉他人并联系所在工会。"
        ) % {"code": code, "ttl": limit("GONGHUI_SMS_CODE_TTL_MINUTES")}
        try:
            send_sms(member.phone, f"【{settings.GONGHUI_SMS_SIGNATURE}】{text}")
        except SmsDeliveryError:
            raise Unavailable(_("短信发送失败，请稍后再试")) from None
    return request


def worker_prove_binding(
    *,
    worker: WorkerAccount,
    phone_changed: bool = False,
    note: str = "",
    ip: str | None = None,
    now: dt.datetime | None = None,
) -> BindingRequest:
    """Prove a binding made while the person was on no roll, now that a membership record matches
    it (see portal.selectors.linked_person_hash): the same proofs as a binding — a code to the
    roll's phone, the worker's own verified phone being the roll's, or the union's review. Until
    then the account sees nothing of the record."""
    from .selectors import proof_needed_for

    now = now or timezone.now()
    member = proof_needed_for(worker)
    if member is None:
        raise Conflict(_("您的实名认证无需再次验证"), code="no_proof_needed")
    by_account = ratelimit.hit(f"binding:worker:{worker.pk}", window=DAY)
    if by_account.over(limit("GONGHUI_BINDING_MAX_FAILURES_PER_DAY")):
        raise _throttled(by_account)
    return _open_request(
        worker=worker,
        member=member,
        method=_proof_method(worker=worker, member=member, phone_changed=phone_changed),
        identity={
            "name": worker.real_name,
            "id_type": worker.id_type,
            "id_number_encrypted": worker.id_number_encrypted,
            "id_number_hash": worker.id_number_hash,
            "id_number_masked": worker.id_number_masked,
        },
        note=note,
        ip=ip,
        now=now,
    )


def record_joined_online(*, worker: WorkerAccount, member: Member, actor, now: dt.datetime) -> BindingRequest | None:
    """The union approved this account's own join application and registered `member`: that is the
    proof linking the account's binding to the new record (inside the approval's transaction).
    Nothing is recorded when the account is no longer bound to the applicant's ID number."""
    if not worker.id_number_hash or worker.id_number_hash != member.id_number_hash:
        return None
    request = BindingRequest.objects.create(
        worker=worker,
        member=member,
        org=member.org,
        method=Method.JOINED_ONLINE,
        state=State.CONFIRMED,
        name=worker.real_name,
        id_type=worker.id_type,
        id_number_encrypted=worker.id_number_encrypted,
        id_number_hash=worker.id_number_hash,
        id_number_masked=worker.id_number_masked,
        created_at=now,
        decided_at=now,
        decided_by=actor,
    )
    MemberEvent.objects.create(
        member=member, kind=MemberEvent.Kind.ACCOUNT_BOUND, actor=actor, note=str(Method.JOINED_ONLINE.label)
    )
    return request


def worker_binding_enter_code(
    *, worker: WorkerAccount, code: str, ip: str | None = None, now: dt.datetime | None = None
) -> BindingRequest:
    """Finish an SMS binding with the code texted to the roll's phone.

    Each try is taken from the code's allowance before comparing (a conditional UPDATE): parallel
    tries compare at most GONGHUI_SMS_CODE_MAX_ATTEMPTS times.
    """
    now = now or timezone.now()
    code = (code or "").strip()
    invalid = _("验证码无效或已过期，请重新获取")
    if not code:
        raise InvalidInput(_("请输入验证码"), code="code_required", fields={"code": [_("请输入验证码")]})
    request = worker_open_binding(worker)
    if request is None or request.state != State.AWAITING_CODE or request.code_expires_at <= now:  # type: ignore[operator]
        raise InvalidInput(invalid, code="code_invalid", fields={"code": [invalid]})
    max_attempts = limit("GONGHUI_SMS_CODE_MAX_ATTEMPTS")
    taken = codes.take_try(
        request, max_attempts=max_attempts, attempts="code_attempts", unused=Q(state=State.AWAITING_CODE)
    )
    if not taken:
        raise InvalidInput(invalid, code="code_invalid", fields={"code": [invalid]})
    if not hmac.compare_digest(request.code_hash, _code_hash(request.pk, code)):
        _binding_failed(worker=worker, reason="wrong_code", now=now, ip=ip)
        left = max_attempts - BindingRequest.objects.values_list("code_attempts", flat=True).get(pk=request.pk)
        message = (
            _("验证码错误，还可尝试%(left)s次") % {"left": left}
            if left > 0
            else _("验证码错误次数过多，已失效，请重新获取")
        )
        raise InvalidInput(message, code="code_wrong", fields={"code": [message]})
    # Used up under the row lock: binding changes the state, so a parallel right try finds it done.
    with transaction.atomic():
        request = BindingRequest.objects.select_for_update().get(pk=request.pk)
        if request.state != State.AWAITING_CODE:
            raise InvalidInput(invalid, code="code_invalid", fields={"code": [invalid]})
        _bind(request, actor=worker.user, now=now)
    return request


def worker_binding_ask_union(
    *, worker: WorkerAccount, note: str = "", now: dt.datetime | None = None
) -> BindingRequest:
    """Turn a request waiting for a code into one for the union to confirm (the roll's phone is
    no longer the worker's)."""
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            BindingRequest.objects.select_for_update(of=("self",))
            .filter(worker=worker, state=State.AWAITING_CODE)
            .select_related("org", "worker__user")
            .first()
        )
        if request is None:
            raise Conflict(_("没有待输入验证码的实名认证申请"), code="no_open_request")
        request.method, request.state, request.code_hash = Method.REVIEW, State.PENDING, ""
        request.phone_masked = ""
        request.note = (note or "").strip()[:200] or request.note
        request.save(update_fields=["method", "state", "code_hash", "phone_masked", "note"])
        assert request.member_id is not None
        MemberEvent.objects.create(
            member_id=request.member_id,
            kind=MemberEvent.Kind.BINDING_REQUESTED,
            actor=worker.user,
            note=_("职工账号申请绑定，待工会确认") + (f"：{request.note}" if request.note else ""),
        )
        transaction.on_commit(lambda: _tell_worker_pending(request))
    return request


def worker_binding_cancel(*, worker: WorkerAccount, now: dt.datetime | None = None) -> BindingRequest | None:
    """Withdraw the worker's open request (to correct it, or to choose another proof)."""
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            BindingRequest.objects.select_for_update()
            .filter(worker=worker, state__in=BindingRequest.OPEN_STATES)
            .first()
        )
        if request is None:
            return None
        request.state, request.decided_at = State.CANCELLED, now
        request.save(update_fields=["state", "decided_at"])
    return request


def worker_open_binding(worker: WorkerAccount) -> BindingRequest | None:
    """The worker's request waiting for a code or an officer, if any."""
    return (
        BindingRequest.objects.filter(worker=worker, state__in=BindingRequest.OPEN_STATES)
        .select_related("org", "worker__user")
        .first()
    )


def worker_last_binding(worker: WorkerAccount) -> BindingRequest | None:
    """The worker's latest request (to show a rejection's reason)."""
    return BindingRequest.objects.filter(worker=worker).select_related("org").order_by("-created_at", "-id").first()


def _bind(request: BindingRequest, *, actor, now: dt.datetime) -> None:
    """Write the identity onto the account (inside the caller's transaction) and record it."""
    worker = request.worker
    taken = _("该证件已绑定其他职工账号；如非本人操作，请联系工会处理")
    if WorkerAccount.objects.filter(id_number_hash=request.id_number_hash).exclude(pk=worker.pk).exists():
        raise Conflict(taken, code="identity_taken", fields={"id_number": [taken]})
    worker.real_name = request.name
    worker.id_type = request.id_type
    worker.id_number_encrypted = request.id_number_encrypted
    worker.id_number_hash = request.id_number_hash
    worker.id_number_masked = request.id_number_masked
    worker.verified_at = now
    try:
        with transaction.atomic():
            worker.save(
                update_fields=[
                    "real_name",
                    "id_type",
                    "id_number_encrypted",
                    "id_number_hash",
                    "id_number_masked",
                    "verified_at",
                ]
            )
    except IntegrityError:
        raise Conflict(taken, code="identity_taken", fields={"id_number": [taken]}) from None
    User.objects.filter(pk=worker.user_id).update(display_name=request.name)
    request.state, request.decided_at = State.CONFIRMED, now
    if actor is not None and actor.pk != worker.user_id:
        request.decided_by = actor
    request.save(update_fields=["state", "decided_at", "decided_by"])
    audit(
        actor=actor,
        action=AuditLog.Action.WORKER_IDENTITY_BOUND,
        target=worker,
        org=request.org,
        detail={"member": request.member_id, "id_type": request.id_type, "method": request.method},
    )
    if request.member_id is not None:
        MemberEvent.objects.create(
            member_id=request.member_id,
            kind=MemberEvent.Kind.ACCOUNT_BOUND,
            actor=actor,
            note=str(Method(request.method).label),
        )
    transaction.on_commit(
        lambda: notify(
            [worker.user],
            topic="portal.identity_bound",
            title=_("实名认证已完成"),
            body=_("您的账号已绑定到 %(name)s 的实名信息。如非本人操作，请立即联系所在工会。") % {"name": request.name},
            url="/m/",
            email=False,
        )
    )


def _tell_worker_pending(request: BindingRequest) -> None:
    notify(
        [request.worker.user],
        topic="portal.identity_pending",
        title=_("实名认证申请已提交"),
        body=_("%(org)s的工作人员核实后会为您确认，结果将通过站内消息通知您。")
        % {"org": request.org.name if request.org else ""},
        url="/m/verify/",
        email=False,
    )


# --- The union's side: the queue, confirming, rejecting, unbinding -------------------------------------


def binding_request_confirm(*, actor, request_id: int | str, now: dt.datetime | None = None) -> BindingRequest:
    """An officer confirms a pending request of a member of their scope (after checking the person)."""
    from .selectors import binding_request_get_visible

    require_write(actor)
    now = now or timezone.now()
    with transaction.atomic():
        request = binding_request_get_visible(actor=actor, request_id=request_id, for_update=True)
        if request.state != State.PENDING:
            raise Conflict(_("该申请已办理"), code="binding_decided")
        worker = request.worker
        if worker.is_verified and worker.id_number_hash != request.id_number_hash:
            raise Conflict(_("该职工账号已完成实名认证"), code="already_verified")
        _bind(request, actor=actor, now=now)
    return request


def binding_request_reject(
    *, actor, request_id: int | str, reason: str, now: dt.datetime | None = None
) -> BindingRequest:
    """An officer rejects a pending request, with the reason the worker is told."""
    from .selectors import binding_request_get_visible

    require_write(actor)
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        message = _("请填写驳回理由（200字以内）")
        raise InvalidInput(message, fields={"reason": [message]})
    with transaction.atomic():
        request = binding_request_get_visible(actor=actor, request_id=request_id, for_update=True)
        if request.state != State.PENDING:
            raise Conflict(_("该申请已办理"), code="binding_decided")
        request.state, request.reason, request.decided_at, request.decided_by = State.REJECTED, reason, now, actor
        request.save(update_fields=["state", "reason", "decided_at", "decided_by"])
        audit(
            actor=actor,
            action=AuditLog.Action.WORKER_IDENTITY_REFUSED,
            target=request.worker,
            org=request.org,
            detail={"request": request.pk, "reason": reason},
        )
        if request.member_id is not None:
            MemberEvent.objects.create(
                member_id=request.member_id, kind=MemberEvent.Kind.BINDING_REJECTED, actor=actor, note=reason[:255]
            )
        transaction.on_commit(
            lambda: notify(
                [request.worker.user],
                topic="portal.identity_rejected",
                title=_("实名认证申请未通过"),
                body=_("理由：%(reason)s。如有疑问请联系所在工会。") % {"reason": reason},
                url="/m/verify/",
                email=False,
            )
        )
    return request


def member_account_unbind(*, actor, member_id: int | str, reason: str, now: dt.datetime | None = None) -> WorkerAccount:
    """An officer unbinds the worker account bound to a member of their scope (a hijacked account):
    the account loses the identity and its API tokens; the member's history records it."""
    from gonghui.members.selectors import member_get_visible

    from .selectors import member_bound_account

    require_write(actor)
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        message = _("请填写解除绑定的原因（200字以内）")
        raise InvalidInput(message, fields={"reason": [message]})
    member: Member = member_get_visible(actor=actor, member_id=member_id)
    worker = member_bound_account(member=member)
    if worker is None:
        raise NotFound(_("该会员没有绑定职工账号"), code="not_bound")
    with transaction.atomic():
        worker = WorkerAccount.objects.select_for_update().get(pk=worker.pk)
        masked = worker.id_number_masked
        worker.save(update_fields=worker.forget_identity())
        # A hijacked account loses the identity and is signed out everywhere: tokens and sessions.
        sign_out_everywhere(user=worker.user, now=now)
        User.objects.filter(pk=worker.user_id).update(display_name="")
        audit(
            actor=actor,
            action=AuditLog.Action.WORKER_IDENTITY_UNBOUND,
            target=worker,
            org=member.org,
            detail={"member": member.pk, "id_number": masked, "reason": reason},
        )
        MemberEvent.objects.create(
            member=member,
            kind=MemberEvent.Kind.ACCOUNT_UNBOUND,
            actor=actor,
            note=_("职工账号 %(phone)s：%(reason)s") % {"phone": mask_mobile(worker.phone), "reason": reason},
        )
        transaction.on_commit(
            lambda: notify(
                [worker.user],
                topic="portal.identity_unbound",
                title=_("实名认证已被工会解除"),
                body=_("原因：%(reason)s。如是本人账号，请重新完成实名认证。") % {"reason": reason},
                url="/m/verify/",
                email=False,
            )
        )
    return worker
