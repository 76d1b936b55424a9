"""API tokens and sessions end with the access they were granted for (issue 15, finding 5).

Every password change or reset, deactivation, role, union or rights change revokes the account's
API tokens and signs its other sessions out at once; the session that made its own change stays.
Tokens expire, and their holders see when each was last used.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from gonghui.accounts import services as accounts
from gonghui.accounts.models import ApiToken, AuditLog, User
from gonghui.accounts.services import officer_update, token_authenticate, token_issue
from gonghui.core.localcache import LocalMirror
from gonghui.portal.services import code_request, worker_reset_password, worker_token_issue
from tests.conftest import PASSWORD, make_worker

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Xin-mima-2026"
UNAUTHENTICATED = {"error": {"code": "unauthenticated", "message": "请先登录或提供有效的 API 令牌", "fields": {}}}


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def me_status(raw: str) -> int:
    return Client().get("/api/v1/me", **bearer(raw)).status_code


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def officer_page(client: Client) -> int:
    return client.get("/accounts/me/").status_code


# ---- Officers -----------------------------------------------------------------------------------


def test_an_admins_password_reset_ends_the_officers_tokens_and_sessions_not_the_admins(tree):
    raw = token_issue(user=tree.officer_a)
    assert me_status(raw) == 200  # now cached in this process
    officer, admin = signed_in(tree.officer_a), signed_in(tree.superuser)
    assert officer_page(officer) == 200

    response = admin.post(
        f"/accounts/{tree.officer_a.pk}/edit/",
        {"display_name": "", "org": tree.district_a.pk, "role": "officer", "is_active": "on", "password": NEW_PASSWORD},
    )

    assert response.status_code == 302
    response = Client().get("/api/v1/me", **bearer(raw))
    assert response.status_code == 401 and response.json() == UNAUTHENTICATED
    assert officer_page(officer) == 302  # signed out
    assert officer_page(admin) == 200
    assert ApiToken.objects.get(digest=ApiToken.digest_of(raw)).revoked_at is not None


@pytest.mark.parametrize(
    "change",
    [
        {"is_active": False},
        {"role": "viewer"},
        {"org": "street_a"},
        {"assistance_access": True},
        {"password": NEW_PASSWORD},
    ],
    ids=["deactivated", "role", "union", "assistance-right", "password"],
)
def test_an_access_change_ends_every_token_and_session_of_the_account(tree, change):
    if "org" in change:
        change = {"org": getattr(tree, change["org"])}
    tokens = [token_issue(user=tree.officer_a), token_issue(user=tree.officer_a)]
    other = token_issue(user=tree.officer_b)
    assert [me_status(raw) for raw in tokens] == [200, 200]
    phone, laptop = signed_in(tree.officer_a), signed_in(tree.officer_a)

    officer_update(actor=tree.superuser, user=tree.officer_a, data=change)

    assert [me_status(raw) for raw in tokens] == [401, 401]
    assert officer_page(phone) == officer_page(laptop) == 302
    assert me_status(other) == 200  # nobody else's
    if "is_active" not in change:  # signs in again with the new state
        fresh = signed_in(User.objects.get(pk=tree.officer_a.pk))
        assert officer_page(fresh) == 200


def test_a_change_of_name_only_keeps_tokens_and_sessions(tree):
    raw = token_issue(user=tree.officer_a)
    session = signed_in(tree.officer_a)

    officer_update(actor=tree.superuser, user=tree.officer_a, data={"display_name": "王主任"})

    assert me_status(raw) == 200 and officer_page(session) == 200
    assert Client().get("/api/v1/me", **bearer(raw)).json()["display_name"] == "王主任"


def test_an_officer_changing_their_own_password_keeps_this_session_only(tree):
    raw = token_issue(user=tree.officer_a)
    assert me_status(raw) == 200
    here, elsewhere = signed_in(tree.officer_a), signed_in(tree.officer_a)

    response = here.post(
        "/accounts/me/password/",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/me/"
    assert officer_page(here) == 200
    assert officer_page(elsewhere) == 302
    assert me_status(raw) == 401
    user = User.objects.get(pk=tree.officer_a.pk)
    assert user.check_password(NEW_PASSWORD)
    assert AuditLog.objects.filter(action="password_changed", actor=user).count() == 1


def test_a_wrong_old_password_changes_nothing(tree):
    raw = token_issue(user=tree.officer_a)
    here, elsewhere = signed_in(tree.officer_a), signed_in(tree.officer_a)

    response = here.post(
        "/accounts/me/password/",
        {"old_password": "not-it-2026", "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 400 and "原密码不正确" in response.content.decode()
    assert officer_page(here) == officer_page(elsewhere) == 200
    assert me_status(raw) == 200
    assert User.objects.get(pk=tree.officer_a.pk).check_password(PASSWORD)


# ---- Workers ------------------------------------------------------------------------------------


def worker_page(client: Client) -> int:
    return client.get("/m/profile/").status_code


def test_a_worker_changing_their_password_on_the_portal_ends_tokens_and_other_sessions(db):
    worker = make_worker()
    raw = worker_token_issue(worker=worker)
    assert me_status(raw) == 200
    here, elsewhere = signed_in(worker.user), signed_in(worker.user)

    response = here.post(
        "/m/profile/password/",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert worker_page(here) == 200
    assert worker_page(elsewhere) == 302
    assert me_status(raw) == 401


def test_a_worker_resetting_their_password_by_sms_ends_tokens_and_sessions(db, sms_outbox):
    worker = make_worker()
    raw = worker_token_issue(worker=worker)
    assert me_status(raw) == 200
    session = signed_in(worker.user)

    code_request(phone=worker.phone, purpose="reset_password")
    code = re.search(r"验证码(\d{6})", sms_outbox[-1].text).group(1)
    worker_reset_password(phone=worker.phone, code=code, new_password=NEW_PASSWORD)

    assert me_status(raw) == 401
    assert worker_page(session) == 302


# ---- In every process ---------------------------------------------------------------------------

REDIS_URL = os.environ.get("GONGHUI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _until(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_a_password_reset_in_one_process_ends_the_token_in_another_at_once(tree, monkeypatch):
    """Two processes' own token copies on one revocation channel (core.localcache over Redis)."""
    channel = "test:forget:token:" + uuid.uuid4().hex
    here, elsewhere = (LocalMirror(channel, ttl=30, redis_url=REDIS_URL) for _ in range(2))
    try:
        for mirror in (here, elsewhere):
            mirror.generation  # noqa: B018 - starts its listener
            assert _until(mirror._serving), "the listener never subscribed"
        raw = token_issue(user=tree.officer_a)
        key = "gonghui:token:" + ApiToken.digest_of(raw)
        monkeypatch.setattr(accounts, "_TOKENS", elsewhere)
        assert token_authenticate(raw) == tree.officer_a
        assert elsewhere.get(key) is not None  # the other process answers from its own copy

        monkeypatch.setattr(accounts, "_TOKENS", here)  # this process resets the password
        officer_update(actor=tree.superuser, user=tree.officer_a, data={"password": NEW_PASSWORD})

        monkeypatch.setattr(accounts, "_TOKENS", elsewhere)
        assert _until(lambda: elsewhere.get(key) is None, seconds=2)
        assert token_authenticate(raw) is None
    finally:
        here.stop()
        elsewhere.stop()


# ---- Expiry and last use ------------------------------------------------------------------------


def test_tokens_expire_after_the_configured_days(tree, settings):
    settings.GONGHUI_API_TOKEN_TTL_DAYS = 7
    before = timezone.now()
    raw = token_issue(user=tree.officer_a)
    token = ApiToken.objects.get(digest=ApiToken.digest_of(raw))
    assert before + dt.timedelta(days=7) <= token.expires_at <= timezone.now() + dt.timedelta(days=7)
    assert me_status(raw) == 200

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    accounts.token_cache_forget(token.digest)
    response = Client().get("/api/v1/me", **bearer(raw))

    assert response.status_code == 401 and response.json() == UNAUTHENTICATED


def test_a_cached_token_stops_at_its_expiry(tree, monkeypatch):
    raw = token_issue(user=tree.officer_a)
    assert token_authenticate(raw) == tree.officer_a  # cached here and in the shared cache
    expires_at = ApiToken.objects.get(digest=ApiToken.digest_of(raw)).expires_at
    assert expires_at - timezone.now() > dt.timedelta(days=89)
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(days=90, seconds=1))

    assert token_authenticate(raw) is None


def test_the_account_page_lists_tokens_with_last_use_and_expiry_and_revokes_one(tree):
    used, unused = token_issue(user=tree.officer_a, name="报表脚本"), token_issue(user=tree.officer_a, name="备用")
    theirs = token_issue(user=tree.officer_b)
    assert me_status(used) == 200
    page = signed_in(tree.officer_a)

    body = page.get("/accounts/me/").content.decode()

    rows = re.findall(r'<tr data-testid="token-row">(.*?)</tr>', body, re.S)
    assert len(rows) == 2
    last_used = timezone.localtime(ApiToken.objects.get(digest=ApiToken.digest_of(used)).last_used_at)
    expires = timezone.localtime(ApiToken.objects.get(digest=ApiToken.digest_of(used)).expires_at)
    assert "备用" in rows[0] and "未使用" in rows[0]
    assert "报表脚本" in rows[1] and last_used.strftime("%Y-%m-%d %H:%M") in rows[1]
    assert expires.strftime("%Y-%m-%d") in rows[1]

    mine = ApiToken.objects.get(digest=ApiToken.digest_of(used))
    assert page.post(f"/accounts/me/tokens/{mine.pk}/revoke/").status_code == 302
    assert me_status(used) == 401 and me_status(unused) == 200
    other = ApiToken.objects.get(digest=ApiToken.digest_of(theirs))
    assert page.post(f"/accounts/me/tokens/{other.pk}/revoke/").status_code == 404
    assert me_status(theirs) == 200
    assert AuditLog.objects.filter(action="token_revoked", actor=tree.officer_a).count() == 1


def test_the_portal_profile_lists_the_workers_tokens_and_signs_an_app_out(db):
    worker = make_worker()
    raw = worker_token_issue(worker=worker)
    assert me_status(raw) == 200
    other = worker_token_issue(worker=make_worker("13912345679"))
    page = signed_in(worker.user)

    body = page.get("/m/profile/").content.decode()

    token = ApiToken.objects.get(digest=ApiToken.digest_of(raw))
    assert body.count('data-testid="token-row"') == 1
    assert timezone.localtime(token.last_used_at).strftime("%Y-%m-%d %H:%M") in body
    assert timezone.localtime(token.expires_at).strftime("%Y-%m-%d") in body
    assert page.post(f"/m/profile/tokens/{token.pk}/revoke/").status_code == 302
    assert me_status(raw) == 401
    theirs = ApiToken.objects.get(digest=ApiToken.digest_of(other))
    assert page.post(f"/m/profile/tokens/{theirs.pk}/revoke/").status_code == 404
    assert me_status(other) == 200


def test_a_password_set_in_the_django_admin_ends_tokens_and_sessions_too(tree):
    raw = token_issue(user=tree.officer_a)
    assert me_status(raw) == 200
    officer, root = signed_in(tree.officer_a), signed_in(tree.superuser)

    response = root.post(
        f"/admin/accounts/user/{tree.officer_a.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    assert User.objects.get(pk=tree.officer_a.pk).check_password(NEW_PASSWORD)
    assert me_status(raw) == 401
    assert officer_page(officer) == 302 and officer_page(root) == 200
