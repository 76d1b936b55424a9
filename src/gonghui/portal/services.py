"""Writes for workers' accounts: SMS codes, registration, login, password reset, real-name binding,
and the member card's signed token.

Verification codes are checked outside any transaction on purpose: a wrong try must count even
though the request then fails.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import AuditLog, LoginCode, User
from gonghui.accounts.services import (
    LoginLocked,
    audit,
    login_attempt_key,
    login_check,
    login_failure,
    login_unlock,
    sign_out_everywhere,
    token_issue,
)
from gonghui.core import codes, pii, ratelimit
from gonghui.core.errors import Conflict, DomainError, Forbidden, InvalidInput, Throttled
from gonghui.core.phone import validate_mobile
from gonghui.core.sms import SmsDeliveryError, send_sms
from gonghui.members.models import Member
from gonghui.privacy.services import consent_registration

from .conf import limit
from .models import BindingAttempt, CodePurpose, PhoneCode, WorkerAccount


class BadCredentials(DomainError):
    """Phone and password (or code) do not match an account (401)."""

    status = 401
    default_code = "invalid_credentials"


class Unavailable(DomainError):
    status = 503
    default_code = "sms_unavailable"


class AuditAction:
    """Audit-log actions of workers' accounts."""

    REGISTERED = AuditLog.Action.WORKER_REGISTERED
    PASSWORD_RESET = AuditLog.Action.WORKER_PASSWORD_RESET
    PASSWORD_CHANGED = AuditLog.Action.WORKER_PASSWORD_CHANGED
    IDENTITY_BOUND = AuditLog.Action.WORKER_IDENTITY_BOUND
    IDENTITY_REFUSED = AuditLog.Action.WORKER_IDENTITY_REFUSED


# --- SMS verification codes ------------------------------------------------------------------


def _moment_text(moment: dt.datetime, now: dt.datetime) -> str:
    local, today = timezone.localtime(moment), timezone.localtime(now)
    if local.date() == today.date():
        return local.strftime("%H:%M")
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _valid_phone(phone: str) -> str:
    try:
        return validate_mobile(phone)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], code="invalid_phone", fields={"phone": list(exc.messages)}) from None


def _code_hash(phone: str, purpose: str, code: str) -> str:
    return pii.keyed_hash(f"sms-code:{phone}:{purpose}:{code.strip()}")


def _check_code_limits(*, phone: str, purpose: str, ip: str | None, now: dt.datetime) -> None:
    day_ago, hour_ago = now - dt.timedelta(days=1), now - dt.timedelta(hours=1)
    cooldown = dt.timedelta(seconds=limit("GONGHUI_SMS_CODE_COOLDOWN_SECONDS"))
    sent = list(
        PhoneCode.objects.filter(phone=phone, created_at__gt=day_ago)
        .order_by("created_at")
        .values_list("purpose", "created_at")
    )
    same = [at for p, at in sent if p == purpose]
    if same and same[-1] + cooldown > now:
        seconds = int((same[-1] + cooldown - now).total_seconds()) + 1
        raise Throttled(_("验证码发送过于频繁，请 %(seconds)s 秒后再试") % {"seconds": seconds}, code="code_cooldown")
    in_hour = [at for _p, at in sent if at > hour_ago]
    if len(in_hour) >= limit("GONGHUI_SMS_CODE_PER_PHONE_HOUR"):
        retry = in_hour[-limit("GONGHUI_SMS_CODE_PER_PHONE_HOUR")] + dt.timedelta(hours=1)
        raise Throttled(
            _("该手机号1小时内获取验证码次数已达上限，请于 %(time)s 后再试") % {"time": _moment_text(retry, now)},
            code="code_phone_hourly",
        )
    if len(sent) >= limit("GONGHUI_SMS_CODE_PER_PHONE_DAY"):
        retry = sent[-limit("GONGHUI_SMS_CODE_PER_PHONE_DAY")][1] + dt.timedelta(days=1)
        raise Throttled(
            _("该手机号今日获取验证码次数已达上限，请于 %(time)s 后再试") % {"time": _moment_text(retry, now)},
            code="code_phone_daily",
        )
    if ip:
        per_ip = limit("GONGHUI_SMS_CODE_PER_IP_HOUR")
        from_ip = list(
            PhoneCode.objects.filter(ip=ip, created_at__gt=hour_ago)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:per_ip]
        )
        if len(from_ip) >= per_ip:
            retry = from_ip[-1] + dt.timedelta(hours=1)
            raise Throttled(
                _("当前网络获取验证码过于频繁，请于 %(time)s 后再试") % {"time": _moment_text(retry, now)},
                code="code_ip_hourly",
            )


def _lock_for_codes(phone: str, ip: str | None) -> None:
    """Hold, until the transaction ends, the locks of this phone's and this address's code requests.

    PostgreSQL: transaction-level advisory locks (phone first, then address, so two requests never
    wait on each other crosswise). SQLite: the IMMEDIATE transaction already holds the database's
    write lock from its start.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in (f"sms-code:phone:{phone}", *([f"sms-code:ip:{ip}"] if ip else [])):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def code_request(*, phone: str, purpose: str, ip: str | None = None, now: dt.datetime | None = None) -> None:
    """Send a verification code by SMS, within the rate limits.

    The answer never tells whether the phone has an account: a register code asked for a phone
    that has one sends "you already have an account" instead of a code, and a login or reset
    code for an unknown phone sends "not registered yet" (the limits count those too).
    """
    now = now or timezone.now()
    phone = _valid_phone(phone)
    if purpose not in CodePurpose.values:
        raise InvalidInput(_("验证码用途无效"), fields={"purpose": [_("验证码用途无效")]})
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = limit("GONGHUI_SMS_CODE_TTL_MINUTES")
    # The limits count the codes already recorded: checking and recording happen under a lock
    # of the phone (and of the network), so parallel requests cannot all pass on the same count.
    with transaction.atomic():
        _lock_for_codes(phone, ip)
        _check_code_limits(phone=phone, purpose=purpose, ip=ip, now=now)
        has_account = WorkerAccount.objects.filter(phone=phone).exists()
        sends_code = has_account != (purpose == CodePurpose.REGISTER)
        PhoneCode.objects.create(
            phone=phone,
            purpose=purpose,
            # A row that sends no code keeps the hash of a code nobody was told: it can never match.
            code_hash=_code_hash(phone, purpose, code if sends_code else secrets.token_hex(16)),
            ip=ip,
            created_at=now,
            expires_at=now + dt.timedelta(minutes=ttl),
        )
    if sends_code:
        text = _("验证码%(code)s，用于%(purpose)s，%(ttl)s分钟内有效。工作人员不会向您索要验证码，请勿告诉他人。") % {
            "code": code,
            "purpose": CodePurpose(purpose).label,
            "ttl": ttl,
        }
    elif has_account:
        text = _("您的手机号已注册职工账号，请直接登录；如忘记密码，可在登录页选择“忘记密码”。")
    else:
        text = _("您的手机号尚未注册职工账号，请先注册。")
    try:
        send_sms(phone, f"【{settings.GONGHUI_SMS_SIGNATURE}】{text}")
    except SmsDeliveryError:
        raise Unavailable(_("短信发送失败，请稍后再试")) from None


def _code_consume(*, phone: str, purpose: str, code: str, now: dt.datetime) -> PhoneCode:
    """Check a code against the latest one sent for phone+purpose and use it up.

    Only the latest code counts; every try is counted (and committed) before the code is compared.
    """
    code = (code or "").strip()
    invalid = _("验证码无效或已过期，请重新获取")
    if not code:
        raise InvalidInput(_("请输入验证码"), code="code_required", fields={"code": [_("请输入验证码")]})
    row = PhoneCode.objects.filter(phone=phone, purpose=purpose).order_by("-created_at", "-id").first()
    max_attempts = limit("GONGHUI_SMS_CODE_MAX_ATTEMPTS")
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise InvalidInput(invalid, code="code_invalid", fields={"code": [invalid]})
    if not codes.take_try(row, max_attempts=max_attempts):
        raise InvalidInput(invalid, code="code_invalid", fields={"code": [invalid]})
    if not hmac.compare_digest(row.code_hash, _code_hash(phone, purpose, code)):
        left = max_attempts - PhoneCode.objects.values_list("attempts", flat=True).get(pk=row.pk)
        if left > 0:
            message = _("验证码错误，还可尝试%(left)s次") % {"left": left}
        else:
            message = _("验证码错误次数过多，已失效，请重新获取")
        raise InvalidInput(message, code="code_wrong", fields={"code": [message]})
    if not codes.use_up(row, now=now):
        raise InvalidInput(invalid, code="code_invalid", fields={"code": [invalid]})
    return row


def purge_expired_records(*, now: dt.datetime | None = None) -> int:
    """Forget what the limits no longer need: codes and failed bindings older than two days, and
    the rate-limit counters (core.ratelimit) whose window has ended."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=2)
    codes, _detail = PhoneCode.objects.filter(created_at__lt=cutoff).delete()
    attempts, _detail = BindingAttempt.objects.filter(created_at__lt=cutoff).delete()
    officer_codes, _detail = LoginCode.objects.filter(created_at__lt=cutoff).delete()
    return codes + attempts + officer_codes + ratelimit.purge_expired()


# --- Accounts -------------------------------------------------------------------------------


def _validate_password(password: str, user: User, *, field: str = "password") -> None:
    try:
        password_validation.validate_password(password or "", user)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], code="weak_password", fields={field: list(exc.messages)}) from None


def _new_username() -> str:
    """Workers' usernames are opaque (never the phone): the phone is the login."""
    while True:
        name = f"w_{secrets.token_hex(6)}"
        if not User.objects.filter(username=name).exists():
            return name


def worker_register(
    *, phone: str, code: str, password: str, ip: str | None = None, now: dt.datetime | None = None
) -> WorkerAccount:
    """Open a worker account for a phone proven by a register code; the worker accepts the current
    user agreement and privacy notice by registering (recorded with their versions)."""
    now = now or timezone.now()
    phone = _valid_phone(phone)
    user = User(username=_new_username())
    _validate_password(password, user)
    _code_consume(phone=phone, purpose=CodePurpose.REGISTER, code=code, now=now)
    user.set_password(password)
    with transaction.atomic():
        worker = worker_create(phone=phone, user=user, ip=ip, now=now)
        consent_registration(user=worker.user, ip=ip, now=now)
    return worker


def worker_create(
    *,
    phone: str,
    user: User | None = None,
    password_hash: str = "",
    ip: str | None = None,
    now: dt.datetime | None = None,
) -> WorkerAccount:
    """Open the account of a phone the caller has already proven (registration after its code;
    the demo loader). `user` carries the password already set; or pass a `password_hash`."""
    now = now or timezone.now()
    phone = _valid_phone(phone)
    if user is None:
        user = User(username=_new_username(), password=password_hash)
    try:
        with transaction.atomic():
            if WorkerAccount.objects.filter(phone=phone).exists():
                raise Conflict(_("该手机号已注册，请直接登录"), code="phone_registered")
            user.save()
            worker = WorkerAccount.objects.create(user=user, phone=phone, phone_verified_at=now)
            audit(actor=user, action=AuditAction.REGISTERED, target=worker, ip=ip)
    except IntegrityError:
        raise Conflict(_("该手机号已注册，请直接登录"), code="phone_registered") from None
    return worker


def _locked_message(locked: LoginLocked) -> str:
    until = timezone.localtime(locked.until).strftime("%H:%M")
    if locked.by_network:
        return _("当前网络登录尝试过于频繁，请于 %(until)s 后再试") % {"until": until}
    return _("登录失败次数过多，账号已锁定至 %(until)s，请稍后再试或找回密码") % {"until": until}


def worker_login_check(
    *,
    phone: str,
    password: str | None = None,
    code: str | None = None,
    ip: str | None = None,
    now: dt.datetime | None = None,
) -> User:
    """The worker's account for phone + password, or phone + login code.

    Passwords go through accounts.services.login_check (same lockout, audit and timing as
    officers); a code login honours the lockout too. Officers cannot sign in here: only
    phones of workers' accounts are looked up.
    """
    now = now or timezone.now()
    bad = _("手机号或密码错误")
    try:
        phone = validate_mobile(phone)
    except ValidationError:
        raise BadCredentials(bad) from None
    worker = WorkerAccount.objects.select_related("user").filter(phone=phone).first()
    attempt_key = login_attempt_key(f"phone:{phone}")
    if password:
        try:
            # An unknown phone still runs the password hasher (username "" never exists), and its
            # tries are counted under the phone like a known one's.
            user = login_check(
                username=worker.user.username if worker else "", password=password, ip=ip, attempt_key=attempt_key
            )
        except LoginLocked as locked:
            raise Throttled(_locked_message(locked), code="locked") from None
        if user is None:
            raise BadCredentials(bad)
        return user
    if code:
        if worker is not None and worker.user.locked_until and worker.user.locked_until > now:
            raise Throttled(_locked_message(LoginLocked(worker.user.locked_until)), code="locked")
        try:
            _code_consume(phone=phone, purpose=CodePurpose.LOGIN, code=code, now=now)
        except InvalidInput:
            # Wrong codes count toward the account's lockout, like wrong passwords.
            if worker is not None:
                try:
                    login_failure(user=worker.user, ip=ip, attempt_key=attempt_key, detail={"method": "sms_code"})
                except LoginLocked as locked:
                    raise Throttled(_locked_message(locked), code="locked") from None
            raise
        if worker is None or not worker.user.is_active:  # no code is ever sent for these
            raise BadCredentials(_("验证码无效或已过期，请重新获取"))
        user = worker.user
        login_unlock(user=user, attempt_key=attempt_key)
        User.objects.filter(pk=user.pk).update(last_login=now)
        audit(actor=user, action=AuditLog.Action.LOGIN, ip=ip, detail={"method": "sms_code"})
        return user
    raise InvalidInput(_("请输入密码或验证码"), fields={"password": [_("请输入密码或验证码")]})


def worker_reset_password(
    *, phone: str, code: str, new_password: str, ip: str | None = None, now: dt.datetime | None = None
) -> WorkerAccount:
    """Set a new password with a reset code; unlocks the account, revokes its API tokens, ends its sessions."""
    now = now or timezone.now()
    phone = _valid_phone(phone)
    worker = WorkerAccount.objects.select_related("user").filter(phone=phone).first()
    _validate_password(new_password, worker.user if worker else User(username="w_unknown"), field="new_password")
    _code_consume(phone=phone, purpose=CodePurpose.RESET_PASSWORD, code=code, now=now)
    if worker is None:  # no code is ever sent for an unknown phone
        message = _("验证码无效或已过期，请重新获取")
        raise InvalidInput(message, code="code_invalid", fields={"code": [message]})
    user = worker.user
    with transaction.atomic():
        user.set_password(new_password)
        user.failed_login_count = 0
        user.locked_until = None
        user.save(update_fields=["password", "failed_login_count", "locked_until"])
        sign_out_everywhere(user=user, now=now)
        audit(actor=user, action=AuditAction.PASSWORD_RESET, target=worker, ip=ip)
    login_unlock(user=user, attempt_key=login_attempt_key(f"phone:{phone}"))
    return worker


def worker_change_password(
    *, worker: WorkerAccount, old_password: str, new_password: str, ip: str | None = None
) -> WorkerAccount:
    user = worker.user
    if not user.check_password(old_password or ""):
        message = _("原密码不正确")
        raise InvalidInput(message, code="wrong_password", fields={"old_password": [message]})
    _validate_password(new_password, user, field="new_password")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        # Other sessions and every API token end; the caller keeps the acting session.
        sign_out_everywhere(user=user)
        audit(actor=user, action=AuditAction.PASSWORD_CHANGED, target=worker, ip=ip)
    return worker


def worker_token_issue(*, worker: WorkerAccount, name: str = "app") -> str:
    """A bearer token for the workers' app (only its digest is kept, as for officers' tokens)."""
    return token_issue(user=worker.user, name=name, actor=worker.user)


# --- Member card ----------------------------------------------------------------------------

CARD_SALT = "gonghui.portal.member-card"


class _CardSigner(signing.TimestampSigner):
    def __init__(self, *, now: dt.datetime | None = None) -> None:
        super().__init__(salt=CARD_SALT)
        self._now = now

    def timestamp(self) -> str:
        if self._now is None:
            return super().timestamp()
        return signing.b62_encode(int(self._now.timestamp()))


def card_token(*, member: Member, now: dt.datetime | None = None) -> str:
    """A signed, expiring token naming the member card (member pk + card number), for the QR code."""
    return _CardSigner(now=now).sign_object({"m": member.pk, "c": member.card_number}, compress=False)


def card_verify_url(token: str) -> str:
    return settings.GONGHUI_SITE_URL.rstrip("/") + reverse("portal:card_verify", args=[token])


class CardState:
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"
    ENDED = "ended"


@dataclass(frozen=True)
class CardCheck:
    state: str
    checked_at: dt.datetime
    union_name: str = ""
    masked_name: str = ""
    masked_card_number: str = ""

    @property
    def is_valid(self) -> bool:
        return self.state == CardState.VALID


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***."""
    name = name or ""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_card_number(card: str) -> str:
    if len(card) <= 8:
        return "*" * len(card)
    return card[:4] + "*" * (len(card) - 8) + card[-4:]


def card_check(*, token: str, now: dt.datetime | None = None) -> CardCheck:
    """What a scanned card token says: valid / expired / invalid / membership ended.

    A tampered token and an unknown one both read "invalid". Nothing personal is returned
    beyond a masked name and card number and the union's name.
    """
    now = now or timezone.now()
    signer = _CardSigner()
    try:
        payload = signer.unsign_object(token)
        stamp = signing.b62_decode(signing.Signer.unsign(signer, token).rsplit(signer.sep, 1)[1])
        member_pk, card = int(payload["m"]), str(payload["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, IndexError):
        return CardCheck(state=CardState.INVALID, checked_at=now)
    age = now.timestamp() - stamp
    if age > limit("GONGHUI_CARD_TOKEN_MAX_AGE_SECONDS") or age < -60:
        return CardCheck(state=CardState.EXPIRED, checked_at=now)
    member = Member.objects.select_related("org").filter(pk=member_pk, card_number=card).first()
    if member is None:
        return CardCheck(state=CardState.INVALID, checked_at=now)
    if not member.is_current:
        return CardCheck(state=CardState.ENDED, checked_at=now)
    return CardCheck(
        state=CardState.VALID,
        checked_at=now,
        union_name=member.org.name,
        masked_name=mask_name(member.name),
        masked_card_number=mask_card_number(member.card_number),
    )


def require_member(worker: WorkerAccount) -> Member:
    """The worker's current membership, or Forbidden with the reason."""
    from .selectors import PROOF_NEEDED_MESSAGE, current_member, proof_needed_for

    if not worker.is_verified:
        raise Forbidden(_("请先完成实名认证"), code="not_verified")
    if proof_needed_for(worker) is not None:
        raise Forbidden(str(PROOF_NEEDED_MESSAGE), code="binding_proof_required")
    member = current_member(worker)
    if member is None:
        raise Forbidden(_("您还不是工会会员，入会后即可使用会员卡"), code="not_member")
    return member
