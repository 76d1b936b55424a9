"""Joining services: applications, invites, online homes, founding prompts, overdue flags, transfer requests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone
from tests.conftest import id_number, make_worker, member_data

from gonghui.core import pii
from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gonghui.core.workdays import deadline_after
from gonghui.joining import selectors, services
from gonghui.joining.models import (
    FoundingPrompt,
    JoinApplication,
    JoiningEvent,
    JoinSource,
    JoinState,
    OnlineHome,
    OrgInvite,
    PromptState,
    TransferRequest,
    TransferState,
)
from gonghui.joining.tasks import flag_overdue
from gonghui.members.models import Member, MemberEvent, MemberStatus, Transfer
from gonghui.members.services import member_create
from gonghui.notifications.models import Notification
from gonghui.orgs.models import Org, OrgKind

SH = dt.timezone(dt.timedelta(hours=8))


# ---- applications ----------------------------------------------------------------------------


def test_submit_stores_the_roll_fields_from_the_binding_encrypted(tree, new_worker, apply):
    worker = new_worker(1)
    app = apply(worker, tree.union_a1)
    app.refresh_from_db()
    assert app.state == JoinState.SUBMITTED
    assert app.name == "李四"
    assert app.id_number_hash == pii.keyed_hash(id_number(1))
    assert pii.decrypt(app.id_number_encrypted) == id_number(1)
    assert app.id_number_masked == id_number(1)[:6] + "********" + id_number(1)[-4:]
    assert id_number(1) not in str(JoinApplication.objects.filter(pk=app.pk).values().get())
    assert app.source == JoinSource.SEARCH
    assert app.new_employment_form == "delivery_rider" and app.is_migrant_worker is True
    assert app.due_at == deadline_after(app.submitted_at, 5)
    assert app.events.get().kind == JoiningEvent.Kind.SUBMITTED
    # The deciders (union_a1's officer) hear of it.
    assert Notification.objects.filter(recipient=tree.officer_a1, topic="join.submitted").count() == 1


def test_submit_needs_real_name_binding(tree, apply):
    worker = make_worker("13700009999")
    with pytest.raises(Forbidden):
        apply(worker, tree.union_a1)
    assert JoinApplication.objects.count() == 0


def test_submit_validates_the_fields(tree, new_worker, apply):
    worker = new_worker(1)
    with pytest.raises(InvalidInput) as exc:
        apply(worker, tree.union_a1, employer_uscc="123", education="phd")
    assert set(exc.value.fields) == {"employer_uscc", "education"}
    assert JoinApplication.objects.count() == 0


def test_submit_refuses_unions_that_do_not_take_members(tree, new_worker, apply):
    worker = new_worker(1)
    for org in (tree.district_a, tree.city):
        with pytest.raises(NotFound):
            apply(worker, org)
    assert JoinApplication.objects.count() == 0


def test_one_pending_application_at_a_time(tree, new_worker, apply):
    worker = new_worker(1)
    apply(worker, tree.union_a1)
    with pytest.raises(Conflict) as exc:
        apply(worker, tree.union_b1)
    assert exc.value.code == "application_pending"
    assert JoinApplication.objects.count() == 1


def test_current_member_cannot_apply_and_is_told_their_union(tree, new_worker, apply):
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=1, name="李四"))
    worker = new_worker(1)
    with pytest.raises(Conflict) as exc:
        apply(worker, tree.union_b1)
    assert exc.value.code == "already_member"
    assert "望京科技公司工会" in exc.value.message
    assert JoinApplication.objects.count() == 0


def test_approve_creates_the_member_with_a_card_and_notifies_by_sms(
    tree, new_worker, apply, sms_outbox, django_capture_on_commit_callbacks
):
    worker = new_worker(1)
    app = apply(worker, tree.union_a1)
    sms_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(actor=tree.officer_a1, application=app)
    app.refresh_from_db()
    member = app.member
    assert app.state == JoinState.APPROVED and app.decided_by == tree.officer_a1 and app.decided_at
    assert member.org == tree.union_a1 and member.status == MemberStatus.ACTIVE
    assert len(member.card_number) == 13
    assert member.id_number_hash == pii.keyed_hash(id_number(1))
    assert member.employer_name == "望京快送有限公司" and member.new_employment_form == "delivery_rider"
    # Registered, and the applicant's account linked to the record its own application produced.
    assert [(e.kind, e.actor) for e in member.events.order_by("id")] == [
        ("created", tree.officer_a1),
        ("account_bound", tree.officer_a1),
    ]
    proof = worker.binding_requests.get()
    assert (proof.method, proof.state, proof.member, proof.decided_by) == (
        "joined_online",
        "confirmed",
        member,
        tree.officer_a1,
    )
    tree.union_a1.refresh_from_db()
    assert tree.union_a1.member_count == 1
    note = Notification.objects.get(recipient=worker.user, topic="join.approved")
    assert member.card_number in note.body
    assert [m.phone for m in sms_outbox] == [worker.phone]
    assert [e.kind for e in app.events.all()] == ["submitted", "approved"]


def test_reject_needs_a_reason_and_notifies(tree, new_worker, apply, sms_outbox, django_capture_on_commit_callbacks):
    worker = new_worker(1)
    app = apply(worker, tree.union_a1)
    with pytest.raises(InvalidInput) as exc:
        services.application_reject(actor=tree.officer_a, application=app, reason="  ")
    assert exc.value.fields == {"reason": ["请填写原因"]}
    app.refresh_from_db()
    assert app.state == JoinState.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        services.application_reject(actor=tree.officer_a, application=app, reason="不在本单位工作")
    app.refresh_from_db()
    assert app.state == JoinState.REJECTED and app.reject_reason == "不在本单位工作"
    note = Notification.objects.get(recipient=worker.user, topic="join.rejected")
    assert "不在本单位工作" in note.body
    assert [m.phone for m in sms_outbox] == [worker.phone]
    assert Member.objects.count() == 0


def test_decided_application_cannot_be_decided_again(tree, new_worker, apply):
    app = apply(new_worker(1), tree.union_a1)
    services.application_approve(actor=tree.officer_a, application=app)
    with pytest.raises(Conflict):
        services.application_reject(actor=tree.officer_a, application=app, reason="x")
    with pytest.raises(Conflict):
        services.application_approve(actor=tree.officer_a, application=app)
    assert Member.objects.count() == 1


def test_who_may_decide(tree, new_worker, apply):
    app = apply(new_worker(1), tree.union_a1)
    with pytest.raises(Forbidden):
        services.application_approve(actor=tree.viewer_a, application=app)
    with pytest.raises(NotFound):
        services.application_approve(actor=tree.officer_b, application=app)
    with pytest.raises(NotFound):
        services.application_reject(actor=tree.officer_b, application=app, reason="x")
    app.refresh_from_db()
    assert app.state == JoinState.SUBMITTED and Member.objects.count() == 0
    # The union's own officer, the district's and the city's may.
    services.application_approve(actor=tree.city_admin, application=app)
    app.refresh_from_db()
    assert app.state == JoinState.APPROVED


def test_approval_refused_when_the_person_joined_elsewhere_meanwhile(tree, new_worker, apply):
    app = apply(new_worker(1), tree.union_a1)
    member_create(actor=tree.officer_b, data=member_data(tree.union_b1, seq=1, name="李四"))
    with pytest.raises(Conflict) as exc:
        services.application_approve(actor=tree.officer_a, application=app)
    assert exc.value.code == "duplicate_member"
    app.refresh_from_db()
    assert app.state == JoinState.SUBMITTED and app.member is None


def test_worker_withdraws_own_pending_application_only(tree, new_worker, apply):
    worker, other = new_worker(1), new_worker(2, name="王五")
    app = apply(worker, tree.union_a1)
    with pytest.raises(NotFound):
        services.application_withdraw(worker=other, application=app)
    services.application_withdraw(worker=worker, application=app)
    app.refresh_from_db()
    assert app.state == JoinState.WITHDRAWN
    with pytest.raises(Conflict):
        services.application_withdraw(worker=worker, application=app)
    with pytest.raises(Conflict):
        services.application_approve(actor=tree.officer_a, application=app)
    # After withdrawing, the worker may apply again.
    again = services.application_submit(worker=worker, org=tree.union_b1, data={})
    assert again.state == JoinState.SUBMITTED


def test_worker_sees_only_own_applications(tree, new_worker, apply):
    worker, other = new_worker(1), new_worker(2, name="王五")
    mine = apply(worker, tree.union_a1)
    theirs = apply(other, tree.union_b1)
    assert list(selectors.worker_applications(worker=worker)) == [mine]
    with pytest.raises(NotFound):
        selectors.worker_application_get(worker=worker, application_id=theirs.pk)


def test_officers_see_only_their_scope(tree, new_worker, apply):
    a = apply(new_worker(1), tree.union_a1)
    b = apply(new_worker(2, name="王五"), tree.union_b1)
    assert list(selectors.application_list_visible_to(actor=tree.officer_a)) == [a]
    assert list(selectors.application_list_visible_to(actor=tree.officer_b)) == [b]
    assert set(selectors.application_list_visible_to(actor=tree.city_admin)) == {a, b}
    assert list(selectors.application_list_visible_to(actor=tree.officer_a1)) == [a]
    with pytest.raises(NotFound):
        selectors.application_get_visible(actor=tree.officer_b, application_id=a.pk)


# ---- invites ----------------------------------------------------------------------------------


def test_invite_regenerate_stops_the_old_code(tree):
    first = services.invite_ensure(actor=tree.officer_a, org=tree.union_a1)
    assert services.invite_ensure(actor=tree.officer_a, org=tree.union_a1) == first
    assert selectors.invite_lookup(code=first.token).org == tree.union_a1
    second = services.invite_regenerate(actor=tree.officer_a1, org=tree.union_a1)
    assert second.token != first.token and len(second.token) >= 16
    with pytest.raises(NotFound):
        selectors.invite_lookup(code=first.token)
    assert selectors.invite_lookup(code=second.token) == second
    assert OrgInvite.objects.filter(org=tree.union_a1, is_active=True).count() == 1


def test_invite_rights_and_kinds(tree):
    with pytest.raises(Forbidden):
        services.invite_regenerate(actor=tree.viewer_a, org=tree.union_a1)
    with pytest.raises(NotFound):
        services.invite_regenerate(actor=tree.officer_b, org=tree.union_a1)
    with pytest.raises(InvalidInput):
        services.invite_regenerate(actor=tree.officer_a, org=tree.district_a)
    assert OrgInvite.objects.count() == 0
    assert services.invite_regenerate(actor=tree.officer_a, org=tree.street_a).org == tree.street_a


def test_invite_of_a_deactivated_union_stops_working(tree):
    invite = services.invite_ensure(actor=tree.officer_a, org=tree.union_a1)
    Org.objects.filter(pk=tree.union_a1.pk).update(is_active=False)
    with pytest.raises(NotFound):
        selectors.invite_lookup(code=invite.token)


# ---- online home and founding prompts ---------------------------------------------------------


def test_online_home_is_created_on_first_approval(tree, new_worker, apply):
    app = apply(new_worker(1), tree.street_a)
    assert app.org == tree.street_a and app.source == JoinSource.ONLINE_HOME
    assert not OnlineHome.objects.exists()
    services.application_approve(actor=tree.officer_a, application=app)
    home = OnlineHome.objects.get()
    assert home.township == tree.street_a
    assert home.org.name == "望京街道网上会员之家"
    assert home.org.kind == OrgKind.JOINT_GRASSROOTS and home.org.parent == tree.street_a
    app.refresh_from_db()
    assert app.org == home.org and app.member.org == home.org
    # Later applications to the township go straight to its home.
    later = apply(new_worker(2, name="王五"), tree.street_a)
    assert later.org == home.org and later.source == JoinSource.ONLINE_HOME
    assert services.online_home_ensure(actor=tree.officer_a, township=tree.street_a) == home
    assert OnlineHome.objects.count() == 1


def test_online_home_only_for_townships(tree):
    with pytest.raises(InvalidInput):
        services.online_home_ensure(actor=tree.officer_a, township=tree.district_a)
    with pytest.raises(Forbidden):
        services.online_home_ensure(actor=tree.viewer_a, township=tree.street_a)
    assert not OnlineHome.objects.exists()


def _join_home(tree, new_worker, apply, seq, **data):
    app = apply(new_worker(seq, name=f"骑手{seq}"), tree.street_a, **data)
    return services.application_approve(actor=tree.officer_a, application=app)


def test_founding_prompt_at_the_threshold_of_one_employer(tree, new_worker, apply):
    _join_home(tree, new_worker, apply, 1, employer_name="望京快送有限公司")
    _join_home(tree, new_worker, apply, 2, employer_name="望京 快送（有限）公司")  # another spelling
    _join_home(tree, new_worker, apply, 3, employer_name="别的公司")
    assert not FoundingPrompt.objects.exists()
    assert not Notification.objects.filter(topic="join.founding_prompt").exists()
    _join_home(tree, new_worker, apply, 4, employer_name="望京快送有限公司")
    prompt = FoundingPrompt.objects.get()
    assert prompt.township == tree.street_a and prompt.member_count == 3 and prompt.state == PromptState.OPEN
    assert prompt.employer_name == "望京快送有限公司"
    _join_home(tree, new_worker, apply, 5, employer_name="望京快送有限公司")
    prompt.refresh_from_db()
    assert prompt.member_count == 4 and FoundingPrompt.objects.count() == 1
    members = selectors.prompt_members(actor=tree.officer_a, prompt=prompt)
    assert sorted(m.name for m in members) == ["骑手1", "骑手2", "骑手4", "骑手5"]
    assert list(selectors.prompt_list_visible_to(actor=tree.officer_a)) == [prompt]
    assert list(selectors.prompt_list_visible_to(actor=tree.officer_b)) == []


def test_founding_prompt_notifies_township_officers(tree, new_worker, apply):
    from tests.conftest import PASSWORD

    from gonghui.accounts.services import officer_create

    street_officer = officer_create(
        actor=tree.superuser, username="street", password=PASSWORD, org=tree.street_a, role="officer"
    )
    for seq in (1, 2, 3):
        _join_home(tree, new_worker, apply, seq)
    assert Notification.objects.filter(recipient=street_officer, topic="join.founding_prompt").count() == 1
    assert not Notification.objects.filter(recipient=tree.officer_b, topic="join.founding_prompt").exists()


def test_founding_prompt_keyed_by_uscc(tree, new_worker, apply):
    from tests.conftest import uscc

    code = uscc("91110105MA02WXYB1")
    for seq, name in ((1, "甲名字"), (2, "乙名字"), (3, "丙名字")):
        _join_home(tree, new_worker, apply, seq, employer_name=name, employer_uscc=code)
    prompt = FoundingPrompt.objects.get()
    assert prompt.employer_uscc == code and prompt.member_count == 3


@override_settings(GONGHUI_FOUNDING_PROMPT_MIN_MEMBERS=2)
def test_founding_threshold_is_a_setting_and_skips_employers_with_a_union(tree, new_worker, apply):
    _join_home(tree, new_worker, apply, 1, employer_name="望京科技公司")  # union_a1 is 望京科技公司工会
    _join_home(tree, new_worker, apply, 2, employer_name="望京科技公司")
    assert not FoundingPrompt.objects.exists()
    _join_home(tree, new_worker, apply, 3, employer_name="新公司")
    _join_home(tree, new_worker, apply, 4, employer_name="新公司")
    assert FoundingPrompt.objects.get().member_count == 2


def test_prompt_decisions(tree, new_worker, apply):
    for seq in (1, 2, 3):
        _join_home(tree, new_worker, apply, seq)
    prompt = FoundingPrompt.objects.get()
    with pytest.raises(Forbidden):
        services.prompt_decide(actor=tree.viewer_a, prompt=prompt, state="dismissed")
    with pytest.raises(NotFound):
        services.prompt_decide(actor=tree.officer_b, prompt=prompt, state="dismissed")
    with pytest.raises(InvalidInput):
        services.prompt_decide(actor=tree.officer_a, prompt=prompt, state="nonsense")
    with pytest.raises(InvalidInput):
        services.prompt_decide(actor=tree.officer_a, prompt=prompt, state="dismissed", founded_org=tree.union_a1)
    with pytest.raises(NotFound):
        services.prompt_decide(actor=tree.officer_a, prompt=prompt, state="founded", founded_org=tree.union_b1)
    prompt.refresh_from_db()
    assert prompt.state == PromptState.OPEN
    services.prompt_decide(actor=tree.officer_a, prompt=prompt, state="founded", founded_org=tree.union_a1)
    prompt.refresh_from_db()
    assert prompt.state == PromptState.FOUNDED and prompt.founded_org == tree.union_a1
    assert prompt.decided_by == tree.officer_a
    services.prompt_decide(actor=tree.officer_a, prompt=prompt, state="dismissed", note="已搬离")
    prompt.refresh_from_db()
    assert prompt.state == PromptState.DISMISSED and prompt.founded_org is None and prompt.note == "已搬离"


# ---- overdue --------------------------------------------------------------------------------


def test_due_date_counts_working_days_across_national_day(tree, new_worker):
    # Submitted Monday 2025-09-29; 10-01..10-08 holidays, 09-28 and 10-11 make-up workdays.
    submitted = dt.datetime(2025, 9, 29, 10, 0, tzinfo=SH)
    worker = new_worker(1)
    app = services.application_submit(worker=worker, org=tree.union_a1, data={}, now=submitted)
    # 09-30 (1), 10-09 (2), 10-10 (3), 10-11 Sat make-up (4), 10-13 (5): end of 10-13 local.
    assert app.due_at == dt.datetime(2025, 10, 14, 0, 0, tzinfo=SH)


def test_due_date_across_spring_festival_with_make_up_saturday(tree, new_worker):
    # Thursday 2026-02-12; Saturday 02-14 is a make-up workday; 02-15..02-23 Spring Festival.
    submitted = dt.datetime(2026, 2, 12, 10, 0, tzinfo=SH)
    app = services.application_submit(worker=new_worker(1), org=tree.union_a1, data={}, now=submitted)
    # 02-13 (1), 02-14 (2), 02-24 (3), 02-25 (4), 02-26 (5).
    assert app.due_at == dt.datetime(2026, 2, 27, 0, 0, tzinfo=SH)
    assert app.due_day == dt.date(2026, 2, 26)
    assert services.application_flag_overdue(now=dt.datetime(2026, 2, 26, 23, 59, tzinfo=SH)) == 0
    assert services.application_flag_overdue(now=dt.datetime(2026, 2, 27, 8, 0, tzinfo=SH)) == 1


def test_flag_overdue_is_idempotent_and_tells_the_union_and_its_parent(tree, new_worker, apply):
    from tests.conftest import PASSWORD

    from gonghui.accounts.services import officer_create

    street_officer = officer_create(
        actor=tree.superuser, username="street", password=PASSWORD, org=tree.street_a, role="officer"
    )
    submitted = dt.datetime(2025, 9, 29, 10, 0, tzinfo=SH)
    late = services.application_submit(worker=new_worker(1), org=tree.union_a1, data={}, now=submitted)
    decided = services.application_submit(worker=new_worker(2, name="王五"), org=tree.union_a1, data={}, now=submitted)
    services.application_reject(actor=tree.officer_a, application=decided, reason="x")
    fresh = apply(new_worker(3, name="赵六"), tree.union_a1)

    # Still within the deadline on the last working day (Monday 10-13, 23:00 local).
    assert services.application_flag_overdue(now=dt.datetime(2025, 10, 13, 23, 0, tzinfo=SH)) == 0
    moment = dt.datetime(2025, 10, 14, 9, 0, tzinfo=SH)
    assert services.application_flag_overdue(now=moment) == 1
    late.refresh_from_db()
    assert late.flagged_at == moment
    assert Notification.objects.filter(topic="join.overdue", recipient=tree.officer_a1).count() == 1
    assert Notification.objects.filter(topic="join.overdue", recipient=street_officer).count() == 1
    # Again: nothing more.
    assert services.application_flag_overdue(now=moment + dt.timedelta(hours=1)) == 0
    assert flag_overdue() == 0
    assert Notification.objects.filter(topic="join.overdue").count() == 2
    late.refresh_from_db()
    assert late.flagged_at == moment
    fresh.refresh_from_db()
    assert fresh.flagged_at is None
    assert [e.kind for e in late.events.all()] == ["submitted", "flagged"]
    overdue = selectors.application_list_visible_to(
        actor=tree.officer_a, filters=selectors.ApplicationFilters(overdue=True), now=moment
    )
    assert list(overdue) == [late]


def test_periodic_task_is_registered():
    from gonghui.jobs.periodic import load_tasks

    task = load_tasks()["joining.flag_overdue"]
    assert task.minutes == 30 and task.fn is flag_overdue


# ---- transfer requests ----------------------------------------------------------------------


@pytest.fixture
def member_worker(tree, new_worker):
    """A member of union_a1 with a bound worker account."""
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=7, name="周七"))
    return member, new_worker(7, name="周七")


def test_worker_transfer_request_approved_by_the_receiving_union(
    tree, member_worker, sms_outbox, django_capture_on_commit_callbacks
):
    member, worker = member_worker
    request = services.transfer_request_by_worker(worker=worker, to_org=tree.union_b1, reason="换工作")
    assert request.state == TransferState.PENDING and request.from_org == tree.union_a1
    assert list(selectors.worker_transfers(worker=worker)) == [request]
    # Both sides see it; only the receiving side may decide.
    assert selectors.transfer_get_visible(actor=tree.officer_a, request_id=request.pk) == request
    with pytest.raises(Forbidden):
        services.transfer_request_approve(actor=tree.officer_a, request=request)
    with pytest.raises(Forbidden):
        services.transfer_request_approve(actor=tree.viewer_a, request=request)
    with django_capture_on_commit_callbacks(execute=True):
        services.transfer_request_approve(actor=tree.officer_b, request=request)
    request.refresh_from_db()
    assert request.state == TransferState.APPROVED and request.decided_by == tree.officer_b
    transfer = Transfer.objects.get()
    assert request.transfer == transfer and transfer.to_org == tree.union_b1 and transfer.actor == tree.officer_b
    member.refresh_from_db()
    assert member.status == MemberStatus.TRANSFERRED
    moved = transfer.to_member
    assert moved.org == tree.union_b1 and moved.status == MemberStatus.ACTIVE and moved.transferred_from == member
    assert member.events.filter(kind=MemberEvent.Kind.TRANSFERRED_OUT).get().note.startswith(f"接转申请 #{request.pk}")
    tree.union_a1.refresh_from_db()
    tree.union_b1.refresh_from_db()
    assert (tree.union_a1.member_count, tree.union_b1.member_count) == (0, 1)
    assert Notification.objects.filter(recipient=worker.user, topic="transfer.approved").count() == 1
    assert Notification.objects.filter(recipient=tree.officer_a1, topic="transfer.approved").count() == 1
    assert Notification.objects.filter(recipient=tree.officer_b, topic="transfer.approved").count() == 0  # district
    assert worker.phone in [m.phone for m in sms_outbox]
    assert [e.kind for e in request.events.all()] == ["submitted", "approved"]
    # The worker's membership now follows the new record.
    assert selectors.worker_membership(worker=worker) == moved


def test_transfer_request_reject_and_cancel(tree, member_worker):
    member, worker = member_worker
    request = services.transfer_request_by_worker(worker=worker, to_org=tree.union_b1)
    with pytest.raises(Conflict):
        services.transfer_request_by_worker(worker=worker, to_org=tree.union_b1)
    with pytest.raises(InvalidInput):
        services.transfer_request_reject(actor=tree.officer_b, request=request, reason="")
    services.transfer_request_reject(actor=tree.officer_b, request=request, reason="人员未到岗")
    request.refresh_from_db()
    assert request.state == TransferState.REJECTED and request.reject_reason == "人员未到岗"
    assert Notification.objects.filter(recipient=worker.user, topic="transfer.rejected").count() == 1
    with pytest.raises(Conflict):
        services.transfer_request_cancel_by_worker(worker=worker, request=request)
    second = services.transfer_request_by_worker(worker=worker, to_org=tree.union_a2)
    other = make_worker("13600000001", name="别人", id_no=id_number(50))
    with pytest.raises(NotFound):
        services.transfer_request_cancel_by_worker(worker=other, request=second)
    with pytest.raises(Forbidden):  # a worker's own request is theirs to cancel
        services.transfer_request_cancel_by_officer(actor=tree.officer_a, request=second)
    services.transfer_request_cancel_by_worker(worker=worker, request=second)
    second.refresh_from_db()
    assert second.state == TransferState.CANCELLED
    with pytest.raises(Conflict):
        services.transfer_request_approve(actor=tree.officer_a, request=second)
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE and Transfer.objects.count() == 0


def test_worker_transfer_request_rules(tree, member_worker, new_worker):
    _member, worker = member_worker
    with pytest.raises(InvalidInput) as exc:
        services.transfer_request_by_worker(worker=worker, to_org=tree.union_a1)
    assert exc.value.code == "same_org"
    with pytest.raises(NotFound):
        services.transfer_request_by_worker(worker=worker, to_org=tree.district_b)
    with pytest.raises(InvalidInput) as exc:
        services.transfer_request_by_worker(worker=new_worker(8, name="不是会员"), to_org=tree.union_b1)
    assert exc.value.code == "not_member"
    assert TransferRequest.objects.count() == 0


def test_officer_starts_a_transfer_outside_their_scope(tree, member_worker):
    member, _worker = member_worker
    with pytest.raises(InvalidInput) as exc:
        services.transfer_request_by_officer(actor=tree.officer_a, member=member, to_org=tree.union_a2)
    assert exc.value.code == "use_direct_transfer"
    with pytest.raises(NotFound):
        services.transfer_request_by_officer(actor=tree.officer_b, member=member, to_org=tree.union_b1)
    with pytest.raises(Forbidden):
        services.transfer_request_by_officer(actor=tree.viewer_a, member=member, to_org=tree.union_b1)
    request = services.transfer_request_by_officer(
        actor=tree.officer_a1, member=member, to_org=tree.union_b1, reason="调动"
    )
    assert request.channel == "officer" and request.requested_by == tree.officer_a1
    # The worker cannot cancel a request the union started; the sending union can.
    with pytest.raises(Forbidden):
        services.transfer_request_cancel_by_worker(worker=_worker, request=request)
    with pytest.raises(Forbidden):
        services.transfer_request_cancel_by_officer(actor=tree.officer_b, request=request)
    services.transfer_request_cancel_by_officer(actor=tree.officer_a, request=request)
    request.refresh_from_db()
    assert request.state == TransferState.CANCELLED and request.decided_by == tree.officer_a


def test_transfer_into_a_township_opens_its_online_home(tree, member_worker):
    _member, worker = member_worker
    request = services.transfer_request_by_worker(worker=worker, to_org=tree.street_a)
    assert request.to_org == tree.street_a
    services.transfer_request_approve(actor=tree.officer_a, request=request)
    home = OnlineHome.objects.get()
    request.refresh_from_db()
    assert request.to_org == home.org and request.transfer.to_member.org == home.org


def test_transfer_lists_by_direction(tree, member_worker):
    _member, worker = member_worker
    request = services.transfer_request_by_worker(worker=worker, to_org=tree.union_b1)
    incoming = selectors.TransferFilters(direction="in")
    outgoing = selectors.TransferFilters(direction="out")
    assert list(selectors.transfer_list_visible_to(actor=tree.officer_b, filters=incoming)) == [request]
    assert list(selectors.transfer_list_visible_to(actor=tree.officer_b, filters=outgoing)) == []
    assert list(selectors.transfer_list_visible_to(actor=tree.officer_a, filters=outgoing)) == [request]
    assert list(selectors.transfer_list_visible_to(actor=tree.officer_a, filters=incoming)) == []
    assert selectors.transfer_incoming_pending_count(actor=tree.officer_b) == 1
    assert selectors.transfer_incoming_pending_count(actor=tree.officer_a) == 0


def test_now_is_used(tree, new_worker):
    moment = timezone.now() - dt.timedelta(days=1)
    app = services.application_submit(worker=new_worker(1), org=tree.union_a1, data={}, now=moment)
    assert app.submitted_at == moment


def test_member_transfer_receive_needs_scope_over_the_receiving_union_only(tree):
    from gonghui.members.services import member_transfer, member_transfer_receive

    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=9, name="钱九"))
    # The direct transfer still needs both unions in scope.
    with pytest.raises(NotFound):
        member_transfer(actor=tree.officer_b, member=member, to_org=tree.union_b1)
    with pytest.raises(NotFound):
        member_transfer_receive(actor=tree.officer_b, member=member, to_org=tree.union_a2)
    with pytest.raises(Forbidden):
        member_transfer_receive(actor=tree.viewer_a, member=member, to_org=tree.union_a2)
    transfer = member_transfer_receive(actor=tree.officer_b, member=member, to_org=tree.union_b1, note="接转")
    assert transfer.actor == tree.officer_b and transfer.to_member.org == tree.union_b1
    member.refresh_from_db()
    assert member.status == MemberStatus.TRANSFERRED
