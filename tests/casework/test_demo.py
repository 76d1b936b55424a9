"""The casework demo, run by `gonghui demo` after the request lifecycle demo, through the real services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count

from gonghui.accounts.models import User
from gonghui.casework.models import FollowUp, LegalAidCase, Mediation, Rating
from gonghui.casework.selectors import ReportFilters, satisfaction_report
from gonghui.demo import services as demo_services
from gonghui.rights.models import RequestEvent, ServiceRequest

CASEWORK = "gonghui.casework.demo"


@pytest.fixture
def demo(db, monkeypatch):
    """The demo city with the apps this one builds on (the other apps' demos are theirs to test)."""
    order = demo_services.DEMO_EXTENSIONS
    monkeypatch.setattr(demo_services, "DEMO_EXTENSIONS", order[: order.index(CASEWORK) + 1])
    outcome = demo_services.demo_load()
    assert outcome.loaded
    return outcome.extras["casework.demo"]


def test_demo_casework_fills_the_panels_and_the_satisfaction_page(demo):
    counts = demo
    # The lifecycle demo records no legal aid or mediation: all of these are the casework demo's.
    assert counts["legal_aid_cases"] == LegalAidCase.objects.count() > 0
    assert counts["mediations"] == Mediation.objects.count() > 0
    assert counts["follow_ups"] > 0 and counts["ratings"] > 0 and counts["closed"] > 0
    assert FollowUp.objects.count() >= counts["follow_ups"] and Rating.objects.count() >= counts["ratings"]
    assert set(Rating.objects.values_list("score", flat=True)) <= {1, 2, 3, 4, 5}
    assert Rating.objects.filter(score__gte=4).count() > Rating.objects.filter(score__lte=3).count()
    assert Rating.objects.filter(score__lte=2).exists()
    assert Rating.objects.filter(source="online").exists() and Rating.objects.filter(source="phone").exists()
    assert LegalAidCase.objects.exclude(outcome="pending").filter(amount_recovered__gt=0).exists()
    assert LegalAidCase.objects.filter(outcome="pending").exists()
    assert Mediation.objects.filter(result="agreed", agreement_amount__gt=0).exists()
    assert Mediation.objects.annotate(n=Count("sessions")).filter(n__gte=2).exists()
    # At most one of each per request, and every step is on the request's timeline (written by the services).
    assert not LegalAidCase.objects.values("request").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert not Mediation.objects.values("request").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert RequestEvent.objects.filter(kind="legal_aid", data__action="opened").count() == counts["legal_aid_cases"]
    assert RequestEvent.objects.filter(kind="rated").count() == Rating.objects.count()
    # Closed requests satisfy the close rule: a follow-up, and a rating unless the worker was not reached.
    for request in ServiceRequest.objects.filter(state="closed", resolved_at__isnull=False):
        follow_up = FollowUp.objects.filter(request=request).first()
        assert follow_up is not None
        assert not follow_up.contacted or Rating.objects.filter(request=request).exists()


def test_demo_satisfaction_page_has_figures(demo):
    admin = User.objects.get(username="admin")
    year = dt.date.today().year
    report = satisfaction_report(
        actor=admin, filters=ReportFilters(date_from=dt.date(year - 1, 1, 1), date_to=dt.date.today())
    )
    assert report.total["rated"] == Rating.objects.count()
    assert report.total["satisfaction_rate"] is not None and report.total["follow_up_rate"] is not None
    assert report.total["on_time_rate"] is not None
    assert sum(r["total"] for r in report.rows) == report.total["total"]
