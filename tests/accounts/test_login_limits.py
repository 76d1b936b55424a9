"""Sign-in limits: counted before the password is checked, alike for every name, with a way in by SMS."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings

from gonghui.accounts.models import AuditLog, LoginCode, User
from gonghui.accounts.services import LoginLocked, login_check, officer_code_login, officer_code_request, officer_update
from gonghui.core.errors import InvalidInput, Throttled
from tests.conftest import PASSWORD
from tests.twofactor import code_for, enrol


def _code(sms_outbox) -> str:
    return re.search(r"\d{6}", sms_outbox[-1].text).group()


def _post_login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR="10.1.1.1")


@override_settings(GONGHUI_LOGIN_MAX_FAILURES=3)
def test_known_and_unknown_names_get_the_same_answers(tree):
    known, unknown = Client(), Client()
    answers = []
    for _ in range(4):
        a, b = _post_login(known, "officer_a", "wrong-pass"), _post_login(unknown, "no_such_user", "wrong-pass")
        answers.append(
            (a.status_code, b.status_code, a.context["form"].non_field_errors(), b.context["form"].non_field_errors())
        )
    # Two plain refusals, then the lockout (the third failure and every later try), the same for both.
    for status_a, status_b, errors_a, errors_b in answers:
        assert status_a == status_b == 400
        assert errors_a == errors_b
    assert answers[0][2] == ["用户名或密码错误"]
    assert "账号已锁定至" in answers[2][2][0] and "短信验证码登录" in answers[2][2][0]
    assert answers[3][2] == answers[2][2]
    assert AuditLog.objects.filter(action="locked", actor=tree.officer_a, ip="10.1.1.1").count() == 1


@override_settings(GONGHUI_LOGIN_MAX_FAILURES=3)
def test_locked_tries_never_reach_the_password_check(tree):
    assert login_check(username="officer_a", password="wrong") is None
    assert login_check(username="officer_a", password="wrong") is None
    with pytest.raises(LoginLocked):
        login_check(username="officer_a", password="wrong")
    with pytest.raises(LoginLocked):
        login_check(username="officer_a", password=PASSWORD)
    # Three passwords were checked (three failures recorded), the fourth try was refused unchecked.
    assert AuditLog.objects.filter(action="login_failed", actor=tree.officer_a).count() == 3
    assert not AuditLog.objects.filter(action="login", actor=tree.officer_a).exists()


@override_settings(GONGHUI_LOGIN_MAX_PER_IP=2)
def test_one_address_is_limited_across_names_and_good_sign_ins_give_back_their_try(tree):
    assert login_check(username="officer_a", password=PASSWORD, ip="10.2.2.2") == tree.officer_a
    assert login_check(username="x1", password="wrong", ip="10.2.2.2") is None
    assert login_check(username="x2", password="wrong", ip="10.2.2.2") is None
    with pytest.raises(LoginLocked) as locked:
        login_check(username="officer_b", password=PASSWORD, ip="10.2.2.2")
    assert locked.value.by_network
    assert login_check(username="officer_b", password=PASSWORD, ip="10.3.3.3") == tree.officer_b


@override_settings(GONGHUI_LOGIN_MAX_FAILURES=2)
def test_an_admin_password_reset_unlocks(tree):
    login_check(username="officer_a", password="wrong")
    with pytest.raises(LoginLocked):
        login_check(username="officer_a", password="wrong")
    officer_update(actor=tree.superuser, user=tree.officer_a, data={"password": "Another-pass-2026"})
    assert login_check(username="officer_a", password="Another-pass-2026") == tree.officer_a


@override_settings(GONGHUI_LOGIN_MAX_FAILURES=2)
def test_a_locked_officer_signs_in_by_sms_code_and_the_lock_is_cleared(tree, sms_outbox):
    officer_update(actor=tree.superuser, user=tree.officer_a, data={"phone": "13811112222"})
    device, _codes = enrol(tree.officer_a)
    login_check(username="officer_a", password="wrong")
    with pytest.raises(LoginLocked):
        login_check(username="officer_a", password="wrong")

    client = Client()
    response = client.post("/accounts/login/code/", {"username": "officer_a", "action": "send_code"})
    assert response.status_code == 200 and response.context["sent"]
    assert len(sms_outbox) == 1 and sms_outbox[0].phone == "13811112222"
    response = client.post("/accounts/login/code/", {"username": "officer_a", "code": _code(sms_outbox)})
    # The texted code stands in for the password, not for the authenticator.
    assert response.status_code == 302 and response.url == "/accounts/login/verify/"
    assert client.get("/").status_code == 302  # not signed in yet
    response = client.post(response.url, {"code": code_for(device)})
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").context["user"] == tree.officer_a
    assert AuditLog.objects.filter(action="login", actor=tree.officer_a, detail__method="sms_code").count() == 1
    tree.officer_a.refresh_from_db()
    assert tree.officer_a.locked_until is None
    assert login_check(username="officer_a", password=PASSWORD) == tree.officer_a


def test_code_request_answers_alike_for_unknown_names_and_names_without_phone(tree, sms_outbox):
    for name in ("no_such_user", "officer_b"):  # officer_b has no phone
        response = Client().post("/accounts/login/code/", {"username": name, "action": "send_code"})
        assert response.status_code == 200 and response.context["sent"]
    assert sms_outbox == [] and LoginCode.objects.count() == 0


def test_sms_code_tries_are_limited_per_code(tree, sms_outbox):
    officer_update(actor=tree.superuser, user=tree.officer_a, data={"phone": "13811112222"})
    officer_code_request(username="officer_a")
    right = _code(sms_outbox)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(InvalidInput):
            officer_code_login(username="officer_a", code=wrong)
    with pytest.raises(InvalidInput) as exc:
        officer_code_login(username="officer_a", code=right)  # the code's five tries are spent
    assert exc.value.message == "用户名或验证码错误，或验证码已过期，请重新获取"
    assert LoginCode.objects.get().attempts == 5 and LoginCode.objects.get().used_at is None


def test_sms_codes_are_sent_at_most_once_a_minute_per_name(tree, sms_outbox):
    officer_update(actor=tree.superuser, user=tree.officer_a, data={"phone": "13811112222"})
    officer_code_request(username="officer_a", ip="10.0.0.9")
    with pytest.raises(Throttled) as exc:
        officer_code_request(username="officer_a", ip="10.0.0.9")
    assert exc.value.code == "code_cooldown"
    assert len(sms_outbox) == 1


def test_an_officer_phone_is_validated_and_its_change_audited_masked(tree):
    with pytest.raises(InvalidInput) as exc:
        officer_update(actor=tree.superuser, user=tree.officer_a, data={"phone": "12345"})
    assert "phone" in exc.value.fields
    assert User.objects.get(pk=tree.officer_a.pk).phone == ""
    officer_update(actor=tree.superuser, user=tree.officer_a, data={"phone": "13811112222"})
    changes = AuditLog.objects.filter(action="account_updated", target_id=str(tree.officer_a.pk)).latest("id").detail
    assert changes["phone"] == ["", "138****2222"]


@override_settings(GONGHUI_LOGIN_MAX_FAILURES=1)
def test_admins_see_lockouts_on_the_account_list_and_page(tree, client):
    with pytest.raises(LoginLocked):
        login_check(username="officer_a", password="wrong", ip="10.9.9.9")
    client.force_login(tree.city_admin)
    listing = client.get("/accounts/")
    row = next(a for a in listing.context["accounts"] if a.pk == tree.officer_a.pk)
    assert row.lockouts == 1
    assert "锁定 1 次" in listing.content.decode()
    page = client.get(f"/accounts/{tree.officer_a.pk}/edit/")
    assert [(e.ip, e.action) for e in page.context["lockouts"]] == [("10.9.9.9", "locked")]
