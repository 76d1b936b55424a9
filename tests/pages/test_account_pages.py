"""Account pages: admins manage officer accounts in their subtree; nobody else gets in."""

from __future__ import annotations

import pytest

from gonghui.accounts.models import AuditLog, User
from gonghui.accounts.services import officer_create
from tests.conftest import PASSWORD
from tests.pages.conftest import text

NEW_PASSWORD = "Another-pass-2026"


@pytest.fixture
def admin_a(tree):
    """An admin of district A (朝阳区)."""
    return officer_create(
        actor=tree.superuser, username="admin_a", password=PASSWORD, org=tree.district_a, role="admin"
    )


def test_admin_lists_accounts_in_scope_only(login, tree, admin_a):
    response = login(admin_a).get("/accounts/")

    body = text(response)
    assert response.status_code == 200
    assert "<title>账号管理 · 工会网上工作平台</title>" in body
    assert [a.username for a in response.context["accounts"]] == ["admin_a", "officer_a", "viewer_a", "officer_a1"]
    assert "officer_b" not in body and "city_admin" not in body
    assert "工作人员" in body and "只读" in body and "管理员" in body


@pytest.mark.parametrize("who", ["officer_a", "viewer_a"])
def test_non_admins_are_refused(login, tree, who):
    client = login(getattr(tree, who))

    responses = [
        client.get("/accounts/"),
        client.get("/accounts/new/"),
        client.post(
            "/accounts/new/", {"username": "x1", "password": NEW_PASSWORD, "org": tree.union_a1.pk, "role": "officer"}
        ),
        client.post(
            f"/accounts/{tree.officer_a1.pk}/edit/", {"role": "admin", "org": tree.union_a1.pk, "is_active": "on"}
        ),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert "只有管理员可以管理账号" in text(responses[0])
    assert not User.objects.filter(username="x1").exists()
    assert User.objects.get(pk=tree.officer_a1.pk).role == "officer"


def test_nav_shows_accounts_only_to_admins(login, tree, admin_a):
    assert 'href="/accounts/"' in text(login(admin_a).get("/"))
    assert 'href="/accounts/"' not in text(login(tree.officer_a).get("/"))


def test_create_officer_account(login, tree, admin_a):
    client = login(admin_a)
    page = text(client.get("/accounts/new/"))
    assert 'value="朝阳区总工会"' in page  # the admin's own union is preselected

    response = client.post(
        "/accounts/new/",
        {
            "username": "wj_officer",
            "display_name": "小王",
            "password": NEW_PASSWORD,
            "org": tree.union_a1.pk,
            "role": "officer",
        },
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/"
    user = User.objects.get(username="wj_officer")
    assert (user.org_id, user.role, user.display_name) == (tree.union_a1.pk, "officer", "小王")
    assert user.check_password(NEW_PASSWORD)
    assert AuditLog.objects.filter(action="account_created", target_id=str(user.pk)).count() == 1


def test_create_with_weak_password_or_taken_name_changes_nothing(login, tree, admin_a):
    client = login(admin_a)
    before = User.objects.count()

    weak = client.post(
        "/accounts/new/", {"username": "weak", "password": "12345678", "org": tree.union_a1.pk, "role": "officer"}
    )
    taken = client.post(
        "/accounts/new/",
        {"username": "officer_a", "password": NEW_PASSWORD, "org": tree.union_a1.pk, "role": "officer"},
    )

    assert weak.status_code == 400 and "这个密码太常见了。" in text(weak)
    assert taken.status_code == 400 and "用户名 officer_a 已存在" in text(taken)
    assert User.objects.count() == before


def test_create_for_a_union_outside_scope_is_refused(login, tree, admin_a):
    response = login(admin_a).post(
        "/accounts/new/", {"username": "hd", "password": NEW_PASSWORD, "org": tree.union_b1.pk, "role": "officer"}
    )

    assert response.status_code == 400
    assert "所选工会不存在或不在您的管理范围内" in text(response) and "中关村" not in text(response)
    assert not User.objects.filter(username="hd").exists()


def test_edit_role_union_active_and_reset_password(login, tree, admin_a):
    client = login(admin_a)
    page = text(client.get(f"/accounts/{tree.officer_a1.pk}/edit/"))
    assert "officer_a1" in page and 'value="望京科技公司工会"' in page

    response = client.post(
        f"/accounts/{tree.officer_a1.pk}/edit/",
        {"display_name": "小李", "org": tree.union_a2.pk, "role": "viewer", "password": NEW_PASSWORD},
    )

    assert response.status_code == 302
    user = User.objects.get(pk=tree.officer_a1.pk)
    assert (user.display_name, user.org_id, user.role, user.is_active) == ("小李", tree.union_a2.pk, "viewer", False)
    assert user.check_password(NEW_PASSWORD)


def test_own_account_cannot_change_own_role(login, tree, admin_a):
    client = login(admin_a)

    page = text(client.get(f"/accounts/{admin_a.pk}/edit/"))
    response = client.post(f"/accounts/{admin_a.pk}/edit/", {"display_name": "甲管理员", "role": "viewer"})

    assert 'name="role"' not in page and "不能修改自己的角色、所属工会或启用状态" in page
    assert response.status_code == 302
    user = User.objects.get(pk=admin_a.pk)
    assert (user.display_name, user.role) == ("甲管理员", "admin")


def test_accounts_outside_scope_are_404(login, tree, admin_a):
    client = login(admin_a)

    get = client.get(f"/accounts/{tree.officer_b.pk}/edit/")
    post = client.post(f"/accounts/{tree.officer_b.pk}/edit/", {"role": "viewer", "org": tree.union_a1.pk})

    assert get.status_code == 404 and post.status_code == 404
    assert User.objects.get(pk=tree.officer_b.pk).role == "officer"
