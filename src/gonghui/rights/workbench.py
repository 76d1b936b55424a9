"""维权服务 on the officer's workbench (registered from RightsConfig.ready; see core.workbench)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gonghui.accounts.permissions import can_read, can_write
from gonghui.core.workbench import Item, Urgency, link, register

from .forms import RequestFilterForm
from .selectors import request_list_visible_to

GROUP = _("维权服务")


def _queue(params: dict[str, str]) -> dict:
    """The link's parameters, read by the list's own form for the count, so the total behind the
    link is the count by construction (one statement of the filter, not two to keep in step)."""

    def queryset(actor):
        return request_list_visible_to(actor=actor, filters=RequestFilterForm(params, actor=actor).filters())

    return {"queryset": queryset, "url": link("rights:list", params)}


def register_items() -> None:
    register(
        Item(
            key="rights.overdue",
            group=GROUP,
            label=_("超期未办"),
            hint=_("超过受理或办结期限的申请"),
            urgency=Urgency.OVERDUE,
            allowed=can_read,
            **_queue({"due": "overdue"}),
        ),
        Item(
            key="rights.escalated",
            group=GROUP,
            label=_("提请本工会督办"),
            hint=_("下级超期未办、报本工会督办的申请"),
            urgency=Urgency.OVERDUE,
            allowed=can_read,
            **_queue({"escalated": "on", "open": "on"}),
        ),
        Item(
            key="rights.due_soon",
            group=GROUP,
            label=_("两天内到期"),
            hint=_("受理或办结期限在两天内"),
            urgency=Urgency.SOON,
            allowed=can_read,
            **_queue({"due": "soon"}),
        ),
        Item(
            key="rights.to_accept",
            group=GROUP,
            label=_("待受理"),
            allowed=can_write,
            **_queue({"awaiting": "accept"}),
        ),
        Item(
            key="rights.awaiting_report",
            group=GROUP,
            label=_("交办待反馈"),
            hint=_("已交办下级、尚未上报办理结果"),
            allowed=can_write,
            **_queue({"awaiting": "report"}),
        ),
    )
