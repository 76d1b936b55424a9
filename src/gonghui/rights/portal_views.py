"""Workers' request pages (/m/requests/): file, my requests, one request with its timeline,
messages, attachments, withdraw and reopen. A worker reaches only their own requests."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gonghui.core.errors import DomainError, NotFound
from gonghui.core.pagination import keyset_page
from gonghui.portal.web import worker_view
from gonghui.web import client_ip, form_errors_from, run_action

from . import services
from .forms import FileRequestForm, MessageForm, OptionalReasonForm, ReasonForm, TrackForm, category_cards
from .models import AWAITING_ACCEPTANCE, BEING_HANDLED, State
from .selectors import attachment_get_for_worker, request_get_for_worker, request_list_for_worker, request_timeline
from .views import STATE_CSS, attachment_response, deadline_info, request_rows


@require_http_methods(["GET", "POST"])
def track(request):
    """公开查询: a caller without an account follows a hotline or walk-in request by its case
    number and the last four digits of the phone it was recorded with (the link in the SMS).
    Shows the state, the union handling it and the dates only; a wrong pair says so without
    telling which half was wrong."""
    form = TrackForm(request.POST or None, initial={"ref": request.GET.get("ref", "")[:32]})
    found, missed = None, False
    if request.method == "POST" and form.is_valid():
        try:
            found = services.request_track(
                reference=form.cleaned_data["ref"], phone_last4=form.cleaned_data["last4"], ip=client_ip(request)
            )
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            missed = found is None
    context: dict[str, Any] = {"form": form, "found": found, "missed": missed}
    if found is not None:
        context.update(state_css=STATE_CSS.get(found.state, "secondary"), deadline=deadline_info(found))
    return render(request, "rights/portal/track.html", context, status=400 if form.errors else 200)


@require_GET
@worker_view
def request_list(request):
    rows, next_cursor = keyset_page(
        request_list_for_worker(worker=request.worker), cursor=request.GET.get("cursor") or None, limit=20
    )
    return render(
        request,
        "rights/portal/list.html",
        {"rows": request_rows(rows), "next_url": f"?cursor={next_cursor}" if next_cursor else ""},
    )


@require_http_methods(["GET", "POST"])
@worker_view
def new(request):
    initial = {"category": request.GET.get("category", ""), "workers_involved": 1}
    form = FileRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.request_file(
                worker=request.worker, data=form.service_data(), uploads=request.FILES.getlist("files")
            )
        except NotFound:
            raise
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已提交，编号 %(ref)s") % {"ref": created.reference})
            return redirect("rights_portal:detail", created.pk)
    return render(
        request,
        "rights/portal/new.html",
        {
            "form": form,
            "categories": category_cards(),
            "picked_category": form["category"].value() or "",
            "verified": request.worker.is_verified,
        },
        status=400 if form.is_bound else 200,
    )


def _context(request, req, **extra):
    now = timezone.now()
    context = {
        "req": req,
        "state_css": STATE_CSS.get(req.state, "secondary"),
        "overdue": req.is_overdue(now),
        "deadline": deadline_info(req, now),
        "timeline": list(request_timeline(request=req, for_worker=True)),
        "attachments": list(req.attachments.all()),
        "can_message": req.state not in (State.CLOSED, State.REJECTED),
        "can_withdraw": req.state in (*AWAITING_ACCEPTANCE, *BEING_HANDLED),
        "can_reopen": services.can_reopen(req, now),
        "reopen_until": services.reopen_deadline(req),
        "message_form": MessageForm(prefix="message"),
        "reopen_form": ReasonForm(prefix="reopen"),
        "withdraw_form": OptionalReasonForm(prefix="withdraw"),
    }
    context.update(extra)
    return context


@require_GET
@worker_view
def detail(request, pk: int):
    req = request_get_for_worker(worker=request.worker, pk=pk)
    return render(request, "rights/portal/detail.html", _context(request, req))


def _post(request, pk: int, form_class, prefix: str, call, done: str):
    req = request_get_for_worker(worker=request.worker, pk=pk)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            call(req, form.cleaned_data)
        except NotFound:
            raise
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, done)
            return redirect("rights_portal:detail", req.pk)
    return render(request, "rights/portal/detail.html", _context(request, req, **{f"{prefix}_form": form}), status=400)


@require_POST
@worker_view
def message(request, pk: int):
    return _post(
        request,
        pk,
        MessageForm,
        "message",
        lambda req, d: services.request_message_worker(worker=request.worker, request=req, text=d["text"]),
        _("留言已发送"),
    )


@require_POST
@worker_view
def reopen(request, pk: int):
    return _post(
        request,
        pk,
        ReasonForm,
        "reopen",
        lambda req, d: services.request_reopen(worker=request.worker, request=req, reason=d["reason"]),
        _("已申请重新办理"),
    )


@require_POST
@worker_view
def withdraw(request, pk: int):
    return _post(
        request,
        pk,
        OptionalReasonForm,
        "withdraw",
        lambda req, d: services.request_withdraw(worker=request.worker, request=req, reason=d["reason"]),
        _("申请已撤回"),
    )


@require_POST
@worker_view
def upload(request, pk: int):
    req = request_get_for_worker(worker=request.worker, pk=pk)
    run_action(
        request,
        services.request_attach_worker,
        success=_("附件已上传"),
        worker=request.worker,
        request=req,
        upload=request.FILES.get("file"),
    )
    return redirect("rights_portal:detail", req.pk)


@require_GET
@worker_view
def attachment(request, pk: int, attachment_id: int):
    return attachment_response(attachment_get_for_worker(worker=request.worker, request_pk=pk, pk=attachment_id))
