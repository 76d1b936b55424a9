"""Officer pages of the request queue (/rights/): the queue, hotline/walk-in recording, the
request with its timeline and the action forms, and attachment downloads (scope checked)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gonghui.accounts.permissions import can_write
from gonghui.accounts.personal_data import phone_revealed_to
from gonghui.core.errors import NotFound
from gonghui.core.phone import mask_mobile
from gonghui.core.queues import queue_listing
from gonghui.core.workdays import local_date, working_days_between
from gonghui.web import officer_view, run_action, run_service

from . import services
from .facts import facts_display
from .forms import (
    AcceptForm,
    DispatchForm,
    MessageForm,
    NoteForm,
    RecordCallForm,
    RejectForm,
    ReportForm,
    RequestFilterForm,
    ResolveForm,
    TransferForm,
    category_cards,
)
from .models import AWAITING_ACCEPTANCE, BEING_HANDLED, EventKind, ServiceRequest, State
from .selectors import (
    REQUEST_QUEUE,
    PhoneHistory,
    attachment_get_visible,
    dispatch_targets,
    open_dispatch,
    request_attachments,
    request_dispatches,
    request_get_visible,
    request_list_visible_to,
    request_timeline,
    requests_from_phone,
    transfer_targets,
)

PAGE_SIZE = 50
STATE_CSS: dict[str, str] = {
    State.SUBMITTED: "primary",
    State.ACCEPTED: "info",
    State.IN_PROGRESS: "warning",
    State.RESOLVED: "success",
    State.CLOSED: "secondary",
    State.REJECTED: "dark",
    State.TRANSFERRED: "primary",
    State.REOPENED: "danger",
}


def deadline_info(request: ServiceRequest, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """The deadline running now, with the working days left (negative when overdue)."""
    now = now or timezone.now()
    if request.state in AWAITING_ACCEPTANCE:
        due, label = request.accept_due_at, _("受理期限")
    elif request.state in BEING_HANDLED:
        due, label = request.resolve_due_at, _("办结期限")
    else:
        return None
    if due is None:
        return None
    due_day = local_date(due - dt.timedelta(microseconds=1))
    left = working_days_between(local_date(now), due_day)
    return {"label": label, "due": due, "due_day": due_day, "days_left": left, "overdue": due < now}


def _due_day(request: ServiceRequest) -> dt.date | None:
    """The last day of the deadline running now (the deadline is that day's 24:00)."""
    if request.state in AWAITING_ACCEPTANCE:
        due = request.accept_due_at
    elif request.state in BEING_HANDLED:
        due = request.resolve_due_at
    else:
        return None
    return local_date(due - dt.timedelta(microseconds=1)) if due else None


def request_rows(rows: list[ServiceRequest], now: dt.datetime | None = None) -> list[dict[str, Any]]:
    now = now or timezone.now()
    return [
        {
            "r": r,
            "overdue": r.is_overdue(now),
            "due_day": _due_day(r),
            "state_css": STATE_CSS.get(r.state, "secondary"),
            "phone_masked": mask_mobile(r.requester_phone) if r.requester_phone else "",
        }
        for r in rows
    ]


def _query(params: dict[str, Any], **changes: Any) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return urlencode(merged)


@require_GET
@officer_view
def request_list(request):
    form = RequestFilterForm(request.GET or None, actor=request.user)
    cursor = request.GET.get("cursor") or None
    params = {k: v for k, v in request.GET.items() if k in form.fields or k == "sort"}
    now = timezone.now()
    if form.is_bound and not form.is_valid():
        listing: dict[str, Any] = {"rows": [], "error": _("筛选条件有误，请检查"), "first_page": True}
    else:
        qs = request_list_visible_to(actor=request.user, filters=form.filters(), now=now)
        listing = queue_listing(qs, spec=REQUEST_QUEUE, params=params, cursor=cursor, limit=PAGE_SIZE, now=now)
    return render(
        request,
        "rights/list.html",
        {**listing, "form": form, "picked": form.picked_org("org"), "rows": request_rows(listing["rows"], now)},
    )


def _phone_history(actor, phone: str, exclude_pk: int | None = None) -> PhoneHistory | None:
    phone = (phone or "").strip()
    return requests_from_phone(actor=actor, phone=phone, exclude_pk=exclude_pk) if phone else None


@require_GET
@officer_view
def export(request):
    """The queue as filtered, with the category figures in columns (维权服务台账.xlsx)."""
    from gonghui.core.exports import xlsx_response

    from .exports import request_queue_xlsx

    form = RequestFilterForm(request.GET or None, actor=request.user)
    body, _rows = request_queue_xlsx(actor=request.user, filters=form.filters())
    return xlsx_response(body, filename=_("维权服务台账.xlsx"))


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def record(request):
    """Record a 12351 hotline call or a walk-in visit. "查询来电记录" (`lookup`) shows the earlier
    requests from the number typed, with the form kept as filled in and nothing recorded."""
    initial = {"channel": "hotline", "operator": request.user.pk}
    if request.method == "POST" and "lookup" in request.POST:
        form = RecordCallForm(initial={**initial, **request.POST.dict()}, actor=request.user)
        return render(
            request,
            "rights/record.html",
            {
                "form": form,
                "picked": form.picked_org("handling_org"),
                "categories": category_cards(),
                "history": _phone_history(request.user, request.POST.get("requester_phone", "")),
                "looked_up": True,
            },
        )
    form = RecordCallForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        created = run_service(form, services.request_record_call, actor=request.user, data=form.service_data())
        if created is not None:
            messages.success(request, _("已登记：%(ref)s") % {"ref": created.reference})
            try:
                request_get_visible(actor=request.user, pk=created.pk)
            except NotFound:
                return redirect("rights:list")
            return redirect("rights:detail", created.pk)
    history = _phone_history(request.user, request.POST.get("requester_phone", "")) if form.is_bound else None
    return render(
        request,
        "rights/record.html",
        {
            "form": form,
            "picked": form.picked_org("handling_org"),
            "categories": category_cards(),
            "history": history,
        },
        status=400 if form.is_bound else 200,
    )


def _forms_for(actor, req: ServiceRequest, data=None, which: str = "") -> dict[str, forms.Form]:
    """The action forms the actor may use on this request now (bound only for the posted one)."""

    def bind(name: str):
        return data if name == which else None

    if not can_write(actor) or not services._in_scope(actor, req.handling_org):
        return {}
    out: dict[str, forms.Form] = {}
    dispatch = open_dispatch(req)
    if req.state in AWAITING_ACCEPTANCE:
        out["accept"] = AcceptForm(bind("accept"), prefix="accept")
        out["reject"] = RejectForm(bind("reject"), prefix="reject")
    if req.state == State.ACCEPTED:
        out["start"] = NoteForm(bind("start"), prefix="start")
    if req.state in (*AWAITING_ACCEPTANCE, *BEING_HANDLED) and dispatch is None:
        out["transfer"] = TransferForm(
            bind("transfer"), prefix="transfer", targets=transfer_targets(actor=actor, request=req)
        )
    if req.state in BEING_HANDLED:
        targets = dispatch_targets(request=req)
        if targets:
            out["dispatch"] = DispatchForm(bind("dispatch"), prefix="dispatch", targets=targets)
        if dispatch is not None and (actor.is_superuser or not services._in_scope(actor, dispatch.from_org)):
            out["report"] = ReportForm(bind("report"), prefix="report")
        if dispatch is None:
            out["resolve"] = ResolveForm(bind("resolve"), prefix="resolve")
    if req.state == State.RESOLVED:
        out["close"] = NoteForm(bind("close"), prefix="close")
    if req.state not in (State.CLOSED, State.REJECTED):
        out["message"] = MessageForm(bind("message"), prefix="message")
    return out


def major_recipients(req: ServiceRequest) -> list[str]:
    """The unions told of the major incident (from its timeline row)."""
    event = req.events.filter(kind=EventKind.MAJOR_INCIDENT).order_by("id").first()
    if event is None:
        return [req.major_notified_org.name] if req.major_notified_org_id else []  # type: ignore[union-attr]
    return list(event.data.get("org_names") or ([event.org.name] if event.org_id else []))  # type: ignore[union-attr]


def _detail_context(request, req: ServiceRequest, action_forms: dict[str, forms.Form]) -> dict[str, Any]:
    now = timezone.now()
    return {
        "req": req,
        "facts": facts_display(req.category, req.facts, reveal_phone=phone_revealed_to(request.user)),
        "major_orgs": major_recipients(req) if req.is_major_incident else [],
        "history": _phone_history(request.user, req.requester_phone, exclude_pk=req.pk),
        "state_css": STATE_CSS.get(req.state, "secondary"),
        "overdue": req.is_overdue(now),
        "deadline": deadline_info(req, now),
        "timeline": list(request_timeline(request=req)),
        "attachments": list(request_attachments(request=req)),
        "dispatches": list(request_dispatches(request=req)),
        "open_dispatch": open_dispatch(req),
        "forms": action_forms,
        "can_attach": bool(action_forms),
        "reopen_until": services.reopen_deadline(req),
    }


@require_GET
@officer_view
def detail(request, pk: int):
    req = request_get_visible(actor=request.user, pk=pk)
    return render(request, "rights/detail.html", _detail_context(request, req, _forms_for(request.user, req)))


def _run(action: str, actor, req: ServiceRequest, form: forms.Form):
    d = form.cleaned_data
    calls = {
        "accept": lambda: services.request_accept(
            actor=actor, request=req, complexity=d["complexity"], note=d.get("note", "")
        ),
        "start": lambda: services.request_start(actor=actor, request=req, note=d.get("note", "")),
        "transfer": lambda: services.request_transfer(actor=actor, request=req, to_org=d["to_org"], note=d["note"]),
        "dispatch": lambda: services.request_dispatch(
            actor=actor, request=req, to_org=d["to_org"], instruction=d["instruction"], due_days=d.get("due_days")
        ),
        "report": lambda: services.request_report(actor=actor, request=req, report=d["report"]),
        "resolve": lambda: services.request_resolve(actor=actor, request=req, resolution=d["resolution"]),
        "reject": lambda: services.request_reject(actor=actor, request=req, reason=d["reason"]),
        "close": lambda: services.request_close(actor=actor, request=req, note=d.get("note", "")),
        "message": lambda: services.request_message_officer(actor=actor, request=req, text=d["text"]),
    }
    return run_service(form, lambda: calls[action]())


DONE = {
    "accept": gettext_lazy("已受理"),
    "start": gettext_lazy("已开始办理"),
    "transfer": gettext_lazy("已转办"),
    "dispatch": gettext_lazy("已交办下级"),
    "report": gettext_lazy("已上报办理结果"),
    "resolve": gettext_lazy("已办结"),
    "reject": gettext_lazy("已不予受理"),
    "close": gettext_lazy("已关闭"),
    "message": gettext_lazy("留言已发送"),
}


ACTIONS = tuple(DONE)


@require_POST
@officer_view(write=True)
def act(request, pk: int, action: str):
    req = request_get_visible(actor=request.user, pk=pk)
    if action not in DONE:
        raise NotFound(_("操作不存在"))
    action_forms = _forms_for(request.user, req, request.POST, action)
    form = action_forms.get(action)
    if form is None:
        messages.error(request, _("当前状态下不能进行此操作"))
        return redirect("rights:detail", req.pk)
    if form.is_valid() and _run(action, request.user, req, form) is not None:
        messages.success(request, str(DONE[action]))
        try:
            request_get_visible(actor=request.user, pk=req.pk)
        except NotFound:  # transferred up out of the actor's scope
            return redirect("rights:list")
        return redirect("rights:detail", req.pk)
    context = _detail_context(request, req, action_forms)
    context["failed"] = action
    return render(request, "rights/detail.html", context, status=400)


@require_POST
@officer_view(write=True)
def upload(request, pk: int):
    req = request_get_visible(actor=request.user, pk=pk)
    run_action(
        request,
        services.request_attach_officer,
        success=_("附件已上传"),
        actor=request.user,
        request=req,
        upload=request.FILES.get("file"),
    )
    return redirect("rights:detail", req.pk)


def attachment_response(attachment) -> FileResponse:
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@officer_view
def attachment(request, pk: int, attachment_id: int) -> FileResponse:
    return attachment_response(attachment_get_visible(actor=request.user, request_pk=pk, pk=attachment_id))
