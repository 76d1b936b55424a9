"""The benefit rules of a plan and the payout arithmetic (pure functions, Decimal to the fen).

For one claim with eligible amount E (self-paid part less the items the plan does not cover):

1. Deductible (起付线) D: per claim, the first D of every claim; per year, whatever of D the
   member's earlier counted claims in the plan year have not used up. Applied = min(E, D left).
2. Tiers over the amount above the deductible, A = E − applied (分段累进): the part of A in
   [0, b1) at r1, [b1, b2) at r2, …, the last tier open. Each tier's amount is rounded half-up to
   the fen separately and shown in the breakdown as base × ratio = amount.
3. Caps: the sum is limited to the per-claim cap, then to what is left of the yearly cap after
   the member's earlier counted (approved or paid) claims in the plan.

Every ratio is at most 100 %, so the payout never exceeds E (nor the self-paid part), and it
never decreases when the cost grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from gonghui.core.errors import InvalidInput

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
MAX_TIERS = 10
MAX_MONEY = Decimal("9999999999.99")


def to_money(value: Any, *, field: str, label: str, allow_none: bool = False) -> Decimal | None:
    """A non-negative amount in yuan with at most two decimals (never through float)."""
    if value is None or value == "":
        if allow_none:
            return None
        raise InvalidInput(_("%(label)s：此项为必填项") % {"label": label}, fields={field: [_("此项为必填项")]})
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            _("%(label)s：应为金额") % {"label": label}, fields={field: [_("应为金额，如 1234.50")]}
        ) from None
    if not amount.is_finite():
        raise InvalidInput(_("%(label)s：应为金额") % {"label": label}, fields={field: [_("应为金额，如 1234.50")]})
    if amount < 0:
        raise InvalidInput(_("%(label)s：不能为负数") % {"label": label}, fields={field: [_("不能为负数")]})
    if amount != amount.quantize(CENT):
        raise InvalidInput(
            _("%(label)s：最多两位小数（到分）") % {"label": label}, fields={field: [_("最多两位小数（到分）")]}
        )
    if amount > MAX_MONEY:
        raise InvalidInput(_("%(label)s：金额过大") % {"label": label}, fields={field: [_("金额过大")]})
    return amount.quantize(CENT)


@dataclass(frozen=True)
class Tier:
    up_to: Decimal | None  # None: open (the last tier)
    percent: Decimal  # 0 < percent <= 100

    def as_json(self) -> dict[str, str | None]:
        return {"up_to": None if self.up_to is None else str(self.up_to), "percent": str(self.percent)}


def clean_tiers(raw: Any) -> list[Tier]:
    """Tiers from input ([{"up_to": "10000" | null, "percent": "50"}, ...]), validated.

    The upper bounds must increase strictly and only the last tier is open, so the tiers are
    contiguous from 0 upwards by construction; each ratio is above 0 and at most 100 %.
    """

    def bad(message: str) -> InvalidInput:
        return InvalidInput(_("分段补助比例有误：%(detail)s") % {"detail": message}, fields={"tiers": [message]})

    if not isinstance(raw, list | tuple) or not raw:
        raise bad(_("至少需要一个分段"))
    if len(raw) > MAX_TIERS:
        raise bad(_("最多 %(n)s 个分段") % {"n": MAX_TIERS})
    tiers: list[Tier] = []
    previous = ZERO
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise bad(_("第 %(n)s 段格式不正确") % {"n": index})
        last = index == len(raw)
        up_raw = item.get("up_to")
        if up_raw in (None, ""):
            if not last:
                raise bad(_("只有最后一段可以不设上限（第 %(n)s 段缺少上限）") % {"n": index})
            up_to = None
        else:
            if last:
                raise bad(_("最后一段应不设上限（“以上”）"))
            try:
                up_to = to_money(up_raw, field="tiers", label=_("分段上限"))
            except InvalidInput:
                raise bad(_("第 %(n)s 段的上限应为不超过两位小数的金额") % {"n": index}) from None
            assert up_to is not None
            if up_to <= previous:
                raise bad(_("第 %(n)s 段的上限应大于上一段的上限 %(prev)s") % {"n": index, "prev": previous})
            previous = up_to
        try:
            percent = Decimal(str(item.get("percent", "")).strip())
        except (InvalidOperation, ValueError):
            raise bad(_("第 %(n)s 段的比例应为数字") % {"n": index}) from None
        if not percent.is_finite() or percent <= 0 or percent > HUNDRED:
            raise bad(_("第 %(n)s 段的比例应大于 0%% 且不超过 100%%") % {"n": index})
        if percent != percent.quantize(CENT):
            raise bad(_("第 %(n)s 段的比例最多两位小数") % {"n": index})
        tiers.append(Tier(up_to=up_to, percent=percent.quantize(CENT)))
    return tiers


def tiers_from_json(data: list[dict[str, Any]]) -> list[Tier]:
    return [
        Tier(up_to=None if t.get("up_to") is None else Decimal(t["up_to"]), percent=Decimal(t["percent"])) for t in data
    ]


@dataclass(frozen=True)
class Rules:
    deductible: Decimal
    per_year_deductible: bool
    tiers: tuple[Tier, ...]
    per_claim_cap: Decimal
    yearly_cap: Decimal

    @classmethod
    def of(cls, plan) -> Rules:
        return cls(
            deductible=Decimal(plan.deductible),
            per_year_deductible=plan.deductible_basis == "per_year",
            tiers=tuple(tiers_from_json(plan.tiers)),
            per_claim_cap=Decimal(plan.per_claim_cap),
            yearly_cap=Decimal(plan.yearly_cap),
        )


@dataclass(frozen=True)
class Payout:
    amount: Decimal
    deductible_applied: Decimal
    breakdown: dict[str, Any]


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))


def compute_payout(
    rules: Rules, *, eligible: Decimal, deductible_used: Decimal = ZERO, paid_before: Decimal = ZERO
) -> Payout:
    """The payout for one claim with `eligible` yuan, after the member's earlier counted claims
    in the plan used `deductible_used` of a per-year deductible and received `paid_before`."""
    if eligible < 0:
        raise ValueError("eligible amount below zero")
    eligible = eligible.quantize(CENT)
    # Per year: what the member's earlier counted claims have left of it; per claim: all of it.
    deductible_left = max(ZERO, rules.deductible - deductible_used) if rules.per_year_deductible else rules.deductible
    applied = min(eligible, deductible_left).quantize(CENT)
    above = eligible - applied
    tier_rows = []
    lower = ZERO
    tiered = ZERO
    for tier in rules.tiers:
        upper = tier.up_to
        top = above if upper is None else min(above, upper)
        base = max(ZERO, top - lower)
        amount = (base * tier.percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
        tier_rows.append(
            {
                "lower": _s(lower),
                "upper": _s(upper),
                "percent": str(tier.percent),
                "base": _s(base),
                "amount": _s(amount),
            }
        )
        tiered += amount
        if upper is None:
            break
        lower = upper
    after_claim_cap = min(tiered, rules.per_claim_cap)
    yearly_left = max(ZERO, rules.yearly_cap - paid_before)
    amount = min(after_claim_cap, yearly_left).quantize(CENT)
    limited_by = None
    if amount < after_claim_cap:
        limited_by = "yearly_cap"
    elif after_claim_cap < tiered:
        limited_by = "per_claim_cap"
    breakdown = {
        "eligible": _s(eligible),
        "deductible": {
            "basis": "per_year" if rules.per_year_deductible else "per_claim",
            "configured": _s(rules.deductible),
            "used_before": _s(deductible_used) if rules.per_year_deductible else None,
            "left": _s(deductible_left),
            "applied": _s(applied),
        },
        "above_deductible": _s(above),
        "tiers": tier_rows,
        "tiered_total": _s(tiered),
        "per_claim_cap": _s(rules.per_claim_cap),
        "yearly_cap": _s(rules.yearly_cap),
        "paid_before": _s(paid_before),
        "yearly_left": _s(yearly_left),
        "limited_by": limited_by,
        "payout": _s(amount),
    }
    return Payout(amount=amount, deductible_applied=applied, breakdown=breakdown)
