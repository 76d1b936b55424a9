"""The demo's mutual medical aid: an open 2026 plan, enrolment from the roll, claims in every state."""

from __future__ import annotations

import random
from decimal import Decimal

from gonghui.accounts.models import User
from gonghui.demo import services as demo_services
from gonghui.medical_aid.demo import STATES, load_demo
from gonghui.medical_aid.models import Claim, ClaimState, Enrolment, MedicalAidPlan
from gonghui.medical_aid.selectors import enrolment_usage
from gonghui.notifications.models import Notification


def test_demo_medical_aid(db, client, monkeypatch):
    # The demo with the workers' accounts (portal) only; then this app's part on top, as
    # `gonghui demo` runs it (the other apps' parts do not touch medical aid).
    monkeypatch.setattr(demo_services, "DEMO_EXTENSIONS", ("gonghui.portal.demo",))
    outcome = demo_services.demo_load()
    places = demo_services._demo_places(outcome.result)
    admin = User.objects.get(username="admin")
    assert User.objects.get(username="union_officer").assistance_access

    counts = load_demo(places=places, admin=admin, rng=random.Random(2026))

    assert counts["medical_aid_plans"] == MedicalAidPlan.objects.count() == 2
    plan = MedicalAidPlan.objects.get(year=2026)
    assert plan.state == "open" and plan.organiser == places["city"]
    assert MedicalAidPlan.objects.get(year=2027).state == "draft"
    union_members = places["union"].member_count
    assert Enrolment.objects.filter(plan=plan, union=places["union"]).count() == union_members
    assert counts["medical_aid_enrolments"] == Enrolment.objects.count() > union_members
    assert counts["medical_aid_claims"] == Claim.objects.count() == len(STATES)
    assert {c.state for c in Claim.objects.all()} == set(ClaimState.values)
    assert Claim.objects.filter(by_worker=True).exists()
    for claim in Claim.objects.filter(state__in=["approved", "paid"]):
        assert claim.payout is not None and claim.payout <= claim.eligible_amount
        assert enrolment_usage(claim.enrolment).paid_out <= Decimal("50000")
    for claim in Claim.objects.filter(state="paid"):
        assert claim.paid_amount == claim.payout and claim.voucher_no
    assert Notification.objects.filter(topic="medical_aid").exists()
    # The demo officer's pages render with the data.
    client.force_login(User.objects.get(username="union_officer"))
    assert client.get("/medical-aid/claims/").status_code == 200
    assert client.get(f"/medical-aid/plans/{plan.pk}/figures/").status_code == 200
    paid = Claim.objects.filter(state="paid", union=places["union"]).first()
    if paid is not None:
        assert client.get(f"/medical-aid/claims/{paid.pk}/").status_code == 200
