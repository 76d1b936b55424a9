"""Committee terms on the officer's workbench (registered from OrgsConfig.ready; see core.workbench)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gonghui.accounts.permissions import can_read
from gonghui.core.workbench import Item, Urgency, link, register

from .selectors import OrgFilters, org_list_visible_to

GROUP = _("组织建设")


def _term(term: str) -> dict:
    filters = OrgFilters(term=term)
    return {
        "queryset": lambda actor: org_list_visible_to(actor=actor, filters=filters),
        "url": link("orgs:tree", {"term": term}),
    }


def register_items() -> None:
    register(
        Item(
            key="orgs.term_overdue",
            group=GROUP,
            label=_("换届已逾期"),
            urgency=Urgency.OVERDUE,
            allowed=can_read,
            **_term("overdue"),
        ),
        Item(
            key="orgs.term_due_soon",
            group=GROUP,
            label=_("90天内到期换届"),
            urgency=Urgency.SOON,
            allowed=can_read,
            **_term("due_soon"),
        ),
    )
