"""Claims: filing, every state transition and who may make it, payout fixed at approval, payment."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gonghui.accounts.models import AuditLog
from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gonghui.medical_aid import services
from gonghui.medical_aid.models import Claim, ClaimEvent, ClaimState
from gonghui.medical_aid.selectors import claim_get_for_worker, claim_list, enrolment_usage
from gonghui.notifications.models import Notification
from tests.conftest import id_number, make_worker

from .support import PDF, TODAY, add_member, approve, claim_data, enrol, file_claim, grant, open_plan

D = Decimal


@pytest.fixture
def setup(tree):
    grant(tree, tree.officer_a, tree.officer_a1, tree.officer_b, tree.viewer_a)
    plan = open_plan(tree)
    member = add_member(tree, tree.union_a1, 1, name="李四")
    enrolment = enrol(tree, plan, member)
    return plan, member, enrolment


def test_filing_computes_self_paid_eligible_and_an_estimate(tree, setup):
    _plan, _member, enrolment = setup
    claim = file_claim(tree, enrolment, actor=tree.officer_a1, other_paid="500", excluded_amount="500")
    assert claim.reference == f"YL2026-{claim.pk:06d}"
    assert claim.self_paid == D("7500.00")  # 20000 − 12000 − 500
    assert claim.eligible_amount == D("7000.00")
    assert claim.payout == D("3000.00")  # (7000 − 1000) × 50 %
    assert claim.breakdown["estimate"] is True
    assert claim.state == ClaimState.SUBMITTED and claim.union == tree.union_a1
    assert list(claim.events.values_list("kind", flat=True)) == ["submitted"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"insurance_paid": "20000"}, "insurance_paid"),  # self-paid zero
        ({"insurance_paid": "15000", "other_paid": "6000"}, "insurance_paid"),  # negative
        ({"total_cost": "0"}, "total_cost"),
        ({"total_cost": "-5"}, "total_cost"),
        ({"total_cost": "100.005"}, "total_cost"),
        ({"excluded_amount": "9000"}, "excluded_amount"),
        ({"category": "maternity"}, "category"),  # not covered by this plan
        ({"category": ""}, "category"),
        ({"hospital": ""}, "hospital"),
        ({"diagnosis": ""}, "diagnosis"),
        ({"admission_date": "2025-12-31"}, "admission_date"),  # before the cover period
        ({"admission_date": "2026-04-01", "discharge_date": "2026-04-02"}, "admission_date"),  # future
        ({"discharge_date": "2026-01-20"}, "discharge_date"),  # before admission
        ({"discharge_date": ""}, "discharge_date"),  # inpatient needs it
        ({"admission_date": "2026-13-01"}, "admission_date"),
    ],
)
def test_bad_claims_are_refused_and_nothing_is_saved(tree, setup, overrides, field):
    _plan, _member, enrolment = setup
    with pytest.raises(InvalidInput) as exc:
        file_claim(tree, enrolment, **overrides)
    assert field in exc.value.fields
    assert Claim.objects.count() == 0


def test_outpatient_needs_no_discharge_date(tree, setup):
    claim = file_claim(tree, setup[2], category="serious_outpatient", discharge_date="")
    assert claim.discharge_date is None


def test_duplicate_claim_for_the_same_stay_conflicts(tree, setup):
    file_claim(tree, setup[2])
    with pytest.raises(Conflict) as exc:
        file_claim(tree, setup[2])
    assert exc.value.code == "duplicate_claim"


def test_full_workflow_approve_and_pay(tree, setup, sms_outbox):
    _plan, _member, enrolment = setup
    worker = make_worker("13900000001", name="李四", id_no=id_number(1))
    today = timezone.localdate()
    claim = file_claim(tree, enrolment)
    claim = services.claim_start_review(actor=tree.officer_a, claim=claim)
    assert claim.state == ClaimState.UNDER_REVIEW
    claim = services.claim_approve(actor=tree.officer_a, claim=claim, excluded_amount="1000", note="自费药品不予补助")
    assert claim.state == ClaimState.APPROVED
    assert (claim.eligible_amount, claim.payout, claim.deductible_applied) == (D("7000.00"), D("3000.00"), D("1000.00"))
    assert "estimate" not in claim.breakdown and claim.breakdown["payout"] == "3000.00"
    with pytest.raises(InvalidInput) as exc:
        services.claim_pay(
            actor=tree.officer_a,
            claim=claim,
            method="bank_transfer",
            paid_on=today,
            amount="2999.99",
            voucher_no="PZ-1",
            today=today,
        )
    assert exc.value.code == "amount_mismatch"
    with pytest.raises(InvalidInput) as exc:
        services.claim_pay(
            actor=tree.officer_a, claim=claim, method="bank_transfer", paid_on=today, amount="3000", today=today
        )
    assert "voucher_no" in exc.value.fields
    voucher = SimpleUploadedFile("凭证.pdf", PDF, content_type="application/pdf")
    claim = services.claim_pay(
        actor=tree.officer_a,
        claim=claim,
        method="bank_transfer",
        paid_on=today,
        amount="3000.00",
        voucher_no="PZ-2026-001",
        voucher=voucher,
        today=today,
    )
    assert claim.state == ClaimState.PAID
    assert (claim.paid_amount, claim.voucher_no, claim.payment_method) == (D("3000.00"), "PZ-2026-001", "bank_transfer")
    assert claim.attachments.get().kind == "voucher"
    assert list(claim.events.values_list("kind", flat=True)) == ["submitted", "review_started", "approved", "paid"]
    # The worker heard about every step.
    titles = list(Notification.objects.filter(recipient=worker.user).values_list("title", flat=True))
    assert any("已核准，补助 3000.00 元" in t for t in titles)
    assert any("已发放" in t for t in titles)
    for bad in ("approve", "reject", "return", "start"):
        with pytest.raises(Conflict):
            {
                "approve": lambda: services.claim_approve(actor=tree.officer_a, claim=claim),
                "reject": lambda: services.claim_reject(actor=tree.officer_a, claim=claim, reason="x"),
                "return": lambda: services.claim_return(actor=tree.officer_a, claim=claim, reason="x"),
                "start": lambda: services.claim_start_review(actor=tree.officer_a, claim=claim),
            }[bad]()


def test_approval_needs_review_first(tree, setup):
    claim = file_claim(tree, setup[2])
    with pytest.raises(Conflict) as exc:
        services.claim_approve(actor=tree.officer_a, claim=claim)
    assert exc.value.code == "bad_state"
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.SUBMITTED


def test_reject_from_submitted_and_under_review(tree, setup):
    first = file_claim(tree, setup[2])
    first = services.claim_reject(actor=tree.officer_a, claim=first, reason="不属于受理范围")
    assert (first.state, first.decision_note, first.payout) == (ClaimState.REJECTED, "不属于受理范围", None)
    second = file_claim(tree, setup[2])  # a rejected claim does not block a new one for the same stay
    second = services.claim_start_review(actor=tree.officer_a, claim=second)
    second = services.claim_reject(actor=tree.officer_a, claim=second, reason="材料不实")
    assert second.state == ClaimState.REJECTED
    with pytest.raises(InvalidInput):
        services.claim_reject(actor=tree.officer_a, claim=file_claim(tree, setup[2]), reason="  ")
    with pytest.raises(Conflict):
        services.claim_pay(actor=tree.officer_a, claim=second, method="cash", paid_on=TODAY, amount="0", today=TODAY)


def test_return_and_resubmit_by_officer(tree, setup):
    claim = file_claim(tree, setup[2])
    claim = services.claim_return(actor=tree.officer_a, claim=claim, reason="请补充出院小结")
    assert claim.state == ClaimState.RETURNED
    with pytest.raises(Conflict):
        services.claim_start_review(actor=tree.officer_a, claim=claim)
    claim = services.claim_resubmit(actor=tree.officer_a, claim=claim, data={"total_cost": "22000"}, today=TODAY)
    assert claim.state == ClaimState.SUBMITTED and claim.self_paid == D("10000.00")
    claim = services.claim_start_review(actor=tree.officer_a, claim=claim)
    claim = services.claim_return(actor=tree.officer_a, claim=claim, reason="发票不清晰")
    assert claim.state == ClaimState.RETURNED
    with pytest.raises(Conflict):
        services.claim_resubmit(actor=tree.officer_a, claim=file_claim(tree, setup[2], hospital="别的医院"))


def test_yearly_cap_across_claims_and_per_year_deductible(tree):
    grant(tree, tree.officer_a)
    plan = open_plan(tree, deductible_basis="per_year", yearly_cap="40000")
    enrolment = enrol(tree, plan, add_member(tree, tree.union_a1, 1))
    # 1st: eligible 61000 → (60000 × tiers) 36000 → per-claim cap 30000; deductible 1000 used.
    first = approve(tree, file_claim(tree, enrolment, total_cost="70000", insurance_paid="9000"))
    assert (first.payout, first.deductible_applied) == (D("30000.00"), D("1000.00"))
    # 2nd: no deductible left; 30000 eligible → 5000 + 12000 = 17000, but only 10000 left of the year.
    second = approve(
        tree, file_claim(tree, enrolment, hospital="北京协和医院", total_cost="40000", insurance_paid="10000")
    )
    assert second.payout == D("10000.00")
    assert second.deductible_applied == D("0.00")
    assert second.breakdown["limited_by"] == "yearly_cap"
    third = approve(
        tree,
        file_claim(tree, enrolment, hospital="北京天坛医院", admission_date="2026-03-01", discharge_date="2026-03-05"),
    )
    assert third.payout == D("0.00")
    usage = enrolment_usage(enrolment)
    assert (usage.claims, usage.paid_out, usage.yearly_left) == (3, D("40000.00"), D("0.00"))


def test_rejected_and_open_claims_do_not_count_against_the_cap(tree, setup):
    _plan, _member, enrolment = setup
    services.claim_reject(actor=tree.officer_a, claim=file_claim(tree, enrolment), reason="重复")
    file_claim(tree, enrolment, hospital="另一家医院")  # still submitted
    usage = enrolment_usage(enrolment)
    assert (usage.claims, usage.paid_out, usage.open_claims) == (0, D("0.00"), 1)


# ---- permissions ----------------------------------------------------------------------------


def test_no_assistance_right_is_403(tree, setup):
    claim = file_claim(tree, setup[2])
    tree.officer_a.assistance_access = False
    tree.officer_a.save(update_fields=["assistance_access"])
    for call in (
        lambda: claim_list(actor=tree.officer_a),
        lambda: services.claim_open(actor=tree.officer_a, claim_id=claim.pk),
        lambda: services.claim_start_review(actor=tree.officer_a, claim=claim),
        lambda: services.claim_create(actor=tree.officer_a, enrolment=setup[2], data=claim_data(), today=TODAY),
    ):
        with pytest.raises(Forbidden) as exc:
            call()
        assert "帮扶数据权限" in exc.value.message
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.SUBMITTED


def test_out_of_scope_is_404(tree, setup):
    claim = file_claim(tree, setup[2])
    for call in (
        lambda: services.claim_open(actor=tree.officer_b, claim_id=claim.pk),
        lambda: services.claim_start_review(actor=tree.officer_b, claim=claim),
        lambda: services.claim_reject(actor=tree.officer_b, claim=claim, reason="x"),
        lambda: services.claim_create(actor=tree.officer_b, enrolment=setup[2], data=claim_data(), today=TODAY),
    ):
        with pytest.raises(NotFound):
            call()
    assert list(claim_list(actor=tree.officer_b)) == []
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.SUBMITTED


def test_viewer_reads_but_cannot_act(tree, setup):
    claim = file_claim(tree, setup[2])
    assert list(claim_list(actor=tree.viewer_a)) == [claim]
    assert services.claim_open(actor=tree.viewer_a, claim_id=claim.pk) == claim
    with pytest.raises(Forbidden):
        services.claim_start_review(actor=tree.viewer_a, claim=claim)
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.SUBMITTED


def test_every_detail_view_is_audited(tree, setup):
    claim = file_claim(tree, setup[2])
    services.claim_open(actor=tree.officer_a, claim_id=claim.pk, ip="10.0.0.1")
    services.claim_open(actor=tree.viewer_a, claim_id=claim.pk)
    logs = AuditLog.objects.filter(action=AuditLog.Action.VIEW_ASSISTANCE, target_type="claim", target_id=str(claim.pk))
    assert sorted(log.actor.username for log in logs) == ["officer_a", "viewer_a"]
    assert logs.get(actor=tree.officer_a).org == tree.union_a1
    assert logs.get(actor=tree.officer_a).ip == "10.0.0.1"


# ---- workers --------------------------------------------------------------------------------


def test_worker_files_only_under_their_own_enrolment(tree, setup):
    _plan, _member, enrolment = setup
    worker = make_worker("13900000001", name="李四", id_no=id_number(1))
    stranger = make_worker("13900000002", name="王五", id_no=id_number(2))
    unverified = make_worker("13900000003")
    with pytest.raises(NotFound):
        services.claim_file_worker(worker=stranger, enrolment=enrolment, data=claim_data(), today=TODAY)
    with pytest.raises(Forbidden):
        services.claim_file_worker(worker=unverified, enrolment=enrolment, data=claim_data(), today=TODAY)
    upload = SimpleUploadedFile("发票.pdf", PDF, content_type="application/pdf")
    claim = services.claim_file_worker(
        worker=worker,
        enrolment=enrolment,
        data=claim_data(excluded_amount="5000"),  # a worker cannot exclude: the reviewer decides
        uploads=[("invoice", upload)],
        today=TODAY,
    )
    assert claim.by_worker and claim.excluded_amount == D("0.00") and claim.filed_by == worker.user
    assert claim.attachments.get().original_name == "发票.pdf"
    # The union's officers are told and see it in their queue.
    assert Notification.objects.filter(recipient=tree.officer_a1, title__contains=claim.reference).exists()
    assert claim in claim_list(actor=tree.officer_a1)
    assert claim_get_for_worker(worker=worker, claim_id=claim.pk) == claim
    with pytest.raises(NotFound):
        claim_get_for_worker(worker=stranger, claim_id=claim.pk)


def test_worker_resubmits_a_returned_claim_with_documents(tree, setup):
    worker = make_worker("13900000001", name="李四", id_no=id_number(1))
    claim = services.claim_file_worker(worker=worker, enrolment=setup[2], data=claim_data(), today=TODAY)
    services.claim_return(actor=tree.officer_a, claim=claim, reason="请补充出院小结")
    more = SimpleUploadedFile("小结.pdf", PDF, content_type="application/pdf")
    claim = services.claim_resubmit(
        worker=worker, claim=claim, data={"other_paid": "1000"}, uploads=[("discharge_summary", more)], today=TODAY
    )
    assert claim.state == ClaimState.SUBMITTED and claim.self_paid == D("7000.00")
    assert ClaimEvent.objects.filter(claim=claim, kind="resubmitted", by_worker=True).exists()
    stranger = make_worker("13900000002", name="王五", id_no=id_number(2))
    with pytest.raises(NotFound):
        services.claim_resubmit(worker=stranger, claim=claim, today=TODAY)


def test_attachments_are_checked(tree, setup):
    claim = file_claim(tree, setup[2])
    fake = SimpleUploadedFile("发票.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(InvalidInput) as exc:
        services.claim_attach(actor=tree.officer_a, claim=claim, upload=fake, kind="invoice")
    assert exc.value.code == "bad_file_content"
    exe = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(InvalidInput) as exc:
        services.claim_attach(actor=tree.officer_a, claim=claim, upload=exe, kind="invoice")
    assert exc.value.code == "bad_file_type"
    good = SimpleUploadedFile("发票.pdf", PDF, content_type="application/pdf")
    with pytest.raises(InvalidInput) as exc:
        services.claim_attach(actor=tree.officer_a, claim=claim, upload=good, kind="selfie")
    assert exc.value.code == "bad_attachment_kind"
    assert claim.attachments.count() == 0


def test_attachment_size_limit(tree, setup, settings):
    settings.GONGHUI_MEDICAL_AID_ATTACHMENT_MAX_BYTES = 20
    claim = file_claim(tree, setup[2])
    big = SimpleUploadedFile("发票.pdf", PDF, content_type="application/pdf")
    with pytest.raises(InvalidInput) as exc:
        services.claim_attach(actor=tree.officer_a, claim=claim, upload=big, kind="invoice")
    assert exc.value.code == "file_too_large"


def test_claims_need_an_active_enrolment_and_an_open_plan(tree, setup):
    plan, _member, enrolment = setup
    services.enrolment_cancel(actor=tree.officer_a, enrolment=enrolment, reason="退出")
    with pytest.raises(Conflict) as exc:
        file_claim(tree, enrolment)
    assert exc.value.code == "not_enrolled"
    other = enrol(tree, plan, add_member(tree, tree.union_a1, 2))
    services.plan_close(actor=tree.superuser, plan=plan)
    with pytest.raises(Conflict) as exc:
        file_claim(tree, other)
    assert exc.value.code == "plan_not_open"


def test_enrolment_with_claims_cannot_be_cancelled(tree, setup):
    file_claim(tree, setup[2])
    with pytest.raises(Conflict) as exc:
        services.enrolment_cancel(actor=tree.officer_a, enrolment=setup[2], reason="退出")
    assert exc.value.code == "has_claims"


def test_worker_cannot_add_documents_once_review_has_started(tree, setup):
    worker = make_worker("13900000001", name="李四", id_no=id_number(1))
    claim = services.claim_file_worker(worker=worker, enrolment=setup[2], data=claim_data(), today=TODAY)
    services.claim_start_review(actor=tree.officer_a, claim=claim)
    upload = SimpleUploadedFile("发票.pdf", PDF, content_type="application/pdf")
    with pytest.raises(Conflict):
        services.claim_attach(worker=worker, claim=claim, upload=upload, kind="invoice")
    assert claim.attachments.count() == 0


def test_preview_with_an_enrolment_counts_earlier_payouts(tree, setup):
    plan, _member, enrolment = setup
    approve(tree, file_claim(tree, enrolment, total_cost="100000", insurance_paid="20000"))  # 30000 (capped)
    preview = services.payout_preview(plan=plan, eligible=D("53000"), enrolment=enrolment)
    assert preview.amount == D("20000.00") and preview.breakdown["paid_before"] == "30000.00"
    assert Claim.objects.filter(enrolment=enrolment).count() == 1  # nothing saved


def test_a_union_without_officers_is_covered_by_the_nearest_one_above(tree, setup):
    plan = setup[0]
    enrolment = enrol(tree, plan, add_member(tree, tree.union_a2, 7, name="钱七"))  # 望京物流联合工会: no accounts
    claim = file_claim(tree, enrolment)
    told = Notification.objects.filter(title__contains=claim.reference)
    assert [n.recipient.username for n in told] == ["officer_a"]  # 朝阳区总工会 (the street has none either)


def test_the_officer_who_typed_a_claim_in_cannot_approve_it(tree):
    """Four eyes on money: the filer may start the review, but another officer approves."""
    grant(tree, tree.officer_a)
    grant(tree, tree.officer_a1)
    plan = open_plan(tree)
    enrolment = enrol(tree, plan, add_member(tree, tree.union_a1, 1))
    claim = file_claim(tree, enrolment, actor=tree.officer_a1)
    claim = services.claim_start_review(actor=tree.officer_a1, claim=claim)
    with pytest.raises(Forbidden):
        services.claim_approve(actor=tree.officer_a1, claim=claim)
    claim.refresh_from_db()
    assert claim.state == ClaimState.UNDER_REVIEW and claim.decided_at is None
    approved = services.claim_approve(actor=tree.officer_a, claim=claim)
    assert approved.state == ClaimState.APPROVED and approved.reviewed_by == tree.officer_a
