"""Writes for accounts: login with lockout, officer accounts, API tokens, the audit log."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save, pre_delete
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import codes, fastsql, pii, ratelimit
from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Throttled
from gonghui.core.limits import limit
from gonghui.core.localcache import LocalMirror
from gonghui.core.phone import mask_mobile, validate_mobile
from gonghui.core.sms import send_sms

from .models import ApiToken, AuditLog, LoginCode, Role, User
from .permissions import require_manage_accounts
from .scope import scope_root_path


def audit(*, actor, action: str, target=None, org=None, ip: str | None = None, detail: dict | None = None) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.model_name if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        org=org,
        ip=ip,
        detail=detail or {},
    )


class LoginLocked(Exception):
    """Too many sign-in tries: for the account (or the name typed), or from the network (`by_network`)."""

    def __init__(self, until: dt.datetime, *, by_network: bool = False) -> None:
        super().__init__("locked")
        self.until = until
        self.by_network = by_network


def login_attempt_key(name: str) -> str:
    """The lockout counter of a name typed at sign-in (a username, or a worker's phone).

    Counted whether or not an account has that name, so a lockout tells nobody which names exist.
    """
    return "login:name:" + hashlib.sha256(name.encode()).hexdigest()[:40]


def _lock_window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.GONGHUI_LOGIN_LOCK_MINUTES)


def login_check(
    *,
    username: str,
    password: str,
    ip: str | None = None,
    request=None,
    attempt_key: str | None = None,
    audit_success: bool = True,
) -> User | None:
    """Authenticate; after too many failures the name typed is locked for a while.

    Each try is counted first, atomically (core.ratelimit), and only the first
    GONGHUI_LOGIN_MAX_FAILURES tries of a window reach the password hasher: parallel requests
    cannot check more passwords than that. Raises LoginLocked while locked (even with the right
    password) or while the caller's address has made too many tries
    (GONGHUI_LOGIN_MAX_PER_IP). Returns None on bad credentials. Unknown and known usernames
    are counted, refused and locked alike. `attempt_key` names the counter when the name typed
    is not the username (a worker's phone). With `audit_success=False` the caller records the
    sign-in itself (login_audit), after the second step when one is asked.
    """
    window = _lock_window()
    by_ip = None
    if ip:
        by_ip = ratelimit.hit(f"login:ip:{ip}", window=window)
        if by_ip.over(settings.GONGHUI_LOGIN_MAX_PER_IP):
            raise LoginLocked(by_ip.resets_at, by_network=True)
    key = attempt_key or login_attempt_key(username)
    attempt = ratelimit.hit(key, window=window)
    if attempt.over(settings.GONGHUI_LOGIN_MAX_FAILURES):
        raise LoginLocked(attempt.resets_at)
    user = User.objects.filter(username=username).first()
    authenticated = authenticate(request, username=username, password=password)
    if authenticated is not None:
        ratelimit.reset(key)
        if by_ip is not None:
            ratelimit.release(f"login:ip:{ip}")  # a good sign-in gives its try back to the network
        if user is not None and (user.failed_login_count or user.locked_until):
            User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
        if audit_success:
            audit(actor=authenticated, action=AuditLog.Action.LOGIN, ip=ip)
        return authenticated
    if user is not None:
        audit(actor=user, action=AuditLog.Action.LOGIN_FAILED, ip=ip)
    if attempt.count >= settings.GONGHUI_LOGIN_MAX_FAILURES:
        # Exactly one try of a window has this count: one lockout, one audit record.
        _lock(user=user, key=key, ip=ip)
    return None


def login_audit(
    *, user: User, ip: str | None, method: str, awaiting_second_factor: bool = False, second_factor: str = ""
):
    """The sign-in's audit line: `login` only once the account is signed in (after the authenticator
    code when one is asked); the password or texted code that merely opened the second step is
    `login_awaiting_2fa`, so the log never shows a sign-in that the second step then refused."""
    detail: dict[str, str] = {"method": method}
    if second_factor:
        detail["two_factor"] = second_factor
    action = AuditLog.Action.LOGIN_AWAITING_2FA if awaiting_second_factor else AuditLog.Action.LOGIN
    audit(actor=user, action=action, ip=ip, detail=detail)


def _lock(*, user: User | None, key: str, ip: str | None) -> None:
    until = timezone.now() + _lock_window()
    ratelimit.hold(key, until=until)
    if user is not None:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(locked_until=until)
            audit(actor=user, action=AuditLog.Action.LOCKED, ip=ip, detail={"until": until.isoformat()})
    raise LoginLocked(until)


def login_failure(*, user: User, ip: str | None = None, attempt_key: str | None = None, detail=None) -> None:
    """Count a failed sign-in that did not go through login_check (a wrong SMS code on the
    workers' login); too many lock the account for a while and raise LoginLocked."""
    key = attempt_key or login_attempt_key(user.username)
    attempt = ratelimit.hit(key, window=_lock_window())
    audit(actor=user, action=AuditLog.Action.LOGIN_FAILED, ip=ip, detail=detail)
    if attempt.count >= settings.GONGHUI_LOGIN_MAX_FAILURES:
        _lock(user=user, key=key, ip=ip)


def login_unlock(*, user: User, attempt_key: str | None = None) -> None:
    """Clear the account's lockout and failed tries (a password reset, a sign-in by SMS code)."""
    ratelimit.reset(attempt_key or login_attempt_key(user.username))
    User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)


# --- Sign-in by SMS code (officers) ---------------------------------------------------------------


def _moment_text(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _login_code_hash(user: User, code: str) -> str:
    return pii.keyed_hash(f"officer-login-code:{user.pk}:{code.strip()}")


def officer_code_request(*, username: str, ip: str | None = None, now: dt.datetime | None = None) -> None:
    """Text a sign-in code to the account's registered phone (a locked account signs in this way).

    The answer is the same whether the account exists and has a phone or not; the limits (60 s
    between codes, per name and per address per hour) are counted atomically for every request.
    """
    now = now or timezone.now()
    name = login_attempt_key(username).rsplit(":", 1)[1]
    cooldown = ratelimit.hit(
        f"login-code:cool:{name}", window=dt.timedelta(seconds=limit("GONGHUI_SMS_CODE_COOLDOWN_SECONDS"))
    )
    if cooldown.over(1):
        seconds = max(int((cooldown.resets_at - now).total_seconds()) + 1, 1)
        raise Throttled(_("验证码发送过于频繁，请 %(seconds)s 秒后再试") % {"seconds": seconds}, code="code_cooldown")
    hour = dt.timedelta(hours=1)
    hourly = ratelimit.hit(f"login-code:name:{name}", window=hour)
    if hourly.over(limit("GONGHUI_SMS_CODE_PER_PHONE_HOUR")):
        raise Throttled(
            _("该账号1小时内获取验证码次数已达上限，请于 %(time)s 后再试") % {"time": _moment_text(hourly.resets_at)},
            code="code_phone_hourly",
        )
    if ip:
        by_ip = ratelimit.hit(f"login-code:ip:{ip}", window=hour)
        if by_ip.over(limit("GONGHUI_SMS_CODE_PER_IP_HOUR")):
            raise Throttled(
                _("当前网络获取验证码过于频繁，请于 %(time)s 后再试") % {"time": _moment_text(by_ip.resets_at)},
                code="code_ip_hourly",
            )
    user = User.objects.filter(username=username, is_active=True).exclude(phone="").first()
    if user is None or not (user.is_officer or user.is_superuser):
        return
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = limit("GONGHUI_SMS_CODE_TTL_MINUTES")
    with transaction.atomic():
        LoginCode.objects.create(
            user=user,
            code_hash=_login_code_hash(user, code),
            ip=ip,
            created_at=now,
            expires_at=now + dt.timedelta(minutes=ttl),
        )
        audit(actor=user, action=AuditLog.Action.LOGIN_CODE_SENT, target=user, org=user.org, ip=ip)
    text = _("登录验证码%(code)s，%(ttl)s分钟内有效。工作人员不会向您索要验证码，请勿告诉他人。") % {
        "code": code,
        "ttl": ttl,
    }
    # A failed delivery is logged by the gateway, not told: the answer must not say the account exists.
    send_sms(user.phone, f"【{settings.GONGHUI_SMS_SIGNATURE}】{text}", fail_silently=True)


def officer_code_login(
    *, username: str, code: str, ip: str | None = None, now: dt.datetime | None = None, audit_success: bool = True
) -> User:
    """The account for username + the latest sign-in code texted to it; clears a lockout.

    Each try is taken from the code's allowance before comparing (a conditional UPDATE), so
    parallel tries compare at most GONGHUI_SMS_CODE_MAX_ATTEMPTS times. Every refusal reads alike.
    """
    now = now or timezone.now()
    invalid = _("用户名或验证码错误，或验证码已过期，请重新获取")
    if ip:
        by_ip = ratelimit.hit(f"login:ip:{ip}", window=_lock_window())
        if by_ip.over(settings.GONGHUI_LOGIN_MAX_PER_IP):
            raise LoginLocked(by_ip.resets_at, by_network=True)
    code = (code or "").strip()
    user = User.objects.filter(username=username, is_active=True).first()
    row = LoginCode.objects.filter(user=user).order_by("-created_at", "-id").first() if user and code else None
    max_attempts = limit("GONGHUI_SMS_CODE_MAX_ATTEMPTS")
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise InvalidInput(invalid, code="code_invalid", fields={"code": [invalid]})
    taken = codes.take_try(row, max_attempts=max_attempts)
    if not taken or not hmac.compare_digest(row.code_hash, _login_code_hash(row.user, code)):
        audit(actor=row.user, action=AuditLog.Action.LOGIN_FAILED, ip=ip, detail={"method": "sms_code"})
        raise InvalidInput(invalid, code="code_invalid", fields={"code": [invalid]})
    if not codes.use_up(row, now=now):
        raise InvalidInput(invalid, code="code_invalid", fields={"code": [invalid]})
    user = row.user
    login_unlock(user=user)
    if ip:
        ratelimit.release(f"login:ip:{ip}")
    if audit_success:
        audit(actor=user, action=AuditLog.Action.LOGIN, ip=ip, detail={"method": "sms_code"})
    return user


def _valid_phone(phone: str | None) -> str:
    """An officer's optional phone for sign-in codes: empty, or a valid mainland mobile number."""
    if phone is None or not phone.strip():
        return ""
    try:
        return validate_mobile(phone)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], code="invalid_phone", fields={"phone": list(exc.messages)}) from None


def _check_org_for_account(*, actor, org) -> None:
    root = scope_root_path(actor)
    if root is not None and not org.path.startswith(root):
        raise Forbidden(_("只能为本级及下级工会创建账号"))


def officer_create(
    *,
    actor,
    username: str,
    password: str,
    org,
    role: str,
    display_name: str = "",
    assistance_access: bool = False,
    phone: str = "",
) -> User:
    """Create an officer account bound to a union in the actor's scope."""
    require_manage_accounts(actor)
    _check_org_for_account(actor=actor, org=org)
    if role not in Role.values:
        raise InvalidInput(_("角色无效"), fields={"role": [_("角色无效")]})
    username = (username or "").strip()
    if not username:
        raise InvalidInput(_("用户名不能为空"), fields={"username": [_("用户名不能为空")]})
    if User.objects.filter(username=username).exists():
        raise Conflict(_("用户名 %(name)s 已存在") % {"name": username}, code="duplicate_username")
    user = User(
        username=username,
        org=org,
        role=role,
        display_name=display_name,
        assistance_access=assistance_access,
        phone=_valid_phone(phone),
    )
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], fields={"password": list(exc.messages)}) from None
    user.set_password(password)
    with transaction.atomic():
        user.save()
        audit(
            actor=actor,
            action=AuditLog.Action.ACCOUNT_CREATED,
            target=user,
            org=org,
            detail={"role": role, "assistance_access": assistance_access},
        )
    return user


def officer_update(*, actor, user: User, data: dict[str, Any]) -> User:
    """Change role, union, name or active flag of an account in scope; optionally its password."""
    require_manage_accounts(actor)
    from .selectors import account_get_visible

    user = account_get_visible(actor=actor, user_id=user.pk)
    if user.pk == actor.pk and any(f in data for f in ("role", "is_active", "org", "assistance_access")):
        raise Forbidden(_("不能修改自己的角色、所属工会或启用状态"))
    changes: dict[str, Any] = {}
    if "org" in data and data["org"] is not None and data["org"].pk != user.org_id:
        _check_org_for_account(actor=actor, org=data["org"])
        changes["org"] = [user.org_id, data["org"].pk]
        user.org = data["org"]
    if "role" in data and data["role"] != user.role:
        if data["role"] not in Role.values:
            raise InvalidInput(_("角色无效"), fields={"role": [_("角色无效")]})
        changes["role"] = [user.role, data["role"]]
        user.role = data["role"]
    if "phone" in data:
        data = {**data, "phone": _valid_phone(data["phone"])}
    for field in ("display_name", "is_active", "assistance_access", "phone"):
        if field in data and data[field] != getattr(user, field):
            before, after = getattr(user, field), data[field]
            changes[field] = [mask_mobile(before), mask_mobile(after)] if field == "phone" else [before, after]
            setattr(user, field, after)
    if data.get("password"):
        try:
            password_validation.validate_password(data["password"], user)
        except ValidationError as exc:
            raise InvalidInput(exc.messages[0], fields={"password": list(exc.messages)}) from None
        user.set_password(data["password"])
        user.locked_until = None
        changes["password"] = ["***", "***"]
        ratelimit.reset(login_attempt_key(user.username))
    if changes:
        with transaction.atomic():
            user.save()
            audit(actor=actor, action=AuditLog.Action.ACCOUNT_UPDATED, target=user, org=user.org, detail=changes)
            if changes.keys() & ACCESS_FIELDS:
                sign_out_everywhere(user=user)
    return user


# A change to any of these ends the account's sessions and revokes its API tokens: what they were
# granted for (who may sign in, with what rights, over which unions) no longer holds.
ACCESS_FIELDS = frozenset({"password", "role", "org", "is_active", "assistance_access"})


def sign_out_everywhere(*, user: User, now: dt.datetime | None = None) -> int:
    """Revoke every API token of the account and end all its sessions, in every process.

    Tokens: revoked in the database and forgotten from every process's token cache (over the
    revocation channel, core.localcache). Sessions: the account's session epoch is part of each
    session's auth hash (User._get_session_auth_hash), so every session, in every process, is signed
    out on its next request. `user` is refreshed with the new epoch: a caller keeping the acting
    session passes it to `update_session_auth_hash` afterwards. Returns the number of tokens revoked.
    """
    now = now or timezone.now()
    with transaction.atomic():
        live = ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True)
        digests = list(live.values_list("digest", flat=True))
        revoked = live.update(revoked_at=now)
        token_cache_forget(*digests)
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
        user.refresh_from_db(fields=["session_epoch"])
    return revoked


def password_change_own(*, user: User, old_password: str, new_password: str, ip: str | None = None) -> User:
    """An officer changes their own password: their tokens and other sessions end (the caller keeps
    the acting session with `update_session_auth_hash`)."""
    if not user.check_password(old_password or ""):
        message = _("原密码不正确")
        raise InvalidInput(message, code="wrong_password", fields={"old_password": [message]})
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], fields={"new_password": list(exc.messages)}) from None
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        sign_out_everywhere(user=user)
        audit(actor=user, action=AuditLog.Action.PASSWORD_CHANGED, target=user, org=user.org, ip=ip)
    return user


def token_issue(*, user: User, name: str = "", actor=None) -> str:
    """Issue an API token for the user and return it; only its digest is kept."""
    if not (user.is_superuser or user.is_officer or hasattr(user, "worker")):
        raise InvalidInput(_("只有工会工作人员、职工账号或超级管理员可以签发令牌"), code="not_officer")
    raw = "gh_" + secrets.token_urlsafe(32)
    expires_at = timezone.now() + dt.timedelta(days=settings.GONGHUI_API_TOKEN_TTL_DAYS)
    with transaction.atomic():
        ApiToken.objects.create(
            user=user, name=name, prefix=raw[:10], digest=ApiToken.digest_of(raw), expires_at=expires_at
        )
        audit(actor=actor or user, action=AuditLog.Action.TOKEN_ISSUED, target=user, org=user.org)
    return raw


def token_revoke(*, actor: User, token_id: int, now: dt.datetime | None = None) -> ApiToken:
    """The holder revokes one of their own tokens (another's is "not found")."""
    try:
        token = ApiToken.objects.get(pk=int(token_id), user_id=actor.pk)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("令牌不存在")) from None
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = now or timezone.now()
            token.save(update_fields=["revoked_at"])  # forgets its cache entries (post_save)
            audit(
                actor=actor,
                action=AuditLog.Action.TOKEN_REVOKED,
                target=actor,
                org=actor.org,
                detail={"prefix": token.prefix},
            )
    return token


@functools.cache
def _loader(model) -> tuple[list[str], list[str], list[tuple[Any, list]]]:
    """attnames, column names and the ORM's value converters of a model's concrete fields."""
    fields = list(model._meta.concrete_fields)
    converters = []
    for f in fields:
        col = f.get_col(model._meta.db_table)
        converters.append((col, connection.ops.get_db_converters(col) + f.get_db_converters(connection)))
    return [f.attname for f in fields], [str(f.column) for f in fields], converters


def _from_row(model, values: tuple | list) -> Any:
    """A model instance from raw column values, as the ORM would build it (converters applied)."""
    attnames, _columns, converters = _loader(model)
    converted = []
    for value, (col, funcs) in zip(values, converters, strict=True):
        for func in funcs:
            value = func(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, attnames, converted)


@functools.cache
def _token_sql() -> str:
    """token → user → union in one statement, composed once (no ORM compilation per request).

    Same rows as `ApiToken.objects.select_related("user", "user__org").filter(digest=…,
    revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)`.
    """
    from gonghui.orgs.models import Org

    qn = connection.ops.quote_name
    cols = [f"t.{qn(c)}" for c in _loader(ApiToken)[1]]
    cols += [f"u.{qn(c)}" for c in _loader(User)[1]]
    cols += [f"o.{qn(c)}" for c in _loader(Org)[1]]
    return (
        f"SELECT {', '.join(cols)} FROM {qn(ApiToken._meta.db_table)} t "  # noqa: S608 - identifiers only
        f"INNER JOIN {qn(User._meta.db_table)} u ON u.id = t.user_id "
        f"LEFT OUTER JOIN {qn(Org._meta.db_table)} o ON o.id = u.org_id "
        "WHERE t.digest = %s AND t.revoked_at IS NULL AND t.expires_at > %s AND u.is_active"
    )


# Token → user, cached briefly in Django's cache (per process with the default local-memory
# cache; shared by every process with REDIS_URL), and in front of it in each process's own copy
# (core.localcache: no round trip to Redis, no unpickling, on every API request). Saving or
# deleting the token or its account (revoking, deactivating, a role or union change, a password
# change) deletes the entry at once from this process's caches — from every process's when the
# cache is Redis (the copies hear of it over Redis pub/sub); otherwise other processes notice
# within TOKEN_CACHE_SECONDS. A union moved in the tree (its path rewritten by one UPDATE, no
# per-row signal) is seen by cached tokens within TOKEN_CACHE_SECONDS too.
TOKEN_CACHE_SECONDS = settings.GONGHUI_TOKEN_CACHE_SECONDS
_TOKEN_CACHE_PREFIX = "gonghui:token:"  # noqa: S105 - a cache key prefix
_TOKENS = LocalMirror("gonghui:forget:token", ttl=TOKEN_CACHE_SECONDS)


def _token_cache_key(digest: str) -> str:
    return _TOKEN_CACHE_PREFIX + digest


def token_cache_forget(*digests: str) -> None:
    """Drop cached lookups of these token digests (revocation, account changes).

    At once and again when the surrounding transaction commits: a request in between could have
    cached the state from before the change. Code that revokes tokens with a queryset `update()`
    (no signals) should call this for them, or save the account (which forgets all its tokens).
    """
    if digests:
        keys = [_token_cache_key(d) for d in digests]
        _forget_keys(keys)
        transaction.on_commit(lambda: _forget_keys(keys))


def _forget_keys(keys: list[str]) -> None:
    cache.delete_many(keys)
    _TOKENS.forget(keys)


def _forget_token(sender, instance: ApiToken, **kwargs) -> None:
    token_cache_forget(instance.digest)


def _forget_user_tokens(sender, instance: User, **kwargs) -> None:
    if instance.pk is not None:
        token_cache_forget(*ApiToken.objects.filter(user_id=instance.pk).values_list("digest", flat=True))


post_save.connect(_forget_token, sender=ApiToken, dispatch_uid="gonghui-token-cache-token-save")
post_delete.connect(_forget_token, sender=ApiToken, dispatch_uid="gonghui-token-cache-token-delete")
post_save.connect(_forget_user_tokens, sender=User, dispatch_uid="gonghui-token-cache-user-save")
pre_delete.connect(_forget_user_tokens, sender=User, dispatch_uid="gonghui-token-cache-user-delete")


def token_authenticate(raw: str) -> User | None:
    """The active user holding this unrevoked, unexpired token (with its union loaded), or None.

    A hit in this process's copy or in the token cache (see TOKEN_CACHE_SECONDS) answers without
    the database, as a copy of the account for this request alone; a miss
    reads token, account and union in one statement composed once per process (prepared once
    per connection on PostgreSQL, see core.fastsql). Unknown tokens are never cached.
    """
    digest = ApiToken.digest_of(raw)
    now = timezone.now()
    key = _token_cache_key(digest)
    if TOKEN_CACHE_SECONDS <= 0:
        user, token = _token_lookup(digest, now)
        if user is None or token is None:
            return None
        _touch(token.pk, token.last_used_at, now)
        return user
    mirrored = _TOKENS.get(key)
    if mirrored is not None and now - mirrored[1] <= _TOUCH_EVERY and now < mirrored[3]:
        return _own_copy(mirrored[2])
    generation = _TOKENS.generation
    cached = cache.get(key)
    if cached is not None and now >= cached[3]:  # expired while cached
        return None
    if cached is None or now - cached[1] > _TOUCH_EVERY:
        if cached is None:
            user, token = _token_lookup(digest, now)
            if user is None or token is None:
                return None
            token_id, last_used_at, expires_at = token.pk, token.last_used_at, token.expires_at
        else:
            token_id, last_used_at, user, expires_at = cached
        if _touch(token_id, last_used_at, now):
            last_used_at = now
        cached = (token_id, last_used_at, user, expires_at)
        cache.set(key, cached, TOKEN_CACHE_SECONDS)
    _TOKENS.put(key, cached, generation)
    return _own_copy(cached[2])


_TOUCH_EVERY = dt.timedelta(minutes=5)  # how often a token's last_used_at is written


def _touch(token_id: int, last_used_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Record the token's use if the last record is older than _TOUCH_EVERY; whether it did."""
    if last_used_at is not None and now - last_used_at <= _TOUCH_EVERY:
        return False
    ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return True


def _own_copy(user: User) -> User:
    """A copy for one request (with its own copy of the union): what a request caches on its account
    or changes on it must not reach the process's next requests."""
    mine = copy.copy(user)
    org = mine._state.fields_cache.get("org")
    if org is not None:
        mine._state.fields_cache["org"] = copy.copy(org)
    return mine


def _token_lookup(digest: str, now: dt.datetime) -> tuple[User | None, ApiToken | None]:
    from gonghui.orgs.models import Org

    row = fastsql.fetchone(_token_sql(), [digest, connection.ops.adapt_datetimefield_value(now)])
    if row is None:
        return None, None
    t, u = len(_loader(ApiToken)[0]), len(_loader(User)[0])
    token = _from_row(ApiToken, row[:t])
    user = _from_row(User, row[t : t + u])
    org_values = row[t + u :]
    if org_values[0] is not None:
        User.org.field.set_cached_value(user, _from_row(Org, org_values))  # type: ignore[attr-defined]
    return user, token
