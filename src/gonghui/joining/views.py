"""Officers' pages (/joining/): the application queue, transfer requests, invites, founding prompts."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gonghui.accounts.permissions import can_write
from gonghui.core.errors import InvalidInput, NotFound
from gonghui.core.phone import mask_mobile
from gonghui.core.qr import qr_svg
from gonghui.core.queues import queue_listing
from gonghui.members.selectors import member_get_visible
from gonghui.orgs.models import OrgKind
from gonghui.orgs.selectors import org_get_visible
from gonghui.web import batch_response, officer_view, run_action, run_service

from . import selectors, services
from .forms import ApplicationFilterForm, OfficerTransferForm, PromptForm, RejectForm, TransferFilterForm
from .models import JoinState, PromptState, TransferState

PAGE_SIZE = 50
STATE_CSS: dict[str, str] = {
    JoinState.SUBMITTED: "warning",
    JoinState.APPROVED: "success",
    JoinState.REJECTED: "danger",
    JoinState.WITHDRAWN: "secondary",
    TransferState.PENDING: "warning",
    TransferState.CANCELLED: "secondary",
    PromptState.OPEN: "warning",
    PromptState.FOUNDED: "success",
    PromptState.DISMISSED: "secondary",
}


def invite_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("join_portal:invite", args=[token]))


# ---- applications ----------------------------------------------------------------------------


@require_GET
@officer_view
def application_list(request):
    form = ApplicationFilterForm(request.GET or None, actor=request.user)
    filters = selectors.ApplicationFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.ApplicationFilters(
            state=data["state"],
            org_id=data["org"].pk if data["org"] else None,
            overdue=data["overdue"],
            due=data["due"],
        )
    now = timezone.now()
    params = {k: v for k, v in request.GET.items() if k in form.fields or k == "sort"}
    qs = selectors.application_list_visible_to(actor=request.user, filters=filters, now=now)
    listing = queue_listing(
        qs,
        spec=selectors.APPLICATION_QUEUE,
        params=params,
        cursor=request.GET.get("cursor") or None,
        limit=PAGE_SIZE,
        now=now,
    )
    context = {
        **listing,
        "form": form,
        "picked": form.picked_org("org"),
        "rows": [
            {"a": a, "overdue": a.is_pending and a.due_at < now, "css": STATE_CSS.get(a.state)} for a in listing["rows"]
        ],
        "can_batch": can_write(request.user),
        "pending_transfers": selectors.transfer_incoming_pending_count(actor=request.user),
        "open_prompts": selectors.prompt_open_count(actor=request.user),
    }
    return render(request, "joining/list.html", context)


@require_GET
@officer_view
def application_detail(request, application_id: int):
    application = selectors.application_get_visible(actor=request.user, application_id=application_id)
    context = {
        "a": application,
        "css": STATE_CSS.get(application.state),
        "overdue": application.is_pending and application.due_at < timezone.now(),
        "phone_masked": mask_mobile(application.phone) if application.phone else "",
        "events": application.events.select_related("actor"),
        "reject_form": RejectForm(),
        "can_decide": application.is_pending and can_write(request.user),
    }
    return render(request, "joining/detail.html", context)


@require_POST
@officer_view(write=True)
def application_approve(request, application_id: int):
    application = selectors.application_get_visible(actor=request.user, application_id=application_id)
    done, approved = run_action(request, services.application_approve, actor=request.user, application=application)
    if done:
        messages.success(
            request,
            _("已批准：%(name)s 加入%(org)s，会员卡号 %(card)s")
            % {
                "name": approved.name,
                "org": approved.org.name,
                "card": approved.member.card_number if approved.member else "",
            },
        )
    return redirect("joining:detail", application.pk)


@require_POST
@officer_view(write=True)
def application_batch_approve(request):
    """Approve the ticked applications, each as its own approval (scope, state, history, card number)."""
    return batch_response(
        request,
        title=_("批量批准入会"),
        back_url=reverse("joining:list"),
        run=lambda ids: services.application_approve_many(actor=request.user, ids=ids),
    )


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def application_reject(request, application_id: int):
    application = selectors.application_get_visible(actor=request.user, application_id=application_id)
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            services.application_reject,
            actor=request.user,
            application=application,
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            messages.success(request, _("已告知申请人未批准的原因"))
            return redirect("joining:detail", application.pk)
    return render(
        request, "joining/reject.html", {"form": form, "a": application}, status=400 if form.is_bound else 200
    )


# ---- transfer requests -----------------------------------------------------------------------


@require_GET
@officer_view
def transfer_list(request):
    form = TransferFilterForm(request.GET or None)
    filters = selectors.TransferFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.TransferFilters(state=form.cleaned_data["state"], direction=form.cleaned_data["direction"])
    params = {k: v for k, v in request.GET.items() if k in form.fields or k == "sort"}
    listing = queue_listing(
        selectors.transfer_list_visible_to(actor=request.user, filters=filters),
        spec=selectors.TRANSFER_QUEUE,
        params=params,
        cursor=request.GET.get("cursor") or None,
        limit=PAGE_SIZE,
    )
    context = {**listing, "form": form, "rows": [{"r": r, "css": STATE_CSS.get(r.state)} for r in listing["rows"]]}
    return render(request, "joining/transfers.html", context)


@require_GET
@officer_view
def transfer_detail(request, request_id: int):
    req = selectors.transfer_get_visible(actor=request.user, request_id=request_id)
    writer = can_write(request.user)
    receiving = selectors.transfer_receivable(actor=request.user, request=req)
    sending = selectors.transfer_sendable(actor=request.user, request=req)
    member_visible = True
    try:
        member_get_visible(actor=request.user, member_id=req.member_id)
    except NotFound:
        member_visible = False
    context = {
        "r": req,
        "css": STATE_CSS.get(req.state),
        "events": req.events.select_related("actor"),
        "can_decide": req.is_pending and writer and receiving,
        "can_cancel": req.is_pending and writer and sending and req.channel == "officer",
        "member_visible": member_visible,
        "moved_visible": bool(req.transfer_id) and receiving,
        "reject_form": RejectForm(),
    }
    return render(request, "joining/transfer_detail.html", context)


@require_POST
@officer_view(write=True)
def transfer_approve(request, request_id: int):
    req = selectors.transfer_get_visible(actor=request.user, request_id=request_id)
    done, moved = run_action(request, services.transfer_request_approve, actor=request.user, request=req)
    if done:
        messages.success(
            request, _("已办理接转：%(name)s 转入%(org)s") % {"name": moved.member.name, "org": moved.to_org.name}
        )
    return redirect("joining:transfer_detail", req.pk)


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def transfer_reject(request, request_id: int):
    req = selectors.transfer_get_visible(actor=request.user, request_id=request_id)
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form, services.transfer_request_reject, actor=request.user, request=req, reason=form.cleaned_data["reason"]
        )
        if done is not None:
            messages.success(request, _("已告知未批准的原因"))
            return redirect("joining:transfer_detail", req.pk)
    return render(
        request, "joining/transfer_reject.html", {"form": form, "r": req}, status=400 if form.is_bound else 200
    )


@require_POST
@officer_view(write=True)
def transfer_cancel(request, request_id: int):
    req = selectors.transfer_get_visible(actor=request.user, request_id=request_id)
    run_action(
        request,
        services.transfer_request_cancel_by_officer,
        success=_("已撤回接转申请"),
        actor=request.user,
        request=req,
    )
    return redirect("joining:transfer_detail", req.pk)


@require_http_methods(["GET", "POST"])
@officer_view(write=True)
def transfer_new(request, member_id: int):
    """Ask a union outside the officer's scope to take a member (接转到管辖范围外的工会)."""
    member = member_get_visible(actor=request.user, member_id=member_id)
    q = request.GET.get("q", "").strip()
    results = selectors.union_search(q=q) if q else []
    form = OfficerTransferForm(request.POST or None, initial={"to_org": request.GET.get("to_org")})
    picked = None
    raw = request.POST.get("to_org") or request.GET.get("to_org")
    if raw:
        try:
            picked = selectors.union_joinable_get(org_id=raw)
        except NotFound:
            picked = None
    if request.method == "POST" and form.is_valid():
        req = run_service(
            form,
            services.transfer_request_by_officer,
            actor=request.user,
            member=member,
            to_org=form.cleaned_data["to_org"],
            reason=form.cleaned_data["reason"],
        )
        if req is not None:
            messages.success(request, _("已向%(org)s提出接转申请，待其审批") % {"org": req.to_org.name})
            return redirect("joining:transfer_detail", req.pk)
    context = {"member": member, "form": form, "q": q, "results": results, "picked": picked}
    return render(request, "joining/transfer_new.html", context, status=400 if form.is_bound else 200)


# ---- invites and online homes ----------------------------------------------------------------


def _invite_context(request, org_id: int) -> dict:
    org, invite = selectors.invite_for(actor=request.user, org_id=org_id)
    if invite is None and can_write(request.user):
        try:
            invite = services.invite_ensure(actor=request.user, org=org)
        except InvalidInput:
            invite = None
    url = invite_url(request, invite.token) if invite else ""
    return {
        "org": org,
        "invite": invite,
        "url": url,
        "qr": qr_svg(url, scale=6, title=org.name) if url else "",
        "joinable": org.holds_members or org.kind == OrgKind.TOWNSHIP,
        "home": selectors.online_home_of(org) if org.kind == OrgKind.TOWNSHIP else None,
    }


@require_GET
@officer_view
def invite(request, org_id: int):
    return render(request, "joining/invite.html", _invite_context(request, org_id))


@require_GET
@officer_view
def invite_print(request, org_id: int):
    context = _invite_context(request, org_id)
    if context["invite"] is None:
        raise NotFound(_("该工会没有入会邀请码"))
    return render(request, "joining/invite_print.html", context)


@require_POST
@officer_view(write=True)
def invite_regenerate(request, org_id: int):
    org = org_get_visible(actor=request.user, org_id=org_id)
    run_action(
        request,
        services.invite_regenerate,
        success=_("已生成新的邀请码，原链接和二维码已失效"),
        actor=request.user,
        org=org,
    )
    return redirect("joining:invite", org.pk)


@require_POST
@officer_view(write=True)
def online_home_open(request, org_id: int):
    org = org_get_visible(actor=request.user, org_id=org_id)
    done, home = run_action(request, services.online_home_ensure, actor=request.user, township=org)
    if not done:
        return redirect("orgs:detail", org.pk)
    messages.success(request, _("已开通%(name)s") % {"name": home.org.name})
    return redirect("orgs:detail", home.org.pk)


# ---- founding prompts ------------------------------------------------------------------------


@require_GET
@officer_view
def prompt_list(request):
    state = request.GET.get("state", PromptState.OPEN)
    if state not in PromptState.values and state != "all":
        state = PromptState.OPEN
    prompts = selectors.prompt_list_visible_to(actor=request.user, state="" if state == "all" else state)[:200]
    rows = [{"p": p, "css": STATE_CSS.get(p.state)} for p in prompts]
    return render(request, "joining/prompts.html", {"rows": rows, "state": state, "states": PromptState.choices})


@require_http_methods(["GET", "POST"])
@officer_view
def prompt_detail(request, prompt_id: int):
    prompt = selectors.prompt_get_visible(actor=request.user, prompt_id=prompt_id)
    form = PromptForm(
        request.POST or None,
        actor=request.user,
        initial={"state": prompt.state, "founded_org": prompt.founded_org_id, "note": prompt.note},
    )
    if request.method == "POST":
        if not can_write(request.user):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied(_("只读账号不能修改数据"))
        if form.is_valid():
            done = run_service(
                form,
                services.prompt_decide,
                actor=request.user,
                prompt=prompt,
                state=form.cleaned_data["state"],
                founded_org=form.cleaned_data["founded_org"],
                note=form.cleaned_data["note"],
            )
            if done is not None:
                messages.success(request, _("已保存"))
                return redirect("joining:prompt", prompt.pk)
    context = {
        "p": prompt,
        "css": STATE_CSS.get(prompt.state),
        "form": form,
        "picked": form.picked_org("founded_org"),
        "members": [
            {"m": m, "phone_masked": mask_mobile(m.phone) if m.phone else ""}
            for m in selectors.prompt_members(actor=request.user, prompt=prompt)
        ],
        "can_write": can_write(request.user),
    }
    return render(request, "joining/prompt.html", context, status=400 if form.is_bound and form.errors else 200)
