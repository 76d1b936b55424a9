"""Small display helpers of the campaign pages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

register = template.Library()

CSS = {
    "draft": "secondary",
    "open": "success",
    "closed": "dark",
    "proposed": "warning",
    "approved": "primary",
    "paid": "success",
    "rejected": "danger",
    "cancelled": "secondary",
}


@register.filter
def state_badge(obj) -> str:
    """A coloured badge with the object's state label (campaign, allocation or grant)."""
    css = CSS.get(obj.state, "secondary")
    if obj.state == "draft" and obj.__class__.__name__ == "BudgetAllocation":
        css = "warning"
    return format_html(
        '<span class="badge text-bg-{} fw-normal" data-testid="state">{}</span>', css, obj.get_state_display()
    )


@register.filter
def yuan(value) -> str:
    """1234.5 → 1,234.50"""
    if value in (None, ""):
        return "—"
    return f"{value:,.2f}"
