"""入会与接转 on the officer's workbench (registered from JoiningConfig.ready; see core.workbench)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gonghui.accounts.permissions import can_read, can_write
from gonghui.core.workbench import Item, Urgency, link, register

from .models import JoinState, PromptState, TransferState
from .selectors import (
    ApplicationFilters,
    TransferFilters,
    application_list_visible_to,
    prompt_list_visible_to,
    transfer_list_visible_to,
)

GROUP = _("入会与接转")


def _applications(params: dict[str, str], filters: ApplicationFilters) -> dict:
    return {
        "queryset": lambda actor: application_list_visible_to(actor=actor, filters=filters),
        "url": link("joining:list", params),
    }


def register_items() -> None:
    transfers_in = TransferFilters(state=TransferState.PENDING, direction="in")
    register(
        Item(
            key="joining.overdue",
            group=GROUP,
            label=_("入会申请已超期"),
            hint=_("超过审批期限仍未决定"),
            urgency=Urgency.OVERDUE,
            allowed=can_read,
            **_applications({"due": "overdue"}, ApplicationFilters(due="overdue")),
        ),
        Item(
            key="joining.due_soon",
            group=GROUP,
            label=_("入会申请两天内到期"),
            urgency=Urgency.SOON,
            allowed=can_write,
            **_applications({"due": "soon"}, ApplicationFilters(due="soon")),
        ),
        Item(
            key="joining.pending",
            group=GROUP,
            label=_("入会申请待审批"),
            allowed=can_write,
            **_applications({"state": JoinState.SUBMITTED}, ApplicationFilters(state=JoinState.SUBMITTED)),
        ),
        Item(
            key="joining.transfers_in",
            group=GROUP,
            label=_("接转申请待转入审批"),
            allowed=can_write,
            queryset=lambda actor: transfer_list_visible_to(actor=actor, filters=transfers_in),
            url=link("joining:transfers", {"direction": "in", "state": TransferState.PENDING}),
        ),
        Item(
            key="joining.founding_prompts",
            group=_("组织建设"),
            label=_("建会提示待处理"),
            hint=_("网上入会的职工所在单位尚未建会"),
            allowed=can_write,
            queryset=lambda actor: prompt_list_visible_to(actor=actor, state=PromptState.OPEN),
            url=link("joining:prompts", {"state": PromptState.OPEN}),
        ),
    )
