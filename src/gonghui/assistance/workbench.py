"""困难职工帮扶 on the officer's workbench (registered from AssistanceConfig.ready; see core.workbench)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gonghui.accounts.permissions import can_access_assistance, can_write_assistance
from gonghui.core.workbench import Item, Urgency, link, register

from .models import FileState
from .selectors import FileFilters, file_list_visible_to

GROUP = _("困难帮扶")


def _files(params: dict[str, str], filters: FileFilters) -> dict:
    return {
        "queryset": lambda actor: file_list_visible_to(actor=actor, filters=filters),
        "url": link("assistance:list", params),
    }


def register_items() -> None:
    register(
        Item(
            key="assistance.review_overdue",
            group=GROUP,
            label=_("困难档案复核已逾期"),
            urgency=Urgency.OVERDUE,
            allowed=can_access_assistance,
            **_files({"review": "overdue"}, FileFilters(review="overdue")),
        ),
        Item(
            key="assistance.review_soon",
            group=GROUP,
            label=_("困难档案30天内需复核"),
            urgency=Urgency.SOON,
            allowed=can_write_assistance,
            **_files({"review": "soon"}, FileFilters(review="soon")),
        ),
        Item(
            key="assistance.to_verify",
            group=GROUP,
            label=_("困难档案待审核"),
            allowed=can_write_assistance,
            **_files({"state": FileState.SUBMITTED}, FileFilters(state=FileState.SUBMITTED)),
        ),
    )
