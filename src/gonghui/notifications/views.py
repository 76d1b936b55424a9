"""The officers' inbox (/notifications/): the same messages workers see under /m/inbox/."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gonghui.web import is_htmx, officer_view

from .selectors import inbox_get, inbox_page, unread_count
from .services import mark_read

PAGE = 30


def inbox_context(request: HttpRequest, *, base: str = "notifications") -> dict:
    """List context shared by the officers' and the workers' inbox pages."""
    unread_only = request.GET.get("unread") == "1"
    before = request.GET.get("before", "")
    items, more_before = inbox_page(
        user=request.user,
        unread=True if unread_only else None,
        before=int(before) if before.isdigit() else None,
        limit=PAGE,
    )
    return {
        "items": items,
        "more_before": more_before,
        "unread_only": unread_only,
        "unread": unread_count(request.user),
        "open_url_name": f"{base}:open" if base == "notifications" else f"{base}:inbox_open",
        "read_all_url_name": f"{base}:read_all" if base == "notifications" else f"{base}:inbox_read_all",
        "inbox_url_name": f"{base}:inbox",
    }


@require_GET
@officer_view
def inbox_view(request: HttpRequest) -> HttpResponse:
    context = inbox_context(request)
    if is_htmx(request):
        return render(request, "notifications/_inbox_list.html", {**context, "oob_badge": "officer"})
    return render(request, "notifications/inbox.html", context)


@require_GET
@officer_view
def open_view(request: HttpRequest, pk: int) -> HttpResponse:
    message = inbox_get(user=request.user, notification_id=pk)
    mark_read(user=request.user, ids=[message.pk])
    return render(request, "notifications/open.html", {"message": message})


@require_POST
@officer_view
def read_all_view(request: HttpRequest) -> HttpResponse:
    count = mark_read(user=request.user)
    if is_htmx(request):
        return render(request, "notifications/_inbox_list.html", {**inbox_context(request), "oob_badge": "officer"})
    messages.success(request, _("已将%(count)s条消息标为已读") % {"count": count})
    return redirect("notifications:inbox")
