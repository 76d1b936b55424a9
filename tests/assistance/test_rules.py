"""The income and level rules (assistance.rules), at their boundaries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gonghui.assistance import rules
from gonghui.assistance.models import NOT_ELIGIBLE

from .support import standard

pytestmark = pytest.mark.django_db


def test_per_capita_rounds_half_up_to_the_fen():
    assert rules.per_capita(Decimal("1000"), 3) == Decimal("333.33")
    assert rules.per_capita(Decimal("1000.01"), 2) == Decimal("500.01")
    assert rules.per_capita(Decimal("0.05"), 2) == Decimal("0.03")
    with pytest.raises(ValueError):
        rules.per_capita(Decimal("100"), 0)


@pytest.mark.parametrize(
    ("income", "causes", "sudden", "expected"),
    [
        ("1395.00", [], False, "deep"),  # exactly the 低保 line
        ("1395.01", [], False, "relative"),
        ("2093.00", [], False, "relative"),  # exactly the low-income line
        ("2093.01", [], False, NOT_ELIGIBLE),
        ("2093.01", ["serious_illness"], False, "relative"),
        ("3139.50", ["disability"], False, "relative"),  # exactly 1.5 × low-income
        ("3139.51", ["disability"], False, NOT_ELIGIBLE),
        ("3139.51", ["disaster_accident"], True, "accident"),
        ("5000", ["disaster_accident"], False, NOT_ELIGIBLE),  # no sudden loss
        ("800", ["disaster_accident"], True, "deep"),  # income rule first
        ("3000", ["unemployment", "schooling"], False, NOT_ELIGIBLE),
    ],
)
def test_level_suggestion(income, causes, sudden, expected):
    std = standard()
    got = rules.suggest_level(per_capita_income=Decimal(income), causes=causes, sudden_loss=sudden, standard=std)
    assert got == expected


def test_no_standard_means_no_suggestion():
    assert rules.suggest_level(per_capita_income=Decimal("1"), causes=[], sudden_loss=False, standard=None) == ""


def test_most_specific_region_and_year_apply():
    province = standard("110000", 2026, "1000", "1500")
    county = standard("110105", 2026, "1200", "1800")
    old_county = standard("110108", 2024, "900", "1300")
    assert rules.standard_for("110105", 2026) == county
    assert rules.standard_for("110108", 2026) == province  # the same year beats an older county row
    assert rules.standard_for("110108", 2025) == old_county  # no 2025 anywhere: latest earlier year
    assert rules.standard_for("110108", 2023) is None
    assert rules.standard_for("", 2026) is None


def test_notice_days_per_region_with_default():
    standard("110105", 2026, "1200", "1800", days=7)
    assert rules.notice_days_for("110105", 2026, 5) == 7
    assert rules.notice_days_for("120101", 2026, 5) == 5
