"""Casework services: legal aid, mediation, follow-up and rating — rules, permissions, timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from gonghui.casework import services as casework
from gonghui.casework.models import FollowUp, LegalAidCase, Mediation, MediationSession, Rating
from gonghui.casework.selectors import can_rate, follow_up_current
from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gonghui.notifications.models import Notification
from gonghui.rights import services as core
from gonghui.rights.models import RequestEvent
from tests.casework.support import file_request, refresh, worker_in
from tests.conftest import uscc

pytest_plugins = ["tests.casework.fixtures"]

LEGAL_AID = {
    "aid_type": "representation",
    "lawyer_name": "王律师",
    "agency_name": "北京市朝阳区法律援助中心",
    "lawyer_phone": "13800000001",
    "stage": "arbitration",
    "case_number": "京朝劳人仲字[2026]第123号",
    "opened_on": dt.date(2026, 9, 1),
    "amount_claimed": Decimal("36000.00"),
}
MEDIATION = {
    "worker_party": "李四等3人",
    "employer_name": "北京某建筑公司",
    "employer_uscc": uscc(),
    "mediator_name": "赵调解员",
    "mediator_org": "朝阳区劳动争议调解中心",
    "started_on": dt.date(2026, 9, 2),
}


def events(request, kind):
    return list(RequestEvent.objects.filter(request=request, kind=kind).order_by("id"))


# ---- legal aid ---------------------------------------------------------------------------------


def test_legal_aid_open_records_the_case_and_a_timeline_step(tree, open_request):
    case = casework.legal_aid_open(actor=tree.officer_a, request=open_request, data=LEGAL_AID)
    assert case.request_id == open_request.pk
    assert (case.stage, case.outcome, case.amount_recovered) == ("arbitration", "pending", Decimal("0"))
    assert case.created_by == tree.officer_a
    [event] = events(open_request, "legal_aid")
    assert event.data == {"action": "opened", "legal_aid": case.pk, "stage": "arbitration"}
    assert "王律师" in event.note and "劳动仲裁" in event.note
    assert event.actor == tree.officer_a


def test_legal_aid_stage_changes_and_outcome_are_history(tree, open_request):
    case = casework.legal_aid_open(actor=tree.officer_a, request=open_request, data=LEGAL_AID)
    casework.legal_aid_update(actor=tree.officer_a, case=case, data={"stage": "first_instance"})
    casework.legal_aid_update(
        actor=tree.officer_a,
        case=case,
        data={"stage": "settled", "outcome": "won", "amount_recovered": Decimal("30000.50")},
    )
    case.refresh_from_db()
    assert (case.stage, case.outcome, case.amount_recovered) == ("settled", "won", Decimal("30000.50"))
    assert case.closed_on == timezone.localdate()
    steps = [(e.data["action"], e.data.get("stage")) for e in events(open_request, "legal_aid")]
    assert steps == [
        ("opened", "arbitration"),
        ("stage", ["arbitration", "first_instance"]),
        ("stage", ["first_instance", "settled"]),
        ("outcome", None),
    ]
    outcome = events(open_request, "legal_aid")[-1]
    assert "胜诉" in outcome.note and "30,000.50" in outcome.note


def test_legal_aid_update_without_change_writes_nothing(tree, open_request):
    case = casework.legal_aid_open(actor=tree.officer_a, request=open_request, data=LEGAL_AID)
    casework.legal_aid_update(actor=tree.officer_a, case=case, data={"stage": "arbitration"})
    assert len(events(open_request, "legal_aid")) == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount_claimed": Decimal("-1")}, "amount_claimed"),
        ({"amount_recovered": Decimal("-0.01")}, "amount_recovered"),
        ({"stage": "supreme_court"}, "stage"),
        ({"aid_type": ""}, "aid_type"),
        ({"lawyer_name": " "}, "lawyer_name"),
        ({"closed_on": dt.date(2026, 8, 1), "outcome": "lost"}, "closed_on"),
        ({"closed_on": dt.date(2026, 10, 1)}, "outcome"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_legal_aid_bad_input_is_refused_and_nothing_written(tree, open_request, data, field):
    with pytest.raises(InvalidInput) as err:
        casework.legal_aid_open(actor=tree.officer_a, request=open_request, data={**LEGAL_AID, **data})
    assert field in err.value.fields
    assert LegalAidCase.objects.count() == 0
    assert events(open_request, "legal_aid") == []


def test_legal_aid_negative_amount_on_update_is_refused(tree, open_request):
    case = casework.legal_aid_open(actor=tree.officer_a, request=open_request, data=LEGAL_AID)
    with pytest.raises(InvalidInput) as err:
        casework.legal_aid_update(actor=tree.officer_a, case=case, data={"amount_recovered": Decimal("-5")})
    assert err.value.fields["amount_recovered"] == ["金额不能为负数"]
    case.refresh_from_db()
    assert case.amount_recovered == Decimal("0")


def test_legal_aid_permissions(tree, open_request):
    # Out of scope: as if missing; read-only viewer: forbidden; nothing written either way.
    with pytest.raises(NotFound):
        casework.legal_aid_open(actor=tree.officer_b, request=open_request, data=LEGAL_AID)
    with pytest.raises(Forbidden):
        casework.legal_aid_open(actor=tree.viewer_a, request=open_request, data=LEGAL_AID)
    case = casework.legal_aid_open(actor=tree.officer_a1, request=open_request, data=LEGAL_AID)
    with pytest.raises(NotFound):
        casework.legal_aid_update(actor=tree.officer_b, case=case, data={"stage": "enforcement"})
    with pytest.raises(Forbidden):
        casework.legal_aid_update(actor=tree.viewer_a, case=case, data={"stage": "enforcement"})
    case.refresh_from_db()
    assert case.stage == "arbitration"
    assert LegalAidCase.objects.count() == 1


def test_casework_refused_before_acceptance_and_after_closing(tree, worker_a):
    submitted = file_request(worker_a)
    with pytest.raises(Conflict) as err:
        casework.legal_aid_open(actor=tree.officer_a, request=submitted, data=LEGAL_AID)
    assert err.value.code == "bad_state"
    with pytest.raises(Conflict):
        casework.mediation_open(actor=tree.officer_a, request=submitted, data=MEDIATION)
    assert LegalAidCase.objects.count() == Mediation.objects.count() == 0


def test_legal_aid_allowed_after_resolution(tree, resolved_request):
    case = casework.legal_aid_open(
        actor=tree.officer_a, request=resolved_request, data={**LEGAL_AID, "stage": "enforcement"}
    )
    assert case.stage == "enforcement"


# ---- mediation ---------------------------------------------------------------------------------


def test_mediation_with_sessions_and_agreement(tree, open_request):
    mediation = casework.mediation_open(actor=tree.officer_a, request=open_request, data=MEDIATION)
    assert mediation.employer_uscc == MEDIATION["employer_uscc"]
    s1 = casework.mediation_add_session(
        actor=tree.officer_a,
        mediation=mediation,
        data={
            "held_on": dt.date(2026, 9, 5),
            "place": "街道调解室",
            "attendees": "李四、公司人事",
            "summary": "单位承认欠薪",
        },
    )
    casework.mediation_add_session(
        actor=tree.officer_a,
        mediation=mediation,
        data={"held_on": dt.date(2026, 9, 12), "place": "街道调解室", "attendees": "双方", "summary": "协商分期支付"},
    )
    mediation = casework.mediation_record_result(
        actor=tree.officer_a,
        mediation=mediation,
        data={
            "result": "agreed",
            "agreement_amount": Decimal("28000"),
            "agreement_date": dt.date(2026, 9, 12),
            "performed": True,
            "performed_on": dt.date(2026, 9, 30),
        },
    )
    mediation.refresh_from_db()
    assert (mediation.result, mediation.agreement_amount, mediation.performed) == ("agreed", Decimal("28000.00"), True)
    assert list(mediation.sessions.values_list("pk", flat=True)) == [s1.pk, s1.pk + 1]
    actions = [e.data["action"] for e in events(open_request, "mediation")]
    assert actions == ["opened", "session", "session", "result"]
    assert "28,000.00" in events(open_request, "mediation")[-1].note
    # Concluded: no more sessions.
    with pytest.raises(Conflict):
        casework.mediation_add_session(
            actor=tree.officer_a,
            mediation=mediation,
            data={"held_on": dt.date(2026, 10, 1), "place": "x", "attendees": "x", "summary": "x"},
        )
    assert MediationSession.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"result": "agreed", "agreement_amount": Decimal("-1"), "agreement_date": dt.date(2026, 9, 9)},
            "agreement_amount",
        ),
        ({"result": "agreed", "agreement_amount": Decimal("100")}, "agreement_date"),
        ({"result": "agreed", "agreement_date": dt.date(2026, 8, 1)}, "agreement_date"),
        ({"result": "not_agreed", "performed": True}, "performed"),
        ({"result": "pending", "agreement_amount": Decimal("5")}, "result"),
        (
            {
                "result": "agreed",
                "agreement_date": dt.date(2026, 9, 9),
                "performed_on": dt.date(2026, 9, 1),
                "performed": True,
            },
            "performed_on",
        ),
        ({"result": "maybe"}, "result"),
    ],
)
def test_mediation_result_rules(tree, open_request, data, field):
    mediation = casework.mediation_open(actor=tree.officer_a, request=open_request, data=MEDIATION)
    with pytest.raises(InvalidInput) as err:
        casework.mediation_record_result(actor=tree.officer_a, mediation=mediation, data=data)
    assert field in err.value.fields
    mediation.refresh_from_db()
    assert (mediation.result, mediation.agreement_amount) == ("pending", None)


def test_mediation_not_agreed_clears_the_agreement(tree, open_request):
    mediation = casework.mediation_open(actor=tree.officer_a, request=open_request, data=MEDIATION)
    mediation = casework.mediation_record_result(
        actor=tree.officer_a, mediation=mediation, data={"result": "not_agreed", "agreement_amount": None}
    )
    assert (mediation.result, mediation.agreement_amount, mediation.performed) == ("not_agreed", None, None)
    assert "未达成协议" in events(open_request, "mediation")[-1].note


def test_mediation_bad_uscc_and_session_before_start(tree, open_request):
    with pytest.raises(InvalidInput) as err:
        casework.mediation_open(actor=tree.officer_a, request=open_request, data={**MEDIATION, "employer_uscc": "123"})
    assert "employer_uscc" in err.value.fields
    mediation = casework.mediation_open(actor=tree.officer_a, request=open_request, data=MEDIATION)
    with pytest.raises(InvalidInput) as err:
        casework.mediation_add_session(
            actor=tree.officer_a,
            mediation=mediation,
            data={"held_on": dt.date(2026, 9, 1), "place": "x", "attendees": "x", "summary": "x"},
        )
    assert "held_on" in err.value.fields
    assert MediationSession.objects.count() == 0


def test_mediation_permissions(tree, open_request):
    with pytest.raises(NotFound):
        casework.mediation_open(actor=tree.officer_b, request=open_request, data=MEDIATION)
    with pytest.raises(Forbidden):
        casework.mediation_open(actor=tree.viewer_a, request=open_request, data=MEDIATION)
    mediation = casework.mediation_open(actor=tree.officer_a, request=open_request, data=MEDIATION)
    session = {"held_on": dt.date(2026, 9, 5), "place": "x", "attendees": "x", "summary": "x"}
    with pytest.raises(NotFound):
        casework.mediation_add_session(actor=tree.officer_b, mediation=mediation, data=session)
    with pytest.raises(Forbidden):
        casework.mediation_record_result(actor=tree.viewer_a, mediation=mediation, data={"result": "not_agreed"})
    with pytest.raises(NotFound):
        casework.mediation_update(actor=tree.officer_b, mediation=mediation, data={"mediator_name": "x"})
    mediation.refresh_from_db()
    assert (mediation.result, mediation.mediator_name, mediation.sessions.count()) == ("pending", "赵调解员", 0)


def test_mediation_update_records_changes(tree, open_request):
    mediation = casework.mediation_open(actor=tree.officer_a, request=open_request, data=MEDIATION)
    casework.mediation_update(actor=tree.officer_a, mediation=mediation, data={"mediator_name": "钱调解员"})
    last = events(open_request, "mediation")[-1]
    assert last.data == {
        "action": "updated",
        "mediation": mediation.pk,
        "changes": {"mediator_name": ["赵调解员", "钱调解员"]},
    }


# ---- follow-up -----------------------------------------------------------------------------------


def test_follow_up_only_on_resolved_requests(tree, open_request):
    with pytest.raises(Conflict):
        casework.follow_up_record(
            actor=tree.officer_a, request=open_request, data={"method": "phone", "contacted": True}
        )
    assert FollowUp.objects.count() == 0


def test_follow_up_with_rating_from_the_call_then_close(tree, resolved_request, worker_a):
    follow_up = casework.follow_up_record(
        actor=tree.officer_a,
        request=resolved_request,
        data={"method": "phone", "contacted": True, "answer": "工资已到账", "satisfied": True},
        score=5,
        comment="感谢工会",
    )
    assert (follow_up.contacted, follow_up.satisfied, follow_up.attempts, follow_up.officer) == (
        True,
        True,
        1,
        tree.officer_a,
    )
    rating = Rating.objects.get(request=resolved_request)
    assert (rating.score, rating.source, rating.recorded_by, rating.worker) == (5, "phone", tree.officer_a, worker_a)
    assert [e.kind for e in RequestEvent.objects.filter(request=resolved_request, kind__in=["follow_up", "rated"])] == [
        "follow_up",
        "rated",
    ]
    closed = core.request_close(actor=tree.officer_a, request=resolved_request)
    assert closed.state == "closed"


def test_close_needs_follow_up_and_rating(tree, resolved_request):
    with pytest.raises(InvalidInput) as err:
        core.request_close(actor=tree.officer_a, request=resolved_request)
    assert err.value.code == "follow_up_required"
    casework.follow_up_record(
        actor=tree.officer_a, request=resolved_request, data={"method": "phone", "contacted": True, "satisfied": None}
    )
    with pytest.raises(InvalidInput) as err:
        core.request_close(actor=tree.officer_a, request=resolved_request)
    assert err.value.code == "rating_required"
    assert refresh(resolved_request).state == "resolved"


def test_close_without_rating_when_worker_not_reached_then_worker_may_still_rate(tree, resolved_request, worker_a):
    casework.follow_up_record(
        actor=tree.officer_a,
        request=resolved_request,
        data={"method": "phone", "contacted": False, "answer": "无人接听"},
    )
    follow_up = casework.follow_up_record(
        actor=tree.officer_a, request=resolved_request, data={"method": "phone", "contacted": False, "answer": "关机"}
    )
    assert follow_up.attempts == 2
    assert "第2次" in events(resolved_request, "follow_up")[-1].note
    core.request_close(actor=tree.officer_a, request=resolved_request)
    rating = casework.rating_submit(worker=worker_a, request=resolved_request, score=4, comment="还行")
    assert (rating.source, rating.worker, rating.recorded_by) == ("online", worker_a, None)
    # Closed and rated: no second rating, and no follow-up any more.
    with pytest.raises(Conflict):
        casework.rating_submit(worker=worker_a, request=resolved_request, score=5)
    with pytest.raises(Conflict):
        casework.follow_up_record(
            actor=tree.officer_a, request=resolved_request, data={"method": "phone", "contacted": True}
        )


@pytest.mark.parametrize(
    ("data", "score", "field"),
    [
        ({"method": "phone", "contacted": False, "satisfied": True}, None, "satisfied"),
        ({"method": "phone", "contacted": False}, 3, "score"),
        ({"method": "fax", "contacted": True}, None, "method"),
        ({"method": "phone"}, None, "contacted"),
        (
            {"method": "phone", "contacted": True, "followed_at": timezone.now() + dt.timedelta(days=1)},
            None,
            "followed_at",
        ),
    ],
)
def test_follow_up_bad_input(tree, resolved_request, data, score, field):
    with pytest.raises(InvalidInput) as err:
        casework.follow_up_record(actor=tree.officer_a, request=resolved_request, data=data, score=score)
    assert field in err.value.fields
    assert FollowUp.objects.count() == Rating.objects.count() == 0


def test_follow_up_permissions(tree, resolved_request):
    data = {"method": "phone", "contacted": True}
    with pytest.raises(NotFound):
        casework.follow_up_record(actor=tree.officer_b, request=resolved_request, data=data)
    with pytest.raises(Forbidden):
        casework.follow_up_record(actor=tree.viewer_a, request=resolved_request, data=data)
    assert FollowUp.objects.count() == 0


# ---- rating --------------------------------------------------------------------------------------


def test_worker_rates_own_resolved_request_once(tree, resolved_request, worker_a):
    assert can_rate(worker=worker_a, request=resolved_request)
    rating = casework.rating_submit(worker=worker_a, request=resolved_request, score=5, comment=" 很满意 ")
    assert (rating.score, rating.comment, rating.source) == (5, "很满意", "online")
    [event] = events(resolved_request, "rated")
    assert event.actor == worker_a.user and event.data == {"score": 5, "source": "online"}
    assert not can_rate(worker=worker_a, request=resolved_request)
    with pytest.raises(Conflict) as err:
        casework.rating_submit(worker=worker_a, request=resolved_request, score=1)
    assert err.value.code == "already_rated"
    with pytest.raises(Conflict):
        casework.rating_record(actor=tree.officer_a, request=resolved_request, score=1)
    assert Rating.objects.get().score == 5


def test_only_the_requester_may_rate(tree, resolved_request, worker_a):
    other = worker_in(tree.union_a1, name="王五")
    assert not can_rate(worker=other, request=resolved_request)
    with pytest.raises(NotFound):
        casework.rating_submit(worker=other, request=resolved_request, score=5)
    with pytest.raises(NotFound):
        casework.rating_submit(worker=None, request=resolved_request, score=5)
    assert Rating.objects.count() == 0


def test_rating_only_when_resolved(tree, open_request, worker_a):
    assert not can_rate(worker=worker_a, request=open_request)
    with pytest.raises(Conflict) as err:
        casework.rating_submit(worker=worker_a, request=open_request, score=5)
    assert err.value.code == "not_resolved"
    with pytest.raises(Conflict):
        casework.rating_record(actor=tree.officer_a, request=open_request, score=5)
    assert Rating.objects.count() == 0


@pytest.mark.parametrize("score", [0, 6, -1, "abc", None])
def test_rating_score_must_be_1_to_5(tree, resolved_request, worker_a, score):
    with pytest.raises(InvalidInput) as err:
        casework.rating_submit(worker=worker_a, request=resolved_request, score=score)
    assert "score" in err.value.fields
    assert Rating.objects.count() == 0
    assert events(resolved_request, "rated") == []


def test_low_rating_alerts_the_handling_union_and_worker_may_reopen(tree, resolved_request, worker_a):
    casework.rating_submit(worker=worker_a, request=resolved_request, score=2, comment="工资只补了一半")
    alert = Notification.objects.get(recipient=tree.officer_a1, topic="rights.low_rating")
    assert "2分" in alert.title and alert.body == "工资只补了一半"
    assert alert.url == f"/rights/{resolved_request.pk}/"
    reopened = core.request_reopen(worker=worker_a, request=resolved_request, reason="工资只补了一半")
    assert reopened.state == "reopened"


def test_high_rating_sends_no_alert(tree, resolved_request, worker_a):
    casework.rating_submit(worker=worker_a, request=resolved_request, score=3)
    assert not Notification.objects.filter(topic="rights.low_rating").exists()


def test_officer_records_rating_from_the_call(tree, resolved_request, worker_a):
    with pytest.raises(Forbidden):
        casework.rating_record(actor=tree.viewer_a, request=resolved_request, score=4)
    with pytest.raises(NotFound):
        casework.rating_record(actor=tree.officer_b, request=resolved_request, score=4)
    rating = casework.rating_record(actor=tree.officer_a, request=resolved_request, score=4, comment="电话里说满意")
    assert (rating.source, rating.recorded_by, rating.worker) == ("phone", tree.officer_a, worker_a)
    assert not can_rate(worker=worker_a, request=resolved_request)


def test_follow_up_of_an_earlier_resolution_is_not_current(tree, resolved_request, worker_a):
    first = casework.follow_up_record(
        actor=tree.officer_a, request=resolved_request, data={"method": "phone", "contacted": True}, score=2
    )
    assert follow_up_current(refresh(resolved_request)) == first
    later = timezone.now() + dt.timedelta(minutes=1)
    core.request_reopen(worker=worker_a, request=resolved_request, reason="没解决", now=later)
    again = core.request_accept(actor=tree.officer_a, request=refresh(resolved_request), now=later)
    again = core.request_resolve(actor=tree.officer_a, request=again, resolution="已全部补发", now=later)
    assert follow_up_current(refresh(resolved_request)) is None
    redo = casework.follow_up_record(
        actor=tree.officer_a,
        request=resolved_request,
        data={"method": "phone", "contacted": True, "followed_at": later + dt.timedelta(seconds=1)},
        now=later + dt.timedelta(minutes=1),
    )
    assert redo.attempts == 2 and follow_up_current(refresh(resolved_request)) == redo
