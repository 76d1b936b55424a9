"""Budget figures per union: allocated / committed / paid / remaining / beneficiaries add up."""

from __future__ import annotations

import pytest

from gonghui.campaigns import services
from gonghui.campaigns.selectors import campaign_figures, year_figures

from .support import NOW, allocate, filed_file, grant_assistance, make_campaign, money

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(rights, tree):
    """City 10000 → district A 4000 (→ street A 1500), district B 2000; grants at each level."""
    grant_assistance(tree, tree.officer_b)
    campaign = make_campaign(rights.city_admin, rights.city, budget="10000")
    allocate(rights.city_admin, rights.city_admin, campaign, rights.district_a, "4000")
    allocate(rights.city_admin, rights.city_admin, campaign, rights.district_b, "2000")
    allocate(rights.officer_a, rights.officer_a, campaign, rights.street_a, "1500")
    # street A's money: one paid (900 of 1000), one approved (500); district A's own: one approved
    g1 = services.grant_propose(
        actor=rights.officer_a, campaign=campaign, data={"hardship_file": filed_file(rights.union_a1, 1).pk}
    )
    g2 = services.grant_propose(
        actor=rights.officer_a,
        campaign=campaign,
        data={"hardship_file": filed_file(rights.union_a2, 2).pk, "amount": "500"},
    )
    for g in (g1, g2):
        services.grant_approve(actor=rights.city_admin, grant=g)  # four eyes: not the proposer
    services.grant_pay(
        actor=rights.officer_a, grant=g1, method="cash", paid_on="2026-01-09", paid_amount="900", now=NOW
    )
    # district B: one approved, one still proposed
    g3 = services.grant_propose(
        actor=tree.officer_b,
        campaign=campaign,
        data={"hardship_file": filed_file(tree.union_b1, 3).pk, "amount": "700"},
    )
    services.grant_approve(actor=tree.city_admin, grant=g3)
    services.grant_propose(
        actor=tree.officer_b, campaign=campaign, data={"hardship_file": filed_file(tree.union_b1, 4).pk}
    )
    return campaign


def row(figures, org):
    return next(r for r in figures.rows if r.org == org)


def test_city_view(rights, spread):
    f = campaign_figures(actor=rights.city_admin, campaign=spread)
    assert (f.total.allocated, f.total.committed, f.total.paid, f.total.remaining) == (
        money(10000),
        money(2100),
        money(900),
        money(7900),
    )
    assert (f.total.beneficiaries, f.total.proposed) == (3, 1)
    a = row(f, rights.district_a)
    assert (a.allocated, a.committed, a.paid, a.remaining, a.beneficiaries) == (
        money(4000),
        money(1400),
        money(900),
        money(2600),
        2,
    )
    b = row(f, rights.district_b)
    assert (b.allocated, b.committed, b.remaining, b.beneficiaries, b.proposed) == (
        money(2000),
        money(700),
        money(1300),
        1,
        1,
    )
    assert f.own.available == money(4000)  # 10000 − 6000 passed down, nothing granted by the city itself


def test_district_view_and_drill_down(rights, spread):
    f = campaign_figures(actor=rights.officer_a, campaign=spread)
    assert f.root == rights.district_a
    assert (f.total.allocated, f.total.committed, f.total.remaining) == (money(4000), money(1400), money(2600))
    street = row(f, rights.street_a)
    assert (street.allocated, street.committed, street.paid, street.remaining) == (
        money(1500),
        money(1400),
        money(900),
        money(100),
    )
    down = campaign_figures(actor=rights.officer_a, campaign=spread, org=rights.street_a)
    assert [(r.org, r.committed, r.allocated, r.beneficiaries) for r in down.rows] == [
        (rights.union_a1, money(0), money(0), 1),  # money is charged to the street's allocation
        (rights.union_a2, money(0), money(0), 1),
    ]
    assert down.total.allocated == money(1500)


def test_year_figures_by_type(rights, spread):
    other = make_campaign(
        rights.officer_a, rights.district_a, type="medical_relief", name="医疗救助", budget="3000", standards={}
    )
    g = services.grant_propose(
        actor=rights.officer_a,
        campaign=other,
        data={
            "hardship_file": filed_file(rights.union_a1, 9).pk,
            "medical_total": "9000",
            "medical_reimbursed": "6000",
            "amount": "2000",
        },
    )
    services.grant_approve(actor=rights.city_admin, grant=g)
    rows = {r.type: r for r in year_figures(actor=rights.officer_a, year=2026)}
    assert (rows["spring_warmth"].allocated, rows["spring_warmth"].committed, rows["spring_warmth"].beneficiaries) == (
        money(4000),
        money(1400),
        2,
    )
    assert (rows["medical_relief"].allocated, rows["medical_relief"].committed, rows["medical_relief"].campaigns) == (
        money(3000),
        money(2000),
        1,
    )
    city = {r.type: r for r in year_figures(actor=rights.city_admin, year=2026)}
    assert city["spring_warmth"].allocated == money(10000) and city["medical_relief"].campaigns == 1


def test_own_row_and_funding_note(rights, spread):
    f = campaign_figures(actor=rights.officer_a, campaign=spread)
    own = f.own_row
    assert (own.allocated, own.committed, own.remaining, own.beneficiaries) == (money(2500), money(0), money(2500), 0)
    assert own.allocated + sum(r.allocated for r in f.rows) == f.total.allocated
    assert own.committed + sum(r.committed for r in f.rows) == f.total.committed
    below = campaign_figures(actor=rights.officer_a1, campaign=spread)
    assert below.own is None and below.funded_by.org == rights.street_a
