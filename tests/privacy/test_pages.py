"""The privacy pages: the texts linked from registration, the consent box at binding, 我的数据
(download, delete), and publishing a new version in the system back office."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from gonghui.accounts.models import AuditLog
from gonghui.members.services import member_create
from gonghui.portal import binding
from gonghui.portal.models import WorkerAccount
from gonghui.privacy.models import AccountDeletion, Consent, PolicyText
from tests.conftest import PASSWORD, id_number, make_worker, member_data

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_registration_links_the_texts_that_exist(client):
    page = text(client.get(reverse("portal:register")))
    assert 'href="/m/legal/agreement/"' in page and 'href="/m/legal/privacy/"' in page
    agreement = client.get("/m/legal/agreement/")
    assert agreement.status_code == 200 and "职工之家用户协议" in text(agreement)
    notice = text(client.get("/m/legal/privacy/"))
    assert "第 1 版" in notice and "第四十四条至第四十七条" in notice
    assert client.get("/m/legal/privacy/?v=1").status_code == 200
    assert client.get("/m/legal/privacy/?v=7").status_code == 404
    assert client.get("/m/legal/privacy/?v=99999999999999999999999").status_code == 404


def test_the_notice_in_english(client):
    client.cookies["django_language"] = "en"
    assert "Personal Information Protection Law" in text(client.get("/m/legal/privacy/", HTTP_ACCEPT_LANGUAGE="en"))


def test_binding_asks_the_separate_consent_first(client, tree):
    number = id_number(71)
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=71, name="孙九", id_number=number))
    worker = make_worker("13922220001")
    client.force_login(worker.user)
    form = text(client.get(reverse("portal:verify")))
    assert 'name="consent_sensitive"' in form and "身份证件号码（敏感个人信息）" in form
    body = {"name": "孙九", "id_type": "resident_id", "id_number": number}
    refused = client.post(reverse("portal:verify"), body)
    assert refused.status_code == 400 and "请阅读并勾选同意处理敏感个人信息" in text(refused)
    worker.refresh_from_db()
    assert not worker.is_verified and not Consent.objects.exists()
    done = client.post(reverse("portal:verify"), {**body, "consent_sensitive": "on"})
    assert done.status_code == 302
    # With the consent given, binding goes on to its proof: a code to the phone on the roll.
    assert binding.worker_open_binding(worker).state == "awaiting_code"
    assert list(Consent.objects.values_list("user", "purpose", "text__version")) == [(worker.user_id, "real_name", 1)]


def test_my_data_download_and_delete(client, tree):
    number = id_number(72)
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=72, name="周十", id_number=number))
    worker = make_worker("13922220002", name="周十", id_no=number)
    client.force_login(worker.user)
    assert 'href="/m/my-data/"' in text(client.get(reverse("portal:profile")))
    page = text(client.get("/m/my-data/"))
    assert "会员档案、入会和接转记录" in page and "依照工会档案管理的规定" in page

    download = client.get("/m/my-data/download/")
    assert download["Content-Disposition"].startswith('attachment; filename="my-data-')
    data = json.loads(download.content)
    assert data["account"]["id_number"] == number and data["memberships"][0]["name"] == "周十"
    assert AuditLog.objects.filter(action="worker_data_exported", target_id=str(worker.pk)).count() == 1

    wrong = client.post("/m/my-data/", {"password": "not-it-2026", "understood": "on"})
    assert wrong.status_code == 400 and "密码不正确" in text(wrong)
    unticked = client.post("/m/my-data/", {"password": PASSWORD})
    assert unticked.status_code == 400
    assert WorkerAccount.objects.get(pk=worker.pk).phone == "13922220002" and not AccountDeletion.objects.exists()

    elsewhere = Client()  # the same worker signed in on another phone
    elsewhere.force_login(worker.user)
    assert elsewhere.get("/m/").status_code == 200
    gone = client.post("/m/my-data/", {"password": PASSWORD, "understood": "on"})
    assert gone.status_code == 302 and gone["Location"] == reverse("portal:login")
    assert client.get("/m/").status_code == 302  # signed out
    assert elsewhere.get("/m/").status_code == 302  # and on every other device
    assert AccountDeletion.objects.filter(user=worker.user).exists()
    login = client.post(
        reverse("portal:login"), {"phone": "13922220002", "password": PASSWORD, "action": "login", "via": "password"}
    )
    assert login.status_code in (400, 401) and not login.wsgi_request.user.is_authenticated


def test_my_data_is_for_workers_only(client, tree):
    assert client.get("/m/my-data/")["Location"].startswith("/m/login/")
    client.force_login(tree.officer_a)
    assert client.get("/m/my-data/").status_code == 403
    assert client.get("/m/my-data/download/").status_code == 403


def test_superuser_publishes_a_new_version_in_the_back_office(client, tree):
    client.force_login(tree.superuser)
    add = text(client.get("/admin/privacy/policytext/add/?kind=agreement"))
    assert "职工之家用户协议" in add  # prefilled from the current version
    response = client.post(
        "/admin/privacy/policytext/add/",
        {"kind": "agreement", "title": "职工之家用户协议", "body": "修订后的协议", "body_en": "Revised"},
    )
    assert response.status_code == 302
    v2 = PolicyText.objects.get(kind="agreement", version=2)
    assert (v2.body, v2.published_by) == ("修订后的协议", tree.superuser)
    assert "修订后的协议" in text(client.get("/m/legal/agreement/"))
    assert "职工之家用户协议" in text(client.get("/m/legal/agreement/?v=1"))
    # A published version is not edited in place.
    v1 = PolicyText.objects.get(kind="agreement", version=1)
    client.post(f"/admin/privacy/policytext/{v1.pk}/change/", {"kind": "agreement", "title": "x", "body": "y"})
    assert PolicyText.objects.get(pk=v1.pk).body.startswith("欢迎使用")
    client.force_login(tree.officer_a)
    assert client.get("/admin/privacy/policytext/add/").status_code in (302, 403)
    assert PolicyText.objects.count() == 3
