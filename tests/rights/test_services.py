"""The request lifecycle through the services: filing and routing, every transition and who may
make it, transfer, dispatch down and report up, reopen, withdraw, messages, major incidents."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gonghui.notifications.models import Notification
from gonghui.orgs.services import org_create
from gonghui.rights import services
from gonghui.rights.models import Dispatch, EventKind, ServiceRequest, State
from gonghui.rights.selectors import (
    request_get_for_worker,
    request_get_visible,
    request_list_for_worker,
    request_list_visible_to,
)

from .rights_support import at, facts, file, follow_up, member_worker, plain_worker, record, refresh

pytestmark = pytest.mark.django_db


def kinds(request) -> list[str]:
    return list(request.events.values_list("kind", flat=True))


# ---- filing and routing ---------------------------------------------------------------------


def test_member_request_routes_to_their_union_with_a_reference_and_accept_deadline(tree):
    worker, member = member_worker(tree, tree.union_a1)
    request = file(worker, now=at(2026, 11, 24, 9))
    assert request.handling_org == tree.union_a1
    assert request.member == member
    assert request.channel == "portal"
    assert request.state == State.SUBMITTED
    assert request.reference == f"WQ20261124-{request.pk:06d}"
    # Tuesday 24 Nov + 1 working day: end of Wednesday 25 Nov, Shanghai time.
    assert request.accept_due_at == at(2026, 11, 26, 0).astimezone(dt.UTC)
    assert kinds(request) == [EventKind.SUBMITTED, EventKind.ROUTED]
    assert Notification.objects.filter(recipient=tree.officer_a1, topic="rights").count() == 1
    assert Notification.objects.filter(recipient=worker.user, topic="rights").count() == 1


def test_non_member_routes_to_the_county_federation_of_the_region_not_a_street(tree):
    # 朝阳区 has a street union (望京街道), but a non-member's request goes to the district's
    # federation: no street union is picked by chance.
    request = file(plain_worker(), region_code="110105")
    assert request.handling_org == tree.district_a
    assert request.member is None


def test_non_member_without_township_routes_to_the_county_federation(tree):
    request = file(plain_worker(), region_code="110108")
    assert request.handling_org == tree.district_b


def test_non_member_falls_back_to_the_city_federation(tree):
    request = file(plain_worker(), region_code="110101")  # 东城区: no union of its own in the tree
    assert request.handling_org == tree.city


def test_non_member_without_region_is_refused(tree):
    with pytest.raises(InvalidInput) as exc:
        file(plain_worker(), region_code="")
    assert "region_code" in exc.value.fields
    assert ServiceRequest.objects.count() == 0


def test_filing_checks_the_facts(tree):
    worker = plain_worker()
    with pytest.raises(InvalidInput) as exc:
        services.request_file(worker=worker, data=facts(category="nonsense", title="", workers_involved=0))
    assert set(exc.value.fields) == {"category", "title", "workers_involved"}
    assert ServiceRequest.objects.count() == 0


def test_officer_records_a_hotline_call_with_member_lookup_by_id_number(tree):
    from tests.conftest import id_number

    worker, member = member_worker(tree, tree.union_a2)
    number = id_number(int(worker.phone[-3:]))
    request = record(tree.officer_a, id_number=number, region_code="")
    assert request.channel == "hotline"
    assert request.requester is None
    assert request.member == member
    assert request.handling_org == tree.union_a2
    assert kinds(request) == [EventKind.RECORDED, EventKind.ROUTED]


def test_recorded_walk_in_routed_outside_scope_stays_with_the_officers_union(tree):
    request = record(tree.officer_a, channel="walk_in", region_code="110108")
    assert request.handling_org == tree.district_a


def test_viewer_cannot_record_a_call(tree):
    with pytest.raises(Forbidden):
        record(tree.viewer_a)
    assert ServiceRequest.objects.count() == 0


def test_record_call_requires_a_channel_and_name(tree):
    with pytest.raises(InvalidInput) as exc:
        record(tree.officer_a, channel="portal")
    assert "channel" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        record(tree.officer_a, requester_name="")
    assert "requester_name" in exc.value.fields


# ---- visibility -----------------------------------------------------------------------------


def test_worker_sees_only_their_own_requests(tree):
    mine = file(plain_worker("13500000001"))
    other_worker = plain_worker("13500000002")
    theirs = file(other_worker)
    me = mine.requester
    assert list(request_list_for_worker(worker=me)) == [mine]
    with pytest.raises(NotFound):
        request_get_for_worker(worker=me, pk=theirs.pk)


def test_officers_see_only_their_subtree(tree):
    in_a = file(plain_worker(), region_code="110105")
    in_b = file(plain_worker(), region_code="110108")
    assert list(request_list_visible_to(actor=tree.officer_a)) == [in_a]
    assert set(request_list_visible_to(actor=tree.city_admin)) == {in_a, in_b}
    assert list(request_list_visible_to(actor=tree.viewer_a)) == [in_a]
    with pytest.raises(NotFound):
        request_get_visible(actor=tree.officer_b, pk=in_a.pk)
    with pytest.raises(NotFound):
        request_get_visible(actor=tree.officer_a1, pk=in_a.pk)  # held above officer_a1's union


# ---- transitions ----------------------------------------------------------------------------


def test_accept_start_resolve_close_happy_path(tree, sms_outbox, django_capture_on_commit_callbacks):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker, now=at(2026, 11, 24, 9))
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_accept(
            actor=tree.officer_a1, request=request, complexity="difficult", now=at(2026, 11, 24, 15)
        )
    assert request.state == State.ACCEPTED
    assert request.complexity == "difficult"
    # 15 working days after Tue 24 Nov 2026: Tue 15 Dec, due at its end.
    assert request.resolve_due_at == at(2026, 12, 16, 0).astimezone(dt.UTC)
    assert any("已受理" in m.text for m in sms_outbox)
    request = services.request_start(actor=tree.officer_a1, request=request)
    assert request.state == State.IN_PROGRESS
    request = services.request_resolve(actor=tree.officer_a1, request=request, resolution="单位已补发工资")
    assert request.state == State.RESOLVED
    assert request.resolution == "单位已补发工资"
    assert request.resolved_at is not None
    with pytest.raises(InvalidInput) as exc:
        services.request_close(actor=tree.officer_a1, request=request)
    assert exc.value.code == "follow_up_required"
    assert refresh(request).state == State.RESOLVED
    follow_up(tree.officer_a1, request)
    request = services.request_close(actor=tree.officer_a1, request=request, note="回访满意")
    assert request.state == State.CLOSED
    assert kinds(request)[-1] == EventKind.CLOSED


def test_close_needs_a_rating_unless_the_worker_was_not_reached(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker)
    services.request_accept(actor=tree.officer_a1, request=request)
    request = services.request_resolve(actor=tree.officer_a1, request=request, resolution="已办结")
    follow_up(tree.officer_a1, request, contacted=True, score=None)
    with pytest.raises(InvalidInput) as exc:
        services.request_close(actor=tree.officer_a1, request=refresh(request))
    assert exc.value.code == "rating_required"
    follow_up(tree.officer_a1, request, contacted=False)
    assert services.request_close(actor=tree.officer_a1, request=refresh(request)).state == State.CLOSED


def test_viewer_cannot_act_and_nothing_changes(tree):
    request = file(plain_worker(), region_code="110105")
    with pytest.raises(Forbidden):
        services.request_accept(actor=tree.viewer_a, request=request)
    assert refresh(request).state == State.SUBMITTED
    assert kinds(request) == [EventKind.SUBMITTED, EventKind.ROUTED]


def test_out_of_scope_officer_gets_not_found(tree):
    request = file(plain_worker(), region_code="110105")
    with pytest.raises(NotFound):
        services.request_accept(actor=tree.officer_b, request=request)
    with pytest.raises(NotFound):
        services.request_reject(actor=tree.officer_b, request=request, reason="x")
    assert refresh(request).state == State.SUBMITTED


def test_wrong_state_is_a_conflict(tree):
    request = file(plain_worker(), region_code="110105")
    with pytest.raises(Conflict):
        services.request_start(actor=tree.officer_a, request=request)
    with pytest.raises(Conflict):
        services.request_resolve(actor=tree.officer_a, request=request, resolution="x")
    with pytest.raises(Conflict):
        services.request_close(actor=tree.officer_a, request=request)


def test_reject_requires_a_reason_and_tells_the_worker(tree, sms_outbox, django_capture_on_commit_callbacks):
    request = file(plain_worker("13500000009"), region_code="110105")
    with pytest.raises(InvalidInput) as exc:
        services.request_reject(actor=tree.officer_a, request=request, reason="  ")
    assert exc.value.fields == {"reason": ["此项为必填项"]}
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_reject(actor=tree.officer_a, request=request, reason="不属于工会受理范围")
    assert request.state == State.REJECTED
    assert request.reject_reason == "不属于工会受理范围"
    assert sms_outbox[-1].phone == "13500000009"
    with pytest.raises(Conflict):
        services.request_accept(actor=tree.officer_a, request=request)


def test_complexity_must_be_known(tree):
    request = file(plain_worker(), region_code="110105")
    with pytest.raises(InvalidInput):
        services.request_accept(actor=tree.officer_a, request=request, complexity="easy")
    assert refresh(request).state == State.SUBMITTED


# ---- transfer, dispatch, report -------------------------------------------------------------


def test_transfer_within_scope_waits_for_the_receiving_union(tree):
    request = record(tree.officer_a, street_org=tree.street_a.pk, now=at(2026, 11, 24, 9))
    assert request.handling_org == tree.street_a
    request = services.request_transfer(
        actor=tree.officer_a, request=request, to_org=tree.union_a2, note="属该单位", now=at(2026, 11, 25, 9)
    )
    assert request.state == State.TRANSFERRED
    assert request.handling_org == tree.union_a2
    assert request.transferred_from == tree.street_a
    assert request.accept_due_at == at(2026, 11, 27, 0).astimezone(dt.UTC)
    assert Notification.objects.filter(recipient__org=tree.union_a2).count() == 0  # no officer there
    request = services.request_accept(actor=tree.officer_a, request=request)
    assert request.state == State.ACCEPTED
    assert request.transferred_from is None


def test_transfer_up_to_the_parent_leaves_the_senders_scope(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker)
    request = services.request_transfer(actor=tree.officer_a1, request=request, to_org=tree.street_a, note="请街道协调")
    assert request.handling_org == tree.street_a
    with pytest.raises(NotFound):
        request_get_visible(actor=tree.officer_a1, pk=request.pk)
    assert Notification.objects.filter(recipient=tree.officer_a, title__contains="转办").count() == 0  # a district
    request_get_visible(actor=tree.officer_a, pk=request.pk)


def test_transfer_outside_scope_and_not_the_parent_is_refused(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker)
    with pytest.raises(InvalidInput) as exc:
        services.request_transfer(actor=tree.officer_a1, request=request, to_org=tree.union_b1, note="x")
    assert exc.value.code == "bad_target"
    with pytest.raises(InvalidInput):
        services.request_transfer(actor=tree.officer_a1, request=request, to_org=tree.district_a, note="x")
    with pytest.raises(InvalidInput):
        services.request_transfer(actor=tree.officer_a1, request=request, to_org=tree.street_a, note="")
    assert refresh(request).handling_org == tree.union_a1


def test_dispatch_down_level_by_level_and_report_back_up(tree):
    """市 → 区 → 街道, each level reports up; the city resolves (分级办理、逐级反馈)."""
    request = record(tree.city_admin, handling_org=tree.city.pk, region_code="")
    assert request.handling_org == tree.city
    services.request_accept(actor=tree.city_admin, request=request, complexity="major_complex")
    first = services.request_dispatch(
        actor=tree.city_admin, request=request, to_org=tree.district_a, instruction="请朝阳区核查", due_days=5
    )
    request = refresh(request)
    assert request.handling_org == tree.district_a
    assert request.state == State.IN_PROGRESS
    assert Notification.objects.filter(recipient=tree.officer_a, title__contains="上级交办").count() == 1
    # Only one level at a time: the city cannot skip to the street.
    with pytest.raises(NotFound):
        services.request_dispatch(actor=tree.officer_b, request=request, to_org=tree.union_b1, instruction="x")
    with pytest.raises(InvalidInput):
        services.request_dispatch(actor=tree.officer_a, request=request, to_org=tree.union_a1, instruction="x")
    second = services.request_dispatch(
        actor=tree.officer_a, request=request, to_org=tree.street_a, instruction="请街道调解"
    )
    request = refresh(request)
    assert request.handling_org == tree.street_a
    # The street cannot resolve a dispatched request: it reports up.
    with pytest.raises(Conflict):
        services.request_resolve(actor=tree.officer_a, request=request, resolution="x")
    # The district (which dispatched it) may not report on the street's behalf.
    with pytest.raises(Forbidden):
        services.request_report(actor=tree.officer_a, request=request, report="x")
    street_officer = _officer(tree, tree.street_a)
    services.request_report(actor=street_officer, request=request, report="已调解，单位同意分期支付")
    request = refresh(request)
    assert request.handling_org == tree.district_a
    assert refresh(second).reported_at is not None
    assert Notification.objects.filter(recipient=tree.officer_a, title__contains="反馈").count() == 1
    # The street still reads the request it worked on, but may no longer act on it.
    request_get_visible(actor=street_officer, pk=request.pk)
    with pytest.raises(Forbidden):
        services.request_message_officer(actor=street_officer, request=request, text="x")
    services.request_report(actor=tree.officer_a, request=request, report="街道已调解")
    request = refresh(request)
    assert request.handling_org == tree.city
    assert refresh(first).report == "街道已调解"
    request = services.request_resolve(actor=tree.city_admin, request=request, resolution="经区、街道调解办结")
    assert request.state == State.RESOLVED
    assert Dispatch.objects.filter(request=request, reported_at__isnull=True).count() == 0
    assert kinds(request).count(EventKind.DISPATCHED) == 2
    assert kinds(request).count(EventKind.REPORTED) == 2


def test_report_without_dispatch_is_a_conflict(tree):
    request = file(plain_worker(), region_code="110105")
    services.request_accept(actor=tree.officer_a, request=request)
    with pytest.raises(Conflict):
        services.request_report(actor=tree.officer_a, request=request, report="x")


def _officer(tree, org):
    from gonghui.accounts.services import officer_create
    from tests.conftest import PASSWORD

    return officer_create(actor=tree.superuser, username=f"o{org.pk}", password=PASSWORD, org=org, role="officer")


# ---- worker actions ---------------------------------------------------------------------------


def test_reopen_within_15_days_starts_again(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker, now=at(2026, 11, 2, 9))
    services.request_accept(actor=tree.officer_a1, request=request, now=at(2026, 11, 2, 10))
    request = services.request_resolve(
        actor=tree.officer_a1, request=request, resolution="已协调", now=at(2026, 11, 3, 10)
    )
    with pytest.raises(InvalidInput):
        services.request_reopen(worker=worker, request=request, reason="", now=at(2026, 11, 10))
    other = plain_worker()
    with pytest.raises(NotFound):
        services.request_reopen(worker=other, request=request, reason="不满意", now=at(2026, 11, 10))
    request = services.request_reopen(worker=worker, request=request, reason="工资仍未到账", now=at(2026, 11, 10, 9))
    assert request.state == State.REOPENED
    assert request.resolve_due_at is None
    assert request.accept_due_at == at(2026, 11, 12, 0).astimezone(dt.UTC)
    request = services.request_accept(actor=tree.officer_a1, request=request, now=at(2026, 11, 10, 10))
    assert request.state == State.ACCEPTED


def test_reopen_after_15_days_is_refused(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker, now=at(2026, 11, 2, 9))
    services.request_accept(actor=tree.officer_a1, request=request, now=at(2026, 11, 2, 10))
    request = services.request_resolve(
        actor=tree.officer_a1, request=request, resolution="已协调", now=at(2026, 11, 3, 10)
    )
    with pytest.raises(Conflict) as exc:
        services.request_reopen(worker=worker, request=request, reason="不满意", now=at(2026, 11, 18, 11))
    assert exc.value.code == "reopen_expired"
    assert refresh(request).state == State.RESOLVED


def test_worker_withdraws_an_open_request(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker)
    request = services.request_withdraw(worker=worker, request=request, reason="工资已发")
    assert request.state == State.CLOSED
    assert "工资已发" in request.resolution
    with pytest.raises(Conflict):
        services.request_withdraw(worker=worker, request=request)


def test_messages_both_ways_on_the_timeline(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker)
    services.request_message_worker(worker=worker, request=request, text="补充：共欠12000元")
    services.request_message_officer(actor=tree.officer_a1, request=request, text="已联系单位")
    notes = list(request.events.filter(kind=EventKind.MESSAGE).values_list("note", flat=True))
    assert notes == ["补充：共欠12000元", "已联系单位"]
    with pytest.raises(NotFound):
        services.request_message_worker(worker=plain_worker(), request=request, text="x")
    with pytest.raises(Forbidden):
        services.request_message_officer(actor=tree.viewer_a, request=request, text="x")


# ---- major labour incidents -------------------------------------------------------------------


def test_ten_workers_is_a_major_incident_reported_to_the_parent_federation(
    tree, sms_outbox, mailoutbox, django_capture_on_commit_callbacks
):
    tree.district_a.contact_phone = "13911112222"
    tree.district_a.save(update_fields=["contact_phone"])
    tree.officer_a.email = "officer_a@example.com"
    tree.officer_a.save(update_fields=["email"])
    worker, _ = member_worker(tree, tree.union_a1)
    with django_capture_on_commit_callbacks(execute=True):
        request = file(worker, workers_involved=12)
    assert request.is_major_incident is True
    assert request.major_notified_org == tree.district_a  # nearest federation above union_a1
    notes = Notification.objects.filter(recipient=tree.officer_a, title__startswith="重大劳动事件")
    assert notes.count() == 1
    assert any(m.phone == "13911112222" and "重大劳动事件" in m.text for m in sms_outbox)
    assert any("重大劳动事件" in m.subject and m.to == ["officer_a@example.com"] for m in mailoutbox)
    assert EventKind.MAJOR_INCIDENT in kinds(request)


def test_nine_workers_is_not_major(tree):
    request = file(plain_worker(), workers_involved=9)
    assert request.is_major_incident is False


def test_major_incident_at_the_top_reports_to_itself(tree):
    request = record(tree.city_admin, handling_org=tree.city.pk, workers_involved=30)
    assert request.major_notified_org == tree.city


def test_an_inactive_street_union_cannot_be_picked(tree):
    from gonghui.orgs.services import org_deactivate

    extra = org_create(
        actor=tree.superuser,
        parent=tree.district_b,
        data={"name": "学院路街道工会", "code": "BJ-HD-XY", "kind": "township", "region_code": "110108"},
    )
    assert file(plain_worker(), region_code="110108").handling_org == tree.district_b
    assert record(tree.city_admin, region_code="110108", street_org=extra.pk).handling_org == extra
    org_deactivate(actor=tree.superuser, org=extra)
    with pytest.raises(InvalidInput) as exc:
        record(tree.city_admin, region_code="110108", street_org=extra.pk)
    assert "street_org" in exc.value.fields
    assert ServiceRequest.objects.filter(handling_org=extra).count() == 1


def test_timestamps_default_to_now(tree):
    before = timezone.now()
    request = file(plain_worker())
    assert before <= request.created_at <= timezone.now()


def test_recorded_call_finds_the_member_by_phone_in_scope(tree):
    _worker, member = member_worker(tree, tree.union_a2)
    request = record(tree.officer_a, requester_phone=member.phone, region_code="")
    assert request.member == member
    assert request.handling_org == tree.union_a2
    # Out of the officer's scope the phone finds nobody: the request stays with the officer's union.
    other = record(tree.officer_b, requester_phone=member.phone, region_code="")
    assert other.member is None
    assert other.handling_org == tree.district_b


def test_hotline_caller_without_account_hears_back_by_sms(tree, sms_outbox, django_capture_on_commit_callbacks):
    request = record(tree.officer_a, requester_phone="137 0000 1111")
    assert request.requester_phone == "13700001111"
    with django_capture_on_commit_callbacks(execute=True):
        services.request_accept(actor=tree.officer_a, request=request)
    assert [m.phone for m in sms_outbox] == ["13700001111"]
    assert "已受理" in sms_outbox[0].text
    with django_capture_on_commit_callbacks(execute=True):
        services.request_start(actor=tree.officer_a, request=refresh(request))
    assert len(sms_outbox) == 1  # starting work is inbox-only, and a caller has no inbox


def test_a_stale_copy_cannot_act_after_the_request_moved_out_of_scope(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    stale = file(worker)  # officer_a1's page loaded it while it was theirs
    services.request_transfer(actor=tree.officer_a, request=stale, to_org=tree.street_a, note="街道统筹")
    with pytest.raises(NotFound):
        services.request_accept(actor=tree.officer_a1, request=stale)
    fresh = refresh(stale)
    assert (fresh.state, fresh.handling_org) == (State.TRANSFERRED, tree.street_a)
