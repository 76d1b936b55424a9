"""Mutual medical aid claims on the officer's workbench (registered from MedicalAidConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gonghui.accounts.permissions import can_write_assistance
from gonghui.core.workbench import Item, link, register

from .models import ClaimState
from .selectors import ClaimFilters, claim_list

GROUP = _("医疗互助")


def _claims(state: str) -> dict:
    filters = ClaimFilters(state=state)
    return {
        "queryset": lambda actor: claim_list(actor=actor, filters=filters),
        "url": link("medical_aid:claims", {"state": state}),
    }


def register_items() -> None:
    register(
        Item(
            key="medical_aid.claims_submitted",
            group=GROUP,
            label=_("补助申请待审核"),
            allowed=can_write_assistance,
            **_claims(ClaimState.SUBMITTED),
        ),
        Item(
            key="medical_aid.claims_under_review",
            group=GROUP,
            label=_("补助申请审核中"),
            allowed=can_write_assistance,
            **_claims(ClaimState.UNDER_REVIEW),
        ),
        Item(
            key="medical_aid.claims_to_pay",
            group=GROUP,
            label=_("补助已核准待发放"),
            allowed=can_write_assistance,
            **_claims(ClaimState.APPROVED),
        ),
    )
