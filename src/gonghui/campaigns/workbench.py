"""Grants on the officer's workbench (registered from CampaignsConfig.ready; see core.workbench)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gonghui.accounts.permissions import can_write_assistance
from gonghui.core.workbench import Item, link, register

from .models import GrantState
from .selectors import GrantFilters, grant_list_visible_to

GROUP = _("帮扶救助")


def _grants(state: str) -> dict:
    filters = GrantFilters(state=state)
    return {
        "queryset": lambda actor: grant_list_visible_to(actor=actor, filters=filters),
        "url": link("campaigns:grants", {"state": state}),
    }


def register_items() -> None:
    register(
        Item(
            key="campaigns.grants_to_approve",
            group=GROUP,
            label=_("救助待审批"),
            allowed=can_write_assistance,
            **_grants(GrantState.PROPOSED),
        ),
        Item(
            key="campaigns.grants_to_pay",
            group=GROUP,
            label=_("救助已批准待发放"),
            allowed=can_write_assistance,
            **_grants(GrantState.APPROVED),
        ),
    )
