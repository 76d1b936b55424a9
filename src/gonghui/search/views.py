from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from gonghui.members.search import search_notice
from gonghui.members.views import member_rows
from gonghui.web import officer_view

from .selectors import search_everything


@require_GET
@officer_view
def results(request):
    """/search/?q=: what the header's box found, grouped by kind, each group linking to its full list."""
    results = search_everything(actor=request.user, term=request.GET.get("q", ""))
    query = urlencode({"q": results.term})
    context = {
        "results": results,
        "search_term": results.term,
        "member_rows": member_rows(results.members.rows) if results.members else [],
        "notice": search_notice(results.term),
        "members_url": f"{reverse('members:list')}?{query}",
        "unions_url": f"{reverse('orgs:tree')}?{query}",
        "requests_url": f"{reverse('rights:list')}?{query}",
    }
    return render(request, "search/results.html", context)
