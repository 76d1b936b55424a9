"""Officers' pages for real-name binding: the union's queue, one request, a member's account.

Thin views over portal.binding and portal.selectors; scope along the union tree (out of scope = 404).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gonghui.core.phone import mask_mobile
from gonghui.core.queues import bounded_total, total_label
from gonghui.members.selectors import member_get_visible
from gonghui.web import officer_view, run_action, run_service

from . import binding, selectors
from .forms import BindingRejectForm, UnbindForm
from .models import BindingRequest

QUEUE_LIMIT = 200


@require_GET
@officer_view
def queue(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", BindingRequest.State.PENDING)
    if state not in BindingRequest.State.values:
        state = BindingRequest.State.PENDING
    rows = list(selectors.binding_requests_visible_to(actor=request.user, state=state)[: QUEUE_LIMIT + 1])
    return render(
        request,
        "portal/officer/queue.html",
        {
            "rows": rows[:QUEUE_LIMIT],
            "truncated": len(rows) > QUEUE_LIMIT,
            "total": total_label(bounded_total(selectors.binding_requests_visible_to(actor=request.user, state=state))),
            "state": state,
            "states": [
                (s, label) for s, label in BindingRequest.State.choices if s != BindingRequest.State.AWAITING_CODE
            ],
        },
    )


@require_http_methods(["GET", "POST"])
@officer_view
def detail(request: HttpRequest, request_id: int) -> HttpResponse:
    found = selectors.binding_request_get_visible(actor=request.user, request_id=request_id)
    reject_form = BindingRejectForm(request.POST if request.POST.get("action") == "reject" else None)
    if request.method == "POST":
        if request.POST.get("action") == "confirm":
            run_action(
                request,
                binding.binding_request_confirm,
                actor=request.user,
                request_id=found.pk,
                success=_("已确认绑定"),
            )
            return redirect("bindings:detail", found.pk)
        if reject_form.is_valid():
            rejected = run_service(
                reject_form,
                binding.binding_request_reject,
                actor=request.user,
                request_id=found.pk,
                reason=reject_form.cleaned_data["reason"],
            )
            if rejected is not None:
                return redirect("bindings:detail", found.pk)
    return render(
        request,
        "portal/officer/detail.html",
        {
            "r": found,
            "reject_form": reject_form,
            "account_phone": mask_mobile(found.worker.phone),
            "roll_phone": mask_mobile(found.member.phone) if found.member and found.member.phone else "",
        },
        status=400 if reject_form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@officer_view
def member_account(request: HttpRequest, member_id: int) -> HttpResponse:
    """The worker account bound to a member, its binding history, and unbinding it."""
    member = member_get_visible(actor=request.user, member_id=member_id)
    form = UnbindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            binding.member_account_unbind,
            actor=request.user,
            member_id=member.pk,
            reason=form.cleaned_data["reason"],
        )
        if done is not None:
            return redirect("bindings:member", member.pk)
    account = selectors.member_bound_account(member=member)
    return render(
        request,
        "portal/officer/member.html",
        {
            "member": member,
            "account": account,
            "account_phone": mask_mobile(account.phone) if account else "",
            "requests": selectors.member_binding_requests(member=member),
            "form": form,
        },
        status=400 if form.errors else 200,
    )
