"""/api/v1/assistance: shapes, masking, audit, permissions (no right 403, out of scope 404), workers."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from gonghui.accounts.models import AuditLog
from gonghui.assistance import services
from gonghui.assistance.models import FileState, HardshipFile
from gonghui.notifications.models import Notification
from tests.api.conftest import ApiClient
from tests.conftest import id_number, make_worker

from .support import (
    APPLY_BODY,
    file_data,
    filed_file,
    member_worker,
    no_right_officer,
    rights_for_all,
    standard,
    submitted_file,
)

pytestmark = pytest.mark.django_db
P = "/assistance"


@pytest.fixture
def setup(tree):
    rights_for_all(tree)
    standard()
    return tree


def body(org, seq=1, **overrides):
    data = file_data(org, seq, **overrides)
    return data


def test_create_visit_submit_verify_over_the_api(setup):
    tree = setup
    a1, county = ApiClient(tree.officer_a1), ApiClient(tree.officer_a)
    r = a1.post(f"{P}/files", body(tree.union_a1))
    assert r.status_code == 201, r.content
    out = r.json()
    pk = out["id"]
    assert out["state"] == "draft" and out["per_capita_income"] == "400.00" and out["suggested_level"] == "deep"
    assert out["id_number_masked"].startswith("110105****") and "id_number" not in out
    assert len(out["household"]) == 3 and out["events"][0]["kind"] == "created"
    r = a1.post(f"{P}/files/{pk}/submit")
    assert r.status_code == 422 and r.json()["error"]["code"] == "incomplete"
    r = a1.post(f"{P}/files/{pk}/visits", {"visit_date": "2026-03-01", "visitors": "赵", "findings": "属实"})
    assert r.status_code == 201 and r.json()["photos"] == 0
    r = a1.patch(f"{P}/files/{pk}", {"cause_note": "丈夫去世", "level": "relative"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "level_reason_required"
    assert a1.post(f"{P}/files/{pk}/submit").json()["state"] == "submitted"
    r = a1.post(f"{P}/files/{pk}/verify", {"note": "ok"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = county.post(f"{P}/files/{pk}/verify", {"note": "属实"})
    assert r.status_code == 200 and r.json()["state"] == "in_notice"
    r = a1.post(f"{P}/files/{pk}/objection", {"content": "有异议"})
    assert r.json()["state"] == "verified"
    r = county.post(f"{P}/files/{pk}/notice")
    assert r.json()["state"] == "in_notice"
    services.finish_notices(now=HardshipFile.objects.get(pk=pk).notice_ends_at)
    r = a1.post(f"{P}/files/{pk}/reverify", {"other_monthly_income": "100", "note": "复核"})
    assert r.status_code == 200 and r.json()["state"] == "filed"
    r = a1.post(f"{P}/files/{pk}/exit", {"reason": "employed"})
    assert r.status_code == 200 and r.json()["state"] == "exited"
    events = a1.get(f"{P}/files/{pk}/events").json()["items"]
    # (the task ran at the notice's end, a few days ahead of this test's clock)
    assert {"filed", "reviewed", "exited"} <= {e["kind"] for e in events}


def test_return_and_decline_over_the_api(setup):
    tree = setup
    file = submitted_file(tree)
    r = ApiClient(tree.officer_a).post(f"{P}/files/{file.pk}/return", {"reason": "材料不全"})
    assert r.json()["state"] == "returned" and r.json()["return_reason"] == "材料不全"
    r = ApiClient(tree.officer_a1).post(f"{P}/files/{file.pk}/decline", {"reason": "不符合条件"})
    assert r.json()["state"] == "declined"


def test_list_masks_and_detail_is_audited(setup):
    tree = setup
    file = submitted_file(tree)
    api = ApiClient(tree.officer_a)
    r = api.get(f"{P}/files")
    assert r.status_code == 200
    item = r.json()["items"][0]
    assert item["phone_masked"] == "138****8001" and item["id_number_masked"] == file.id_number_masked
    assert "13800138001" not in r.content.decode() and id_number(1) not in r.content.decode()
    assert not AuditLog.objects.filter(action="view_assistance").exists()
    r = api.get(f"{P}/files/{file.pk}")
    assert r.status_code == 200 and r.json()["phone"] == "13800138001"
    log = AuditLog.objects.get(action="view_assistance")
    assert log.actor == tree.officer_a and log.detail["via"] == "api"
    assert api.get(f"{P}/files", {"q": id_number(1)}).json()["items"][0]["id"] == file.pk
    assert api.get(f"{P}/files", {"state": "filed"}).json()["items"] == []


def test_scope_is_404_and_no_right_is_403(setup):
    tree = setup
    file = submitted_file(tree)
    b = ApiClient(tree.officer_b)
    missing = b.get(f"{P}/files/999999")
    assert missing.status_code == 404
    r = b.get(f"{P}/files/{file.pk}")
    assert r.status_code == 404 and r.json() == missing.json()
    assert b.post(f"{P}/files/{file.pk}/verify", {}).status_code == 404
    plain = ApiClient(no_right_officer(tree))
    for path in (f"/files/{file.pk}", "/files", "/pairings"):
        r = plain.get(P + path)
        assert r.status_code == 403 and r.json()["error"]["message"] == "此账号没有帮扶数据权限"
    assert plain.post(f"{P}/files", body(tree.union_a1, 2)).status_code == 403
    viewer = ApiClient(tree.viewer_a)
    assert viewer.get(f"{P}/files/{file.pk}").status_code == 200
    assert viewer.post(f"{P}/files/{file.pk}/return", {"reason": "x"}).status_code == 403
    file.refresh_from_db()
    assert file.state == FileState.SUBMITTED
    # Figures: counts only, open to the officer without the right.
    assert plain.get(f"{P}/figures").status_code == 200


def test_duplicate_person_is_409_in_the_shared_shape(setup):
    tree = setup
    submitted_file(tree, seq=4)
    r = ApiClient(tree.officer_b).post(f"{P}/files", body(tree.union_b1, 4))
    assert r.status_code == 409
    assert r.json() == {
        "error": {
            "code": "open_file_exists",
            "message": "此人已在其他工会有在档或审核中的困难职工档案",
            "fields": {"id_number": ["此人已在其他工会有在档或审核中的困难职工档案"]},
        }
    }


def test_pairings_standards_and_figures(setup):
    tree = setup
    file = filed_file(tree)
    a1 = ApiClient(tree.officer_a1)
    r = a1.post(f"{P}/files/{file.pk}/pairings", {"officer": tree.officer_a1.pk, "note": "一对一"})
    assert r.status_code == 201, r.content
    pairing = r.json()
    assert pairing["officer_name"] == "officer_a1" and pairing["is_active"]
    today = dt.date.today().isoformat()
    r = a1.post(
        f"/assistance/pairings/{pairing['id']}/visits",
        {"visit_date": today, "content": "送温暖", "help_type": "money", "help_value": "500"},
    )
    assert r.status_code == 201 and r.json()["help_value"] == "500.00"
    assert len(a1.get(f"{P}/pairings/{pairing['id']}/visits").json()["items"]) == 1
    assert [p["id"] for p in a1.get(f"{P}/pairings", {"mine": True}).json()["items"]] == [pairing["id"]]
    assert [f["id"] for f in a1.get(f"{P}/files", {"mine": True}).json()["items"]] == [file.pk]
    assert ApiClient(tree.officer_a).get(f"{P}/files", {"mine": True}).json()["items"] == []
    assert ApiClient(tree.officer_b).get(f"{P}/pairings/{pairing['id']}/visits").status_code == 404
    figures = ApiClient(tree.officer_a).get(f"{P}/figures").json()
    assert figures["total"]["filed"] == 1 and figures["total"]["pairings_active"] == 1
    assert figures["rows"][0]["org_name"] == tree.street_a.name
    r = a1.post(f"{P}/pairings/{pairing['id']}/end", {})
    assert r.json()["is_active"] is False
    city = ApiClient(tree.city_admin)
    r = city.post(
        f"{P}/standards", {"region_code": "110105", "year": 2027, "minimum_living": "1450", "low_income": "2200"}
    )
    assert r.status_code == 201
    r2 = city.post(
        f"{P}/standards", {"region_code": "110105", "year": 2027, "minimum_living": "1450", "low_income": "2200"}
    )
    assert r2.status_code == 409
    r3 = city.client.put(
        f"/api/v1{P}/standards/{r.json()['id']}",
        json.dumps({"region_code": "110105", "year": 2027, "minimum_living": "1500", "low_income": "2200"}),
        content_type="application/json",
        **city.headers,
    )
    assert r3.status_code == 200 and r3.json()["minimum_living"] == "1500.00"
    assert {s["year"] for s in a1.get(f"{P}/standards").json()["items"]} == {2026, 2027}


def test_worker_applies_and_follows_status(setup):
    tree = setup
    worker, member = member_worker(tree, tree.union_a1)
    api = ApiClient(worker.user)
    r = api.post(f"{P}/my/applications", APPLY_BODY)
    assert r.status_code == 422 and r.json()["error"]["code"] == "consent_required"
    assert not HardshipFile.objects.exists()
    r = api.post(f"{P}/my/applications", {**APPLY_BODY, "consent_sensitive": True})
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["state"] == "draft" and out["state_text"].startswith("已提交")
    assert out["org_name"] == tree.union_a1.name and out["per_capita_income"] == "450.00"
    assert set(out) == {
        "id",
        "state",
        "state_text",
        "org_name",
        "causes",
        "per_capita_income",
        "level",
        "decline_reason",
        "created_at",
        "steps",
    }
    file = HardshipFile.objects.get(pk=out["id"])
    assert (file.source, file.member, file.worker, file.name) == ("worker", member, worker, "王五")
    assert Notification.objects.filter(recipient=tree.officer_a1, title="新的困难职工帮扶申请").exists()
    assert not Notification.objects.filter(recipient__assistance_access=False, title="新的困难职工帮扶申请").exists()
    r = api.post(f"{P}/my/applications", APPLY_BODY)
    assert r.status_code == 409 and r.json()["error"]["code"] == "application_exists"
    # The union completes it, the county verifies: the worker follows along without internal notes.
    services.file_update(actor=tree.officer_a1, file=file, data={"level": "deep", "level_reason": ""})
    from .support import visit

    visit(tree.officer_a1, file)
    services.file_submit(actor=tree.officer_a1, file=file)
    services.file_return(actor=tree.officer_a, file=file, reason="内部备注：核查邻居说法")
    got = api.get(f"{P}/my/applications/{file.pk}").json()
    assert got["state"] == "returned" and "内部备注" not in str(got)
    assert [s["label"] for s in got["steps"]] == ["提交申请", "工会入户走访", "报上级工会审核"]
    assert [f["id"] for f in api.get(f"{P}/my/applications").json()["items"]] == [file.pk]
    # Someone else's file is 404 for this worker; officers get 403 on worker routes.
    other, _ = member_worker(tree, tree.union_a2, seq=51, name="赵六")
    assert ApiClient(other.user).get(f"{P}/my/applications/{file.pk}").status_code == 404
    assert ApiClient(tree.officer_a1).get(f"{P}/my/applications").status_code == 403


def test_worker_application_rules(setup):
    tree = setup
    unverified = make_worker("13700000001")
    r = ApiClient(unverified.user).post(f"{P}/my/applications", APPLY_BODY)
    assert r.status_code == 403
    nonmember = make_worker("13700000002", name="钱七", id_no=id_number(60))
    r = ApiClient(nonmember.user).post(f"{P}/my/applications", {**APPLY_BODY, "consent_sensitive": True})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_a_member"
    worker, _ = member_worker(tree, tree.union_a1, seq=52)
    r = ApiClient(worker.user).post(f"{P}/my/applications", {**APPLY_BODY, "causes": [], "consent_sensitive": True})
    assert r.status_code == 422
    # Worker routes refuse officers' files routes.
    assert ApiClient(worker.user).get(f"{P}/files").status_code == 403
    assert HardshipFile.objects.count() == 0
