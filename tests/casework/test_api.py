"""/api/v1/rights casework and report routes: shapes, scope (404), roles (403), worker routes."""

from __future__ import annotations

import io

from python_calamine import CalamineWorkbook

from gonghui.casework import services as casework
from gonghui.casework.models import LegalAidCase, Mediation, Rating
from gonghui.portal.services import worker_token_issue
from tests.api.conftest import PREFIX, ApiClient
from tests.casework.support import worker_in

pytest_plugins = ["tests.casework.fixtures"]

LEGAL_AID = {
    "aid_type": "representation",
    "lawyer_name": "王律师",
    "agency_name": "某律师事务所",
    "stage": "arbitration",
    "opened_on": "2026-09-01",
    "amount_claimed": "36000.5",
}


class WorkerClient(ApiClient):
    def __init__(self, worker) -> None:
        from django.test import Client

        self.user = worker.user
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {worker_token_issue(worker=worker)}"}


def error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert set(body) == {"code", "message", "fields"}
    if code:
        assert body["code"] == code
    return body


def test_legal_aid_crud(tree, open_request):
    api = ApiClient(tree.officer_a)
    created = api.post(f"/rights/requests/{open_request.pk}/legal-aid", LEGAL_AID)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["request"] == open_request.pk
    assert (body["amount_claimed"], body["amount_recovered"], body["outcome"]) == ("36000.50", "0.00", "pending")
    assert set(body) == {
        "id", "request", "aid_type", "lawyer_name", "agency_name", "lawyer_phone", "stage", "case_number",
        "opened_on", "closed_on", "outcome", "amount_claimed", "amount_recovered", "notes", "created_at", "updated_at",
    }  # fmt: skip
    case_id = body["id"]
    assert api.get(f"/rights/legal-aid/{case_id}").json()["lawyer_name"] == "王律师"
    patched = api.patch(
        f"/rights/legal-aid/{case_id}", {"stage": "settled", "outcome": "won", "amount_recovered": 30000}
    )
    assert patched.status_code == 200
    assert (patched.json()["stage"], patched.json()["amount_recovered"]) == ("settled", "30000.00")
    assert patched.json()["closed_on"] is not None


def test_legal_aid_validation_and_errors(tree, open_request):
    api = ApiClient(tree.officer_a)
    bad = error(api.post(f"/rights/requests/{open_request.pk}/legal-aid", {**LEGAL_AID, "amount_claimed": -1}), 400)
    assert "amount_claimed" in bad["fields"]
    error(api.post(f"/rights/requests/{open_request.pk}/legal-aid", {**LEGAL_AID, "stage": "supreme"}), 400)
    error(api.post(f"/rights/requests/{open_request.pk}/legal-aid", {**LEGAL_AID, "extra": 1}), 400)
    rule = error(
        api.post(
            f"/rights/requests/{open_request.pk}/legal-aid", {**LEGAL_AID, "closed_on": "2026-08-01", "outcome": "lost"}
        ),
        422,
    )
    assert "closed_on" in rule["fields"]
    error(ApiClient(tree.officer_b).post(f"/rights/requests/{open_request.pk}/legal-aid", LEGAL_AID), 404, "not_found")
    error(ApiClient(tree.viewer_a).post(f"/rights/requests/{open_request.pk}/legal-aid", LEGAL_AID), 403, "forbidden")
    assert LegalAidCase.objects.count() == 0
    case = casework.legal_aid_open(actor=tree.officer_a, request=open_request, data={**LEGAL_AID, "opened_on": None})
    error(ApiClient(tree.officer_b).get(f"/rights/legal-aid/{case.pk}"), 404)
    error(ApiClient(tree.officer_b).patch(f"/rights/legal-aid/{case.pk}", {"stage": "enforcement"}), 404)
    error(ApiClient(tree.viewer_a).patch(f"/rights/legal-aid/{case.pk}", {"stage": "enforcement"}), 403)
    assert ApiClient(tree.viewer_a).get(f"/rights/legal-aid/{case.pk}").status_code == 200


def test_mediation_routes(tree, open_request):
    api = ApiClient(tree.officer_a)
    created = api.post(
        f"/rights/requests/{open_request.pk}/mediations",
        {"worker_party": "李四", "mediator_name": "赵调解员", "mediator_org": "调解中心", "started_on": "2026-09-02"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["employer_name"] == "北京某建筑公司" and body["sessions"] == [] and body["result"] == "pending"
    mid = body["id"]
    session = api.post(
        f"/rights/mediations/{mid}/sessions",
        {"held_on": "2026-09-05", "place": "调解室", "attendees": "双方", "summary": "沟通"},
    )
    assert session.status_code == 201 and session.json()["place"] == "调解室"
    result = api.post(
        f"/rights/mediations/{mid}/result",
        {"result": "agreed", "agreement_amount": "28000", "agreement_date": "2026-09-12", "performed": False},
    )
    assert result.status_code == 200
    assert (result.json()["agreement_amount"], result.json()["performed"], len(result.json()["sessions"])) == (
        "28000.00",
        False,
        1,
    )
    error(
        api.post(
            f"/rights/mediations/{mid}/sessions",
            {"held_on": "2026-09-20", "place": "x", "attendees": "x", "summary": "x"},
        ),
        409,
        "mediation_concluded",
    )
    patched = api.patch(f"/rights/mediations/{mid}", {"mediator_name": "钱调解员"})
    assert patched.json()["mediator_name"] == "钱调解员"
    error(ApiClient(tree.officer_b).get(f"/rights/mediations/{mid}"), 404)
    error(ApiClient(tree.viewer_a).post(f"/rights/mediations/{mid}/result", {"result": "not_agreed"}), 403)
    assert Mediation.objects.get().result == "agreed"


def test_follow_up_rating_and_casework_view(tree, resolved_request):
    api = ApiClient(tree.officer_a)
    error(
        api.post(
            f"/rights/requests/{resolved_request.pk}/follow-up", {"method": "phone", "contacted": True, "score": 6}
        ),
        400,
    )
    done = api.post(
        f"/rights/requests/{resolved_request.pk}/follow-up",
        {"method": "phone", "contacted": True, "satisfied": True, "answer": "已到账", "score": 4, "comment": "好"},
    )
    assert done.status_code == 200, done.content
    assert done.json()["attempts"] == 1 and done.json()["officer_name"] == "officer_a"
    error(api.post(f"/rights/requests/{resolved_request.pk}/rating", {"score": 5}), 409, "already_rated")
    work = api.get(f"/rights/requests/{resolved_request.pk}/casework").json()
    assert set(work) == {"legal_aid", "mediations", "follow_up", "rating"}
    assert work["rating"]["score"] == 4 and work["rating"]["source"] == "phone"
    assert work["follow_up"]["contacted"] is True
    error(ApiClient(tree.officer_b).get(f"/rights/requests/{resolved_request.pk}/casework"), 404)


def test_officer_rating_route(tree, resolved_request, open_request):
    api = ApiClient(tree.officer_a)
    error(api.post(f"/rights/requests/{open_request.pk}/rating", {"score": 5}), 409, "not_resolved")
    error(api.post(f"/rights/requests/{resolved_request.pk}/rating", {"score": 0}), 400)
    created = api.post(f"/rights/requests/{resolved_request.pk}/rating", {"score": 5, "comment": "电话"})
    assert created.status_code == 201 and created.json()["source"] == "phone"


def test_worker_rating_routes(tree, resolved_request, worker_a):
    me = WorkerClient(worker_a)
    status = me.get(f"/rights/my/requests/{resolved_request.pk}/rating")
    assert status.json() == {"can_rate": True, "rating": None}
    error(me.post(f"/rights/my/requests/{resolved_request.pk}/rating", {"score": 7}), 400)
    rated = me.post(f"/rights/my/requests/{resolved_request.pk}/rating", {"score": 5, "comment": "很好"})
    assert rated.status_code == 201 and rated.json()["source"] == "online"
    after = me.get(f"/rights/my/requests/{resolved_request.pk}/rating").json()
    assert after["can_rate"] is False and after["rating"]["score"] == 5
    error(me.post(f"/rights/my/requests/{resolved_request.pk}/rating", {"score": 1}), 409, "already_rated")
    # Someone else's request looks missing; officers are not workers; workers are not officers.
    other = WorkerClient(worker_in(tree.union_a1, name="王五"))
    error(other.get(f"/rights/my/requests/{resolved_request.pk}/rating"), 404)
    error(other.post(f"/rights/my/requests/{resolved_request.pk}/rating", {"score": 1}), 404)
    error(ApiClient(tree.officer_a).post(f"/rights/my/requests/{resolved_request.pk}/rating", {"score": 1}), 403)
    error(me.get(f"/rights/requests/{resolved_request.pk}/casework"), 403)
    assert Rating.objects.get().score == 5


def test_worker_rating_before_resolution(tree, open_request, worker_a):
    error(
        WorkerClient(worker_a).post(f"/rights/my/requests/{open_request.pk}/rating", {"score": 5}), 409, "not_resolved"
    )


def test_reports(tree, resolved_request, worker_a):
    casework.rating_submit(worker=worker_a, request=resolved_request, score=5)
    api = ApiClient(tree.officer_a)
    report = api.get("/rights/reports/satisfaction", {"date_from": "2026-01-01", "date_to": "2026-12-31"})
    assert report.status_code == 200, report.content
    body = report.json()
    assert body["root"] == {"id": tree.district_a.pk, "name": "朝阳区总工会"}
    assert [r["org_name"] for r in body["rows"]] == ["望京街道工会"]
    assert body["total"]["satisfaction_rate"] == "100.0" and body["total"]["average_score"] == "5.00"
    assert len(body["trend"]) == 12
    error(api.get("/rights/reports/satisfaction", {"date_from": "2026-05-01", "date_to": "2026-04-01"}), 422)
    error(ApiClient(tree.officer_b).get("/rights/reports/satisfaction", {"org": tree.district_a.pk}), 404)
    export = api.get("/rights/reports/satisfaction/export", {"date_from": "2026-01-01", "date_to": "2026-12-31"})
    assert export.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(export.content)).get_sheet_by_index(0).to_python()
    assert rows[3][0] == "望京街道工会"
    overdue = api.get("/rights/reports/overdue").json()
    assert overdue == {"totals": {"overdue": 0, "escalated": 0, "major": 0}, "unions": [], "items": []}
    error(ApiClient(tree.officer_b).get("/rights/reports/overdue", {"org": tree.union_a1.pk}), 404)
    error(WorkerClient(worker_a).get("/rights/reports/overdue"), 403)


def test_unauthenticated_gets_401(client, open_request):
    response = client.get(f"{PREFIX}/rights/requests/{open_request.pk}/casework")
    assert response.status_code == 401
