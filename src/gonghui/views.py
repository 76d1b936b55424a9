from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from gonghui.accounts.permissions import can_read
from gonghui.members.selectors import subtree_stats
from gonghui.orgs.selectors import OrgFilters, org_list_visible_to, org_scope_roots


@login_required
def home(request):
    """Home: counts for the officer's subtree and unions whose term is due."""
    if not can_read(request.user):
        return render(request, "no_scope.html", status=403)
    roots = list(org_scope_roots(actor=request.user))
    stats = []
    for org in roots:
        counts = subtree_stats(org=org)
        by_kind = counts["unions_by_kind"]
        counts["grassroots_unions"] = by_kind.get("grassroots", 0) + by_kind.get("joint_grassroots", 0)
        stats.append((org, counts))
    overdue = org_list_visible_to(actor=request.user, filters=OrgFilters(term="overdue"))[:10]
    due_soon = org_list_visible_to(actor=request.user, filters=OrgFilters(term="due_soon"))[:10]
    return render(request, "home.html", {"stats": stats, "overdue": overdue, "due_soon": due_soon})
