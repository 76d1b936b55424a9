"""The joining demo loads through the services on top of the demo dataset and the portal demo."""

from __future__ import annotations

from gonghui.demo import services as demo_services
from gonghui.joining.models import FoundingPrompt, JoinApplication, JoinState, OrgInvite, TransferRequest


def test_demo_has_every_state(db, monkeypatch):
    # Only the extensions this app's demo builds on (the others are tested by their apps).
    monkeypatch.setattr(demo_services, "DEMO_EXTENSIONS", ("gonghui.portal.demo", "gonghui.joining.demo"))
    outcome = demo_services.demo_load()
    assert outcome.loaded
    counts = outcome.extras["joining.demo"]
    states = set(JoinApplication.objects.values_list("state", flat=True))
    assert states == set(JoinState.values)
    assert JoinApplication.objects.filter(flagged_at__isnull=False, state="submitted").count() == 2 == counts["flagged"]
    assert FoundingPrompt.objects.filter(state="open", member_count__gte=3).count() == 1
    assert set(TransferRequest.objects.values_list("state", flat=True)) == {
        "pending",
        "approved",
        "rejected",
        "cancelled",
    }
    assert OrgInvite.objects.filter(is_active=True).count() == counts["invites"] >= 2
    assert counts["applications"] == JoinApplication.objects.count()
    assert counts["transfer_requests"] == TransferRequest.objects.count()
    # Approved applications created members with card numbers.
    assert all(a.member.card_number for a in JoinApplication.objects.filter(state="approved"))
