"""The hardship-file workflow through the services: every step, its permissions and its history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gonghui.accounts.models import AuditLog
from gonghui.assistance import selectors, services
from gonghui.assistance.models import FileEvent, FileState, HardshipFile
from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gonghui.core.workdays import local_date
from gonghui.members.services import member_create
from gonghui.notifications.models import Notification
from tests.conftest import id_number, member_data

from .support import (
    MONDAY,
    file_data,
    filed_file,
    grant,
    no_right_officer,
    rights_for_all,
    standard,
    submitted_file,
    visit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tree):
    rights_for_all(tree)
    standard()
    return tree


def test_create_computes_income_and_suggestion(setup):
    tree = setup
    file = services.file_create(actor=tree.officer_a1, data=file_data(tree.union_a1), now=MONDAY)
    assert file.state == FileState.DRAFT
    assert file.household_size == 3
    assert file.monthly_household_income == Decimal("1200.00")
    assert file.per_capita_income == Decimal("400.00")
    assert file.suggested_level == "deep"
    assert file.id_number_masked == "110105********" + id_number(1)[-4:]
    assert file.id_number_hash and id_number(1) not in file.id_number_encrypted
    assert file.gender and file.birth_date == dt.date(1990, 5, 17)
    assert file.region_code == "110105"
    assert file.causes == ["serious_illness", "schooling"]
    assert file.household.count() == 3
    event = file.events.get()
    assert event.kind == FileEvent.Kind.CREATED
    assert id_number(1) not in str(event.changes) and "13800138001" not in str(event.changes)
    assert event.changes["phone_masked"][1] == "138****8001"


def test_create_without_household_uses_entered_totals(setup):
    tree = setup
    data = file_data(tree.union_a1, household=[], household_size=2, monthly_household_income="5000", level="")
    file = services.file_create(actor=tree.officer_a1, data=data)
    assert (file.household_size, file.per_capita_income, file.suggested_level) == (2, Decimal("2500.00"), "relative")


def test_level_different_from_suggestion_needs_a_reason(setup):
    tree = setup
    with pytest.raises(InvalidInput) as exc:
        services.file_create(actor=tree.officer_a1, data=file_data(tree.union_a1, level="relative"))
    assert exc.value.code == "level_reason_required"
    assert HardshipFile.objects.count() == 0
    file = services.file_create(
        actor=tree.officer_a1, data=file_data(tree.union_a1, level="relative", level_reason="有其他收入来源")
    )
    assert file.level == "relative"


def test_create_links_the_member(setup):
    tree = setup
    member = member_create(actor=tree.officer_a1, data=member_data(tree.union_a1, 1))
    file = services.file_create(actor=tree.officer_a1, data=file_data(tree.union_a1, 1))
    assert file.member == member
    other = services.file_create(actor=tree.officer_a1, data=file_data(tree.union_a1, 2))
    assert other.member is None


def test_create_needs_right_write_scope_and_grassroots(setup):
    tree = setup
    plain = no_right_officer(tree)
    with pytest.raises(Forbidden):
        services.file_create(actor=plain, data=file_data(tree.union_a1))
    with pytest.raises(Forbidden):
        services.file_create(actor=tree.viewer_a, data=file_data(tree.union_a1))
    with pytest.raises(NotFound):
        services.file_create(actor=tree.officer_b, data=file_data(tree.union_a1))
    with pytest.raises(InvalidInput) as exc:
        services.file_create(actor=tree.officer_a, data=file_data(tree.street_a))
    assert exc.value.code == "org_not_grassroots"
    with pytest.raises(InvalidInput) as exc:
        services.file_create(actor=tree.officer_a1, data=file_data(tree.union_a1, id_number="123"))
    assert "id_number" in exc.value.fields
    assert HardshipFile.objects.count() == 0


def test_submit_needs_a_home_visit_causes_and_level(setup):
    tree = setup
    file = services.file_create(actor=tree.officer_a1, data=file_data(tree.union_a1, causes=[], level=""))
    with pytest.raises(InvalidInput) as exc:
        services.file_submit(actor=tree.officer_a1, file=file)
    assert set(exc.value.fields) == {"visits", "causes", "level"}
    file.refresh_from_db()
    assert file.state == FileState.DRAFT


def test_full_workflow_with_notifications(setup, sms_outbox):
    tree = setup
    file = submitted_file(tree)
    assert file.state == FileState.SUBMITTED
    assert file.verifying_org == tree.district_a
    assert Notification.objects.filter(recipient=tree.officer_a, topic="assistance").count() == 1
    file = services.file_verify(actor=tree.officer_a, file=file, note="属实", now=MONDAY)
    assert file.state == FileState.IN_NOTICE
    assert file.verified_by == tree.officer_a
    # 5 working days from Monday 2026-03-02: ends at the end of Monday 2026-03-09 (Beijing).
    assert local_date(file.notice_ends_at - dt.timedelta(seconds=1)) == dt.date(2026, 3, 9)
    assert services.finish_notices(now=file.notice_ends_at - dt.timedelta(minutes=1)) == 0
    assert services.finish_notices(now=file.notice_ends_at) == 1
    assert services.finish_notices(now=file.notice_ends_at) == 0  # idempotent
    file.refresh_from_db()
    assert file.state == FileState.FILED
    assert file.next_review_due == dt.date(2027, 3, 10)
    kinds = list(file.events.values_list("kind", flat=True))
    assert kinds == ["created", "visited", "submitted", "verified", "notice_started", "filed"]


def test_verify_and_return_only_by_the_county_federation(setup):
    tree = setup
    file = submitted_file(tree)
    for actor in (tree.officer_a1,):  # the filing union itself
        with pytest.raises(Forbidden):
            services.file_verify(actor=actor, file=file)
        with pytest.raises(Forbidden):
            services.file_return(actor=actor, file=file, reason="x")
    with pytest.raises(NotFound):
        services.file_verify(actor=tree.officer_b, file=file)
    with pytest.raises(Forbidden):
        services.file_verify(actor=tree.viewer_a, file=file)
    file.refresh_from_db()
    assert file.state == FileState.SUBMITTED
    # The city federation above the county may act too.
    services.file_verify(actor=tree.city_admin, file=file)
    file.refresh_from_db()
    assert file.state == FileState.IN_NOTICE


def test_return_and_resubmit(setup):
    tree = setup
    file = submitted_file(tree)
    with pytest.raises(InvalidInput):
        services.file_return(actor=tree.officer_a, file=file, reason="  ")
    file = services.file_return(actor=tree.officer_a, file=file, reason="收入证明不全")
    assert file.state == FileState.RETURNED and file.return_reason == "收入证明不全"
    assert Notification.objects.filter(recipient=tree.officer_a1, title="困难职工档案被退回").exists()
    services.file_update(actor=tree.officer_a1, file=file, data={"cause_note": "补充了收入证明"})
    file = services.file_submit(actor=tree.officer_a1, file=file)
    assert file.state == FileState.SUBMITTED and file.return_reason == ""


def test_verify_may_change_level_with_reason(setup):
    tree = setup
    file = submitted_file(tree)
    with pytest.raises(InvalidInput):
        services.file_verify(actor=tree.officer_a, file=file, level="relative")
    file = services.file_verify(actor=tree.officer_a, file=file, level="relative", level_reason="有赡养费收入")
    assert file.level == "relative"
    assert file.events.get(kind="verified").changes == {"level": ["deep", "relative"]}


def test_notice_across_a_holiday_counts_working_days(setup):
    tree = setup
    # Verified Wed 2026-09-30 (Beijing); National Day holiday 1–7 October 2026.
    wed = dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.UTC)
    file = submitted_file(tree, now=wed)
    file = services.file_verify(actor=tree.officer_a, file=file, now=wed)
    end_day = local_date(file.notice_ends_at - dt.timedelta(seconds=1))
    from gonghui.core.workdays import add_working_days, working_days_between

    assert end_day == add_working_days(dt.date(2026, 9, 30), 5)
    assert end_day > dt.date(2026, 10, 7)
    assert working_days_between(dt.date(2026, 9, 30), end_day) == 5


def test_notice_days_configured_per_region(setup):
    tree = setup
    standard("110105", 2026, "1395", "2093", days=7)
    file = submitted_file(tree)
    file = services.file_verify(actor=tree.officer_a, file=file, now=MONDAY)
    assert local_date(file.notice_ends_at - dt.timedelta(seconds=1)) == dt.date(2026, 3, 11)


def test_objection_puts_the_file_back_for_review(setup):
    tree = setup
    file = services.file_verify(actor=tree.officer_a, file=submitted_file(tree), now=MONDAY)
    file = services.file_record_objection(actor=tree.officer_a1, file=file, content="群众反映家中有车辆", now=MONDAY)
    assert file.state == FileState.VERIFIED and file.notice_ends_at is None
    assert services.finish_notices(now=MONDAY + dt.timedelta(days=30)) == 0
    with pytest.raises(Forbidden):
        services.file_start_notice(actor=tree.officer_a1, file=file)
    file = services.file_start_notice(actor=tree.officer_a, file=file, now=MONDAY + dt.timedelta(days=2))
    assert file.state == FileState.IN_NOTICE
    with pytest.raises(Conflict):
        services.file_record_objection(actor=tree.officer_a1, file=submitted_file(tree, seq=2), content="x")


def test_one_open_file_per_person_nationwide(setup):
    tree = setup
    submitted_file(tree, seq=7)
    # The same person at a union of another district: a draft is refused early …
    with pytest.raises(Conflict) as exc:
        services.file_create(actor=tree.officer_b, data=file_data(tree.union_b1, 7))
    assert exc.value.code == "open_file_exists"
    assert tree.union_a1.name not in exc.value.message  # not in officer_b's scope
    # … and named when the holding union is in the actor's scope.
    with pytest.raises(Conflict) as exc:
        services.file_create(actor=tree.officer_a, data=file_data(tree.union_a2, 7))
    assert tree.union_a1.name in exc.value.message
    assert HardshipFile.objects.filter(id_number_hash=HardshipFile.objects.get().id_number_hash).count() == 1


def test_submit_refused_when_another_file_opened_meanwhile(setup):
    tree = setup
    draft_b = services.file_create(actor=tree.officer_b, data=file_data(tree.union_b1, 8))
    visit(tree.officer_b, draft_b)
    submitted_file(tree, seq=8)
    with pytest.raises(Conflict):
        services.file_submit(actor=tree.officer_b, file=draft_b)
    draft_b.refresh_from_db()
    assert draft_b.state == FileState.DRAFT


def test_the_database_index_holds_without_the_service_check(setup):
    tree = setup
    from django.db import IntegrityError, transaction

    first = submitted_file(tree, seq=9)
    copy = HardshipFile.objects.get(pk=first.pk)
    copy.pk = None
    copy.org = tree.union_b1
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_exited_person_may_be_filed_again(setup):
    tree = setup
    file = filed_file(tree, seq=3)
    services.file_exit(actor=tree.officer_a1, file=file, reason="employed", now=MONDAY + dt.timedelta(days=60))
    again = submitted_file(tree, seq=3, now=MONDAY + dt.timedelta(days=61))
    assert again.state == FileState.SUBMITTED


def test_reverification_updates_facts_and_history(setup):
    tree = setup
    file = filed_file(tree)
    later = dt.datetime(2027, 2, 20, 2, 0, tzinfo=dt.UTC)
    with pytest.raises(InvalidInput):  # income now above the 低保 line: relative, not deep, needs a reason
        services.file_reverify(
            actor=tree.officer_a1, file=file, data={"household": [{"name": "王困难", "relation": "本人", "monthly_income": "6000"}]}, now=later
        )  # fmt: skip
    file = services.file_reverify(
        actor=tree.officer_a1,
        file=file,
        data={"household": [{"name": "王困难", "relation": "本人", "monthly_income": "2000"}, {"name": "李某", "relation": "配偶", "monthly_income": "1800"}], "level": "relative"},
        now=later,
    )  # fmt: skip
    assert file.per_capita_income == Decimal("1900.00")
    assert (file.suggested_level, file.level) == ("relative", "relative")
    assert file.next_review_due == dt.date(2028, 2, 20)
    assert file.last_reviewed_on == dt.date(2027, 2, 20)
    assert file.household.count() == 2
    event = file.events.get(kind="reviewed")
    assert event.changes["level"] == ["deep", "relative"]
    assert event.changes["per_capita_income"] == ["400.00", "1900.00"]
    with pytest.raises(Forbidden):
        services.file_reverify(actor=tree.viewer_a, file=file, data={})


def test_exit_with_reason_and_date(setup):
    tree = setup
    file = filed_file(tree)
    when = MONDAY + dt.timedelta(days=100)
    with pytest.raises(InvalidInput):
        services.file_exit(actor=tree.officer_a1, file=file, reason="other", now=when)
    with pytest.raises(InvalidInput):
        services.file_exit(actor=tree.officer_a1, file=file, reason="employed", exit_date="2099-01-01", now=when)
    with pytest.raises(NotFound):
        services.file_exit(actor=tree.officer_b, file=file, reason="employed", now=when)
    pairing = services.pairing_create(actor=tree.officer_a1, file=file, officer_id=tree.officer_a1.pk, now=when)
    file = services.file_exit(
        actor=tree.officer_a1, file=file, reason="income_above_line", exit_date="2026-06-01", now=when
    )
    assert (file.state, file.exit_reason, file.exit_date) == ("exited", "income_above_line", dt.date(2026, 6, 1))
    pairing.refresh_from_db()
    assert not pairing.is_active and pairing.end_date == dt.date(2026, 6, 1)
    with pytest.raises(Conflict):
        services.file_exit(actor=tree.officer_a1, file=file, reason="employed", now=when)


def test_review_reminders_are_sent_once(setup):
    tree = setup
    file = filed_file(tree)  # due 2027-03-10
    early = dt.datetime(2027, 1, 1, 2, 0, tzinfo=dt.UTC)
    assert services.send_review_reminders(now=early) == 0
    soon = dt.datetime(2027, 2, 10, 2, 0, tzinfo=dt.UTC)
    assert services.send_review_reminders(now=soon) == 1
    assert services.send_review_reminders(now=soon + dt.timedelta(days=1)) == 0
    late = dt.datetime(2027, 3, 11, 2, 0, tzinfo=dt.UTC)
    assert services.send_review_reminders(now=late) == 1
    assert services.send_review_reminders(now=late + dt.timedelta(days=3)) == 0
    titles = list(
        Notification.objects.filter(recipient=tree.officer_a1, topic="assistance", title__contains="复核").values_list(
            "title", flat=True
        )
    )
    assert sorted(titles) == sorted([f"困难职工档案即将到期复核：{file.name}", f"困难职工档案复核已逾期：{file.name}"])
    # Officers without the right hear nothing.
    assert not Notification.objects.filter(title__contains="复核", recipient__assistance_access=False).exists()


def test_reverification_moves_the_due_date_and_reminders_start_over(setup):
    tree = setup
    file = filed_file(tree)
    late = dt.datetime(2027, 3, 11, 2, 0, tzinfo=dt.UTC)
    services.send_review_reminders(now=late)
    services.file_reverify(actor=tree.officer_a1, file=file, data={}, now=late)
    assert services.send_review_reminders(now=late) == 0


def test_detail_view_is_audited_and_listed(setup):
    tree = setup
    file = submitted_file(tree)
    selectors.file_view(actor=tree.officer_a, file_id=file.pk, ip="10.0.0.1")
    log = AuditLog.objects.get(action=AuditLog.Action.VIEW_ASSISTANCE)
    assert (log.actor, log.target_id, log.org, log.ip) == (tree.officer_a, str(file.pk), tree.union_a1, "10.0.0.1")
    assert id_number(1) not in str(log.detail)
    assert [a.actor for a in selectors.file_access_log(actor=tree.officer_a1, file=file)] == [tree.officer_a]


def test_reads_need_the_right_and_scope(setup):
    tree = setup
    file = submitted_file(tree)
    plain = no_right_officer(tree, org=tree.district_a, name="plain_a")
    with pytest.raises(Forbidden):
        selectors.file_view(actor=plain, file_id=file.pk)
    with pytest.raises(NotFound):
        selectors.file_view(actor=tree.officer_b, file_id=file.pk)
    assert list(selectors.file_list_visible_to(actor=tree.viewer_a)) == [file]
    assert list(selectors.file_list_visible_to(actor=tree.officer_b)) == []
    assert not AuditLog.objects.filter(action=AuditLog.Action.VIEW_ASSISTANCE).exists()


def test_list_filters(setup):
    tree = setup
    a = filed_file(tree, seq=1)
    b = submitted_file(tree, seq=2, causes=["disaster_accident"], sudden_loss=True, household=[], household_size=1,
                       monthly_household_income="9000", level="accident")  # fmt: skip
    f = selectors.FileFilters

    def ids(**kw):
        return [
            x.pk
            for x in selectors.file_list_visible_to(actor=tree.officer_a, filters=f(**kw), today=dt.date(2027, 3, 1))
        ]

    assert ids(cause="disaster_accident") == [b.pk]
    assert ids(cause="serious_illness") == [a.pk]
    assert ids(level="accident") == [b.pk]
    assert ids(state="filed") == [a.pk]
    assert ids(review="due") == [a.pk]
    assert ids(review="overdue") == []
    assert ids(q=id_number(2)) == [b.pk]
    assert ids(q="王") == [b.pk, a.pk]
    assert ids(org_id=tree.union_a2.pk) == []
    assert ids(paired_with_me=True) == []
    services.pairing_create(actor=tree.officer_a, file=a, officer_id=tree.officer_a.pk)
    assert ids(paired_with_me=True) == [a.pk]


def test_pairing_and_visits_roll_up_to_figures(setup):
    tree = setup
    file = filed_file(tree)
    with pytest.raises(InvalidInput):  # officer_b is neither above the file's union nor in officer_a1's scope
        services.pairing_create(actor=tree.officer_a1, file=file, officer_id=tree.officer_b.pk)
    pairing = services.pairing_create(
        actor=tree.officer_a1,
        file=file,
        officer_id=tree.officer_a.pk,
        start_date="2026-03-20",
        now=MONDAY + dt.timedelta(days=20),
    )
    with pytest.raises(Conflict):
        services.pairing_create(actor=tree.officer_a1, file=file, officer_id=tree.officer_a.pk)
    when = dt.datetime(2026, 4, 1, 2, 0, tzinfo=dt.UTC)
    services.pairing_visit_add(
        actor=tree.officer_a,
        pairing=pairing,
        data={"content": "送米面油", "help_type": "goods", "help_value": "300"},
        now=when,
    )
    services.pairing_visit_add(
        actor=tree.officer_a, pairing=pairing, data={"content": "看望", "help_type": "none"}, now=when
    )
    with pytest.raises(InvalidInput):
        services.pairing_visit_add(
            actor=tree.officer_a,
            pairing=pairing,
            data={"content": "x", "help_type": "none", "help_value": "5"},
            now=when,
        )
    with pytest.raises(InvalidInput):
        services.pairing_visit_add(
            actor=tree.officer_a, pairing=pairing, data={"content": "x", "visit_date": "2026-03-01"}, now=when
        )
    with pytest.raises(Forbidden):
        services.pairing_visit_add(actor=tree.viewer_a, pairing=pairing, data={"content": "x"}, now=when)
    submitted_file(tree, seq=2)
    figures = selectors.assistance_figures(actor=tree.city_admin, year=2026, today=dt.date(2027, 3, 1))
    assert figures.root == tree.city
    rows = {r.org.pk: r for r in figures.rows}
    a = rows[tree.district_a.pk]
    assert (a.filed, a.files_by_level, a.pairings_active, a.pairing_visits_year) == (1, {"deep": 1}, 1, 2)
    assert a.help_value_year == Decimal("300.00")
    assert (a.review_due, a.review_overdue, a.in_review) == (1, 0, 1)
    assert rows[tree.district_b.pk].filed == 0
    assert figures.total.filed == 1
    # Figures are counts only: an officer without the right may read them for their scope.
    plain = no_right_officer(tree, org=tree.district_a, name="plain_a")
    mine = selectors.assistance_figures(actor=plain, year=2026)
    assert mine.root == tree.district_a and [r.org for r in mine.rows] == [tree.street_a]
    with pytest.raises(NotFound):
        selectors.assistance_figures(actor=tree.officer_b, org_id=tree.district_a.pk)
    services.pairing_end(actor=tree.officer_a1, pairing=pairing, end_date="2026-05-01")
    with pytest.raises(Conflict):
        services.pairing_visit_add(actor=tree.officer_a, pairing=pairing, data={"content": "x"}, now=when)


def test_living_standard_editing_rights(setup):
    tree = setup
    row = services.living_standard_save(
        actor=tree.officer_a,
        data={"region_code": "110105", "year": 2027, "minimum_living": "1450", "low_income": "2175"},
    )
    assert row.updated_by == tree.officer_a
    with pytest.raises(Forbidden):  # another district's region
        services.living_standard_save(
            actor=tree.officer_a, data={"region_code": "110108", "year": 2027, "minimum_living": "1", "low_income": "2"}
        )
    with pytest.raises(Forbidden):  # a grassroots union
        services.living_standard_save(
            actor=tree.officer_a1,
            data={"region_code": "110105", "year": 2028, "minimum_living": "1", "low_income": "2"},
        )
    with pytest.raises(Forbidden):
        services.living_standard_save(
            actor=tree.viewer_a, data={"region_code": "110105", "year": 2028, "minimum_living": "1", "low_income": "2"}
        )
    with pytest.raises(InvalidInput):
        services.living_standard_save(
            actor=tree.city_admin,
            data={"region_code": "110105", "year": 2028, "minimum_living": "3", "low_income": "2"},
        )
    with pytest.raises(Conflict):
        services.living_standard_save(
            actor=tree.city_admin,
            data={"region_code": "110105", "year": 2027, "minimum_living": "1", "low_income": "2"},
        )
    plain = no_right_officer(tree, org=tree.city, name="plain_city")
    with pytest.raises(Forbidden):
        services.living_standard_save(
            actor=plain, data={"region_code": "110000", "year": 2028, "minimum_living": "1", "low_income": "2"}
        )
    updated = services.living_standard_save(
        actor=tree.city_admin,
        standard=row,
        data={
            "region_code": "110105",
            "year": 2027,
            "minimum_living": "1500",
            "low_income": "2200",
            "notice_working_days": 7,
        },
    )
    assert (updated.minimum_living, updated.notice_working_days) == (Decimal("1500.00"), 7)


def test_home_visit_photos_checked(setup):
    tree = setup
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .support import png

    file = services.file_create(actor=tree.officer_a1, data=file_data(tree.union_a1))
    data = {"visit_date": "2026-03-01", "visitors": "赵", "findings": "属实"}
    with pytest.raises(InvalidInput) as exc:
        services.home_visit_add(
            actor=tree.officer_a1, file=file, data=data, photos=[SimpleUploadedFile("a.exe", b"MZ...")], now=MONDAY
        )
    assert exc.value.code == "bad_file_type"
    with pytest.raises(InvalidInput) as exc:
        services.home_visit_add(
            actor=tree.officer_a1, file=file, data=data, photos=[SimpleUploadedFile("a.png", b"not a png")], now=MONDAY
        )
    assert exc.value.code == "bad_file_content"
    with pytest.raises(InvalidInput):
        services.home_visit_add(actor=tree.officer_a1, file=file, data={**data, "visit_date": "2026-03-05"}, now=MONDAY)
    assert file.visits.count() == 0
    with pytest.raises(InvalidInput) as exc:
        services.home_visit_add(
            actor=tree.officer_a1, file=file, data=data, photos=[png(size=5 * 1024 * 1024)], now=MONDAY
        )
    assert exc.value.code == "file_too_large"
    with pytest.raises(InvalidInput):
        services.home_visit_add(
            actor=tree.officer_a1, file=file, data=data, photos=[png() for _i in range(7)], now=MONDAY
        )
    assert file.visits.count() == 0
    visit_row = services.home_visit_add(actor=tree.officer_a1, file=file, data=data, photos=[png()], now=MONDAY)
    assert visit_row.photos.get().content_type == "image/png"


def test_decline_a_draft(setup):
    tree = setup
    file = services.file_create(actor=tree.officer_a1, data=file_data(tree.union_a1))
    file = services.file_decline(actor=tree.officer_a1, file=file, reason="家庭收入较高")
    assert file.state == FileState.DECLINED
    with pytest.raises(Conflict):
        services.file_submit(actor=tree.officer_a1, file=file)


def test_officer_with_right_granted_later(tree):
    standard()
    grant(tree, tree.officer_a1)
    file = services.file_create(actor=tree.officer_a1, data=file_data(tree.union_a1))
    assert file.pk
