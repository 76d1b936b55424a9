import pytest
from django.test import override_settings

from gonghui.accounts.models import AuditLog, User
from gonghui.accounts.services import (
    LoginLocked,
    login_check,
    officer_create,
    officer_update,
    token_authenticate,
    token_issue,
)
from gonghui.core.errors import Conflict, Forbidden, InvalidInput
from tests.conftest import PASSWORD


def test_login_and_audit(tree):
    user = login_check(username="officer_a", password=PASSWORD, ip="127.0.0.1")
    assert user == tree.officer_a
    assert AuditLog.objects.filter(action="login", actor=user).count() == 1


@override_settings(GONGHUI_LOGIN_MAX_FAILURES=3)
def test_lockout_after_repeated_failures_even_with_right_password(tree):
    assert login_check(username="officer_a", password="wrong1") is None
    assert login_check(username="officer_a", password="wrong2") is None
    with pytest.raises(LoginLocked):
        login_check(username="officer_a", password="wrong3")
    with pytest.raises(LoginLocked):
        login_check(username="officer_a", password=PASSWORD)
    assert AuditLog.objects.filter(action="locked").count() == 1


def test_unknown_user_answers_like_bad_password(tree):
    assert login_check(username="nobody", password="x") is None


def test_admin_creates_officers_only_in_scope(tree):
    created = officer_create(
        actor=tree.city_admin, username="new1", password=PASSWORD, org=tree.union_b1, role="viewer"
    )
    assert created.org == tree.union_b1 and created.check_password(PASSWORD)
    with pytest.raises(Forbidden):
        officer_create(actor=tree.officer_a, username="new2", password=PASSWORD, org=tree.union_a1, role="viewer")
    with pytest.raises(Conflict):
        officer_create(actor=tree.city_admin, username="new1", password=PASSWORD, org=tree.union_b1, role="viewer")
    with pytest.raises(InvalidInput):
        officer_create(actor=tree.city_admin, username="new3", password="123", org=tree.union_b1, role="viewer")
    assert not User.objects.filter(username__in=["new2", "new3"]).exists()


def test_admin_of_district_cannot_touch_sibling_accounts(tree):
    district_admin = officer_create(
        actor=tree.superuser, username="adm_a", password=PASSWORD, org=tree.district_a, role="admin"
    )
    from gonghui.core.errors import NotFound

    with pytest.raises(NotFound):
        officer_update(actor=district_admin, user=tree.officer_b, data={"role": "viewer"})
    tree.officer_b.refresh_from_db()
    assert tree.officer_b.role == "officer"
    officer_update(actor=district_admin, user=tree.officer_a1, data={"role": "viewer"})
    tree.officer_a1.refresh_from_db()
    assert tree.officer_a1.role == "viewer"


def test_tokens_authenticate_until_user_deactivated(tree):
    raw = token_issue(user=tree.officer_a)
    assert raw.startswith("gh_")
    assert token_authenticate(raw) == tree.officer_a
    assert token_authenticate(raw + "x") is None
    officer_update(actor=tree.city_admin, user=tree.officer_a, data={"is_active": False})
    assert token_authenticate(raw) is None


def test_assistance_right_is_granted_by_an_admin_and_audited(tree, client):
    from gonghui.accounts.permissions import can_access_assistance, can_write_assistance, require_assistance

    helper = officer_create(
        actor=tree.city_admin,
        username="helper1",
        password=PASSWORD,
        org=tree.district_a,
        role="officer",
        assistance_access=True,
    )
    assert can_access_assistance(helper) and can_write_assistance(helper)
    assert not can_access_assistance(tree.officer_a)
    with pytest.raises(Forbidden):
        require_assistance(tree.officer_a)
    assert can_access_assistance(tree.superuser)
    # A viewer with the right may read hardship data but not change it.
    officer_update(actor=tree.city_admin, user=tree.viewer_a, data={"assistance_access": True})
    tree.viewer_a.refresh_from_db()
    assert can_access_assistance(tree.viewer_a) and not can_write_assistance(tree.viewer_a)
    assert AuditLog.objects.get(action="account_updated", target_id=str(tree.viewer_a.pk)).detail == {
        "assistance_access": [False, True]
    }
    # Nobody grants the right to themselves.
    with pytest.raises(Forbidden):
        officer_update(actor=tree.city_admin, user=tree.city_admin, data={"assistance_access": True})
    token = token_issue(user=helper)
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert me["can_access_assistance"] is True


def test_the_login_page_audits_the_address_nginx_saw(tree, client, settings):
    settings.GONGHUI_TRUSTED_PROXIES = 1
    response = client.post(
        "/accounts/login/",
        {"username": "officer_a", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9",
    )
    assert response.status_code == 302
    # officer_a must use two-factor sign-in: the password step is recorded, the sign-in is not (yet).
    assert AuditLog.objects.get(action="login_awaiting_2fa", actor=tree.officer_a).ip == "203.0.113.9"
    assert not AuditLog.objects.filter(action="login", actor=tree.officer_a).exists()
