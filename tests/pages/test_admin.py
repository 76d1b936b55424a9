"""Django admin: superusers only, scoped querysets, personal data masked, read-only where services own writes."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.members.models import Member
from gonghui.members.services import member_create
from tests.conftest import PASSWORD, id_number, member_data
from tests.pages.conftest import text
from tests.twofactor import code_for, enrol

CHANGELISTS = (
    "orgs/org",
    "orgs/orgevent",
    "members/member",
    "members/memberevent",
    "members/transfer",
    "accounts/user",
    "accounts/apitoken",
    "accounts/auditlog",
    "jobs/job",
)


def test_superuser_sees_every_changelist(login, tree, member_a):
    client = login(tree.superuser)

    index = client.get("/admin/")

    assert index.status_code == 200 and "工会网上工作平台 · 系统后台" in text(index)
    for name in CHANGELISTS:
        response = client.get(f"/admin/{name}/")
        assert response.status_code == 200, name


def test_member_admin_masks_the_id_and_searches_with_the_one_box(login, tree, member_a):
    client = login(tree.superuser)

    listing = text(client.get("/admin/members/member/"))
    by_id = client.get("/admin/members/member/", {"q": id_number(11)})
    by_initials = client.get("/admin/members/member/", {"q": "zs"})
    change = text(client.get(f"/admin/members/member/{member_a.pk}/change/"))

    assert member_a.id_number_masked in listing and "138****8000" in listing
    assert id_number(11) not in listing
    assert list(by_id.context["cl"].queryset) == [member_a]
    assert list(by_initials.context["cl"].queryset) == [member_a]
    assert member_a.id_number_masked in change
    assert member_a.id_number_encrypted not in change and member_a.id_number_hash not in change


def test_roll_and_tree_are_read_only_in_admin(login, tree, member_a):
    client = login(tree.superuser)

    add_member = client.get("/admin/members/member/add/")
    delete_org = client.post(f"/admin/orgs/org/{tree.union_a2.pk}/delete/", {"post": "yes"})

    assert add_member.status_code == 403
    assert delete_org.status_code == 403
    assert Member.objects.count() == 1 and tree.union_a2.__class__.objects.filter(pk=tree.union_a2.pk).exists()


@pytest.mark.parametrize("who", ["city_admin", "officer_a"])
def test_officers_even_with_staff_flag_are_not_admitted(login, tree, who):
    user = getattr(tree, who)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = login(user)

    responses = [client.get("/admin/", follow=True), client.get("/admin/members/member/", follow=True)]

    assert [r.status_code for r in responses] == [403, 403]
    assert responses[1].redirect_chain == [("/admin/login/?next=/admin/members/member/", 302)]
    assert "系统后台仅限超级管理员使用" in text(responses[0])


def test_anonymous_admin_goes_through_the_platform_login(client, tree):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")
    assert "<title>登录 · 工会网上工作平台</title>" in text(response)


def test_admin_querysets_go_through_the_data_scope(tree, member_a):
    other = member_create(actor=tree.officer_b, data=member_data(tree.union_b1, seq=12, name="海淀人"))
    request = RequestFactory().get("/admin/members/member/")
    model_admin = admin.site._registry[Member]

    request.user = tree.superuser
    assert set(model_admin.get_queryset(request)) == {member_a, other}
    request.user = tree.officer_a  # never admitted, but the queryset itself is scoped too
    assert set(model_admin.get_queryset(request)) == {member_a}
    org_admin = admin.site._registry[type(tree.city)]
    assert {o.name for o in org_admin.get_queryset(request)} == {
        "朝阳区总工会",
        "望京街道工会",
        "望京科技公司工会",
        "望京物流联合工会",
    }


def test_superuser_signs_in_through_the_platform_login_with_lockout(client, tree):
    enrol(tree.superuser)

    response = client.post("/accounts/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/verify/"
    assert client.get("/admin/").status_code == 302  # not signed in before the code step
    device = TOTPDevice.objects.get(user=tree.superuser)
    response = client.post("/accounts/login/verify/", {"code": code_for(device)})

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
