"""Binding requests on the officer's workbench (registered from PortalConfig.ready; see core.workbench)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gonghui.accounts.permissions import can_write
from gonghui.core.workbench import Item, link, register

from .models import BindingRequest
from .selectors import binding_requests_visible_to


def register_items() -> None:
    pending = BindingRequest.State.PENDING
    register(
        Item(
            key="portal.bindings",
            group=_("入会与接转"),
            label=_("会员绑定待核对"),
            hint=_("职工申请把账号绑定到会员记录"),
            allowed=can_write,
            queryset=lambda actor: binding_requests_visible_to(actor=actor, state=pending),
            url=link("bindings:queue", {"state": pending}),
        ),
    )
