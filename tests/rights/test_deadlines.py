"""Deadlines on Chinese working days (holidays and make-up workdays), the per-category policy,
the overdue flag, and the escalation task."""

from __future__ import annotations

import datetime as dt

import pytest

from gonghui.jobs.periodic import load_tasks
from gonghui.notifications.models import Notification
from gonghui.rights import services
from gonghui.rights.models import DeadlinePolicy, EventKind, ServiceRequest, State
from gonghui.rights.selectors import RequestFilters, overdue_q, request_list_visible_to

from .rights_support import at, file, member_worker, plain_worker, refresh

pytestmark = pytest.mark.django_db


def utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


# ---- Spring Festival 2026: 15–23 Feb off, Saturday 14 Feb and Saturday 28 Feb worked ----------


def test_accept_deadline_on_the_make_up_saturday_before_spring_festival(tree):
    request = file(plain_worker(), now=at(2026, 2, 13, 10))  # Friday
    assert request.accept_due_at == utc(at(2026, 2, 15, 0))  # end of Sat 14 Feb (调休上班)


def test_accept_deadline_over_the_spring_festival_holiday(tree):
    request = file(plain_worker(), now=at(2026, 2, 14, 18))  # the make-up Saturday, evening
    assert request.accept_due_at == utc(at(2026, 2, 25, 0))  # end of Tue 24 Feb, first day back


def test_resolve_deadline_across_spring_festival(tree):
    request = file(plain_worker(), now=at(2026, 2, 13, 9))
    request = services.request_accept(actor=tree.officer_a, request=request, now=at(2026, 2, 13, 10))
    # 5 working days: 14, 24, 25, 26, 27 Feb.
    assert request.resolve_due_at == utc(at(2026, 2, 28, 0))


# ---- National Day 2026: 1–7 Oct off, Sunday 20 Sep and Saturday 10 Oct worked -----------------


def test_accept_deadline_before_national_day(tree):
    request = file(plain_worker(), now=at(2026, 9, 30, 10))
    assert request.accept_due_at == utc(at(2026, 10, 9, 0))  # end of Thu 8 Oct


def test_accept_deadline_on_the_make_up_sunday(tree):
    request = file(plain_worker(), now=at(2026, 9, 19, 10))  # Saturday
    assert request.accept_due_at == utc(at(2026, 9, 21, 0))  # end of Sun 20 Sep (调休上班)


def test_resolve_deadline_across_national_day_counts_the_make_up_saturday(tree):
    request = file(plain_worker(), now=at(2026, 9, 30, 9))
    request = services.request_accept(actor=tree.officer_a, request=request, now=at(2026, 9, 30, 10))
    # 5 working days: 8, 9, 10 (Sat, worked), 12, 13 Oct.
    assert request.resolve_due_at == utc(at(2026, 10, 14, 0))


# ---- complexity defaults and the per-category policy -------------------------------------------


@pytest.mark.parametrize(
    ("complexity", "due"),
    [("ordinary", at(2026, 12, 2, 0)), ("difficult", at(2026, 12, 16, 0)), ("major_complex", at(2027, 1, 7, 0))],
)
def test_resolve_limit_by_complexity(tree, complexity, due):
    request = file(plain_worker(), now=at(2026, 11, 24, 9))
    request = services.request_accept(
        actor=tree.officer_a, request=request, complexity=complexity, now=at(2026, 11, 24, 10)
    )
    assert request.resolve_due_at == utc(due)


def test_deadline_policy_overrides_the_default_for_its_category_only(tree):
    DeadlinePolicy.objects.create(category="wage_arrears", complexity="ordinary", working_days=3)
    wages = file(plain_worker(), now=at(2026, 11, 24, 9))
    injury = file(plain_worker(), category="work_injury", now=at(2026, 11, 24, 9))
    wages = services.request_accept(actor=tree.officer_a, request=wages, now=at(2026, 11, 24, 10))
    injury = services.request_accept(actor=tree.officer_a, request=injury, now=at(2026, 11, 24, 10))
    assert wages.resolve_due_at == utc(at(2026, 11, 28, 0))  # 25, 26, 27 Nov
    assert injury.resolve_due_at == utc(at(2026, 12, 2, 0))  # the default 5
    assert services.resolve_days("wage_arrears", "difficult") == 15


# ---- overdue ---------------------------------------------------------------------------------


def test_overdue_flag_and_filter(tree):
    late = file(plain_worker(), now=at(2026, 11, 24, 9))  # accept due end of 25 Nov
    fresh = file(plain_worker(), now=at(2026, 11, 26, 9))
    now = at(2026, 11, 26, 10)
    assert late.is_overdue(now) is True
    assert fresh.is_overdue(now) is False
    assert list(ServiceRequest.objects.filter(overdue_q(now))) == [late]
    listed = request_list_visible_to(actor=tree.officer_a, filters=RequestFilters(overdue=True), now=now)
    assert list(listed) == [late]
    # Accepted in time for the resolve deadline: no longer overdue.
    late = services.request_accept(actor=tree.officer_a, request=late, now=now)
    assert late.is_overdue(now) is False
    assert late.is_overdue(at(2026, 12, 4, 1)) is True  # 5 working days from 26 Nov: end of 3 Dec


def test_resolved_requests_are_never_overdue(tree):
    request = file(plain_worker(), now=at(2026, 11, 2, 9))
    services.request_accept(actor=tree.officer_a, request=request, now=at(2026, 11, 2, 10))
    request = services.request_resolve(actor=tree.officer_a, request=request, resolution="x", now=at(2026, 11, 30))
    assert request.is_overdue(at(2026, 12, 30)) is False
    assert not ServiceRequest.objects.filter(overdue_q(at(2026, 12, 30))).exists()


# ---- escalation ------------------------------------------------------------------------------


def test_escalation_task_is_registered_every_15_minutes():
    task = load_tasks()["rights.escalate_overdue"]
    assert task.minutes == 15


def test_unaccepted_request_escalates_one_level_per_overdue_working_day_and_is_idempotent(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker, now=at(2026, 11, 24, 9))  # due end of Wed 25 Nov
    assert services.escalate_overdue(now=at(2026, 11, 25, 23)) == 0
    assert services.escalate_overdue(now=at(2026, 11, 26, 1)) == 1
    request = refresh(request)
    assert (request.escalation_level, request.escalated_to) == (1, tree.street_a)
    assert services.escalate_overdue(now=at(2026, 11, 26, 2)) == 0  # twice in the same period: nothing more
    assert request.events.filter(kind=EventKind.ESCALATED).count() == 1
    assert services.escalate_overdue(now=at(2026, 11, 27, 1)) == 1  # one more working day overdue
    request = refresh(request)
    assert (request.escalation_level, request.escalated_to) == (2, tree.district_a)
    assert Notification.objects.filter(recipient=tree.officer_a, title__startswith="督办").count() == 1
    # Friday 27 Nov over: level 3, the city; the tree ends there.
    assert services.escalate_overdue(now=at(2026, 11, 30, 9)) == 1
    assert refresh(request).escalated_to == tree.city
    assert services.escalate_overdue(now=at(2026, 12, 31, 9)) == 0
    assert refresh(request).escalation_level == 3
    assert Notification.objects.filter(recipient=tree.city_admin, title__startswith="督办").count() == 1
    # Escalated to me: the city's queue filter.
    mine = request_list_visible_to(actor=tree.city_admin, filters=RequestFilters(escalated_to_me=True))
    assert list(mine) == [request]


def test_late_run_jumps_to_the_level_due(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker, now=at(2026, 11, 24, 9))
    assert services.escalate_overdue(now=at(2026, 11, 27, 1)) == 1
    request = refresh(request)
    assert (request.escalation_level, request.escalated_to) == (2, tree.district_a)


def test_resolve_phase_escalates_per_resolve_period_and_acceptance_clears_it(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker, now=at(2026, 11, 24, 9))
    services.escalate_overdue(now=at(2026, 11, 26, 1))
    request = services.request_accept(actor=tree.officer_a1, request=refresh(request), now=at(2026, 11, 26, 9))
    assert (request.escalation_level, request.escalated_to) == (0, None)
    # 5 working days: 27, 30 Nov, 1, 2, 3 Dec → due end of 3 Dec.
    assert services.escalate_overdue(now=at(2026, 12, 3, 23)) == 0
    assert services.escalate_overdue(now=at(2026, 12, 4, 1)) == 1
    assert refresh(request).escalated_to == tree.street_a
    # Level 2 only after another 5 working days (end of 10 Dec).
    assert services.escalate_overdue(now=at(2026, 12, 10, 23)) == 0
    assert services.escalate_overdue(now=at(2026, 12, 11, 1)) == 1
    assert refresh(request).escalated_to == tree.district_a


def test_request_at_the_root_is_not_escalated(tree):
    from .rights_support import record

    request = record(tree.city_admin, handling_org=tree.city.pk, now=at(2026, 11, 24, 9))
    assert services.escalate_overdue(now=at(2026, 12, 24)) == 0
    assert refresh(request).escalation_level == 0


def test_the_periodic_task_runs_the_service(tree):
    from gonghui.rights.tasks import escalate_overdue

    file(plain_worker(), now=at(2026, 1, 5, 9))  # long overdue
    assert escalate_overdue() == 1
    assert escalate_overdue() == 0
    assert ServiceRequest.objects.get().state == State.SUBMITTED
