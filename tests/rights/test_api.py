"""/api/v1/rights: worker routes (own requests only) and officer routes (scope = 404, viewer 403)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from gonghui.accounts.services import token_issue
from gonghui.portal.services import worker_token_issue
from gonghui.rights import services
from gonghui.rights.models import ServiceRequest, State

from .rights_support import PDF, at, file, member_worker, plain_worker, record, upload

pytestmark = pytest.mark.django_db
PREFIX = "/api/v1/rights"


class Api:
    def __init__(self, token: str) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def get(self, path, params=None):
        return self.client.get(PREFIX + path, params or {}, **self.headers)

    def post(self, path, body=None):
        return self.client.post(PREFIX + path, json.dumps(body or {}), content_type="application/json", **self.headers)

    def upload(self, path, data):
        return self.client.post(PREFIX + path, data, **self.headers)


def as_officer(user) -> Api:
    return Api(token_issue(user=user))


def as_worker(worker) -> Api:
    return Api(worker_token_issue(worker=worker))


BODY = {
    "category": "wage_arrears",
    "title": "拖欠工资",
    "description": "三个月没发工资",
    "employer_name": "某建筑公司",
    "region_code": "110105",
    "workers_involved": 2,
}


def test_worker_files_lists_reads_and_messages(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    api = as_worker(worker)
    response = api.post("/my/requests", BODY)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "submitted"
    assert body["handling_org"] == tree.union_a1.pk
    assert body["overdue"] is False
    assert [e["kind"] for e in body["events"]] == ["submitted", "routed"]
    listed = api.get("/my/requests").json()
    assert [r["id"] for r in listed["items"]] == [body["id"]]
    response = api.post(f"/my/requests/{body['id']}/messages", {"text": "补充说明"})
    assert response.status_code == 201
    assert response.json()["events"][-1] == {
        **response.json()["events"][-1],
        "kind": "message",
        "note": "补充说明",
        "by_worker": True,
    }


def test_worker_cannot_reach_someone_elses_request(tree):
    mine = file(plain_worker())
    api = as_worker(plain_worker())
    for response in (
        api.get(f"/my/requests/{mine.pk}"),
        api.post(f"/my/requests/{mine.pk}/messages", {"text": "x"}),
        api.post(f"/my/requests/{mine.pk}/reopen", {"reason": "x"}),
        api.post(f"/my/requests/{mine.pk}/withdraw", {}),
        api.upload(f"/my/requests/{mine.pk}/attachments", {"file": upload()}),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert api.get("/my/requests").json()["items"] == []


def test_worker_hidden_events_and_internal_fields_stay_hidden(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker, workers_involved=15)
    body = as_worker(worker).get(f"/my/requests/{request.pk}").json()
    assert "major_incident" not in [e["kind"] for e in body["events"]]
    assert "requester_phone" not in body
    assert "escalation_level" not in body


def test_worker_routes_refuse_officers_and_officer_routes_refuse_workers(tree):
    worker = plain_worker()
    assert as_officer(tree.officer_a).get("/my/requests").status_code == 403
    response = as_worker(worker).get("/requests")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_worker_reopen_and_withdraw(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker)
    services.request_accept(actor=tree.officer_a1, request=request)
    services.request_resolve(actor=tree.officer_a1, request=request, resolution="已办结")
    api = as_worker(worker)
    detail = api.get(f"/my/requests/{request.pk}").json()
    assert detail["can_reopen"] is True
    assert detail["resolution"] == "已办结"
    response = api.post(f"/my/requests/{request.pk}/reopen", {"reason": ""})
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"
    assert response.json()["error"]["fields"] == {"reason": ["此项为必填项"]}
    response = api.post(f"/my/requests/{request.pk}/reopen", {"reason": "工资未到账"})
    assert response.json()["state"] == "reopened"
    response = api.post(f"/my/requests/{request.pk}/withdraw", {"reason": "已解决"})
    assert response.json()["state"] == "closed"


def test_worker_upload_and_download(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker)
    api = as_worker(worker)
    response = api.upload(f"/my/requests/{request.pk}/attachments", {"file": upload("欠条.pdf")})
    assert response.status_code == 201, response.content
    attachment = response.json()
    assert attachment["name"] == "欠条.pdf"
    download = api.get(f"/my/requests/{request.pk}/attachments/{attachment['id']}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    bad = api.upload(f"/my/requests/{request.pk}/attachments", {"file": upload("a.exe", b"MZ", "x")})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "bad_file_type"
    # The officers in scope read it; another branch gets 404.
    path = f"/requests/{request.pk}/attachments/{attachment['id']}"
    assert as_officer(tree.officer_a).get(path).status_code == 200
    assert as_officer(tree.officer_b).get(path).status_code == 404


def test_officer_queue_filters_and_overdue_flag(tree):
    late = file(plain_worker(), now=at(2026, 1, 5, 9))
    fresh = file(plain_worker(), category="work_injury")
    api = as_officer(tree.officer_a)
    body = api.get("/requests").json()
    # Urgency by default: the overdue request first.
    assert [(r["id"], r["overdue"]) for r in body["items"]] == [(late.pk, True), (fresh.pk, False)]
    assert [r["id"] for r in api.get("/requests", {"sort": "newest"}).json()["items"]] == [fresh.pk, late.pk]
    assert [r["id"] for r in api.get("/requests", {"overdue": "true"}).json()["items"]] == [late.pk]
    assert [r["id"] for r in api.get("/requests", {"category": "work_injury"}).json()["items"]] == [fresh.pk]
    assert [r["id"] for r in api.get("/requests", {"q": fresh.reference}).json()["items"]] == [fresh.pk]
    assert as_officer(tree.officer_b).get("/requests").json()["items"] == []
    assert api.get("/requests", {"state": "bogus"}).status_code == 400


def test_officer_full_lifecycle_over_the_api(tree):
    api = as_officer(tree.officer_a)
    response = api.post(
        "/requests",
        {
            **BODY,
            "channel": "walk_in",
            "requester_name": "孙七",
            "requester_phone": "13700002222",
            "street_org": tree.street_a.pk,
        },
    )
    assert response.status_code == 201, response.content
    rid = response.json()["id"]
    assert response.json()["channel"] == "walk_in"
    assert response.json()["requester_phone"] == "13700002222"
    assert api.post(f"/requests/{rid}/accept", {"complexity": "difficult"}).json()["state"] == "accepted"
    assert api.post(f"/requests/{rid}/start", {}).json()["state"] == "in_progress"
    dispatched = api.post(f"/requests/{rid}/dispatch", {"to_org": tree.union_a1.pk, "instruction": "请核实"})
    assert dispatched.status_code == 200, dispatched.content
    assert dispatched.json()["handling_org"] == tree.union_a1.pk
    reported = as_officer(tree.officer_a1).post(f"/requests/{rid}/report", {"report": "已核实"})
    assert reported.json()["handling_org"] == tree.street_a.pk
    assert reported.json()["dispatches"][0]["report"] == "已核实"
    message = api.post(f"/requests/{rid}/messages", {"text": "我们在处理"})
    assert message.status_code == 201
    resolved = api.post(f"/requests/{rid}/resolve", {"resolution": "已补发"})
    assert resolved.json()["state"] == "resolved"
    closed = api.post(f"/requests/{rid}/close", {})
    assert closed.status_code == 422
    assert closed.json()["error"]["code"] == "follow_up_required"


def test_officer_reject_transfer_and_errors(tree):
    request = file(plain_worker())
    api = as_officer(tree.officer_a)
    assert api.post(f"/requests/{request.pk}/reject", {"reason": ""}).status_code == 400
    assert api.post(f"/requests/{request.pk}/start", {}).json()["error"]["code"] == "bad_state"
    response = api.post(f"/requests/{request.pk}/transfer", {"to_org": tree.union_b1.pk, "note": "x"})
    assert response.status_code == 422
    response = api.post(f"/requests/{request.pk}/transfer", {"to_org": tree.union_a2.pk, "note": "属该单位"})
    assert response.json()["state"] == "transferred"
    assert api.post(f"/requests/{request.pk}/reject", {"reason": "不属受理范围"}).json()["state"] == "rejected"
    assert api.post(f"/requests/{request.pk}/accept", {"bogus": 1}).status_code == 400


def test_officer_out_of_scope_is_404_and_viewer_is_403(tree):
    request = file(plain_worker())
    other = as_officer(tree.officer_b)
    for response in (
        other.get(f"/requests/{request.pk}"),
        other.post(f"/requests/{request.pk}/accept", {}),
        other.post(f"/requests/{request.pk}/messages", {"text": "x"}),
        other.upload(f"/requests/{request.pk}/attachments", {"file": upload()}),
    ):
        assert response.status_code == 404
    viewer = as_officer(tree.viewer_a)
    assert viewer.get(f"/requests/{request.pk}").status_code == 200
    response = viewer.post(f"/requests/{request.pk}/accept", {})
    assert response.status_code == 403
    assert ServiceRequest.objects.get(pk=request.pk).state == State.SUBMITTED


def test_recorded_request_with_out_of_scope_handling_org_is_404(tree):
    response = as_officer(tree.officer_a).post(
        "/requests",
        {**BODY, "channel": "hotline", "requester_name": "x", "handling_org": tree.union_b1.pk},
    )
    assert response.status_code == 404
    assert ServiceRequest.objects.count() == 0
    assert record(tree.officer_a).handling_org == tree.district_a
