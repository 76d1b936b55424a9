"""Plans (create, edit, open, close, who may) and enrolment (window, scope, bulk, idempotence)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gonghui.jobs.models import Job
from gonghui.medical_aid import enrolment as bulk
from gonghui.medical_aid import services
from gonghui.medical_aid.models import Enrolment, MedicalAidPlan, PlanState
from gonghui.medical_aid.selectors import bulk_candidates, plan_get_visible, plan_list
from gonghui.members.services import member_change_status

from .support import TODAY, add_member, enrol, grant, open_plan, plan_data

# ---- plans ----------------------------------------------------------------------------------


def test_create_plan_stores_money_as_decimal_and_tiers_normalised(tree):
    plan = services.plan_create(actor=tree.officer_a, data=plan_data(tree.district_a))
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT
    assert plan.contribution == Decimal("60.00")
    assert plan.tiers == [
        {"up_to": "10000.00", "percent": "50.00"},
        {"up_to": "50000.00", "percent": "60.00"},
        {"up_to": None, "percent": "70.00"},
    ]
    assert plan.categories == ["inpatient", "serious_outpatient", "accident"]
    assert plan.created_by == tree.officer_a


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"year": 1999}, "year"),
        ({"name": ""}, "name"),
        ({"contribution": "-1"}, "contribution"),
        ({"contribution": "60.001"}, "contribution"),
        ({"enrol_end": "2025-12-31"}, "enrol_end"),
        ({"cover_end": "2025-12-31", "enrol_end": "2025-12-01", "enrol_start": "2025-11-01"}, "cover_end"),
        ({"cover_end": "2027-06-30"}, "cover_end"),
        ({"enrol_end": "2027-01-31", "cover_end": "2026-12-31"}, "enrol_end"),
        ({"deductible_basis": "weekly"}, "deductible_basis"),
        ({"tiers": [{"up_to": "5000", "percent": "50"}]}, "tiers"),
        ({"per_claim_cap": "0"}, "per_claim_cap"),
        ({"yearly_cap": "1000"}, "yearly_cap"),
        ({"categories": []}, "categories"),
        ({"categories": ["dental"]}, "categories"),
        ({"organiser": None}, "organiser"),
    ],
)
def test_create_plan_rejects_bad_input(tree, overrides, field):
    with pytest.raises(InvalidInput) as exc:
        services.plan_create(actor=tree.officer_a, data=plan_data(tree.district_a, **overrides))
    assert field in exc.value.fields
    assert MedicalAidPlan.objects.count() == 0


def test_plan_organiser_must_be_a_federation_in_scope(tree):
    with pytest.raises(InvalidInput) as exc:
        services.plan_create(actor=tree.officer_a, data=plan_data(tree.union_a1))
    assert exc.value.code == "bad_organiser"
    with pytest.raises(NotFound):
        services.plan_create(actor=tree.officer_a, data=plan_data(tree.district_b))
    with pytest.raises(Forbidden):
        services.plan_create(actor=tree.viewer_a, data=plan_data(tree.district_a))
    assert MedicalAidPlan.objects.count() == 0


def test_duplicate_plan_name_in_the_same_year_conflicts(tree):
    services.plan_create(actor=tree.officer_a, data=plan_data(tree.district_a))
    with pytest.raises(Conflict) as exc:
        services.plan_create(actor=tree.officer_a, data=plan_data(tree.district_a))
    assert exc.value.code == "duplicate_plan"


def test_plan_visibility_follows_the_tree(tree):
    city_plan = services.plan_create(actor=tree.city_admin, data=plan_data(tree.city, name="全市计划"))
    district_plan = services.plan_create(actor=tree.officer_a, data=plan_data(tree.district_a))
    # A district officer sees their own plans and the city's (which applies to them), not B's.
    assert set(plan_list(actor=tree.officer_a)) == {city_plan, district_plan}
    assert set(plan_list(actor=tree.officer_b)) == {city_plan}
    assert set(plan_list(actor=tree.officer_a1)) == {city_plan, district_plan}
    with pytest.raises(NotFound):
        plan_get_visible(actor=tree.officer_b, plan_id=district_plan.pk)
    # ...but may change only plans organised in their subtree.
    with pytest.raises(Forbidden):
        services.plan_update(actor=tree.officer_a, plan=city_plan, data={"name": "改名"})
    assert MedicalAidPlan.objects.get(pk=city_plan.pk).name == "全市计划"


def test_draft_plan_edits_freely_open_plan_locks_the_rules(tree):
    plan = services.plan_create(actor=tree.officer_a, data=plan_data(tree.district_a))
    plan = services.plan_update(actor=tree.officer_a, plan=plan, data={"deductible": "800", "name": "新名称"})
    assert (plan.deductible, plan.name) == (Decimal("800.00"), "新名称")
    plan = services.plan_open(actor=tree.officer_a, plan=plan)
    assert plan.state == PlanState.OPEN and plan.opened_at is not None
    with pytest.raises(Conflict) as exc:
        services.plan_update(actor=tree.officer_a, plan=plan, data={"deductible": "500"})
    assert exc.value.code == "plan_rules_locked"
    assert MedicalAidPlan.objects.get(pk=plan.pk).deductible == Decimal("800.00")
    plan = services.plan_update(actor=tree.officer_a, plan=plan, data={"enrol_end": "2026-07-31"})
    assert plan.enrol_end == dt.date(2026, 7, 31)
    with pytest.raises(Conflict):
        services.plan_open(actor=tree.officer_a, plan=plan)
    plan = services.plan_close(actor=tree.officer_a, plan=plan)
    assert plan.state == PlanState.CLOSED
    with pytest.raises(Conflict):
        services.plan_close(actor=tree.officer_a, plan=plan)
    with pytest.raises(Conflict):
        services.plan_update(actor=tree.officer_a, plan=plan, data={"name": "再改"})


def test_viewer_cannot_open_or_close(tree):
    plan = services.plan_create(actor=tree.officer_a, data=plan_data(tree.district_a))
    with pytest.raises(Forbidden):
        services.plan_open(actor=tree.viewer_a, plan=plan)
    assert MedicalAidPlan.objects.get(pk=plan.pk).state == PlanState.DRAFT


# ---- enrolment ------------------------------------------------------------------------------


def test_enrol_one_member_needs_the_assistance_right_and_scope(tree):
    plan = open_plan(tree)
    member = add_member(tree, tree.union_a1, 1)
    with pytest.raises(Forbidden):
        services.enrolment_create(actor=tree.officer_a, plan=plan, member=member, today=TODAY)
    grant(tree, tree.officer_a, tree.officer_b, tree.viewer_a)
    with pytest.raises(Forbidden):
        services.enrolment_create(actor=tree.viewer_a, plan=plan, member=member, today=TODAY)
    with pytest.raises(NotFound):
        services.enrolment_create(actor=tree.officer_b, plan=plan, member=member, today=TODAY)
    assert Enrolment.objects.count() == 0
    enrolment = services.enrolment_create(
        actor=tree.officer_a, plan=plan, member=member, paid_on=dt.date(2026, 3, 1), today=TODAY
    )
    assert (enrolment.union, enrolment.contribution, enrolment.person_hash) == (
        tree.union_a1, Decimal("60.00"), member.id_number_hash,
    )  # fmt: skip
    with pytest.raises(Conflict) as exc:
        services.enrolment_create(actor=tree.officer_a, plan=plan, member=member, today=TODAY)
    assert exc.value.code == "already_enrolled"


@pytest.mark.parametrize("today", [dt.date(2025, 12, 31), dt.date(2026, 7, 1)])
def test_enrolment_only_within_the_window(tree, today):
    plan = open_plan(tree)
    member = add_member(tree, tree.union_a1, 1)
    with pytest.raises(Conflict) as exc:
        services.enrolment_create(actor=tree.superuser, plan=plan, member=member, today=today)
    assert exc.value.code == "outside_enrolment_window"
    with pytest.raises(Conflict):
        bulk.enrol_bulk(actor=tree.superuser, plan=plan, org=tree.union_a1, today=today)
    assert Enrolment.objects.count() == 0


def test_enrolment_needs_an_open_plan(tree):
    plan = services.plan_create(actor=tree.superuser, data=plan_data(tree.district_a))
    member = add_member(tree, tree.union_a1, 1)
    with pytest.raises(Conflict) as exc:
        services.enrolment_create(actor=tree.superuser, plan=plan, member=member, today=TODAY)
    assert exc.value.code == "plan_not_open"


def test_members_outside_the_plan_or_not_current_cannot_enrol(tree):
    plan = open_plan(tree)
    outsider = add_member(tree, tree.union_b1, 1)
    with pytest.raises(InvalidInput) as exc:
        services.enrolment_create(actor=tree.superuser, plan=plan, member=outsider, today=TODAY)
    assert exc.value.code == "outside_plan"
    gone = add_member(tree, tree.union_a1, 2)
    member_change_status(actor=tree.superuser, member=gone, status="withdrawn")
    with pytest.raises(InvalidInput) as exc:
        services.enrolment_create(actor=tree.superuser, plan=plan, member=gone, today=TODAY)
    assert exc.value.code == "not_current_member"


def test_cancel_and_re_enrol_reuses_the_row(tree):
    plan = open_plan(tree)
    member = add_member(tree, tree.union_a1, 1)
    enrolment = enrol(tree, plan, member)
    cancelled = services.enrolment_cancel(actor=tree.superuser, enrolment=enrolment, reason="本人申请退出")
    assert cancelled.state == "cancelled"
    again = enrol(tree, plan, member)
    assert again.pk == enrolment.pk and again.state == "active" and again.cancel_reason == ""


def test_bulk_enrolment_is_set_based_and_idempotent(tree):
    plan = open_plan(tree)
    for seq in range(1, 6):
        add_member(tree, tree.union_a1, seq)
    for seq in range(6, 9):
        add_member(tree, tree.union_a2, seq)
    add_member(tree, tree.union_b1, 9)  # outside the plan
    withdrawn = add_member(tree, tree.union_a1, 10)
    member_change_status(actor=tree.superuser, member=withdrawn, status="withdrawn")
    enrol(tree, plan, add_member(tree, tree.union_a1, 11))  # already enrolled by hand
    grant(tree, tree.officer_a)

    first = bulk.enrol_bulk(actor=tree.officer_a, plan=plan, org=tree.union_a1, paid_on=TODAY, today=TODAY)
    assert (first.created, first.job) == (5, None)
    assert Enrolment.objects.filter(plan=plan, union=tree.union_a1).count() == 6
    assert Enrolment.objects.filter(plan=plan, union=tree.union_a1, paid_on=TODAY).count() == 5
    whole = bulk.enrol_bulk(actor=tree.officer_a, plan=plan, org=tree.district_a, today=TODAY)
    assert whole.created == 3  # only union_a2's members were left
    again = bulk.enrol_bulk(actor=tree.officer_a, plan=plan, org=tree.district_a, today=TODAY)
    assert again.created == 0
    assert Enrolment.objects.filter(plan=plan).count() == 9
    assert not bulk_candidates(plan=plan, org=tree.district_a).exists()
    row = Enrolment.objects.filter(plan=plan, union=tree.union_a2).first()
    assert row.contribution == Decimal("60.00") and row.enrolled_by == tree.officer_a and row.state == "active"


def test_bulk_enrolment_scope_and_rights(tree):
    plan = open_plan(tree, org=tree.city)
    add_member(tree, tree.union_a1, 1)
    with pytest.raises(Forbidden):
        bulk.enrol_bulk(actor=tree.officer_b, plan=plan, org=tree.union_a1, today=TODAY)
    grant(tree, tree.officer_b)
    with pytest.raises(NotFound):
        bulk.enrol_bulk(actor=tree.officer_b, plan=plan, org=tree.union_a1, today=TODAY)
    assert Enrolment.objects.count() == 0
    district_plan = open_plan(tree, org=tree.district_a, name="朝阳区计划")
    with pytest.raises(NotFound):  # B cannot even see A's plan
        bulk.enrol_bulk(actor=tree.officer_b, plan=district_plan, org=tree.union_b1, today=TODAY)


def test_bulk_enrolment_outside_the_plan_subtree_is_refused(tree):
    plan = open_plan(tree, org=tree.district_a)
    with pytest.raises(InvalidInput) as exc:
        bulk.enrol_bulk(actor=tree.superuser, plan=plan, org=tree.city, today=TODAY)
    assert exc.value.code == "outside_plan"


def test_large_bulk_enrolment_runs_as_a_job(tree, django_capture_on_commit_callbacks, monkeypatch):
    plan = open_plan(tree)
    for seq in range(1, 4):
        add_member(tree, tree.union_a1, seq)
    monkeypatch.setattr(bulk, "UNIONS_PER_BATCH", 1)
    monkeypatch.setattr(bulk, "BULK_INLINE_MAX", 2)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = bulk.enrol_bulk(actor=tree.superuser, plan=plan, org=tree.district_a, paid_on=TODAY, today=TODAY)
    assert outcome.job is not None and outcome.created == 0
    job = Job.objects.get(pk=outcome.job.pk)
    assert job.kind == "medical_aid_enrol"
    assert job.state == Job.State.SUCCEEDED, job.message
    assert job.created_count == 3
    assert job.total_rows == 2  # two unions, one batch each
    assert "3" in job.message
    assert Enrolment.objects.filter(plan=plan).count() == 3


def test_bulk_job_fails_cleanly_when_the_plan_closed_meanwhile(tree, django_capture_on_commit_callbacks):
    plan = open_plan(tree)
    add_member(tree, tree.union_a1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = bulk.enrol_bulk(actor=tree.superuser, plan=plan, org=tree.union_a1, today=TODAY, background=True)
        services.plan_close(actor=tree.superuser, plan=plan)  # before the job starts
    job = Job.objects.get(pk=outcome.job.pk)
    assert job.state == Job.State.FAILED and "计划未在实施中" in job.message
    assert Enrolment.objects.count() == 0
