"""The income and level rules of hardship files (困难职工认定规则).

Per-capita income = monthly household income ÷ household size, rounded half-up to the fen.

Level suggestion, in this order (the first that holds wins):

1. per-capita income ≤ the 低保 (minimum-living) line            → 深度困难 (deep)
2. per-capita income ≤ the low-income line                       → 相对困难 (relative)
3. serious illness or disability among the causes, and
   per-capita income ≤ 1.5 × the low-income line                 → 相对困难 (relative)
4. a disaster/accident cause with a sudden loss (突发损失)        → 意外致困 (accident)
5. otherwise                                                     → not eligible (不符合建档条件)

With no living standard known for the region and year, no suggestion is made (''), and the
officer decides alone. The officer always decides the level; a decision different from the
suggestion (including deciding a level for a "not eligible" household) needs a written reason.

Living standard for a region and year: the most specific region that has one for that year
(county code, then the city ``xxxx00``, then the province ``xx0000``); if no region level has
one for that year, the latest earlier year in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from .models import NOT_ELIGIBLE, HardshipCause, HardshipLevel, LivingStandard

CENT = Decimal("0.01")
ILLNESS_FACTOR = Decimal("1.5")
ILLNESS_CAUSES = frozenset({HardshipCause.SERIOUS_ILLNESS, HardshipCause.DISABILITY})


def per_capita(income: Decimal, household_size: int) -> Decimal:
    if household_size < 1:
        raise ValueError("household size must be at least 1")
    return (Decimal(income) / Decimal(household_size)).quantize(CENT, rounding=ROUND_HALF_UP)


def region_candidates(region_code: str) -> list[str]:
    """The region itself, its city and its province, most specific first, without repeats."""
    code = (region_code or "").strip()
    if len(code) != 6:
        return []
    return list(dict.fromkeys([code, code[:4] + "00", code[:2] + "0000"]))


def region_prefix(code: str) -> str:
    """The code without its trailing zero pairs: 110000 → 11, 110100 → 1101, 110105 → 110105."""
    code = code or ""
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


def standard_for(region_code: str, year: int) -> LivingStandard | None:
    candidates = region_candidates(region_code)
    if not candidates:
        return None
    rows = list(LivingStandard.objects.filter(region_code__in=candidates, year__lte=year))
    rank = {code: i for i, code in enumerate(candidates)}
    exact = sorted((r for r in rows if r.year == year), key=lambda r: rank[r.region_code])
    if exact:
        return exact[0]
    earlier = sorted(rows, key=lambda r: (-r.year, rank[r.region_code]))
    return earlier[0] if earlier else None


def suggest_level(
    *,
    per_capita_income: Decimal,
    causes: Iterable[str],
    sudden_loss: bool,
    standard: LivingStandard | None,
) -> str:
    """The suggested level value, NOT_ELIGIBLE, or '' when no standard is known (rule above)."""
    if standard is None:
        return ""
    causes = set(causes)
    income = Decimal(per_capita_income)
    if income <= standard.minimum_living:
        return HardshipLevel.DEEP
    if income <= standard.low_income:
        return HardshipLevel.RELATIVE
    if causes & ILLNESS_CAUSES and income <= standard.low_income * ILLNESS_FACTOR:
        return HardshipLevel.RELATIVE
    if HardshipCause.DISASTER_ACCIDENT in causes and sudden_loss:
        return HardshipLevel.ACCIDENT
    return NOT_ELIGIBLE


def notice_days_for(region_code: str, year: int, default: int) -> int:
    standard = standard_for(region_code, year)
    if standard is not None and standard.notice_working_days:
        return standard.notice_working_days
    return default
