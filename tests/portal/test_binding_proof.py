"""A binding made while the person was on no roll (`no_record`) proves nothing about a record that
appears later: a stranger who pre-binds someone's name and ID number sees nothing of their
membership and is asked to prove it; an account whose own join application produced the record
sees it; a code to the roll's phone (or the union's review) proves it afterwards."""

from __future__ import annotations

import re

import pytest

from gonghui.joining import services as joining
from gonghui.members.services import member_create
from gonghui.portal.models import BindingRequest
from gonghui.portal.services import worker_token_issue
from tests.api.conftest import PREFIX
from tests.conftest import id_number, make_worker, member_data

ROLL_PHONE = "13800138000"
PROMPT = "您的实名信息已与会员档案匹配，请完成验证后查看"
NAME = "李四"
SEQ = 41


def sent_code(outbox) -> str:
    return re.search(r"验证码(\d{6})", outbox[-1].text).group(1)


class Api:
    def __init__(self, worker) -> None:
        from django.test import Client

        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {worker_token_issue(worker=worker)}"}

    def get(self, path: str):
        return self.client.get(PREFIX + path, **self.headers)

    def post(self, path: str, body: dict | None = None):
        import json

        return self.client.post(PREFIX + path, json.dumps(body or {}), content_type="application/json", **self.headers)


@pytest.fixture
def stranger(db):
    """A worker account (verified phone) that binds a name and ID number nobody holds on a roll yet."""
    return make_worker("13912340001")


def pre_bind(client, worker) -> None:
    client.force_login(worker.user)
    response = client.post(
        "/m/verify/",
        {
            "name": NAME,
            "id_type": "resident_id",
            "id_number": id_number(SEQ),
            "action": "bind",
            "consent_sensitive": "on",
        },
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.is_verified
    assert BindingRequest.objects.get(worker=worker).method == "no_record"


def add_to_roll(tree, phone: str = ROLL_PHONE):
    return member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=SEQ, name=NAME, phone=phone))


def test_a_stranger_who_pre_bound_sees_nothing_once_the_roll_holds_the_person(tree, stranger, client, sms_outbox):
    pre_bind(client, stranger)
    member = add_to_roll(tree)

    home = client.get("/m/").content.decode()
    assert PROMPT in home and member.card_number not in home
    membership = client.get("/m/membership/").content.decode()
    assert PROMPT in membership and member.card_number not in membership and "望京科技公司工会" not in membership
    card = client.get("/m/card/").content.decode()
    assert PROMPT in card and member.card_number not in card
    verify = client.get("/m/verify/")
    assert verify.status_code == 200 and 'data-testid="binding-prove"' in verify.content.decode()

    api = Api(stranger)
    me = api.get("/portal/me").json()
    assert me["membership"] is None and me["binding_proof_required"] is True
    refused = api.get("/portal/card")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "binding_proof_required"
    assert refused.json()["error"]["message"] == PROMPT
    assert api.get("/joining/my/transfers").json()["items"] == []
    applied = api.post("/joining/my/applications", {"org": tree.union_b1.pk, "employer_name": "某公司"})
    assert applied.status_code == 409 and applied.json()["error"]["code"] == "binding_proof_required"
    exported = client.get("/m/my-data/download/")
    assert exported.status_code == 200 and exported.json()["memberships"] == []
    assert sms_outbox == []  # nothing is sent until the worker asks to prove it


def test_re_proof_by_a_code_to_the_roll_phone_shows_the_membership(tree, stranger, client, sms_outbox):
    pre_bind(client, stranger)
    member = add_to_roll(tree)

    started = client.post("/m/verify/", {"action": "prove"})
    assert started.status_code == 302
    assert [m.phone for m in sms_outbox] == [ROLL_PHONE]
    page = client.get("/m/verify/").content.decode()
    assert "138****8000" in page and 'data-testid="binding-code"' in page
    wrong = "000000" if sent_code(sms_outbox) != "000000" else "111111"
    assert client.post("/m/verify/", {"action": "code", "code": wrong}).status_code == 400
    assert member.card_number not in client.get("/m/membership/").content.decode()

    done = client.post("/m/verify/", {"action": "code", "code": sent_code(sms_outbox)})
    assert done.status_code == 302
    membership = client.get("/m/membership/").content.decode()
    assert member.card_number in membership and PROMPT not in membership
    assert Api(stranger).get("/portal/me").json()["binding_proof_required"] is False
    assert list(
        BindingRequest.objects.filter(worker=stranger, state="confirmed")
        .order_by("id")
        .values_list("method", flat=True)
    ) == ["no_record", "sms"]


def test_re_proof_by_api_and_by_the_unions_review(tree, stranger, client, sms_outbox):
    from tests.api.conftest import ApiClient

    pre_bind(client, stranger)
    add_to_roll(tree)
    api = Api(stranger)

    queued = api.post("/portal/verify/prove", {"phone_changed": True, "note": "换号了"})
    assert queued.status_code == 200 and queued.json()["state"] == "pending" and sms_outbox == []
    assert api.get("/portal/me").json()["membership"] is None
    officer = ApiClient(tree.officer_a1)
    listed = officer.get("/bindings?state=pending").json()["items"]
    assert [r["state"] for r in listed] == ["pending"]
    confirmed = officer.post(f"/bindings/{listed[0]['id']}/confirm", {})
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    me = api.get("/portal/me").json()
    assert me["membership"]["org_name"] == "望京科技公司工会" and me["binding_proof_required"] is False
    again = api.post("/portal/verify/prove", {})
    assert again.status_code == 409 and again.json()["error"]["code"] == "no_proof_needed"


def test_a_worker_who_joined_online_sees_their_membership(tree, stranger, client, sms_outbox):
    pre_bind(client, stranger)
    api = Api(stranger)
    invite = joining.invite_ensure(actor=tree.officer_a, org=tree.union_a1)
    applied = api.post("/joining/my/applications", {"invite_code": invite.token, "employer_name": "望京快送有限公司"})
    assert applied.status_code == 201

    from tests.api.conftest import ApiClient

    approved = ApiClient(tree.officer_a1).post(f"/joining/applications/{applied.json()['id']}/approve")
    assert approved.status_code == 200
    me = api.get("/portal/me").json()
    assert me["membership"]["card_number"] == approved.json()["card_number"]
    assert me["binding_proof_required"] is False
    assert approved.json()["card_number"] in client.get("/m/membership/").content.decode()
    proof = BindingRequest.objects.filter(worker=stranger).order_by("-id").first()
    assert (proof.method, proof.state, proof.member_id) == ("joined_online", "confirmed", approved.json()["member"])
    assert sms_outbox == [] or all(m.phone != ROLL_PHONE for m in sms_outbox)


def test_a_binding_made_before_requests_were_recorded_counts_as_proven(tree):
    member = add_to_roll(tree)
    legacy = make_worker("13912340002", name=NAME, id_no=id_number(SEQ))  # bound without any BindingRequest
    me = Api(legacy).get("/portal/me").json()
    assert me["membership"]["card_number"] == member.card_number and me["binding_proof_required"] is False
