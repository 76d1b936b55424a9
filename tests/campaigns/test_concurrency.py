"""Budget limits under concurrent approvals, on PostgreSQL (CI runs the suite there too).

SQLite serialises writers for the whole database, so the race this guards against cannot
happen there; the test runs when DATABASE_URL points at PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from gonghui.accounts.services import token_issue
from gonghui.campaigns import services
from gonghui.campaigns.models import BudgetAllocation, Grant
from tests.concurrency import run_parallel

from .support import allocate, filed_file, grant_assistance, make_campaign

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks under real concurrency need PostgreSQL"),
]


def test_parallel_api_approvals_never_overspend(tree, client):
    grant_assistance(tree, tree.city_admin, tree.officer_a, tree.officer_a1)
    campaign = make_campaign(tree.city_admin, tree.city, budget="10000")
    allocation = allocate(tree.city_admin, tree.city_admin, campaign, tree.district_a, "3500")
    grants = [
        services.grant_propose(
            actor=tree.officer_a1,
            campaign=campaign,
            data={"hardship_file": filed_file(tree.union_a1, 100 + i, f"困难{i}").pk, "amount": "1000"},
        )
        for i in range(8)
    ]
    token = token_issue(user=tree.officer_a)

    def approve(pk):
        from django.test import Client

        response = Client().post(
            f"/api/v1/campaigns/grants/{pk}/approve",
            {},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        return response.status_code, response.json()

    results = run_parallel([lambda pk=g.pk: approve(pk) for g in grants])
    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 200, 200, 409, 409, 409, 409, 409]
    assert {body["error"]["code"] for status, body in results if status == 409} == {"budget_exceeded"}
    allocation.refresh_from_db()
    assert allocation.committed_amount == Decimal("3000.00") <= allocation.amount
    assert Grant.objects.filter(state="approved").count() == 3


def test_parallel_allocations_never_exceed_the_parent(tree):
    grant_assistance(tree, tree.city_admin)
    campaign = make_campaign(tree.city_admin, tree.city, budget="1000")
    targets = [tree.district_a, tree.district_b, tree.street_a, tree.union_b1]

    def allocate_to(org):
        return services.allocation_create(actor=tree.city_admin, campaign=campaign, org=org, amount="400")

    results = run_parallel([lambda org=o: allocate_to(org) for o in targets[:2] + targets[3:]])
    made = [r for r in results if isinstance(r, BudgetAllocation)]
    assert len(made) == 2, results
    root = BudgetAllocation.objects.get(campaign=campaign, parent=None)
    assert root.allocated_amount == Decimal("800.00")
    assert sum(a.amount for a in BudgetAllocation.objects.filter(parent=root)) == Decimal("800.00")


def test_parallel_cap_checks_for_one_person(tree):
    """Two campaigns approving the same person at once cannot pass the yearly cap together."""
    grant_assistance(tree, tree.officer_a, tree.officer_a1)
    first = make_campaign(tree.officer_a, tree.district_a, name="送温暖", yearly_cap="1500")
    second = make_campaign(tree.officer_a, tree.district_a, name="生活救助", type="living_relief", yearly_cap="1500")
    file = filed_file(tree.union_a1, 7)
    g1 = services.grant_propose(actor=tree.officer_a1, campaign=first, data={"hardship_file": file.pk})
    g2 = services.grant_propose(
        actor=tree.officer_a1, campaign=second, data={"hardship_file": file.pk, "amount": "1000"}
    )
    results = run_parallel(
        [
            lambda: services.grant_approve(actor=tree.officer_a, grant=g1),
            lambda: services.grant_approve(actor=tree.officer_a, grant=g2),
        ]
    )
    assert sum(isinstance(r, Grant) for r in results) == 1
    assert [getattr(r, "code", None) for r in results if not isinstance(r, Grant)] == ["yearly_cap_exceeded"]
