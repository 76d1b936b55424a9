"""The rights part of the demo: requests in every state, made through the services."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from gonghui.accounts.models import User
from gonghui.demo import services as demo_services
from gonghui.demo.services import _demo_places, demo_load
from gonghui.rights.demo import load_demo
from gonghui.rights.models import Category, Channel, Dispatch, EventKind, RequestEvent, ServiceRequest, State
from gonghui.rights.selectors import overdue_q

pytestmark = pytest.mark.django_db


def _load(monkeypatch, with_portal: bool) -> tuple[dict, dict]:
    """The demo's tree, roll and accounts (and the portal's workers), then this app's demo alone:
    the other apps' demos (which `demo_load` also runs) are left out so this test sees only ours."""
    monkeypatch.setattr(demo_services, "DEMO_EXTENSIONS", ("gonghui.portal.demo",) if with_portal else ())
    outcome = demo_load()
    places = _demo_places(outcome.result)
    admin = User.objects.get(username="admin")
    return places, load_demo(places=places, admin=admin, rng=random.Random(2026))


def test_demo_is_wired_after_the_portal_demo():
    names = list(demo_services.DEMO_EXTENSIONS)
    assert names.index("gonghui.rights.demo") > names.index("gonghui.portal.demo")


def test_demo_requests_cover_every_state_category_and_channel(monkeypatch):
    _places, counts = _load(monkeypatch, with_portal=True)
    requests = ServiceRequest.objects.all()
    assert 60 <= counts["requests"] == requests.count() <= 80
    assert set(requests.values_list("state", flat=True)) == set(State.values)
    assert set(requests.values_list("category", flat=True)) == set(Category.values)
    assert set(requests.values_list("channel", flat=True)) == set(Channel.values)
    assert requests.filter(is_major_incident=True).count() == 1
    assert requests.filter(overdue_q()).count() >= 5
    assert counts["escalated"] == requests.exclude(escalated_to=None).count() >= 5
    assert counts["dispatched"] == 4
    assert Dispatch.objects.filter(reported_at__isnull=False).count() >= 3
    assert requests.filter(state=State.CLOSED).count() >= 10
    # Every request has a real timeline, starting with its filing.
    first_kinds = {r.events.order_by("created_at", "id").first().kind for r in requests}
    assert first_kinds <= {EventKind.SUBMITTED, EventKind.RECORDED}
    assert RequestEvent.objects.filter(kind=EventKind.MESSAGE).count() >= 2
    # Deadlines always after receipt; times are consistent.
    for r in requests:
        assert r.accept_due_at > r.received_at <= r.created_at
        if r.accepted_at:
            assert r.accepted_at >= r.received_at
    # 12351 wage-arrears tickets with their figures, in every state an officer moves a call through.
    tickets = requests.filter(channel=Channel.HOTLINE, category=Category.WAGE_ARREARS).exclude(facts={})
    assert set(State.values) - {State.REOPENED} <= set(tickets.values_list("state", flat=True))
    assert all({"amount_owed", "months_owed", "employer_uscc"} <= set(t.facts) for t in tickets)
    assert tickets.exclude(call_started_at=None).exclude(recording_ref="").exclude(operator=None).exists()
    assert any(t.created_at - t.received_at > dt.timedelta(days=1) for t in tickets)


def test_demo_works_without_portal_workers(monkeypatch):
    _, counts = _load(monkeypatch, with_portal=False)
    assert counts["requests"] == ServiceRequest.objects.count() >= 55
    assert set(ServiceRequest.objects.values_list("state", flat=True)) == set(State.values)
