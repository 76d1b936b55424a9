"""Two-factor sign-in for officer accounts: TOTP (an authenticator app) with django-otp, and
single-use recovery codes (django-otp's static device).

Who must use it is a setting (GONGHUI_2FA_REQUIRED_FOR: the admin role and superusers, the right
to reveal full personal numbers, the assistance right); anyone else may turn it on. Wrong codes are
throttled by django-otp on the device (after n failures the next try waits 2^(n-1) seconds), checked
under a row lock so that parallel tries are counted one by one.
"""

from __future__ import annotations

import math
from base64 import b32encode

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.core.errors import DomainError, Forbidden, InvalidInput

from .models import AuditLog, Role, User
from .permissions import can_access_assistance, can_reveal_pii, require_manage_accounts
from .services import audit, sign_out_everywhere

RECOVERY_CODE_COUNT = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery"


class CodeThrottled(DomainError):
    """Too many wrong codes in a row: the next try must wait (429)."""

    status = 429
    default_code = "throttled"


# --- Policy ----------------------------------------------------------------------------------


def two_factor_required(user: User) -> bool:
    """Whether the account must pass a second factor to sign in (GONGHUI_2FA_REQUIRED_FOR)."""
    if not (user.is_active and (user.is_superuser or user.is_officer)):
        return False
    required = set(settings.GONGHUI_2FA_REQUIRED_FOR)
    return bool(
        ("admin" in required and (user.is_superuser or user.role == Role.ADMIN))
        or ("reveal" in required and can_reveal_pii(user))
        or ("assistance" in required and can_access_assistance(user))
    )


def confirmed_authenticator(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("-pk").first()


def second_step_needed(user: User) -> bool:
    """Required for the account, or turned on by its holder."""
    return two_factor_required(user) or confirmed_authenticator(user) is not None


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


def secret_for_display(device: TOTPDevice) -> str:
    """The key as authenticator apps take it typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- Enrolment -------------------------------------------------------------------------------


def authenticator_enrol_start(*, user: User) -> TOTPDevice:
    """A new, not yet confirmed authenticator for the account (the same one until it is confirmed,
    so a reloaded page shows the same QR code). A confirmed one stays in use meanwhile."""
    pending = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("-pk").first()
    if pending is not None:
        return pending
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def authenticator_enrol_confirm(*, user: User, code: str, ip: str | None = None) -> list[str]:
    """Confirm the pending authenticator with its first code; it replaces any earlier one, and a new
    set of recovery codes is made. Returns the recovery codes (shown once)."""
    pending = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("-pk").first()
    if pending is None:
        raise InvalidInput(_("请重新开始设置两步验证"), code="no_pending_device")
    if not _verify(pending, code):
        _refuse(user=user, device=pending, ip=ip, step="enrol")
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=pending.pk).delete()
        TOTPDevice.objects.filter(pk=pending.pk).update(confirmed=True)
        codes = _new_recovery_codes(user)
        audit(actor=user, action=AuditLog.Action.TWO_FACTOR_ENABLED, target=user, org=user.org, ip=ip)
    return codes


def recovery_codes_regenerate(*, user: User, ip: str | None = None) -> list[str]:
    """A new set of recovery codes (the old ones stop working). Needs a confirmed authenticator."""
    if confirmed_authenticator(user) is None:
        raise InvalidInput(_("请先设置两步验证"), code="no_device")
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit(actor=user, action=AuditLog.Action.TWO_FACTOR_CODES_REGENERATED, target=user, org=user.org, ip=ip)
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


# --- Signing in ------------------------------------------------------------------------------


def second_factor_check(*, user: User, code: str, ip: str | None = None) -> str:
    """Check a code from the authenticator or a recovery code (used up by this); returns which
    ("totp" or "recovery"). A wrong code counts on the device; too many wait (CodeThrottled)."""
    code = "".join((code or "").split()).replace("-", "").lower()
    authenticator = confirmed_authenticator(user)
    if authenticator is None:
        raise InvalidInput(_("此账号尚未设置两步验证"), code="no_device")
    if code.isdigit() and len(code) == authenticator.digits:
        if _verify(authenticator, code):
            return "totp"
        _refuse(user=user, device=authenticator, ip=ip, step="login")
    recovery = StaticDevice.objects.filter(user_id=user.pk, confirmed=True).first()
    if recovery is not None and code and _verify(recovery, code):
        left = recovery_codes_left(user)
        audit(
            actor=user,
            action=AuditLog.Action.TWO_FACTOR_RECOVERY_USED,
            target=user,
            org=user.org,
            ip=ip,
            detail={"left": left},
        )
        return "recovery"
    _refuse(user=user, device=recovery or authenticator, ip=ip, step="login")
    raise AssertionError("unreachable")  # _refuse raises


def _verify(device, code: str) -> bool:
    """django-otp's check under a row lock: parallel tries are counted one by one, and a code is
    accepted once (TOTP remembers its last time step, a recovery code is deleted). While the device
    makes tries wait after wrong codes, raises CodeThrottled without looking at the code."""
    with transaction.atomic():
        locked = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, info = locked.verify_is_allowed()
        if allowed:
            return bool(locked.verify_token(code))
    wait = 1
    if info and info.get("locked_until"):
        wait = max(1, math.ceil((info["locked_until"] - timezone.now()).total_seconds()))
    raise CodeThrottled(_("验证码错误次数过多，请 %(seconds)s 秒后再试") % {"seconds": wait})


def _refuse(*, user: User, device, ip: str | None, step: str) -> None:
    device.refresh_from_db()
    audit(
        actor=user,
        action=AuditLog.Action.TWO_FACTOR_FAILED,
        target=user,
        org=user.org,
        ip=ip,
        detail={"step": step, "failures": device.throttling_failure_count},
    )
    message = _("验证码不正确")
    raise InvalidInput(message, code="wrong_code", fields={"code": [message]})


# --- Turning off, and an admin's reset -------------------------------------------------------


def two_factor_disable(*, user: User, ip: str | None = None) -> None:
    """The holder turns their second factor off (only where it is not required)."""
    if two_factor_required(user):
        raise Forbidden(_("您的账号必须使用两步验证，不能关闭"))
    with transaction.atomic():
        _delete_devices(user)
        audit(actor=user, action=AuditLog.Action.TWO_FACTOR_DISABLED, target=user, org=user.org, ip=ip)


def two_factor_reset(*, actor: User | None, user: User, ip: str | None = None) -> None:
    """Remove another account's authenticator and recovery codes (a lost phone): its sessions and
    API tokens end, and at the next sign-in it sets up a new authenticator where one is required.

    `actor` None: the server's operator on the command line (`gonghui reset-2fa`).
    """
    if actor is not None:
        require_manage_accounts(actor)
        from .selectors import account_get_visible

        user = account_get_visible(actor=actor, user_id=user.pk)
        if user.pk == actor.pk:
            raise Forbidden(_("不能重置自己的两步验证，请在“我的账号”中重新设置"))
    with transaction.atomic():
        _delete_devices(user)
        sign_out_everywhere(user=user)
        audit(
            actor=actor,
            action=AuditLog.Action.TWO_FACTOR_RESET,
            target=user,
            org=user.org,
            ip=ip,
            detail={"via": "page" if actor is not None else "command_line"},
        )


def _delete_devices(user: User) -> None:
    TOTPDevice.objects.filter(user_id=user.pk).delete()
    StaticDevice.objects.filter(user_id=user.pk).delete()
