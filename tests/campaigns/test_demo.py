"""The campaigns demo, run by `gonghui demo` after the assistance demo, through the real services."""

from __future__ import annotations

from decimal import Decimal
from importlib.util import find_spec

import pytest

from gonghui.campaigns.models import AssistanceCampaign, BudgetAllocation, Grant
from gonghui.demo import services as demo_services

MODULE = "gonghui.campaigns.demo"


@pytest.fixture
def demo(db, monkeypatch):
    """The demo city with the apps this one builds on (the other apps' demos are theirs to test)."""
    order = demo_services.DEMO_EXTENSIONS
    upto = [m for m in order[: order.index(MODULE) + 1] if find_spec(m) is not None]
    monkeypatch.setattr(demo_services, "DEMO_EXTENSIONS", tuple(upto))
    outcome = demo_services.demo_load()
    assert outcome.loaded
    return outcome.extras["campaigns.demo"]


def test_demo_campaigns(demo):
    assert demo["campaigns"] == AssistanceCampaign.objects.count() == 3
    assert demo["grants"] == Grant.objects.count()
    warmth = AssistanceCampaign.objects.get(type="spring_warmth")
    assert warmth.state == "open" and warmth.year == 2026
    allocations = BudgetAllocation.objects.filter(campaign=warmth)
    assert allocations.filter(state="draft").exists() and allocations.filter(state="approved").count() >= 3
    assert allocations.filter(parent__parent__isnull=False).exists()  # district → union
    for allocation in allocations:  # the budget rule holds everywhere
        assert allocation.allocated_amount + allocation.committed_amount <= allocation.amount
    medical = AssistanceCampaign.objects.get(type="medical_relief")
    assert set(Grant.objects.filter(campaign=medical).values_list("state", flat=True)) == {
        "proposed",
        "approved",
        "paid",
        "rejected",
        "cancelled",
    }
    for grant in Grant.objects.filter(campaign=medical):
        assert grant.amount <= grant.medical_self_paid
    education = AssistanceCampaign.objects.get(type="education_aid")
    assert education.standards["stages"]["university"] == "5000.00"
    for grant in Grant.objects.filter(campaign=education):
        assert grant.amount == Decimal(education.standards["stages"][grant.stage])
    if Grant.objects.filter(campaign=warmth).count() >= 7:  # with the assistance demo's filed files
        assert set(Grant.objects.filter(campaign=warmth).values_list("state", flat=True)) == {
            "proposed",
            "approved",
            "paid",
            "rejected",
            "cancelled",
        }
        assert set(Grant.objects.filter(campaign=warmth, state="paid").values_list("pay_method", flat=True)) >= {
            "bank_transfer",
            "cash",
        }
