"""Template tags of the joining app: the pending-decisions badge in the officers' navigation."""

from __future__ import annotations

from django import template

from gonghui.accounts.permissions import can_read

from ..selectors import application_pending_count, transfer_incoming_pending_count

register = template.Library()


@register.simple_tag(takes_context=True)
def joining_pending_count(context) -> int:
    """Applications, incoming transfer requests and real-name binding requests waiting for a
    decision in the user's scope."""
    from gonghui.portal.selectors import binding_pending_count

    request = context.get("request")
    user = getattr(request, "user", None)
    if not can_read(user):
        return 0
    return (
        application_pending_count(actor=user)
        + transfer_incoming_pending_count(actor=user)
        + binding_pending_count(actor=user)
    )


@register.simple_tag(takes_context=True)
def joining_org_summary(context, org) -> dict:
    """For a union's page: pending applications and incoming transfers, its online home, whether it invites."""
    from gonghui.orgs.models import OrgKind

    from ..selectors import online_home_of, union_pending_counts

    request = context.get("request")
    user = getattr(request, "user", None)
    if not can_read(user) or org is None:
        return {}
    counts = union_pending_counts(actor=user, org=org)
    return {
        **counts,
        "joinable": org.is_active and (org.holds_members or org.kind == OrgKind.TOWNSHIP),
        "is_township": org.kind == OrgKind.TOWNSHIP,
        "home": online_home_of(org) if org.kind == OrgKind.TOWNSHIP else None,
    }
