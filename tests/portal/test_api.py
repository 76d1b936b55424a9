"""/api/v1/portal: the workers' app over HTTP (public routes and the signed-in worker's own)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from gonghui.accounts.services import token_issue
from gonghui.members.services import member_create
from gonghui.portal.models import WorkerAccount
from gonghui.portal.services import card_token
from tests.conftest import PASSWORD, id_number, make_worker, member_data

PHONE = "13912340003"


def post(client: Client, path: str, body: dict, **extra):
    return client.post("/api/v1/portal" + path, json.dumps(body), content_type="application/json", **extra)


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def sent_code(outbox) -> str:
    return re.search(r"验证码(\d{6})", outbox[-1].text).group(1)


@pytest.fixture
def member(tree):
    return member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=31, name="钱一"))


def test_register_login_verify_me_card_by_api(client, member, sms_outbox):
    response = post(client, "/codes", {"phone": PHONE, "purpose": "register"})
    assert response.status_code == 202 and "验证码已发送" in response.json()["detail"]

    response = post(client, "/register", {"phone": PHONE, "code": sent_code(sms_outbox), "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("gh_")
    assert body["me"] == {
        "phone_masked": "139****0003",
        "verified": False,
        "real_name": "",
        "id_number_masked": "",
        "membership": None,
        "binding_proof_required": False,
    }

    response = post(client, "/login", {"phone": PHONE, "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]

    body = {"name": "钱一", "id_type": "resident_id", "id_number": id_number(31)}
    # The ID number needs the separate consent (PIPL art. 29): without it nothing is bound.
    response = post(client, "/verify", body, **bearer(token))
    assert response.status_code == 422 and response.json()["error"]["code"] == "consent_required"
    assert not WorkerAccount.objects.get(phone=PHONE).is_verified
    response = post(client, "/verify", {**body, "consent_sensitive": True}, **bearer(token))
    assert response.status_code == 200
    started = response.json()
    # Name + ID number are not enough: a code went to the phone the roll holds.
    assert started["state"] == "awaiting_code" and started["method"] == "sms"
    assert started["phone_masked"] == "138****8000" and not started["me"]["verified"]
    assert sms_outbox[-1].phone == member.phone == "13800138000"
    assert client.get("/api/v1/portal/verify", **bearer(token)).json()["state"] == "awaiting_code"

    response = post(client, "/verify/code", {"code": sent_code(sms_outbox)}, **bearer(token))
    assert response.status_code == 200 and response.json()["state"] == "confirmed"
    me = response.json()["me"]
    assert me["verified"] and me["real_name"] == "钱一"
    assert me["membership"]["org_name"] == "望京科技公司工会"
    assert me["membership"]["card_number"] == member.card_number
    assert me["membership"]["status"] == "active" and me["membership"]["status_label"] == "会员"
    assert id_number(31) not in response.content.decode()

    assert client.get("/api/v1/portal/me", **bearer(token)).json() == me

    card = client.get("/api/v1/portal/card", **bearer(token)).json()
    assert card["masked_name"] == "钱*" and card["union_name"] == "望京科技公司工会"
    assert card["verify_url"].endswith(f"/m/card/verify/{card['token']}/")
    checked = Client().get(f"/api/v1/portal/card/verify/{card['token']}").json()
    assert checked["state"] == "valid" and checked["valid"] is True and checked["masked_name"] == "钱*"


def test_login_by_code_and_reset_password(client, db, sms_outbox):
    worker = make_worker(PHONE)
    assert post(client, "/codes", {"phone": PHONE, "purpose": "login"}).status_code == 202
    response = post(client, "/login", {"phone": PHONE, "code": sent_code(sms_outbox)})
    assert response.status_code == 200 and response.json()["token"]

    assert post(client, "/codes", {"phone": PHONE, "purpose": "reset_password"}).status_code == 202
    response = post(
        client, "/reset-password", {"phone": PHONE, "code": sent_code(sms_outbox), "new_password": "Xin-mima-2026"}
    )
    assert response.status_code == 200
    worker.user.refresh_from_db()
    assert worker.user.check_password("Xin-mima-2026")


def test_error_shapes(client, db, sms_outbox):
    response = post(client, "/codes", {"phone": "123", "purpose": "register"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_phone" and response.json()["error"]["fields"]["phone"]

    response = post(client, "/codes", {"phone": PHONE, "purpose": "nope"})
    assert response.status_code == 400 and "purpose" in response.json()["error"]["fields"]

    post(client, "/codes", {"phone": PHONE, "purpose": "register"})
    response = post(client, "/codes", {"phone": PHONE, "purpose": "register"})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "code_cooldown" and "秒后再试" in response.json()["error"]["message"]

    response = post(client, "/login", {"phone": PHONE, "password": "whatever-123"})
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "invalid_credentials", "message": "手机号或密码错误", "fields": {}}}

    response = post(client, "/register", {"phone": PHONE, "code": "000000", "password": PASSWORD, "extra": 1})
    assert response.status_code == 400 and "extra" in response.json()["error"]["fields"]


def test_worker_routes_need_a_worker(client, tree, member):
    assert client.get("/api/v1/portal/me").status_code == 401
    officer_token = token_issue(user=tree.officer_a)
    response = client.get("/api/v1/portal/me", **bearer(officer_token))
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/portal/card", **bearer(officer_token)).status_code == 403


def test_worker_token_does_not_open_officer_routes(client, db, sms_outbox):
    make_worker(PHONE)
    token = post(client, "/login", {"phone": PHONE, "password": PASSWORD}).json()["token"]
    assert client.get("/api/v1/members", **bearer(token)).status_code == 403
    assert client.get("/api/v1/orgs", **bearer(token)).status_code == 403


def test_card_for_non_member_is_refused(client, db):
    worker = make_worker(PHONE, name="孙二", id_no=id_number(77))
    client.force_login(worker.user)
    response = client.get("/api/v1/portal/card")
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_member"


def test_verify_conflict_and_mismatch_shapes(client, member):
    make_worker("13912340099", name="钱一", id_no=id_number(31))
    worker = make_worker(PHONE)
    client.force_login(worker.user)
    response = post(client, "/verify", {"name": "钱一", "id_number": id_number(31), "consent_sensitive": True})
    assert response.status_code == 409 and response.json()["error"]["code"] == "identity_taken"
    response = post(client, "/verify", {"name": "别人", "id_number": id_number(31)})  # consent given above
    assert response.status_code == 422 and response.json()["error"]["code"] == "identity_mismatch"
    assert not WorkerAccount.objects.get(pk=worker.pk).is_verified


def test_session_post_needs_csrf(db):
    client = Client(enforce_csrf_checks=True)
    worker = make_worker(PHONE)
    client.force_login(worker.user)
    response = post(client, "/verify", {"name": "钱一", "id_number": id_number(31)})
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed"


def test_public_card_verify_states(client, tree, member):
    token = card_token(member=member)
    assert client.get(f"/api/v1/portal/card/verify/{token}").json()["state"] == "valid"
    bad = client.get(f"/api/v1/portal/card/verify/{token[:-2]}zz").json()
    assert bad["state"] == "invalid" and bad["union_name"] == "" and bad["masked_name"] == ""
