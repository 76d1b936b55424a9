"""Workers' pages (/m/assistance/): apply for hardship assistance and follow the status.

A worker sees their own applications and files only, in plain words (no officers' notes)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gonghui.portal.selectors import current_member
from gonghui.portal.web import worker_view
from gonghui.privacy.forms import add_sensitive_consent, sensitive_consent_given
from gonghui.privacy.models import ConsentPurpose
from gonghui.web import client_ip, run_service

from . import services
from .forms import ApplyForm, HouseholdFormSet, household_rows
from .models import FileState
from .selectors import worker_file_get, worker_files, worker_state_text, worker_steps


@require_GET
@worker_view(verified=True)
def index(request):
    worker = request.worker
    files = list(worker_files(worker=worker).order_by("-id"))
    rows = [{"f": f, "text": worker_state_text(f)} for f in files]
    open_or_pending = any(f.state not in (FileState.EXITED, FileState.DECLINED) for f in files)
    return render(
        request,
        "assistance/portal/index.html",
        {"rows": rows, "can_apply": not open_or_pending, "member": current_member(worker)},
    )


def _hardship_data_consent(request, form) -> bool:
    """The separate consent to processing hardship and health data (PIPL art. 29)."""
    return sensitive_consent_given(form, user=request.user, purpose=ConsentPurpose.HARDSHIP, ip=client_ip(request))


@require_http_methods(["GET", "POST"])
@worker_view(verified=True)
def apply(request):
    worker = request.worker
    member = current_member(worker)
    data = request.POST if request.method == "POST" else None
    form = add_sensitive_consent(ApplyForm(data, prefix="f"), user=request.user, purpose=ConsentPurpose.HARDSHIP)
    hh = HouseholdFormSet(
        data,
        prefix="h",
        initial=[{"name": worker.real_name, "relation": _("本人")}] if data is None else None,
    )
    if request.method == "POST" and form.is_valid() and hh.is_valid() and _hardship_data_consent(request, form):
        payload = {**form.facts(household_rows(hh)), "address": form.cleaned_data.get("address") or ""}
        created = run_service(form, services.worker_apply, worker=worker, data=payload)
        if created is not None:
            messages.success(request, _("申请已提交，所在工会将与您联系核实"))
            return redirect("assistance_portal:detail", created.pk)
    return render(
        request,
        "assistance/portal/apply.html",
        {"form": form, "household": hh, "member": member},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@worker_view(verified=True)
def detail(request, pk: int):
    file = worker_file_get(worker=request.worker, file_id=pk)
    return render(
        request,
        "assistance/portal/detail.html",
        {
            "f": file,
            "text": worker_state_text(file),
            "steps": worker_steps(file),
            "household": list(file.household.all()),
        },
    )
