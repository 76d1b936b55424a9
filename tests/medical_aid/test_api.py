"""/api/v1/medical-aid: shapes, the shared error shape, 403 without the right, 404 out of scope."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gonghui.accounts.models import AuditLog
from gonghui.accounts.services import token_issue
from gonghui.medical_aid.models import Claim, Enrolment, MedicalAidPlan
from gonghui.portal.services import worker_token_issue
from tests.conftest import id_number, make_worker

from .support import PDF, TIERS, add_member, enrol, file_claim, grant, open_plan, plan_data

BASE = "/api/v1/medical-aid"


def auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user)}"}


@pytest.fixture
def world(tree):
    grant(tree, tree.officer_a, tree.viewer_a, tree.officer_b)
    plan = open_plan(tree)
    member = add_member(tree, tree.union_a1, 1, name="李四")
    enrolment = enrol(tree, plan, member)
    claim = file_claim(tree, enrolment)
    return plan, member, enrolment, claim


def test_plan_create_get_patch_open_close(client, tree):
    h = auth(tree.officer_a)
    data = plan_data(tree.district_a)
    response = client.post(f"{BASE}/plans", data, content_type="application/json", **h)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "draft" and body["contribution"] == "60.00"
    assert body["tiers"] == [
        {"up_to": "10000.00", "percent": "50.00"},
        {"up_to": "50000.00", "percent": "60.00"},
        {"up_to": None, "percent": "70.00"},
    ]
    assert body["organiser_name"] == "朝阳区总工会"
    pid = body["id"]
    assert client.get(f"{BASE}/plans/{pid}", **h).json()["name"] == data["name"]
    assert client.get(f"{BASE}/plans", **h).json()["items"][0]["id"] == pid
    patched = client.patch(f"{BASE}/plans/{pid}", {"deductible": "800"}, content_type="application/json", **h)
    assert patched.json()["deductible"] == "800.00"
    assert client.post(f"{BASE}/plans/{pid}/open", **h).json()["state"] == "open"
    locked = client.patch(f"{BASE}/plans/{pid}", {"yearly_cap": "1"}, content_type="application/json", **h)
    assert locked.status_code == 409 and locked.json()["error"]["code"] == "plan_rules_locked"
    assert client.post(f"{BASE}/plans/{pid}/close", **h).json()["state"] == "closed"


def test_bad_tiers_answer_422_in_the_shared_shape(client, tree):
    data = plan_data(tree.district_a, tiers=[{"up_to": "5000", "percent": "50"}])
    response = client.post(f"{BASE}/plans", data, content_type="application/json", **auth(tree.officer_a))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error" and "最后一段应不设上限" in error["fields"]["tiers"][0]
    assert MedicalAidPlan.objects.count() == 0
    unknown = client.post(
        f"{BASE}/plans", {**plan_data(tree.district_a), "colour": "red"}, content_type="application/json",
        **auth(tree.officer_a),
    )  # fmt: skip
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "bad_request"


def test_viewer_cannot_create_plans_and_out_of_scope_is_404(client, tree, world):
    data = plan_data(tree.district_a, name="另一个")
    assert client.post(f"{BASE}/plans", data, content_type="application/json", **auth(tree.viewer_a)).status_code == 403
    assert client.get(f"{BASE}/plans/{world[0].pk}", **auth(tree.officer_b)).status_code == 404
    assert client.get(f"{BASE}/plans/{world[0].pk}/figures", **auth(tree.officer_b)).status_code == 404


def test_preview_breakdown(client, tree, world):
    response = client.post(
        f"{BASE}/plans/{world[0].pk}/preview", {"eligible": "53000"}, content_type="application/json",
        **auth(tree.officer_a),
    )  # fmt: skip
    body = response.json()
    assert body["payout"] == "30000.00" and body["limited_by"] == "per_claim_cap"
    assert body["tiers"][2] == {"lower": "50000.00", "upper": None, "percent": "70.00", "base": "2000.00",
                                "amount": "1400.00"}  # fmt: skip
    assert body["estimate"] is False


def test_figures(client, tree, world):
    body = client.get(f"{BASE}/plans/{world[0].pk}/figures", **auth(tree.officer_a)).json()
    assert body["total"]["org_name"] == "朝阳区总工会"
    assert (body["total"]["enrolled"], body["total"]["claims"], body["total"]["current_members"]) == (1, 1, 1)
    assert [u["org_name"] for u in body["unions"]] == ["望京街道工会"]


def test_enrolments_single_bulk_and_list(client, tree, world):
    plan = world[0]
    today = timezone.localdate()
    plan2 = open_plan(
        tree, name="本年计划", year=today.year, enrol_start=f"{today.year}-01-01", enrol_end=f"{today.year}-12-31",
        cover_start=f"{today.year}-01-01", cover_end=f"{today.year}-12-31", tiers=TIERS,
    )  # fmt: skip
    add_member(tree, tree.union_a1, 2, name="王五")
    h = auth(tree.officer_a)
    listing = client.get(f"{BASE}/plans/{plan.pk}/enrolments", **h).json()
    assert listing["items"][0]["name_masked"] == "李*" and "name" not in listing["items"][0]
    bulk = client.post(f"{BASE}/plans/{plan2.pk}/enrolments/bulk", {"org": tree.district_a.pk},
                       content_type="application/json", **h)  # fmt: skip
    assert bulk.status_code == 200 and bulk.json() == {"created": 2, "job": None}
    again = client.post(f"{BASE}/plans/{plan2.pk}/enrolments/bulk", {"org": tree.district_a.pk},
                        content_type="application/json", **h)  # fmt: skip
    assert again.json()["created"] == 0
    assert Enrolment.objects.filter(plan=plan2).count() == 2
    outside = client.post(f"{BASE}/plans/{plan2.pk}/enrolments/bulk", {"org": tree.union_b1.pk},
                          content_type="application/json", **h)  # fmt: skip
    assert outside.status_code == 404
    window = client.post(f"{BASE}/plans/{plan.pk}/enrolments", {"member": world[1].pk},
                         content_type="application/json", **h)  # fmt: skip
    assert window.status_code == 409  # already enrolled (and the 2026 window is past or still open)
    assert client.get(f"{BASE}/plans/{plan.pk}/enrolments", **auth(tree.city_admin)).status_code == 403


def test_claims_queue_detail_and_workflow(client, tree, world):
    claim = world[3]
    h = auth(tree.officer_a)
    page = client.get(f"{BASE}/claims", {"state": "submitted"}, **h).json()
    assert [c["reference"] for c in page["items"]] == [claim.reference]
    assert page["items"][0]["name_masked"] == "李*" and page["items"][0]["payout"] == "3500.00"
    detail = client.get(f"{BASE}/claims/{claim.pk}", **h).json()
    assert detail["name"] == "李四" and detail["self_paid"] == "8000.00"
    assert detail["breakdown"]["estimate"] is True
    assert AuditLog.objects.filter(target_type="claim", target_id=str(claim.pk)).count() == 1
    early = client.post(f"{BASE}/claims/{claim.pk}/approve", {}, content_type="application/json", **h)
    assert early.status_code == 409 and early.json()["error"]["code"] == "bad_state"
    assert client.post(f"{BASE}/claims/{claim.pk}/start-review", **h).json()["state"] == "under_review"
    approved = client.post(f"{BASE}/claims/{claim.pk}/approve", {"excluded_amount": "1000", "note": "部分自费"},
                           content_type="application/json", **h).json()  # fmt: skip
    assert approved["state"] == "approved" and approved["payout"] == "3000.00"
    assert [e["kind"] for e in approved["events"]] == ["submitted", "review_started", "approved"]
    upload = SimpleUploadedFile("凭证.pdf", PDF, content_type="application/pdf")
    attached = client.post(f"{BASE}/claims/{claim.pk}/attachments", {"file": upload, "kind": "voucher"}, **h)
    assert attached.status_code == 201 and attached.json()["kind"] == "voucher"
    download = client.get(f"{BASE}/claims/{claim.pk}/attachments/{attached.json()['id']}", **h)
    assert download.status_code == 200
    today = timezone.localdate().isoformat()
    mismatch = client.post(f"{BASE}/claims/{claim.pk}/pay", {"method": "cash", "paid_on": today, "amount": "1"},
                           content_type="application/json", **h)  # fmt: skip
    assert mismatch.status_code == 422 and mismatch.json()["error"]["code"] == "amount_mismatch"
    paid = client.post(f"{BASE}/claims/{claim.pk}/pay", {"method": "cash", "paid_on": today, "amount": "3000.00"},
                       content_type="application/json", **h).json()  # fmt: skip
    assert paid["state"] == "paid" and paid["paid_amount"] == "3000.00"


def test_claims_rights_and_scope(client, tree, world):
    claim = world[3]
    tree.city_admin.refresh_from_db()
    no_right = client.get(f"{BASE}/claims/{claim.pk}", **auth(tree.city_admin))
    assert no_right.status_code == 403 and no_right.json()["error"]["code"] == "forbidden"
    assert client.get(f"{BASE}/claims", **auth(tree.city_admin)).status_code == 403
    assert client.get(f"{BASE}/claims/{claim.pk}", **auth(tree.officer_b)).status_code == 404
    assert client.get(f"{BASE}/claims/987654", **auth(tree.officer_b)).status_code == 404
    viewer = client.post(f"{BASE}/claims/{claim.pk}/start-review", **auth(tree.viewer_a))
    assert viewer.status_code == 403
    assert Claim.objects.get(pk=claim.pk).state == "submitted"


def test_officer_files_a_claim_and_self_paid_must_be_positive(client, tree, world):
    h = auth(tree.officer_a)
    url = f"{BASE}/enrolments/{world[2].pk}/claims"
    data = {"category": "accident", "hospital": "北京积水潭医院", "diagnosis": "骨折", "admission_date": "2026-02-10",
            "discharge_date": "2026-02-12", "total_cost": "5000", "insurance_paid": "5000"}  # fmt: skip
    zero = client.post(url, data, content_type="application/json", **h)
    assert zero.status_code == 422 and zero.json()["error"]["code"] == "no_self_paid"
    created = client.post(url, {**data, "insurance_paid": "3000"}, content_type="application/json", **h)
    assert created.status_code == 201 and created.json()["self_paid"] == "2000.00"
    assert client.post(url, data, content_type="application/json", **auth(tree.officer_b)).status_code == 404


def test_worker_routes(client, tree, world):
    worker = make_worker("13900000001", name="李四", id_no=id_number(1))
    h = {"HTTP_AUTHORIZATION": f"Bearer {worker_token_issue(worker=worker)}"}
    listed = client.get(f"{BASE}/my/enrolments", **h).json()
    assert listed["next_cursor"] is None
    mine = listed["items"]
    assert mine[0]["plan"]["name"] == "2026年度职工住院医疗互助" and mine[0]["usage"]["yearly_left"] == "50000.00"
    data = {"enrolment": world[2].pk, "category": "serious_outpatient", "hospital": "北京肿瘤医院",
            "diagnosis": "化疗", "admission_date": "2026-02-15", "total_cost": "9000", "insurance_paid": "6000"}  # fmt: skip
    refused = client.post(f"{BASE}/my/claims", data, content_type="application/json", **h)
    assert refused.status_code == 422 and refused.json()["error"]["fields"] == {
        "consent_sensitive": ["请阅读并勾选同意处理敏感个人信息，否则无法继续"]
    }
    assert not Claim.objects.filter(hospital="北京肿瘤医院").exists()
    data["consent_sensitive"] = True
    created = client.post(f"{BASE}/my/claims", data, content_type="application/json", **h)
    assert created.status_code == 201, created.json()
    assert list(worker.user.consents.values_list("purpose", flat=True)) == ["medical_aid"]
    cid = created.json()["id"]
    assert created.json()["by_worker"] is True and created.json()["payout"] == "1000.00"
    listing = client.get(f"{BASE}/my/claims", **h).json()
    assert {c["id"] for c in listing["items"]} == {cid, world[3].pk}
    upload = SimpleUploadedFile("发票.pdf", PDF, content_type="application/pdf")
    assert (
        client.post(f"{BASE}/my/claims/{cid}/attachments", {"file": upload, "kind": "invoice"}, **h).status_code == 201
    )
    other = make_worker("13900000002", name="王五", id_no=id_number(2))
    h2 = {"HTTP_AUTHORIZATION": f"Bearer {worker_token_issue(worker=other)}"}
    assert client.get(f"{BASE}/my/claims/{cid}", **h2).status_code == 404
    assert client.post(f"{BASE}/my/claims", data, content_type="application/json", **h2).status_code == 404
    assert client.get(f"{BASE}/my/enrolments", **h2).json() == {"items": [], "next_cursor": None}
    # Officers are not workers.
    assert client.get(f"{BASE}/my/claims", **auth(tree.officer_a)).status_code == 403


def test_record_contribution_and_cancel(client, tree):
    grant(tree, tree.officer_a, tree.viewer_a)
    plan = open_plan(tree)
    enrolment = enrol(tree, plan, add_member(tree, tree.union_a1, 5, name="赵六"))
    h = auth(tree.officer_a)
    paid = client.post(f"{BASE}/enrolments/{enrolment.pk}/payment", {"paid_on": "2026-03-01"},
                       content_type="application/json", **h)  # fmt: skip
    assert paid.status_code == 200 and paid.json()["paid_on"] == "2026-03-01"
    viewer = client.post(f"{BASE}/enrolments/{enrolment.pk}/payment", {"paid_on": "2026-03-02"},
                         content_type="application/json", **auth(tree.viewer_a))  # fmt: skip
    assert viewer.status_code == 403
    cancelled = client.post(f"{BASE}/enrolments/{enrolment.pk}/cancel", {"reason": "本人申请"},
                            content_type="application/json", **h)  # fmt: skip
    assert cancelled.json()["state"] == "cancelled"
    again = client.post(f"{BASE}/enrolments/{enrolment.pk}/payment", {"paid_on": "2026-03-02"},
                        content_type="application/json", **h)  # fmt: skip
    assert again.status_code == 409
    assert Enrolment.objects.get(pk=enrolment.pk).paid_on.isoformat() == "2026-03-01"


def test_bulk_enrolment_job_through_the_api(client, tree, monkeypatch, django_capture_on_commit_callbacks):
    from gonghui.medical_aid import enrolment as bulk

    grant(tree, tree.officer_a, tree.officer_b)
    today = timezone.localdate()
    plan = open_plan(
        tree, year=today.year, enrol_start=f"{today.year}-01-01", enrol_end=f"{today.year}-12-31",
        cover_start=f"{today.year}-01-01", cover_end=f"{today.year}-12-31",
    )  # fmt: skip
    for seq in range(1, 4):
        add_member(tree, tree.union_a1, seq)
    monkeypatch.setattr(bulk, "BULK_INLINE_MAX", 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}/plans/{plan.pk}/enrolments/bulk", {"org": tree.district_a.pk},
                               content_type="application/json", **auth(tree.officer_a))  # fmt: skip
    assert response.status_code == 202 and response.json()["created"] == 0
    job_id = response.json()["job"]["id"]
    job = client.get(f"{BASE}/enrol-jobs/{job_id}", **auth(tree.officer_a)).json()
    assert (job["state"], job["created_count"], job["progress"]) == ("succeeded", 3, 100)
    assert client.get(f"{BASE}/enrol-jobs/{job_id}", **auth(tree.officer_b)).status_code == 404


def test_worker_resubmits_through_the_api(client, tree, world):
    from gonghui.medical_aid import services

    worker = make_worker("13900000001", name="李四", id_no=id_number(1))
    h = {"HTTP_AUTHORIZATION": f"Bearer {worker_token_issue(worker=worker)}"}
    claim = world[3]
    early = client.post(f"{BASE}/my/claims/{claim.pk}/resubmit", {}, content_type="application/json", **h)
    assert early.status_code == 409
    services.claim_return(actor=tree.officer_a, claim=claim, reason="发票金额与结算单不符")
    mine = client.get(f"{BASE}/my/claims/{claim.pk}", **h).json()
    assert mine["state"] == "returned" and mine["decision_note"] == "发票金额与结算单不符"
    fixed = client.post(f"{BASE}/my/claims/{claim.pk}/resubmit", {"total_cost": "21000"},
                        content_type="application/json", **h)  # fmt: skip
    assert fixed.status_code == 200 and fixed.json()["state"] == "submitted" and fixed.json()["self_paid"] == "9000.00"
