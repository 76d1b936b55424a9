"""The payout arithmetic (rules.py): deductible, tiers, caps, rounding — examples and properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gonghui.core.errors import InvalidInput
from gonghui.medical_aid.rules import Rules, Tier, clean_tiers, compute_payout, to_money

D = Decimal


STANDARD_TIERS = ((D("10000"), D("50")), (D("50000"), D("60")), (None, D("70")))


def rules(deductible="1000", per_year=False, tiers=STANDARD_TIERS, per_claim_cap="30000", yearly_cap="50000") -> Rules:
    return Rules(
        deductible=D(deductible),
        per_year_deductible=per_year,
        tiers=tuple(Tier(up_to=u, percent=p) for u, p in tiers),
        per_claim_cap=D(per_claim_cap),
        yearly_cap=D(yearly_cap),
    )


def pay(eligible, **kwargs):
    used = kwargs.pop("used", "0")
    before = kwargs.pop("before", "0")
    return compute_payout(rules(**kwargs), eligible=D(eligible), deductible_used=D(used), paid_before=D(before))


@pytest.mark.parametrize(
    ("eligible", "expected"),
    [
        ("0", "0.00"),
        ("999.99", "0.00"),  # below the deductible
        ("1000", "0.00"),  # exactly the deductible
        ("1000.01", "0.01"),  # 0.01 × 50 % = 0.005 → rounded half up to 0.01
        ("1000.03", "0.02"),  # 0.015 → 0.02
        ("8000", "3500.00"),  # 7000 × 50 %
        ("11000", "5000.00"),  # the first tier's upper bound exactly: all at 50 %
        ("11000.01", "5000.01"),  # one fen into the second tier: 0.006 → 0.01
        ("11000.10", "5000.06"),
        ("51000", "29000.00"),  # 5000 + 40000 × 60 %, below the per-claim cap
        ("51000.01", "29000.01"),  # into the open tier: 0.007 → 0.01
        ("52000", "29700.00"),  # 5000 + 24000 + 1000 × 70 %
        ("53000", "30000.00"),  # 5000 + 24000 + 2000 × 70 % = 30400 → per-claim cap 30000
        ("1000000", "30000.00"),
    ],
)
def test_payout_examples_per_claim_deductible(eligible, expected):
    assert pay(eligible).amount == D(expected)


def test_breakdown_shows_each_tier_base_and_amount():
    result = pay("53000")
    b = result.breakdown
    assert b["eligible"] == "53000.00"
    assert b["deductible"] == {
        "basis": "per_claim", "configured": "1000.00", "used_before": None, "left": "1000.00", "applied": "1000.00",
    }  # fmt: skip
    assert b["above_deductible"] == "52000.00"
    assert b["tiers"] == [
        {"lower": "0.00", "upper": "10000.00", "percent": "50", "base": "10000.00", "amount": "5000.00"},
        {"lower": "10000.00", "upper": "50000.00", "percent": "60", "base": "40000.00", "amount": "24000.00"},
        {"lower": "50000.00", "upper": None, "percent": "70", "base": "2000.00", "amount": "1400.00"},
    ]
    assert b["tiered_total"] == "30400.00"
    assert b["limited_by"] == "per_claim_cap"
    assert b["payout"] == "30000.00"
    assert result.deductible_applied == D("1000.00")


def test_yearly_cap_counts_earlier_payouts():
    assert pay("8000", before="45000").amount == D("3500.00")
    capped = pay("8000", before="48000")
    assert capped.amount == D("2000.00")
    assert capped.breakdown["limited_by"] == "yearly_cap"
    assert capped.breakdown["yearly_left"] == "2000.00"
    assert pay("8000", before="50000").amount == D("0.00")
    assert pay("8000", before="60000").amount == D("0.00")  # never negative


def test_per_claim_and_yearly_caps_together():
    # 30400 tiered → per-claim cap 30000 → 25000 left in the year.
    result = pay("53000", before="25000")
    assert result.amount == D("25000.00")
    assert result.breakdown["limited_by"] == "yearly_cap"


def test_per_year_deductible_uses_what_is_left():
    assert pay("8000", per_year=True, used="0").amount == D("3500.00")
    partly = pay("8000", per_year=True, used="600")
    assert partly.deductible_applied == D("400.00")
    assert partly.amount == D("3800.00")  # (8000 − 400) × 50 %
    assert partly.breakdown["deductible"]["used_before"] == "600.00"
    assert pay("8000", per_year=True, used="1000").amount == D("4000.00")
    assert pay("8000", per_year=True, used="5000").amount == D("4000.00")
    # A claim under what is left uses only its own amount.
    small = pay("300", per_year=True, used="600")
    assert (small.amount, small.deductible_applied) == (D("0.00"), D("300.00"))


def test_per_claim_deductible_applies_to_every_claim():
    assert pay("8000", used="1000").amount == D("3500.00")


def test_single_open_tier_and_full_ratio():
    r = rules(deductible="0", tiers=((None, D("100")),), per_claim_cap="100000", yearly_cap="100000")
    assert compute_payout(r, eligible=D("1234.56")).amount == D("1234.56")


def test_negative_eligible_is_a_programming_error():
    with pytest.raises(ValueError):
        pay("-1")


# ---- tier validation ------------------------------------------------------------------------


def test_clean_tiers_accepts_contiguous_increasing_tiers():
    tiers = clean_tiers([{"up_to": "10000", "percent": "50"}, {"up_to": 50000, "percent": 60}, {"percent": "70"}])
    assert tiers == [
        Tier(up_to=D("10000.00"), percent=D("50.00")),
        Tier(up_to=D("50000.00"), percent=D("60.00")),
        Tier(up_to=None, percent=D("70.00")),
    ]
    assert tiers[0].as_json() == {"up_to": "10000.00", "percent": "50.00"}


@pytest.mark.parametrize(
    ("tiers", "reason"),
    [
        ([], "至少需要一个分段"),
        ("50", "至少需要一个分段"),
        ([{"up_to": "10000", "percent": "50"}], "最后一段应不设上限"),
        ([{"up_to": None, "percent": "50"}, {"up_to": None, "percent": "60"}], "只有最后一段可以不设上限"),
        ([{"up_to": "10000", "percent": "50"}, {"up_to": "10000", "percent": "60"}, {"percent": "70"}], "应大于上一段"),
        ([{"up_to": "20000", "percent": "50"}, {"up_to": "10000", "percent": "60"}, {"percent": "70"}], "应大于上一段"),
        ([{"up_to": "0", "percent": "50"}, {"percent": "60"}], "应大于上一段"),
        ([{"up_to": "-5", "percent": "50"}, {"percent": "60"}], "上限应为"),
        ([{"up_to": "10.001", "percent": "50"}, {"percent": "60"}], "上限应为"),
        ([{"percent": "0"}], "大于 0% 且不超过 100%"),
        ([{"percent": "100.01"}], "大于 0% 且不超过 100%"),
        ([{"percent": "abc"}], "应为数字"),
        ([{"percent": "50.123"}], "最多两位小数"),
        ([{"percent": "NaN"}], "大于 0% 且不超过 100%"),
        (["x"], "格式不正确"),
        ([{"up_to": str(i), "percent": "50"} for i in range(1, 11)] + [{"percent": "50"}], "最多 10 个分段"),
    ],
)
def test_clean_tiers_rejects(tiers, reason):
    with pytest.raises(InvalidInput) as exc:
        clean_tiers(tiers)
    assert reason in exc.value.message
    assert list(exc.value.fields) == ["tiers"]


@pytest.mark.parametrize("value", ["-0.01", "1.001", "abc", "inf", "NaN", "1e20"])
def test_money_rejects_bad_amounts(value):
    with pytest.raises(InvalidInput):
        to_money(value, field="x", label="金额")


def test_money_keeps_fen():
    assert to_money("12.5", field="x", label="金额") == D("12.50")
    assert to_money(D("3"), field="x", label="金额") == D("3.00")


# ---- properties -----------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=500000, places=2, allow_nan=False, allow_infinity=False)
percents = st.decimals(min_value=D("0.01"), max_value=100, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def any_rules(draw):
    n = draw(st.integers(min_value=1, max_value=5))
    bounds = sorted(
        set(draw(st.lists(st.decimals(min_value=1, max_value=200000, places=2), min_size=n - 1, max_size=n - 1)))
    )
    tiers = [Tier(up_to=b, percent=draw(percents)) for b in bounds] + [Tier(up_to=None, percent=draw(percents))]
    per_claim = draw(st.decimals(min_value=D("0.01"), max_value=200000, places=2))
    yearly = per_claim + draw(st.decimals(min_value=0, max_value=200000, places=2))
    return Rules(
        deductible=draw(money),
        per_year_deductible=draw(st.booleans()),
        tiers=tuple(tiers),
        per_claim_cap=per_claim,
        yearly_cap=yearly,
    )


@settings(max_examples=300, deadline=None)
@given(r=any_rules(), eligible=money, extra=money, used=money, before=money)
def test_payout_properties(r, eligible, extra, used, before):
    result = compute_payout(r, eligible=eligible, deductible_used=used, paid_before=before)
    amount = result.amount
    assert amount >= 0
    assert amount == amount.quantize(D("0.01"))  # to the fen
    assert amount <= eligible  # never more than the self-paid, eligible part
    assert amount <= r.per_claim_cap
    assert amount + before <= max(r.yearly_cap, before)  # the yearly cap holds across claims
    assert result.deductible_applied <= eligible
    # Monotonic: a higher cost never pays less.
    more = compute_payout(r, eligible=eligible + extra, deductible_used=used, paid_before=before)
    assert more.amount >= amount
    # The breakdown adds up: tier amounts sum to the tiered total, the bases to the amount above.
    b = result.breakdown
    assert sum(D(t["amount"]) for t in b["tiers"]) == D(b["tiered_total"])
    assert sum(D(t["base"]) for t in b["tiers"]) == D(b["above_deductible"])
    assert D(b["payout"]) == amount


@settings(max_examples=200, deadline=None)
@given(r=any_rules(), claims=st.lists(money, min_size=1, max_size=8))
def test_a_year_of_claims_never_passes_the_yearly_cap(r, claims):
    paid = D("0.00")
    used = D("0.00")
    for eligible in claims:
        result = compute_payout(r, eligible=eligible, deductible_used=used, paid_before=paid)
        paid += result.amount
        used += result.deductible_applied
    assert paid <= r.yearly_cap
    if r.per_year_deductible:
        assert used <= r.deductible
