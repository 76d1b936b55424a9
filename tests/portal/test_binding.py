"""Real-name binding with proof: an SMS code to the roll's phone, or the union's confirmation;
attempts counted and audited; an officer can unbind; the member's history shows it all."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client, override_settings

from gonghui.accounts.models import ApiToken, AuditLog
from gonghui.accounts.services import token_authenticate
from gonghui.core import pii
from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Throttled
from gonghui.members.models import MemberEvent
from gonghui.members.services import member_create
from gonghui.notifications.models import Notification
from gonghui.portal.binding import (
    binding_request_confirm,
    binding_request_reject,
    member_account_unbind,
    worker_bind_identity,
    worker_binding_ask_union,
    worker_binding_enter_code,
)
from gonghui.portal.models import BindingAttempt, BindingRequest
from gonghui.portal.selectors import current_member
from gonghui.portal.services import require_member, worker_token_issue
from tests.conftest import id_number, make_worker, member_data

ROLL_PHONE = "13800138000"


def sent_code(outbox) -> str:
    return re.search(r"验证码(\d{6})", outbox[-1].text).group(1)


@pytest.fixture
def member(tree):
    return member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=7, name="李四", phone=ROLL_PHONE))


@pytest.fixture
def member_without_phone(tree):
    return member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=8, name="王八", phone=""))


@pytest.fixture
def worker(db):
    return make_worker("13912345670")


def _kinds(member) -> list[str]:
    return list(MemberEvent.objects.filter(member=member).order_by("id").values_list("kind", flat=True))


# --- proof by SMS to the roll's phone -----------------------------------------------------------


def test_name_and_id_number_alone_do_not_bind_a_member(tree, member, worker, sms_outbox):
    request = worker_bind_identity(worker=worker, name=" 李四 ", id_type="resident_id", id_number=id_number(7).lower())

    assert request.state == "awaiting_code" and request.method == "sms" and request.phone_masked == "138****8000"
    worker.refresh_from_db()
    assert not worker.is_verified and current_member(worker) is None
    assert [m.phone for m in sms_outbox] == [ROLL_PHONE]  # the roll's phone, not the account's
    assert AuditLog.objects.filter(action="worker_identity_requested", actor=worker.user).count() == 1


def test_the_code_sent_to_the_roll_phone_binds(tree, member, worker, sms_outbox, django_capture_on_commit_callbacks):
    worker_bind_identity(worker=worker, name="李四", id_type="resident_id", id_number=id_number(7))
    with django_capture_on_commit_callbacks(execute=True):
        request = worker_binding_enter_code(worker=worker, code=sent_code(sms_outbox))

    assert request.state == "confirmed"
    worker.refresh_from_db()
    assert worker.is_verified and worker.real_name == "李四"
    assert worker.id_number_hash == pii.keyed_hash(id_number(7))
    assert pii.decrypt(worker.id_number_encrypted) == id_number(7)
    assert worker.id_number_masked == member.id_number_masked and worker.user.display_name == "李四"
    assert current_member(worker) == member
    log = AuditLog.objects.get(action="worker_identity_bound")
    assert log.actor == worker.user and log.org == tree.union_a1 and log.detail["member"] == member.pk
    assert _kinds(member) == ["created", "account_bound"]
    assert Notification.objects.filter(recipient=worker.user, topic="portal.identity_bound").count() == 1


def test_wrong_codes_are_limited_per_code(tree, member, worker, sms_outbox):
    worker_bind_identity(worker=worker, name="李四", id_type="resident_id", id_number=id_number(7))
    right = sent_code(sms_outbox)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(InvalidInput):
            worker_binding_enter_code(worker=worker, code=wrong)
    with pytest.raises(InvalidInput) as exc:
        worker_binding_enter_code(worker=worker, code=right)
    assert exc.value.code == "code_invalid"
    worker.refresh_from_db()
    assert not worker.is_verified and BindingRequest.objects.get().code_attempts == 5


def test_a_worker_whose_verified_phone_is_the_roll_phone_binds_at_once(tree, member, sms_outbox):
    worker = make_worker(ROLL_PHONE)
    request = worker_bind_identity(worker=worker, name="李四", id_type="resident_id", id_number=id_number(7))
    assert request.state == "confirmed" and request.method == "phone_match"
    assert current_member(worker) == member and sms_outbox == []


def test_a_person_on_no_roll_binds_at_once(tree, worker):
    request = worker_bind_identity(worker=worker, name="赵六", id_type="resident_id", id_number=id_number(99))
    assert request.state == "confirmed" and request.method == "no_record" and request.org is None
    worker.refresh_from_db()
    assert worker.is_verified and current_member(worker) is None
    with pytest.raises(Forbidden) as exc:
        require_member(worker)
    assert exc.value.code == "not_member"


# --- proof by the union's confirmation ------------------------------------------------------------


def test_without_a_roll_phone_the_union_confirms(
    tree, member_without_phone, worker, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = worker_bind_identity(worker=worker, name="王八", id_type="resident_id", id_number=id_number(8))
    assert request.state == "pending" and request.method == "review" and request.org == tree.union_a1
    worker.refresh_from_db()
    assert not worker.is_verified
    assert Notification.objects.filter(recipient=worker.user, topic="portal.identity_pending").count() == 1

    client.force_login(tree.officer_a1)
    queue = client.get("/bindings/")
    assert [r.pk for r in queue.context["rows"]] == [request.pk]
    response = client.post(f"/bindings/{request.pk}/", {"action": "confirm"})
    assert response.status_code == 302

    worker.refresh_from_db()
    assert worker.is_verified and current_member(worker) == member_without_phone
    request.refresh_from_db()
    assert request.state == "confirmed" and request.decided_by == tree.officer_a1
    assert _kinds(member_without_phone) == ["created", "binding_requested", "account_bound"]
    bound = MemberEvent.objects.get(member=member_without_phone, kind="account_bound")
    assert bound.actor == tree.officer_a1


def test_a_worker_whose_roll_phone_changed_asks_the_union(tree, member, worker, sms_outbox):
    request = worker_bind_identity(
        worker=worker, name="李四", id_type="resident_id", id_number=id_number(7), phone_changed=True, note="换号了"
    )
    assert request.state == "pending" and sms_outbox == [] and request.note == "换号了"
    # Or after the code went out: the same request turns into one for the union.
    other_member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=9, name="孙九"))
    other = make_worker("13912345679")
    worker_bind_identity(worker=other, name="孙九", id_type="resident_id", id_number=id_number(9))
    asked = worker_binding_ask_union(worker=other, note="旧号已停用")
    assert asked.state == "pending" and asked.method == "review" and asked.code_hash == ""
    assert _kinds(other_member) == ["created", "binding_requested"]


def test_a_rejected_request_tells_the_worker_why_and_binds_nothing(
    tree, member_without_phone, worker, django_capture_on_commit_callbacks
):
    request = worker_bind_identity(worker=worker, name="王八", id_type="resident_id", id_number=id_number(8))
    with pytest.raises(InvalidInput):
        binding_request_reject(actor=tree.officer_a1, request_id=request.pk, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        binding_request_reject(actor=tree.officer_a1, request_id=request.pk, reason="电话核实非本人")
    request.refresh_from_db()
    assert request.state == "rejected" and request.reason == "电话核实非本人"
    worker.refresh_from_db()
    assert not worker.is_verified
    assert _kinds(member_without_phone) == ["created", "binding_requested", "binding_rejected"]
    notice = Notification.objects.get(recipient=worker.user, topic="portal.identity_rejected")
    assert "电话核实非本人" in notice.body
    with pytest.raises(Conflict):
        binding_request_confirm(actor=tree.officer_a1, request_id=request.pk)  # decided once


def test_the_queue_is_scoped_and_viewers_cannot_decide(tree, member_without_phone, worker, client):
    request = worker_bind_identity(worker=worker, name="王八", id_type="resident_id", id_number=id_number(8))
    with pytest.raises(NotFound):
        binding_request_confirm(actor=tree.officer_b, request_id=request.pk)
    with pytest.raises(Forbidden):
        binding_request_confirm(actor=tree.viewer_a, request_id=request.pk)
    client.force_login(tree.officer_b)
    assert client.get("/bindings/").context["rows"] == []
    assert client.get(f"/bindings/{request.pk}/").status_code == 404
    worker.refresh_from_db()
    request.refresh_from_db()
    assert not worker.is_verified and request.state == "pending"


# --- refusals and limits ------------------------------------------------------------------------


def test_name_mismatch_is_refused_without_naming_the_record(tree, member, worker, sms_outbox):
    with pytest.raises(InvalidInput) as exc:
        worker_bind_identity(worker=worker, name="王五", id_type="resident_id", id_number=id_number(7))
    assert exc.value.code == "identity_mismatch"
    assert "李四" not in exc.value.message and "望京" not in exc.value.message
    worker.refresh_from_db()
    assert not worker.is_verified and worker.id_number_hash == "" and sms_outbox == []
    assert BindingAttempt.objects.filter(worker=worker, reason="name_mismatch").count() == 1
    assert AuditLog.objects.filter(action="worker_identity_refused", actor=worker.user).count() == 1


def test_bad_id_numbers_and_types_are_refused(db, worker):
    good = id_number(7)
    wrong_check = good[:-1] + ("1" if good[-1] != "1" else "2")
    with pytest.raises(InvalidInput) as exc:
        worker_bind_identity(worker=worker, name="李四", id_type="resident_id", id_number=wrong_check)
    assert "校验位" in exc.value.message
    with pytest.raises(InvalidInput):
        worker_bind_identity(worker=worker, name="李四", id_type="passport", id_number=good)
    with pytest.raises(InvalidInput):
        worker_bind_identity(worker=worker, name="  ", id_type="resident_id", id_number=good)


def test_one_account_per_person(tree, member, sms_outbox):
    first = make_worker(ROLL_PHONE)
    worker_bind_identity(worker=first, name="李四", id_type="resident_id", id_number=id_number(7))
    other = make_worker("13912345672")
    with pytest.raises(Conflict) as exc:
        worker_bind_identity(worker=other, name="李四", id_type="resident_id", id_number=id_number(7))
    assert exc.value.code == "identity_taken"
    with pytest.raises(Conflict) as again:
        worker_bind_identity(worker=first, name="李四", id_type="resident_id", id_number=id_number(7))
    assert again.value.code == "already_verified"


def test_tries_are_limited_per_account(tree, member, worker):
    for _ in range(5):
        with pytest.raises(InvalidInput):
            worker_bind_identity(worker=worker, name="王五", id_type="resident_id", id_number=id_number(7))
    with pytest.raises(Throttled) as exc:
        # Even the right name is refused now: the limit stops probing.
        worker_bind_identity(worker=worker, name="李四", id_type="resident_id", id_number=id_number(7))
    assert exc.value.status == 429 and exc.value.code == "binding_throttled"
    assert BindingRequest.objects.count() == 0


@override_settings(GONGHUI_BINDING_MAX_TRIES_PER_PERSON_DAY=2)
def test_tries_are_limited_per_person_across_accounts(tree, member):
    for n in range(2):
        with pytest.raises(InvalidInput):
            worker_bind_identity(
                worker=make_worker(f"1391234568{n}"), name="王五", id_type="resident_id", id_number=id_number(7)
            )
    with pytest.raises(Throttled):
        worker_bind_identity(
            worker=make_worker("13912345689"), name="李四", id_type="resident_id", id_number=id_number(7)
        )
    assert BindingRequest.objects.count() == 0


# --- unbinding a hijacked account -----------------------------------------------------------------


def test_an_officer_unbinds_a_hijacked_account(tree, member, sms_outbox, client):
    hijacker = make_worker(ROLL_PHONE)  # say the roll's phone was the hijacker's
    worker_bind_identity(worker=hijacker, name="李四", id_type="resident_id", id_number=id_number(7))
    token = worker_token_issue(worker=hijacker)
    assert token_authenticate(token) is not None
    hijacker_browser = Client()
    hijacker_browser.force_login(hijacker.user)
    assert hijacker_browser.get("/m/").status_code == 200

    client.force_login(tree.officer_a1)
    page = client.get(f"/bindings/members/{member.pk}/")
    assert page.status_code == 200 and page.context["account"] == hijacker
    assert client.post(f"/bindings/members/{member.pk}/", {"reason": ""}).status_code == 400
    response = client.post(f"/bindings/members/{member.pk}/", {"reason": "本人反映账号被冒用"})
    assert response.status_code == 302

    hijacker.refresh_from_db()
    assert not hijacker.is_verified and hijacker.id_number_hash == "" and current_member(hijacker) is None
    assert token_authenticate(token) is None
    assert not ApiToken.objects.filter(user=hijacker.user, revoked_at__isnull=True).exists()
    assert hijacker_browser.get("/m/").status_code == 302  # signed out of the portal too
    assert _kinds(member) == ["created", "account_bound", "account_unbound"]
    assert "本人反映账号被冒用" in MemberEvent.objects.get(member=member, kind="account_unbound").note
    assert AuditLog.objects.filter(action="worker_identity_unbound", actor=tree.officer_a1).count() == 1
    # The real person can now bind (by the code to the roll's phone).
    person = make_worker("13912345600")
    assert worker_bind_identity(worker=person, name="李四", id_type="resident_id", id_number=id_number(7)).state == (
        "awaiting_code"
    )


def test_unbinding_is_scoped(tree, member):
    worker = make_worker(ROLL_PHONE)
    worker_bind_identity(worker=worker, name="李四", id_type="resident_id", id_number=id_number(7))
    with pytest.raises(NotFound):
        member_account_unbind(actor=tree.officer_b, member_id=member.pk, reason="x")
    with pytest.raises(Forbidden):
        member_account_unbind(actor=tree.viewer_a, member_id=member.pk, reason="x")
    worker.refresh_from_db()
    assert worker.is_verified


# --- the API ------------------------------------------------------------------------------------


def _api(client, method, path, body=None, **extra):
    call = getattr(client, method)
    if body is None:
        return call("/api/v1" + path, **extra)
    return call("/api/v1" + path, json.dumps(body), content_type="application/json", **extra)


def test_the_queue_and_unbinding_by_api(tree, member_without_phone, worker):
    from gonghui.accounts.services import token_issue

    wtoken = {"HTTP_AUTHORIZATION": f"Bearer {worker_token_issue(worker=worker)}"}
    officer = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=tree.officer_a1)}"}
    outsider = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=tree.officer_b)}"}
    client = Client()
    started = _api(
        client,
        "post",
        "/portal/verify",
        {"name": "王八", "id_type": "resident_id", "id_number": id_number(8), "consent_sensitive": True},
        **wtoken,
    ).json()
    assert started["state"] == "pending" and started["org_name"] == "望京科技公司工会"

    listed = _api(client, "get", "/bindings?state=pending", **officer).json()["items"]
    assert [(r["name"], r["state"], r["account_phone_masked"]) for r in listed] == [("王八", "pending", "139****5670")]
    request_id = listed[0]["id"]
    assert _api(client, "get", "/bindings?state=pending", **outsider).json()["items"] == []
    assert _api(client, "post", f"/bindings/{request_id}/confirm", {}, **outsider).status_code == 404
    confirmed = _api(client, "post", f"/bindings/{request_id}/confirm", {}, **officer)
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    assert _api(client, "get", "/portal/verify", **wtoken).json()["me"]["verified"] is True

    member_id = member_without_phone.pk
    assert (
        _api(client, "post", f"/bindings/members/{member_id}/unbind", {"reason": "冒用"}, **outsider).status_code == 404
    )
    unbound = _api(client, "post", f"/bindings/members/{member_id}/unbind", {"reason": "冒用"}, **officer)
    assert unbound.status_code == 200 and unbound.json()["account_phone_masked"] == "139****5670"
    assert _api(client, "get", "/portal/me", **wtoken).status_code == 401  # its tokens are revoked


def test_pending_state_is_shown_to_the_worker(tree, member_without_phone, worker, client):
    client.force_login(worker.user)
    response = client.post(
        "/m/verify/",
        {
            "name": "王八",
            "id_type": "resident_id",
            "id_number": id_number(8),
            "action": "bind",
            "consent_sensitive": "on",
        },
    )
    assert response.status_code == 302
    page = client.get("/m/verify/")
    assert "等待工会确认" in page.content.decode() and page.context["open_request"].state == "pending"
