"""Workers' accounts through the services: codes and their limits, registration, login, reset."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import override_settings
from django.utils import timezone

from gonghui.accounts.models import ApiToken, AuditLog, User
from gonghui.accounts.services import officer_create
from gonghui.core.errors import Conflict, InvalidInput
from gonghui.portal.models import PhoneCode, WorkerAccount
from gonghui.portal.services import (
    BadCredentials,
    Throttled,
    code_request,
    worker_login_check,
    worker_register,
    worker_reset_password,
    worker_token_issue,
)
from tests.conftest import PASSWORD, make_worker

PHONE = "13912340001"
NEW_PASSWORD = "Gongren-2026-pass"


def last_code(outbox, phone: str = PHONE) -> str:
    text = [m.text for m in outbox if m.phone == phone][-1]
    found = re.search(r"验证码(\d{6})", text)
    assert found, text
    return found.group(1)


def register(outbox, phone: str = PHONE, *, now=None) -> WorkerAccount:
    code_request(phone=phone, purpose="register", now=now)
    return worker_register(phone=phone, code=last_code(outbox, phone), password=PASSWORD, now=now)


# --- codes ------------------------------------------------------------------------------------


def test_code_is_sent_by_sms_and_only_its_hash_is_kept(db, sms_outbox):
    code_request(phone="+86 139-1234-0001", purpose="register", ip="10.0.0.1")

    assert len(sms_outbox) == 1 and sms_outbox[0].phone == PHONE
    code = last_code(sms_outbox)
    row = PhoneCode.objects.get()
    assert row.phone == PHONE and row.purpose == "register" and row.ip == "10.0.0.1"
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == dt.timedelta(minutes=10)
    assert "10分钟内有效" in sms_outbox[0].text


def test_code_request_rejects_bad_phone_and_purpose(db, sms_outbox):
    with pytest.raises(InvalidInput) as exc:
        code_request(phone="12345", purpose="register")
    assert exc.value.fields["phone"]
    with pytest.raises(InvalidInput):
        code_request(phone=PHONE, purpose="bogus")
    assert PhoneCode.objects.count() == 0 and sms_outbox == []


def test_resend_cooldown_is_60_seconds_per_phone_and_purpose(db, sms_outbox):
    now = timezone.now()
    code_request(phone=PHONE, purpose="register", now=now)
    with pytest.raises(Throttled) as exc:
        code_request(phone=PHONE, purpose="register", now=now + dt.timedelta(seconds=30))
    assert exc.value.status == 429 and exc.value.code == "code_cooldown"
    assert "31 秒后" in exc.value.message
    # Another purpose is not held back; after 60 s the same purpose works again.
    code_request(phone=PHONE, purpose="login", now=now + dt.timedelta(seconds=30))
    code_request(phone=PHONE, purpose="register", now=now + dt.timedelta(seconds=61))
    assert PhoneCode.objects.count() == 3


def test_at_most_five_codes_per_phone_per_hour(db, sms_outbox):
    start = timezone.now()
    for i in range(5):
        code_request(phone=PHONE, purpose="register", now=start + dt.timedelta(minutes=2 * i))
    with pytest.raises(Throttled) as exc:
        code_request(phone=PHONE, purpose="register", now=start + dt.timedelta(minutes=11))
    assert exc.value.code == "code_phone_hourly"
    retry = timezone.localtime(start + dt.timedelta(hours=1)).strftime("%H:%M")
    assert retry in exc.value.message
    assert PhoneCode.objects.count() == 5
    code_request(phone=PHONE, purpose="register", now=start + dt.timedelta(minutes=61))


def test_at_most_ten_codes_per_phone_per_day(db, sms_outbox):
    start = timezone.now()
    for i in range(10):
        code_request(phone=PHONE, purpose="register", now=start + dt.timedelta(minutes=13 * i))
    with pytest.raises(Throttled) as exc:
        code_request(phone=PHONE, purpose="register", now=start + dt.timedelta(hours=5))
    assert exc.value.code == "code_phone_daily"
    code_request(phone=PHONE, purpose="register", now=start + dt.timedelta(days=1, seconds=1))


def test_at_most_twenty_codes_per_ip_per_hour(db, sms_outbox):
    now = timezone.now()
    for i in range(20):
        code_request(phone=f"1391234{i:04d}", purpose="register", ip="10.9.9.9", now=now)
    with pytest.raises(Throttled) as exc:
        code_request(phone="13700000000", purpose="register", ip="10.9.9.9", now=now)
    assert exc.value.code == "code_ip_hourly"
    code_request(phone="13700000000", purpose="register", ip="10.9.9.8", now=now)


@override_settings(GONGHUI_SMS_CODE_PER_PHONE_HOUR=2)
def test_limits_come_from_settings(db, sms_outbox):
    now = timezone.now()
    code_request(phone=PHONE, purpose="register", now=now)
    code_request(phone=PHONE, purpose="login", now=now)
    with pytest.raises(Throttled):
        code_request(phone=PHONE, purpose="reset_password", now=now)


def test_register_code_for_a_registered_phone_answers_the_same_but_texts_a_notice(db, sms_outbox):
    make_worker(PHONE)

    code_request(phone=PHONE, purpose="register")  # no error: nothing tells the caller

    assert "已注册职工账号" in sms_outbox[-1].text
    assert not re.search(r"\d{6}", sms_outbox[-1].text)
    assert PhoneCode.objects.count() == 1  # still counted by the limits


def test_login_code_for_an_unknown_phone_sends_no_code(db, sms_outbox):
    code_request(phone=PHONE, purpose="login")
    assert "尚未注册" in sms_outbox[-1].text
    with pytest.raises(InvalidInput):
        worker_login_check(phone=PHONE, code="000000")


# --- registration -----------------------------------------------------------------------------


def test_register_creates_a_user_and_a_worker_account(db, sms_outbox):
    worker = register(sms_outbox)

    assert worker.phone == PHONE and worker.phone_verified_at is not None
    assert not worker.is_verified
    user = worker.user
    assert PHONE not in user.username and user.username.startswith("w_")
    assert user.check_password(PASSWORD)
    assert not user.is_officer and not user.is_staff and not user.is_superuser
    assert AuditLog.objects.filter(actor=user, action="worker_registered").exists()
    assert PhoneCode.objects.get().used_at is not None


def test_a_code_works_once(db, sms_outbox):
    code_request(phone=PHONE, purpose="register")
    code = last_code(sms_outbox)
    worker_register(phone=PHONE, code=code, password=PASSWORD)
    with pytest.raises(InvalidInput) as exc:
        worker_register(phone=PHONE, code=code, password=PASSWORD)
    assert exc.value.code == "code_invalid"
    assert WorkerAccount.objects.count() == 1


def test_expired_code_is_refused(db, sms_outbox):
    start = timezone.now()
    code_request(phone=PHONE, purpose="register", now=start)
    with pytest.raises(InvalidInput) as exc:
        worker_register(
            phone=PHONE, code=last_code(sms_outbox), password=PASSWORD, now=start + dt.timedelta(minutes=10, seconds=1)
        )
    assert exc.value.code == "code_invalid"
    assert WorkerAccount.objects.count() == 0
    # Within the ten minutes it works.
    worker_register(phone=PHONE, code=last_code(sms_outbox), password=PASSWORD, now=start + dt.timedelta(minutes=9))


def test_five_wrong_codes_kill_the_code(db, sms_outbox):
    code_request(phone=PHONE, purpose="register")
    code = last_code(sms_outbox)
    wrong = "000000" if code != "000000" else "111111"
    messages = []
    for _ in range(5):
        with pytest.raises(InvalidInput) as exc:
            worker_register(phone=PHONE, code=wrong, password=PASSWORD)
        messages.append(exc.value.message)
    assert messages[0] == "验证码错误，还可尝试4次"
    assert messages[-1] == "验证码错误次数过多，已失效，请重新获取"
    assert PhoneCode.objects.get().attempts == 5
    with pytest.raises(InvalidInput) as exc:
        worker_register(phone=PHONE, code=code, password=PASSWORD)  # the right code is dead too
    assert exc.value.code == "code_invalid"
    assert WorkerAccount.objects.count() == 0


def test_only_the_latest_code_counts(db, sms_outbox):
    now = timezone.now()
    code_request(phone=PHONE, purpose="register", now=now)
    first = last_code(sms_outbox)
    code_request(phone=PHONE, purpose="register", now=now + dt.timedelta(seconds=61))
    second = last_code(sms_outbox)
    if first != second:
        with pytest.raises(InvalidInput):
            worker_register(phone=PHONE, code=first, password=PASSWORD, now=now + dt.timedelta(seconds=62))
    worker_register(phone=PHONE, code=second, password=PASSWORD, now=now + dt.timedelta(seconds=62))


def test_a_code_of_another_purpose_does_not_register(db, sms_outbox):
    code_request(phone=PHONE, purpose="login")
    with pytest.raises(InvalidInput):
        worker_register(phone=PHONE, code="123456", password=PASSWORD)


def test_weak_password_is_refused_before_the_code_is_used(db, sms_outbox):
    code_request(phone=PHONE, purpose="register")
    code = last_code(sms_outbox)
    with pytest.raises(InvalidInput) as exc:
        worker_register(phone=PHONE, code=code, password="12345678")
    assert exc.value.fields["password"]
    assert PhoneCode.objects.get().used_at is None
    worker_register(phone=PHONE, code=code, password=PASSWORD)


def test_register_twice_is_a_conflict_only_when_a_code_was_really_sent(db, sms_outbox):
    code_request(phone=PHONE, purpose="register")
    code = last_code(sms_outbox)
    make_worker(PHONE)  # someone registered in between
    with pytest.raises(Conflict):
        worker_register(phone=PHONE, code=code, password=PASSWORD)
    assert WorkerAccount.objects.count() == 1


# --- login ------------------------------------------------------------------------------------


def test_login_with_password(db, sms_outbox):
    worker = register(sms_outbox)
    assert worker_login_check(phone=PHONE, password=PASSWORD, ip="10.0.0.2") == worker.user
    assert AuditLog.objects.filter(actor=worker.user, action="login", ip="10.0.0.2").exists()


def test_login_refuses_wrong_password_and_unknown_phone_alike(db, sms_outbox):
    register(sms_outbox)
    with pytest.raises(BadCredentials) as wrong:
        worker_login_check(phone=PHONE, password="nope-nope-nope")
    with pytest.raises(BadCredentials) as unknown:
        worker_login_check(phone="13700000001", password=PASSWORD)
    with pytest.raises(BadCredentials) as malformed:
        worker_login_check(phone="abc", password=PASSWORD)
    assert wrong.value.message == unknown.value.message == malformed.value.message == "手机号或密码错误"
    assert wrong.value.status == 401


def test_officer_cannot_sign_in_as_a_worker(tree):
    """Only workers' phones are looked up: an officer whose username is a phone number is not a worker."""
    officer_create(actor=tree.superuser, username="13911112222", password=PASSWORD, org=tree.union_a1, role="officer")
    with pytest.raises(BadCredentials):
        worker_login_check(phone="13911112222", password=PASSWORD)


def test_login_with_sms_code(db, sms_outbox):
    worker = register(sms_outbox)
    code_request(phone=PHONE, purpose="login")
    user = worker_login_check(phone=PHONE, code=last_code(sms_outbox))
    assert user == worker.user
    assert AuditLog.objects.filter(actor=user, action="login", detail__method="sms_code").exists()


def test_login_needs_a_password_or_a_code(db, sms_outbox):
    register(sms_outbox)
    with pytest.raises(InvalidInput):
        worker_login_check(phone=PHONE)


@override_settings(GONGHUI_LOGIN_MAX_FAILURES=3)
def test_repeated_failures_lock_the_account_for_password_and_code(db, sms_outbox):
    worker = register(sms_outbox)
    for _ in range(2):
        with pytest.raises(BadCredentials):
            worker_login_check(phone=PHONE, password="wrong-wrong-1")
    with pytest.raises(Throttled) as locked:
        worker_login_check(phone=PHONE, password="wrong-wrong-1")
    assert locked.value.code == "locked" and "锁定" in locked.value.message
    with pytest.raises(Throttled):
        worker_login_check(phone=PHONE, password=PASSWORD)  # even the right password
    code_request(phone=PHONE, purpose="login")
    with pytest.raises(Throttled):
        worker_login_check(phone=PHONE, code=last_code(sms_outbox))
    worker.user.refresh_from_db()
    assert worker.user.locked_until is not None
    assert AuditLog.objects.filter(actor=worker.user, action="locked").count() == 1


@override_settings(GONGHUI_LOGIN_MAX_FAILURES=3)
def test_wrong_login_codes_count_toward_the_lockout(db, sms_outbox):
    worker = register(sms_outbox)
    code_request(phone=PHONE, purpose="login")
    right = last_code(sms_outbox)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(2):
        with pytest.raises(InvalidInput):
            worker_login_check(phone=PHONE, code=wrong)
    with pytest.raises(Throttled) as locked:
        worker_login_check(phone=PHONE, code=wrong)
    assert locked.value.code == "locked"
    with pytest.raises(Throttled):
        worker_login_check(phone=PHONE, password=PASSWORD)
    worker.user.refresh_from_db()
    assert worker.user.locked_until is not None
    failures = AuditLog.objects.filter(actor=worker.user, action="login_failed", detail__method="sms_code")
    assert failures.count() == 3


# --- reset ------------------------------------------------------------------------------------


def test_reset_password_sets_it_unlocks_and_revokes_tokens(db, sms_outbox):
    worker = register(sms_outbox)
    token = worker_token_issue(worker=worker)
    User.objects.filter(pk=worker.user_id).update(locked_until=timezone.now() + dt.timedelta(minutes=10))
    code_request(phone=PHONE, purpose="reset_password")

    worker_reset_password(phone=PHONE, code=last_code(sms_outbox), new_password=NEW_PASSWORD)

    assert worker_login_check(phone=PHONE, password=NEW_PASSWORD) == worker.user
    with pytest.raises(BadCredentials):
        worker_login_check(phone=PHONE, password=PASSWORD)
    assert ApiToken.objects.get(digest=ApiToken.digest_of(token)).revoked_at is not None
    assert AuditLog.objects.filter(actor=worker.user, action="worker_password_reset").exists()


def test_reset_with_wrong_code_changes_nothing(db, sms_outbox):
    worker = register(sms_outbox)
    code_request(phone=PHONE, purpose="reset_password")
    code = last_code(sms_outbox)
    with pytest.raises(InvalidInput):
        worker_reset_password(phone=PHONE, code="999999" if code != "999999" else "888888", new_password=NEW_PASSWORD)
    worker.user.refresh_from_db()
    assert worker.user.check_password(PASSWORD)


def test_reset_for_unknown_phone_never_succeeds(db, sms_outbox):
    code_request(phone=PHONE, purpose="reset_password")
    assert "尚未注册" in sms_outbox[-1].text
    with pytest.raises(InvalidInput):
        worker_reset_password(phone=PHONE, code="123456", new_password=NEW_PASSWORD)


def test_periodic_purge_forgets_old_codes_only(db, sms_outbox):
    from gonghui.jobs.periodic import load_tasks
    from gonghui.portal.models import BindingAttempt
    from gonghui.portal.services import purge_expired_records

    worker = make_worker(PHONE)
    now = timezone.now()
    code_request(phone=PHONE, purpose="login", now=now - dt.timedelta(days=3))
    code_request(phone=PHONE, purpose="login", now=now - dt.timedelta(hours=20))
    BindingAttempt.objects.create(worker=worker, reason="name_mismatch", created_at=now - dt.timedelta(days=3))
    BindingAttempt.objects.create(worker=worker, reason="name_mismatch", created_at=now)
    from gonghui.core.models import RateCounter

    RateCounter.objects.create(key="ended", hits=3, expires_ms=0)
    RateCounter.objects.create(key="running", hits=3, expires_ms=int(now.timestamp() * 1000) + 60_000)

    assert purge_expired_records(now=now) == 3
    assert PhoneCode.objects.count() == 1 and BindingAttempt.objects.count() == 1
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["running"]
    assert load_tasks()["portal.purge_codes"].fn() == 0  # idempotent


def test_weak_new_password_on_reset_names_the_field(db, sms_outbox):
    register(sms_outbox)
    code_request(phone=PHONE, purpose="reset_password")
    with pytest.raises(InvalidInput) as exc:
        worker_reset_password(phone=PHONE, code=last_code(sms_outbox), new_password="12345678")
    assert list(exc.value.fields) == ["new_password"]
