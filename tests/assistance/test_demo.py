"""The assistance part of the demo: files in every state and level, made through the services."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.assistance.demo import load_demo
from gonghui.assistance.models import (
    FileEvent,
    FileState,
    HardshipFile,
    HardshipLevel,
    LivingStandard,
    Pairing,
    PairingVisit,
)
from gonghui.demo import services as demo_services
from gonghui.demo.services import _demo_places, demo_load

pytestmark = pytest.mark.django_db


def test_demo_is_wired_after_the_portal_demo():
    names = list(demo_services.DEMO_EXTENSIONS)
    assert names.index("gonghui.assistance.demo") > names.index("gonghui.portal.demo")


def test_demo_files_cover_states_levels_reviews_pairings_and_applications(monkeypatch):
    monkeypatch.setattr(demo_services, "DEMO_EXTENSIONS", ("gonghui.portal.demo",))
    outcome = demo_load()
    places = _demo_places(outcome.result)
    counts = load_demo(places=places, admin=User.objects.get(username="admin"), rng=random.Random(2026))
    files = HardshipFile.objects.all()
    assert counts["files"] + counts["applications"] == files.count() >= 20
    assert set(files.values_list("state", flat=True)) == set(FileState.values)
    assert set(files.filter(state="filed").values_list("level", flat=True)) == set(HardshipLevel.values)
    today = timezone.localdate()
    filed = files.filter(state="filed")
    assert filed.filter(next_review_due__lt=today).exists()
    assert filed.filter(next_review_due__gte=today, next_review_due__lte=today + timezone.timedelta(days=30)).exists()
    assert counts["applications"] >= 1 and files.filter(source="worker", state="draft").exists()
    assert (
        Pairing.objects.count() == counts["pairings"] > 0
        and PairingVisit.objects.count() == counts["pairing_visits"] > 0
    )
    assert LivingStandard.objects.filter(region_code=places["city"].region_code, year=today.year).exists()
    assert FileEvent.objects.filter(kind="objection").exists() and FileEvent.objects.filter(kind="returned").exists()
    assert files.exclude(household=None).count() == files.count()
    assert not files.filter(visits=None, state__in=["submitted", "filed", "in_notice"]).exists()
