"""Officer and worker pages: render, act, refuse (no right 403, out of scope 404, viewer read-only)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gonghui.accounts.models import AuditLog
from gonghui.medical_aid import services
from gonghui.medical_aid.models import Claim, ClaimState, Enrolment, MedicalAidPlan, PlanState
from tests.conftest import id_number, make_worker

from .support import PDF, TIERS, add_member, approve, enrol, file_claim, grant, open_plan, plan_data


@pytest.fixture
def world(tree):
    grant(tree, tree.officer_a, tree.officer_a1, tree.viewer_a, tree.officer_b)
    plan = open_plan(tree)
    member = add_member(tree, tree.union_a1, 1, name="李四")
    enrolment = enrol(tree, plan, member)
    claim = file_claim(tree, enrolment)
    return plan, member, enrolment, claim


def test_plan_pages_render_for_any_officer_in_scope(client, tree, world):
    plan = world[0]
    client.force_login(tree.officer_a1)
    assert "2026年度职工住院医疗互助" in client.get("/medical-aid/").content.decode()
    page = client.get(f"/medical-aid/plans/{plan.pk}/").content.decode()
    assert "朝阳区总工会" in page and "70.00%" in page and 'data-testid="enrolled">1<' in page
    preview = client.get(f"/medical-aid/plans/{plan.pk}/preview/", {"eligible": "11000.01"}).content.decode()
    assert 'data-testid="payout">5000.01<' in preview
    assert (
        "最多两位小数" in client.get(f"/medical-aid/plans/{plan.pk}/preview/", {"eligible": "1.001"}).content.decode()
    )
    figures = client.get(f"/medical-aid/plans/{plan.pk}/figures/").content.decode()
    assert 'data-testid="fig-enrolled">1<' in figures and "ma-chart-data" in figures


def test_figures_need_no_assistance_right_but_stay_in_scope(client, tree, world):
    plan = world[0]
    tree.officer_a.assistance_access = False
    tree.officer_a.save(update_fields=["assistance_access"])
    client.force_login(tree.officer_a)
    response = client.get(f"/medical-aid/plans/{plan.pk}/figures/")
    assert response.status_code == 200
    assert "望京街道工会" in response.content.decode() and "李四" not in response.content.decode()
    assert client.get(f"/medical-aid/plans/{plan.pk}/enrolment/").status_code == 403
    assert client.get("/medical-aid/claims/").status_code == 403
    assert client.get(f"/medical-aid/claims/{world[3].pk}/").status_code == 403
    client.force_login(tree.officer_b)
    assert client.get(f"/medical-aid/plans/{plan.pk}/figures/").status_code == 404


def test_create_plan_with_the_tier_editor(client, tree):
    client.force_login(tree.officer_a)
    data = plan_data(tree.district_a)
    data.pop("tiers")
    post = {**data, "tier_up_to": ["10000", "50000", "", ""], "tier_percent": ["50", "60", "70", ""]}
    response = client.post("/medical-aid/plans/new/", post)
    assert response.status_code == 302
    plan = MedicalAidPlan.objects.get()
    assert [t["percent"] for t in plan.tiers] == ["50.00", "60.00", "70.00"]
    bad = {**post, "name": "另一个", "tier_up_to": ["50000", "10000", ""], "tier_percent": ["50", "60", "70"]}
    response = client.post("/medical-aid/plans/new/", bad)
    assert response.status_code == 400 and "应大于上一段的上限" in response.content.decode()
    assert MedicalAidPlan.objects.count() == 1


def test_open_and_close_from_the_page_viewer_cannot(client, tree):
    plan = services.plan_create(actor=tree.superuser, data=plan_data(tree.district_a))
    client.force_login(tree.viewer_a)
    assert client.post(f"/medical-aid/plans/{plan.pk}/open/").status_code == 403
    assert client.get(f"/medical-aid/plans/{plan.pk}/edit/").status_code == 403
    client.force_login(tree.officer_a1)  # below the organiser: sees, cannot change
    assert client.get(f"/medical-aid/plans/{plan.pk}/edit/").status_code == 403
    client.force_login(tree.officer_a)
    client.post(f"/medical-aid/plans/{plan.pk}/open/")
    assert MedicalAidPlan.objects.get(pk=plan.pk).state == PlanState.OPEN
    response = client.post(f"/medical-aid/plans/{plan.pk}/edit/", {"name": "新名称", "enrol_start": "2026-01-01",
                                                                    "enrol_end": "2026-05-31"})  # fmt: skip
    assert response.status_code == 302
    assert MedicalAidPlan.objects.get(pk=plan.pk).name == "新名称"
    client.post(f"/medical-aid/plans/{plan.pk}/close/")
    assert MedicalAidPlan.objects.get(pk=plan.pk).state == PlanState.CLOSED


def _plan_enrolling_today(tree) -> MedicalAidPlan:
    """An open plan of this calendar year whose enrolment window is the whole year."""
    today = timezone.localdate()
    start, end = today.replace(month=1, day=1).isoformat(), today.replace(month=12, day=31).isoformat()
    return open_plan(
        tree, year=today.year, enrol_start=start, enrol_end=end, cover_start=start, cover_end=end,
        name="本年度计划", tiers=TIERS,
    )  # fmt: skip


def test_enrolment_page_and_bulk_enrol(client, tree, monkeypatch):
    grant(tree, tree.officer_a, tree.viewer_a)
    plan = _plan_enrolling_today(tree)
    for seq in range(1, 4):
        add_member(tree, tree.union_a1, seq, name="王小明")
    client.force_login(tree.viewer_a)
    page = client.get(f"/medical-aid/plans/{plan.pk}/enrolment/").content.decode()
    assert "批量参保" not in page or 'data-testid="bulk-form"' not in page
    assert client.post(f"/medical-aid/plans/{plan.pk}/enrol/", {"org": tree.union_a1.pk}).status_code == 403
    client.force_login(tree.officer_a)
    response = client.post(f"/medical-aid/plans/{plan.pk}/enrol/", {"org": tree.union_a1.pk})
    assert response.status_code == 302
    assert Enrolment.objects.filter(plan=plan).count() == 3
    page = client.get(f"/medical-aid/plans/{plan.pk}/enrolment/", {"org": tree.union_a1.pk}).content.decode()
    assert "王**" in page and "王小明" not in page  # masked in the list
    assert "110105********" in page


def test_enrol_one_member_by_card_or_id_number_from_the_page(client, tree):
    grant(tree, tree.officer_a, tree.viewer_a, tree.officer_b)
    today = timezone.localdate()
    plan = _plan_enrolling_today(tree)
    by_card, by_id = (
        add_member(tree, tree.union_a1, 1, name="王小明"),
        add_member(tree, tree.union_a1, 2, name="李小红"),
    )
    url = f"/medical-aid/plans/{plan.pk}/enrol-one/"
    client.force_login(tree.officer_a)
    page = client.get(f"/medical-aid/plans/{plan.pk}/enrolment/").content.decode()
    assert 'data-testid="one-form"' in page and "会员卡号或证件号码" in page

    done = client.post(url, {"member": by_card.card_number, "paid_on": today.isoformat()}, follow=True)
    assert "已为 王** 办理参保" in done.content.decode()
    assert Enrolment.objects.get(plan=plan, member=by_card).paid_on == today
    client.post(url, {"member": id_number(2)})
    assert Enrolment.objects.filter(plan=plan, member=by_id, paid_on=None).exists()

    again = client.post(url, {"member": by_card.card_number}, follow=True).content.decode()
    assert "此人已参加本计划" in again
    for term in ("王小明", "0000000000000", ""):  # a name, an unknown card, nothing
        refused = client.post(url, {"member": term}, follow=True).content.decode()
        assert "找不到该会员" in refused or "请填写会员卡号或证件号码" in refused
    assert Enrolment.objects.filter(plan=plan).count() == 2

    # another district's officer does not see the plan at all; a viewer may not enrol
    third = add_member(tree, tree.union_a1, 3, name="张三")
    client.force_login(tree.officer_b)
    assert client.post(url, {"member": third.card_number}).status_code == 404
    client.force_login(tree.viewer_a)
    assert client.post(url, {"member": third.card_number}).status_code == 403
    assert not Enrolment.objects.filter(member=third).exists()


def test_claim_queue_masks_names_and_filters(client, tree, world):
    client.force_login(tree.officer_a)
    page = client.get("/medical-aid/claims/").content.decode()
    assert world[3].reference in page and "李*" in page and "李四" not in page
    assert world[3].reference not in client.get("/medical-aid/claims/", {"state": "paid"}).content.decode()
    assert world[3].reference in client.get("/medical-aid/claims/", {"category": "inpatient"}).content.decode()
    client.force_login(tree.officer_b)
    assert world[3].reference not in client.get("/medical-aid/claims/").content.decode()
    leaked = client.get("/medical-aid/claims/", {"org": tree.union_a1.pk}).content.decode()
    assert world[3].reference not in leaked and "望京" not in leaked


def test_claim_detail_is_audited_and_shows_the_access_history(client, tree, world):
    claim = world[3]
    client.force_login(tree.officer_a)
    page = client.get(f"/medical-aid/claims/{claim.pk}/").content.decode()
    assert "李四" in page and "急性阑尾炎" in page and 'data-testid="start-review"' in page
    assert AuditLog.objects.filter(target_type="claim", target_id=str(claim.pk), actor=tree.officer_a).count() == 1
    page = client.get(f"/medical-aid/claims/{claim.pk}/").content.decode()
    assert page.count("officer_a") >= 2 or "officer_a" in page
    client.force_login(tree.officer_b)
    assert client.get(f"/medical-aid/claims/{claim.pk}/").status_code == 404
    assert not AuditLog.objects.filter(target_type="claim", actor=tree.officer_b).exists()


def test_review_actions_through_the_pages(client, tree, world):
    claim = world[3]
    client.force_login(tree.viewer_a)
    assert 'data-testid="actions"' not in client.get(f"/medical-aid/claims/{claim.pk}/").content.decode()
    assert client.post(f"/medical-aid/claims/{claim.pk}/review/").status_code == 403
    client.force_login(tree.officer_a)
    assert client.post(f"/medical-aid/claims/{claim.pk}/review/").status_code == 302
    response = client.post(f"/medical-aid/claims/{claim.pk}/approve/", {"approve-excluded_amount": "99999"})
    assert response.status_code == 400 and "不予补助部分不能超过个人自付部分" in response.content.decode()
    client.post(f"/medical-aid/claims/{claim.pk}/approve/", {"approve-excluded_amount": "0", "approve-note": "同意"})
    claim.refresh_from_db()
    assert (claim.state, claim.payout) == (ClaimState.APPROVED, Decimal("3500.00"))
    today = timezone.localdate().isoformat()
    response = client.post(
        f"/medical-aid/claims/{claim.pk}/pay/",
        {"pay-method": "bank_transfer", "pay-paid_on": today, "pay-amount": "3500.00", "pay-voucher_no": "PZ-9"},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == ClaimState.PAID and claim.voucher_no == "PZ-9"


def test_reject_and_return_through_the_pages(client, tree, world):
    client.force_login(tree.officer_a)
    second = file_claim(tree, world[2], hospital="北京协和医院")
    response = client.post(f"/medical-aid/claims/{second.pk}/return/", {"return-reason": ""})
    assert response.status_code == 400
    client.post(f"/medical-aid/claims/{second.pk}/return/", {"return-reason": "请补充发票"})
    assert Claim.objects.get(pk=second.pk).state == ClaimState.RETURNED
    client.post(f"/medical-aid/claims/{world[3].pk}/reject/", {"reject-reason": "不符合条件"})
    assert Claim.objects.get(pk=world[3].pk).state == ClaimState.REJECTED


def test_officer_files_a_claim_for_a_member_with_attachments(client, tree, world):
    enrolment = world[2]
    client.force_login(tree.officer_a1)
    assert client.get(f"/medical-aid/enrolments/{enrolment.pk}/claim/").status_code == 200
    data = {
        "category": "accident", "hospital": "北京积水潭医院", "diagnosis": "骨折", "admission_date": "2026-02-10",
        "discharge_date": "2026-02-20", "total_cost": "30000", "insurance_paid": "18000", "other_paid": "0",
        "excluded_amount": "0", "files_invoice": SimpleUploadedFile("发票.pdf", PDF, content_type="application/pdf"),
    }  # fmt: skip
    response = client.post(f"/medical-aid/enrolments/{enrolment.pk}/claim/", data)
    assert response.status_code == 302
    claim = Claim.objects.get(hospital="北京积水潭医院")
    attachment = claim.attachments.get()
    download = client.get(f"/medical-aid/claims/{claim.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Cache-Control"] == "private, no-store"
    client.force_login(tree.officer_b)
    assert client.get(f"/medical-aid/claims/{claim.pk}/attachments/{attachment.pk}/").status_code == 404


# ---- workers --------------------------------------------------------------------------------


def test_worker_sees_plan_usage_and_files_a_claim(client, tree, world):
    _plan, _member, enrolment, _claim = world
    approve(tree, world[3])
    worker = make_worker("13900000001", name="李四", id_no=id_number(1))
    client.force_login(worker.user)
    home = client.get("/m/medical-aid/").content.decode()
    assert "2026年度职工住院医疗互助" in home and 'data-testid="usage">3500.00' in home
    assert world[3].reference in home
    assert client.get("/m/medical-aid/claims/new/").status_code == 200
    data = {
        "enrolment": enrolment.pk, "category": "inpatient", "hospital": "北京安贞医院", "diagnosis": "冠心病",
        "admission_date": "2026-03-01", "discharge_date": "2026-03-08", "total_cost": "50000",
        "insurance_paid": "35000", "other_paid": "0",
        "files_invoice": SimpleUploadedFile("发票.jpg", b"\xff\xd8\xff\xe0" + b"0" * 20, content_type="image/jpeg"),
    }  # fmt: skip
    # Health data needs the separate consent (PIPL art. 29): without it nothing is filed.
    refused = client.post("/m/medical-aid/claims/new/", data)
    assert refused.status_code == 400 and "请阅读并勾选同意处理敏感个人信息" in refused.content.decode()
    assert not Claim.objects.filter(hospital="北京安贞医院").exists() and not worker.user.consents.exists()
    data["files_invoice"].seek(0)
    response = client.post("/m/medical-aid/claims/new/", {**data, "consent_sensitive": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    consent = worker.user.consents.get()
    assert (consent.purpose, consent.text.kind, consent.text.version) == ("medical_aid", "privacy", 1)
    assert consent.ip == "127.0.0.1" and "医疗互助" in consent.statement
    assert 'name="consent_sensitive"' not in client.get("/m/medical-aid/claims/new/").content.decode()
    claim = Claim.objects.get(hospital="北京安贞医院")
    assert claim.by_worker and claim.attachments.count() == 1
    detail = client.get(f"/m/medical-aid/claims/{claim.pk}/").content.decode()
    assert "预计补助" in detail and 'data-testid="breakdown"' in detail


def test_worker_cannot_see_someone_elses_claim(client, tree, world):
    stranger = make_worker("13900000002", name="王五", id_no=id_number(2))
    client.force_login(stranger.user)
    assert client.get(f"/m/medical-aid/claims/{world[3].pk}/").status_code == 404
    assert "没有参加" in client.get("/m/medical-aid/").content.decode()
    response = client.get("/m/medical-aid/claims/new/")
    assert response.status_code == 302


def test_unverified_worker_goes_to_binding_and_officers_get_403(client, tree, world):
    worker = make_worker("13900000003")
    client.force_login(worker.user)
    response = client.get("/m/medical-aid/")
    assert response.status_code == 302 and "/verify" in response["Location"]
    client.force_login(tree.officer_a)
    assert client.get("/m/medical-aid/").status_code == 403


def test_worker_answers_a_return(client, tree, world):
    worker = make_worker("13900000001", name="李四", id_no=id_number(1))
    services.claim_return(actor=tree.officer_a, claim=world[3], reason="请补充出院小结")
    client.force_login(worker.user)
    page = client.get(f"/m/medical-aid/claims/{world[3].pk}/").content.decode()
    assert "请补充出院小结" in page and 'data-testid="resubmit"' in page
    form = client.get(f"/m/medical-aid/claims/{world[3].pk}/resubmit/")
    assert form.status_code == 200
    data = {
        "category": "inpatient", "hospital": "北京朝阳医院", "diagnosis": "急性阑尾炎", "admission_date": "2026-02-01",
        "discharge_date": "2026-02-08", "total_cost": "20000", "insurance_paid": "12000", "other_paid": "0",
        "files_discharge_summary": SimpleUploadedFile("小结.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10),
    }  # fmt: skip
    assert client.post(f"/m/medical-aid/claims/{world[3].pk}/resubmit/", data).status_code == 302
    assert Claim.objects.get(pk=world[3].pk).state == ClaimState.SUBMITTED


def test_large_bulk_enrolment_from_the_page_shows_the_job(
    client, tree, monkeypatch, django_capture_on_commit_callbacks
):
    from gonghui.medical_aid import enrolment as bulk

    grant(tree, tree.officer_a)
    today = timezone.localdate()
    plan = open_plan(
        tree, name="本年计划", year=today.year, enrol_start=f"{today.year}-01-01", enrol_end=f"{today.year}-12-31",
        cover_start=f"{today.year}-01-01", cover_end=f"{today.year}-12-31",
    )  # fmt: skip
    for seq in range(1, 4):
        add_member(tree, tree.union_a1, seq)
    monkeypatch.setattr(bulk, "BULK_INLINE_MAX", 1)
    client.force_login(tree.officer_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/medical-aid/plans/{plan.pk}/enrol/", {"org": tree.district_a.pk})
    assert response.status_code == 302 and "job=" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="enrol-job" data-state="succeeded"' in page and "已为 3 名会员办理参保" in page
    job_id = response["Location"].split("job=")[1].split("&")[0]
    assert client.get(f"/medical-aid/jobs/{job_id}/").status_code == 200
    client.force_login(tree.officer_b)
    assert client.get(f"/medical-aid/jobs/{job_id}/").status_code == 403  # no right yet
    grant(tree, tree.officer_b)
    assert client.get(f"/medical-aid/jobs/{job_id}/").status_code == 302  # a change of rights signs out
    client.force_login(tree.officer_b)
    assert client.get(f"/medical-aid/jobs/{job_id}/").status_code == 404


def test_figures_drill_down_to_a_union(client, tree, world):
    client.force_login(tree.officer_a)
    page = client.get(f"/medical-aid/plans/{world[0].pk}/figures/", {"org": tree.street_a.pk}).content.decode()
    assert "望京科技公司工会" in page and "望京物流联合工会" in page
    outside = client.get(f"/medical-aid/plans/{world[0].pk}/figures/", {"org": tree.union_b1.pk}).content.decode()
    assert "中关村" not in outside  # out of scope: back to the officer's own view


def test_nav_entry_in_the_assistance_menu_for_the_right_only(client, tree):
    grant(tree, tree.officer_a)
    client.force_login(tree.officer_a)
    assert 'data-testid="nav-medical-aid"' in client.get("/medical-aid/").content.decode()
    client.force_login(tree.officer_b)
    assert 'data-testid="nav-medical-aid"' not in client.get("/medical-aid/").content.decode()


def test_cancel_an_enrolment_from_the_page(client, tree):
    grant(tree, tree.officer_a, tree.viewer_a)
    plan = open_plan(tree)
    enrolment = enrol(tree, plan, add_member(tree, tree.union_a1, 3, name="赵六"))
    client.force_login(tree.viewer_a)
    assert client.post(f"/medical-aid/enrolments/{enrolment.pk}/cancel/", {"reason": "退出"}).status_code == 403
    client.force_login(tree.officer_a)
    page = client.get(f"/medical-aid/plans/{plan.pk}/enrolment/", {"org": tree.union_a1.pk}).content.decode()
    assert f"/medical-aid/enrolments/{enrolment.pk}/cancel/" in page
    empty = client.post(f"/medical-aid/enrolments/{enrolment.pk}/cancel/", {"reason": ""})
    assert empty.status_code == 302 and Enrolment.objects.get(pk=enrolment.pk).state == "active"
    client.post(f"/medical-aid/enrolments/{enrolment.pk}/cancel/", {"reason": "调离本市"})
    cancelled = Enrolment.objects.get(pk=enrolment.pk)
    assert (cancelled.state, cancelled.cancel_reason) == ("cancelled", "调离本市")
