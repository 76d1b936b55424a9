"""Two-factor sign-in for officers (issue 15, part 7): TOTP after the password where required,
set-up with a QR code, throttled codes, single-use recovery codes, an admin's audited reset, and API
tokens only after the second factor."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.accounts.models import ApiToken, AuditLog, User
from gonghui.accounts.services import officer_create, officer_update, token_issue
from gonghui.accounts.twofactor import two_factor_required
from tests.conftest import PASSWORD
from tests.twofactor import code_for, enrol, sign_in

pytestmark = pytest.mark.django_db

ENROL, VERIFY = "/accounts/login/enrol/", "/accounts/login/verify/"


def password_step(client: Client, username: str):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def is_signed_in(client: Client) -> bool:
    return client.get("/accounts/me/").status_code == 200


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# ---- Who must use it ----------------------------------------------------------------------------


def test_required_for_admins_superusers_and_the_reveal_and_assistance_rights_only(tree):
    officer_update(actor=tree.superuser, user=tree.officer_b, data={"role": "viewer", "assistance_access": True})
    users = {u.username: User.objects.get(pk=u.pk) for u in (tree.superuser, tree.city_admin, tree.officer_a)}
    users["viewer_a"] = tree.viewer_a
    users["officer_b"] = User.objects.get(pk=tree.officer_b.pk)  # a viewer with the assistance right

    first_steps = {}
    for username in users:
        client = Client()
        response = password_step(client, username)
        first_steps[username] = (response["Location"], is_signed_in(client))

    assert first_steps == {
        "root": (ENROL, False),
        "city_admin": (ENROL, False),
        "officer_a": (ENROL, False),  # may reveal full ID numbers
        "viewer_a": ("/", True),
        "officer_b": (ENROL, False),
    }
    assert {name: two_factor_required(user) for name, user in users.items()} == {
        "root": True,
        "city_admin": True,
        "officer_a": True,
        "viewer_a": False,
        "officer_b": True,
    }


def test_the_rule_is_a_setting(tree, settings):
    settings.GONGHUI_2FA_REQUIRED_FOR = ["admin"]
    client = Client()
    assert password_step(client, "officer_a")["Location"] == "/"
    assert is_signed_in(client)
    assert password_step(Client(), "city_admin")["Location"] == ENROL


def test_enrolment_shows_a_qr_code_and_signs_in_with_the_first_code_and_recovery_codes(tree):
    client = Client()
    password_step(client, "officer_a")

    page = client.get(ENROL).content.decode()

    device = TOTPDevice.objects.get(user=tree.officer_a, confirmed=False)
    assert 'data-testid="totp-qr"' in page and "<svg" in page
    assert "otpauth" not in page  # the key is in the QR code and shown for typing, not as a link
    assert client.get(ENROL).content.decode().count('data-testid="totp-secret"') == 1
    assert TOTPDevice.objects.filter(user=tree.officer_a).count() == 1  # reloading keeps the same key
    refused = client.post(ENROL, {"code": wrong(code_for(device))})
    assert refused.status_code == 400 and "验证码不正确" in refused.content.decode()
    assert not is_signed_in(client)
    device.throttling_failure_timestamp = timezone.now() - dt.timedelta(minutes=1)  # the wait is over
    device.save(update_fields=["throttling_failure_timestamp"])

    done = client.post(ENROL, {"code": code_for(device)})

    assert done.status_code == 200
    assert done.content.decode().count("border rounded px-2 py-1") == 10
    assert is_signed_in(client)
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert StaticToken.objects.filter(device__user=tree.officer_a).count() == 10
    assert AuditLog.objects.filter(action="two_factor_enabled", actor=tree.officer_a).count() == 1


# ---- The code step ------------------------------------------------------------------------------


def test_a_wrong_code_is_refused_and_throttled_then_the_right_one_signs_in(tree):
    device, _codes = enrol(tree.city_admin)
    client = Client()
    assert password_step(client, "city_admin")["Location"] == VERIFY
    assert not is_signed_in(client)

    right = code_for(device)
    first = client.post(VERIFY, {"code": wrong(right)})
    assert first.status_code == 400 and "验证码不正确" in first.content.decode()
    throttled = client.post(VERIFY, {"code": right})  # at once after a failure: must wait

    assert throttled.status_code == 400 and "验证码错误次数过多，请 1 秒后再试" in throttled.content.decode()
    assert not is_signed_in(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert AuditLog.objects.filter(action="two_factor_failed", actor=tree.city_admin).count() == 1

    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=2)
    )
    response = client.post(VERIFY, {"code": right})
    assert response.status_code == 302 and response["Location"] == "/"
    assert is_signed_in(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def _sign_in_lines(user) -> list[tuple[str, dict]]:
    actions = ("login", "login_awaiting_2fa", "two_factor_failed")
    return [(log.action, log.detail) for log in AuditLog.objects.filter(actor=user, action__in=actions).order_by("id")]


def test_the_sign_in_is_audited_only_after_the_second_step(tree):
    device, _codes = enrol(tree.city_admin)
    client = Client()
    password_step(client, "city_admin")
    assert _sign_in_lines(tree.city_admin) == [("login_awaiting_2fa", {"method": "password"})]

    right = code_for(device)
    client.post(VERIFY, {"code": wrong(right)})
    assert not AuditLog.objects.filter(action="login", actor=tree.city_admin).exists()
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=2)
    )
    assert client.post(VERIFY, {"code": right}).status_code == 302

    assert [action for action, _detail in _sign_in_lines(tree.city_admin)] == [
        "login_awaiting_2fa",
        "two_factor_failed",
        "login",
    ]
    assert _sign_in_lines(tree.city_admin)[-1][1] == {"method": "password", "two_factor": "totp"}


def test_a_sign_in_abandoned_at_the_second_step_leaves_no_login_line(tree):
    enrol(tree.city_admin)
    password_step(Client(), "city_admin")
    fresh = Client()
    sign_in(fresh, "viewer_a", PASSWORD)  # no second step: one line at once

    assert _sign_in_lines(tree.city_admin) == [("login_awaiting_2fa", {"method": "password"})]
    assert _sign_in_lines(tree.viewer_a) == [("login", {"method": "password"})]


def test_setting_up_the_authenticator_at_sign_in_audits_the_sign_in_after_it(tree):
    client = Client()
    sign_in(client, "city_admin", PASSWORD)
    assert [action for action, _detail in _sign_in_lines(tree.city_admin)] == ["login_awaiting_2fa", "login"]


def test_a_code_is_accepted_once(tree):
    device, _codes = enrol(tree.city_admin)
    code = code_for(device)
    first, second = Client(), Client()
    password_step(first, "city_admin")
    password_step(second, "city_admin")

    assert first.post(VERIFY, {"code": code}).status_code == 302
    replay = second.post(VERIFY, {"code": code})

    assert replay.status_code == 400 and not is_signed_in(second)


def test_a_recovery_code_works_once(tree):
    _device, codes = enrol(tree.city_admin)
    client = Client()
    password_step(client, "city_admin")

    response = client.post(VERIFY, {"code": codes[3].upper()[:4] + "-" + codes[3][4:]})

    assert response.status_code == 302 and is_signed_in(client)
    assert StaticToken.objects.filter(device__user=tree.city_admin).count() == 9
    assert AuditLog.objects.get(action="two_factor_recovery_used", actor=tree.city_admin).detail == {"left": 9}
    again = Client()
    password_step(again, "city_admin")
    refused = again.post(VERIFY, {"code": codes[3]})
    assert refused.status_code == 400 and not is_signed_in(again)


def test_the_code_step_needs_the_password_step_first_and_expires(tree, settings):
    device, _codes = enrol(tree.city_admin)
    client = Client()
    assert client.post(VERIFY, {"code": code_for(device)})["Location"] == "/accounts/login/"
    password_step(client, "city_admin")
    session = client.session
    session["gonghui_2fa_pending"]["at"] -= settings.GONGHUI_2FA_PENDING_MINUTES * 60 + 1
    session.save()

    response = client.post(VERIFY, {"code": code_for(device)})

    assert response["Location"] == "/accounts/login/" and not is_signed_in(client)


def test_an_optional_second_factor_once_set_up_is_asked_for_and_can_be_turned_off(tree):
    enrol(tree.viewer_a)
    assert password_step(Client(), "viewer_a")["Location"] == VERIFY

    signed = Client()
    sign_in(signed, "viewer_a", PASSWORD)
    assert signed.post("/accounts/me/two-factor/disable/").status_code == 302

    assert TOTPDevice.objects.filter(user=tree.viewer_a).count() == 0
    assert password_step(Client(), "viewer_a")["Location"] == "/"


def test_a_required_second_factor_cannot_be_turned_off(tree):
    enrol(tree.city_admin)
    client = Client()
    sign_in(client, "city_admin", PASSWORD)

    client.post("/accounts/me/two-factor/disable/")

    assert TOTPDevice.objects.filter(user=tree.city_admin, confirmed=True).count() == 1


def test_new_recovery_codes_replace_the_old_ones(tree):
    _device, old = enrol(tree.city_admin)
    client = Client()
    sign_in(client, "city_admin", PASSWORD)

    response = client.post("/accounts/me/two-factor/recovery-codes/")

    new = set(StaticToken.objects.filter(device__user=tree.city_admin).values_list("token", flat=True))
    assert response.status_code == 200 and len(new) == 10 and not new & set(old)
    assert all(code in response.content.decode() for code in new)


# ---- An admin's reset ---------------------------------------------------------------------------


def test_an_admin_resets_an_officers_second_factor_audited_and_signed_out(tree):
    enrol(tree.officer_a)
    officer = Client()
    sign_in(officer, "officer_a", PASSWORD)
    raw = token_issue(user=tree.officer_a)
    admin = Client()
    admin.force_login(tree.city_admin)

    response = admin.post(f"/accounts/{tree.officer_a.pk}/two-factor/reset/")

    assert response.status_code == 302 and response["Location"] == f"/accounts/{tree.officer_a.pk}/edit/"
    assert TOTPDevice.objects.filter(user=tree.officer_a).count() == 0
    assert StaticToken.objects.filter(device__user=tree.officer_a).count() == 0
    log = AuditLog.objects.get(action="two_factor_reset")
    assert (log.actor, log.target_id, log.org, log.detail) == (
        tree.city_admin,
        str(tree.officer_a.pk),
        tree.district_a,
        {"via": "page"},
    )
    assert not is_signed_in(officer)
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert password_step(Client(), "officer_a")["Location"] == ENROL


def test_a_reset_out_of_scope_or_by_a_non_admin_changes_nothing(tree):
    enrol(tree.officer_b)
    enrol(tree.city_admin)
    outsider = Client()
    outsider.force_login(tree.officer_a1)  # an officer, not an admin
    assert outsider.post(f"/accounts/{tree.officer_b.pk}/two-factor/reset/").status_code == 403
    district_admin = officer_create(
        actor=tree.superuser, username="district_admin", password=PASSWORD, org=tree.district_a, role="admin"
    )
    admin_a = Client()
    admin_a.force_login(district_admin)

    assert admin_a.post(f"/accounts/{tree.officer_b.pk}/two-factor/reset/").status_code == 404  # 乙区
    own = Client()
    own.force_login(tree.city_admin)
    own.post(f"/accounts/{tree.city_admin.pk}/two-factor/reset/")

    assert TOTPDevice.objects.filter(user__in=[tree.officer_b, tree.city_admin]).count() == 2
    assert not AuditLog.objects.filter(action="two_factor_reset").exists()


def test_the_command_line_resets_a_second_factor(tree):
    enrol(tree.city_admin)
    out = StringIO()

    call_command("reset_2fa", "city_admin", stdout=out)

    assert "已重置账号 city_admin 的两步验证" in out.getvalue()
    assert TOTPDevice.objects.filter(user=tree.city_admin).count() == 0
    log = AuditLog.objects.get(action="two_factor_reset")
    assert (log.actor, log.target_id, log.detail) == (None, str(tree.city_admin.pk), {"via": "command_line"})


# ---- API tokens only after the second factor ------------------------------------------------------


def test_an_api_token_is_issued_only_from_a_session_that_passed_the_second_factor(tree):
    enrol(tree.officer_a)
    skipped = Client()
    skipped.force_login(tree.officer_a)  # a session that did not pass the code step

    refused = skipped.post("/accounts/me/tokens/", {"name": "脚本"}, follow=True)

    assert "签发 API 令牌前须完成两步验证" in refused.content.decode()
    assert ApiToken.objects.count() == 0
    verified = Client()
    sign_in(verified, "officer_a", PASSWORD)
    issued = verified.post("/accounts/me/tokens/", {"name": "脚本"}).content.decode()
    token = ApiToken.objects.get(user=tree.officer_a)
    assert token.name == "脚本" and token.prefix in issued
    assert AuditLog.objects.filter(action="token_issued", actor=tree.officer_a).count() == 1


def test_an_account_without_a_required_second_factor_gets_a_token_from_its_page(tree):
    client = Client()
    client.force_login(tree.viewer_a)

    page = client.post("/accounts/me/tokens/", {"name": "报表"}).content.decode()

    token = ApiToken.objects.get(user=tree.viewer_a)
    assert 'data-testid="new-token"' in page and token.prefix in page
