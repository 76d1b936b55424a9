"""The demo tells stories that hold together: what a record says agrees with what else the demo
says about it (a counselling request is not resolved by recovered wages, a paid claim has its
invoice, a grant refused for income is not a filed hardship worker's, …).

One full `gonghui demo` load, then every rule over every record of its kind."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from gonghui.campaigns.models import Grant, GrantState
from gonghui.casework.models import FollowUp, LegalAidCase, Mediation
from gonghui.medical_aid.models import AttachmentKind, Claim, ClaimState
from gonghui.rights.models import Category, EventKind, ServiceRequest, State

# A resolution must say something of this kind (any one of the words) for its category.
RESOLUTION_WORDS = {
    Category.WAGE_ARREARS: ("工资",),
    Category.LABOUR_CONTRACT: ("合同",),
    Category.SOCIAL_INSURANCE: ("保险", "社保"),
    Category.WORK_INJURY: ("工伤",),
    Category.OCCUPATIONAL_SAFETY: ("防护", "防尘", "安全", "检查"),
    Category.DISMISSAL: ("补偿", "赔偿", "解除"),
    Category.WORKING_HOURS: ("加班", "休息", "排班"),
    Category.OTHER_RIGHTS: ("身份证", "证件"),
    Category.LEGAL_CONSULTATION: ("法律", "咨询", "解答"),
    Category.PSYCHOLOGICAL_COUNSELLING: ("心理", "疏导"),
    Category.EMPLOYMENT_HELP: ("培训", "岗位", "就业"),
    Category.HARDSHIP_HELP: ("帮扶", "救助", "困难"),
}
# Words that belong to one kind of story only.
ONLY_IN = {
    "救助金": {Category.HARDSHIP_HELP},
    "心理咨询": {Category.PSYCHOLOGICAL_COUNSELLING},
}
MONEY = (Category.WAGE_ARREARS, Category.DISMISSAL, Category.WORKING_HOURS)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module in a transaction rolled back after it (not flushed:
    the rows the migrations seed stay for the tests that follow)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_each_resolved_request_is_resolved_the_way_its_category_is(demo):
    finished = (
        ServiceRequest.objects.filter(state__in=[State.RESOLVED, State.CLOSED])
        .exclude(resolution="")
        .exclude(events__kind=EventKind.WITHDRAWN)  # closed by the worker, in their words
    )
    assert finished.count() >= 15
    assert set(finished.values_list("category", flat=True)) >= {
        Category.WAGE_ARREARS,
        Category.PSYCHOLOGICAL_COUNSELLING,
    }
    for r in finished:
        assert any(word in r.resolution for word in RESOLUTION_WORDS[r.category]), (r.category, r.resolution)
        for word, categories in ONLY_IN.items():
            assert word not in r.resolution or r.category in categories, (r.category, r.resolution)


def test_refusals_reopenings_and_follow_ups_fit_their_requests(demo):
    rejected = ServiceRequest.objects.filter(state=State.REJECTED)
    assert rejected.exists()
    for r in rejected:
        if "仲裁" in r.reject_reason:  # a labour dispute already before arbitration (the 12351 demo call)
            assert r.category == Category.WAGE_ARREARS, (r.title, r.reject_reason)
            continue
        # otherwise turned away as outside the union's remit: a consumer dispute, not a labour one
        assert "消费纠纷" in r.reject_reason and "商家" in r.description, (r.title, r.reject_reason)
    reopened = ServiceRequest.objects.filter(state=State.REOPENED)
    assert reopened.exists()
    for r in reopened:  # reopened because the promised money did not come
        assert r.category in MONEY, r.category
    for follow_up in FollowUp.objects.select_related("request"):
        category = follow_up.request.category
        if "工资" in follow_up.answer:
            assert category == Category.WAGE_ARREARS, follow_up.answer
        if "社保" in follow_up.answer:
            assert category == Category.SOCIAL_INSURANCE, follow_up.answer
        if "合同" in follow_up.answer:
            assert category == Category.LABOUR_CONTRACT, follow_up.answer


def test_casework_on_a_resolved_request_ended_for_the_worker(demo):
    cases = LegalAidCase.objects.filter(request__state=State.RESOLVED).exclude(outcome="pending")
    for case in cases:
        assert case.outcome in ("won", "partly_won", "settled"), case.outcome
    for mediation in Mediation.objects.filter(request__state=State.RESOLVED).exclude(result="pending"):
        assert mediation.result == "agreed", mediation.result


def test_every_paid_or_approved_claim_has_its_papers(demo):
    claims = Claim.objects.prefetch_related("attachments")
    assert claims.filter(state=ClaimState.PAID).count() >= 3
    for claim in claims:
        kinds = {a.kind for a in claim.attachments.all()}
        assert AttachmentKind.INVOICE in kinds, claim.reference
        if claim.state in (ClaimState.APPROVED, ClaimState.PAID, ClaimState.UNDER_REVIEW):
            assert {AttachmentKind.SETTLEMENT, AttachmentKind.DISCHARGE_SUMMARY} <= kinds, (claim.reference, kinds)
        if claim.state == ClaimState.PAID:
            assert AttachmentKind.VOUCHER in kinds and claim.voucher_no, claim.reference
        if claim.state == ClaimState.RETURNED:
            # Returned for the discharge summary and the settlement statement: they are missing.
            assert not kinds & {AttachmentKind.SETTLEMENT, AttachmentKind.DISCHARGE_SUMMARY}, kinds
    for claim in claims.filter(state=ClaimState.REJECTED):
        reason = claim.events.filter(kind="rejected").values_list("note", flat=True).first() or ""
        if "美容" in reason:
            assert "美容" in claim.diagnosis or "整形" in claim.diagnosis, claim.diagnosis
    for attachment in claims.filter(state=ClaimState.PAID).first().attachments.all():
        assert attachment.file.read(5) == b"%PDF-"


def test_every_paid_grant_has_its_voucher_and_refusals_fit(demo):
    paid = Grant.objects.filter(state=GrantState.PAID)
    assert paid.count() >= 3
    for grant in paid:
        assert grant.voucher, grant.pk
        assert grant.paid_amount is not None and grant.paid_amount <= grant.amount
    for grant in Grant.objects.filter(state=GrantState.REJECTED):
        if grant.hardship_file_id:  # a filed worker's income was checked at filing
            assert "超过低收入标准" not in grant.reject_reason, grant.reject_reason
