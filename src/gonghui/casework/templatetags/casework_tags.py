"""The casework panel on the officer's request page and the rating box on the worker's page.

Rendered by inclusion tags, so the request pages (owned by the request lifecycle views) only
include `casework/_panel.html` / `_portal_rating.html` and need no casework context.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from gonghui.accounts.permissions import can_write
from gonghui.portal.web import worker_of
from gonghui.rights.services import can_reopen

from ..forms import FollowUpForm, RatingForm
from ..models import LOW_SCORE
from ..selectors import can_rate, casework_of, follow_up_current, rating_of
from ..services import CASEWORK_STATES, FOLLOW_UP_STATES

register = template.Library()


@register.inclusion_tag("casework/_panel_body.html", takes_context=True)
def casework_panel(context, req) -> dict[str, Any]:
    user = context["request"].user
    writable = can_write(user)
    work = casework_of(req)
    rating_open = req.state == "resolved" or (req.state == "closed" and work.rating is None)
    return {
        "req": req,
        "work": work,
        "can_write": writable,
        "casework_open": writable and req.state in CASEWORK_STATES,
        "follow_up_open": writable and req.state in FOLLOW_UP_STATES,
        # Recorded before a reopening: the new resolution needs its own follow-up.
        "follow_up_stale": work.follow_up is not None and req.state == "resolved" and follow_up_current(req) is None,
        "rating_open": writable and rating_open and work.rating is None,
        "follow_up_form": FollowUpForm(prefix="fu"),
        "rating_form": RatingForm(prefix="rt"),
        "csrf_token": context.get("csrf_token"),
        "request": context["request"],
    }


@register.inclusion_tag("casework/_portal_rating_body.html", takes_context=True)
def portal_rating(context, req) -> dict[str, Any]:
    http_request = context["request"]
    worker = getattr(http_request, "worker", None) or worker_of(http_request.user)
    rating = rating_of(req)
    return {
        "req": req,
        "rating": rating,
        "can_rate": can_rate(worker=worker, request=req),
        "form": context.get("rating_form") or RatingForm(prefix="rt"),
        "low": rating is not None and rating.score <= LOW_SCORE,
        "can_reopen": can_reopen(req),
        "csrf_token": context.get("csrf_token"),
        "request": http_request,
    }


@register.filter
def yuan(value) -> str:
    """An amount in yuan with thousands separators and two decimals (36,000.00); "—" when empty."""
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(value):,.2f}"
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
