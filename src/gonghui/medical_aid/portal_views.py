"""Workers' mutual-aid pages (/m/medical-aid/): my plan, enrolment and yearly usage; file a claim
with documents; follow a claim and its payout breakdown; answer a return. Real-name verified
workers only, and only their own enrolments and claims (anything else is 404)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gonghui.core.errors import DomainError, NotFound
from gonghui.portal.selectors import current_member
from gonghui.portal.web import worker_view
from gonghui.privacy.forms import add_sensitive_consent, sensitive_consent_given
from gonghui.privacy.models import ConsentPurpose
from gonghui.web import client_ip, form_errors_from, run_action

from . import services
from .attachments import attachment_response
from .forms import AttachForm, ClaimForm
from .models import AttachmentKind, ClaimState, EnrolmentState, PlanState
from .selectors import (
    attachment_get_for_worker,
    claim_events,
    claim_get_for_worker,
    claim_qs_for_worker,
    enrolment_usage,
    worker_enrolment_get,
    worker_enrolments,
)
from .views import STATE_CSS, _uploads

WORKER_ATTACHMENT_KINDS = [
    c for c in AttachmentKind.choices if c[0] in ("invoice", "discharge_summary", "settlement", "other")
]


def _claimable(enrolment) -> bool:
    return enrolment.state == EnrolmentState.ACTIVE and enrolment.plan.state == PlanState.OPEN


@require_GET
@worker_view(verified=True)
def home(request):
    worker = request.worker
    enrolments = worker_enrolments(worker=worker)
    cards = [{"e": e, "usage": enrolment_usage(e), "claimable": _claimable(e)} for e in enrolments]
    claims = list(claim_qs_for_worker(worker=worker).order_by("-created_at", "-id")[:50])
    return render(
        request,
        "medical_aid/portal/home.html",
        {
            "cards": cards,
            "claims": [{"c": c, "css": STATE_CSS.get(c.state)} for c in claims],
            "member": current_member(worker),
        },
    )


def _health_data_consent(request, form) -> bool:
    """The separate consent to processing health data (PIPL art. 29), asked with the first claim."""
    return sensitive_consent_given(form, user=request.user, purpose=ConsentPurpose.MEDICAL_AID, ip=client_ip(request))


@require_http_methods(["GET", "POST"])
@worker_view(verified=True)
def claim_new(request):
    worker = request.worker
    choices = [e for e in worker_enrolments(worker=worker) if _claimable(e)]
    if not choices:
        messages.info(request, _("您目前没有可以申请的医疗互助计划"))
        return redirect("medical_aid_portal:home")
    wanted = request.POST.get("enrolment") or request.GET.get("enrolment")
    try:
        enrolment = worker_enrolment_get(worker=worker, enrolment_id=wanted) if wanted else choices[0]
    except NotFound:
        enrolment = choices[0]
    form = ClaimForm(request.POST or None, request.FILES or None, plan=enrolment.plan, worker=True)
    add_sensitive_consent(form, user=request.user, purpose=ConsentPurpose.MEDICAL_AID)
    consent = request.method == "POST" and form.is_valid() and _health_data_consent(request, form)
    if consent:
        try:
            claim = services.claim_file_worker(
                worker=worker, enrolment=enrolment, data=form.service_data(), uploads=_uploads(request)
            )
        except NotFound:
            raise
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已提交，编号 %(ref)s，工会审核后会通知您") % {"ref": claim.reference})
            return redirect("medical_aid_portal:claim", claim.pk)
    return render(
        request,
        "medical_aid/portal/claim_form.html",
        {
            "form": form,
            "enrolment": enrolment,
            "choices": choices,
            "usage": enrolment_usage(enrolment),
            "resubmit": None,
        },
        status=400 if form.is_bound else 200,
    )


def _detail_context(request, claim, **extra):
    context = {
        "claim": claim,
        "css": STATE_CSS.get(claim.state),
        "b": claim.breakdown or None,
        "events": list(claim_events(claim=claim, for_worker=True)),
        "attachments": list(claim.attachments.all()),
        "attach_form": AttachForm(prefix="attach"),
        "can_attach": claim.state in (ClaimState.SUBMITTED, ClaimState.RETURNED),
    }
    context["attach_form"].fields["kind"].choices = WORKER_ATTACHMENT_KINDS  # type: ignore[attr-defined]
    context.update(extra)
    return context


@require_GET
@worker_view(verified=True)
def claim_detail(request, pk: int):
    claim = claim_get_for_worker(worker=request.worker, claim_id=pk)
    return render(request, "medical_aid/portal/claim_detail.html", _detail_context(request, claim))


@require_http_methods(["GET", "POST"])
@worker_view(verified=True)
def claim_resubmit(request, pk: int):
    worker = request.worker
    claim = claim_get_for_worker(worker=worker, claim_id=pk)
    if claim.state != ClaimState.RETURNED:
        return redirect("medical_aid_portal:claim", claim.pk)
    initial = {
        f: getattr(claim, f)
        for f in (
            "category",
            "hospital",
            "diagnosis",
            "admission_date",
            "discharge_date",
            "total_cost",
            "insurance_paid",
            "other_paid",
        )
    }
    form = ClaimForm(request.POST or None, request.FILES or None, plan=claim.plan, worker=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_resubmit(worker=worker, claim=claim, data=form.service_data(), uploads=_uploads(request))
        except NotFound:
            raise
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已重新提交"))
            return redirect("medical_aid_portal:claim", claim.pk)
    return render(
        request,
        "medical_aid/portal/claim_form.html",
        {
            "form": form,
            "enrolment": claim.enrolment,
            "choices": [],
            "usage": enrolment_usage(claim.enrolment),
            "resubmit": claim,
        },
        status=400 if form.is_bound else 200,
    )


@require_POST
@worker_view(verified=True)
def claim_attach(request, pk: int):
    claim = claim_get_for_worker(worker=request.worker, claim_id=pk)
    form = AttachForm(request.POST, request.FILES, prefix="attach")
    form.fields["kind"].choices = WORKER_ATTACHMENT_KINDS  # type: ignore[attr-defined]
    if form.is_valid():
        run_action(
            request,
            services.claim_attach,
            success=_("附件已上传"),
            worker=request.worker,
            claim=claim,
            upload=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
        )
    else:
        messages.error(request, _("请选择材料类型和文件"))
    return redirect("medical_aid_portal:claim", claim.pk)


@require_GET
@worker_view(verified=True)
def attachment(request, pk: int, attachment_id: int):
    return attachment_response(
        attachment_get_for_worker(worker=request.worker, claim_id=pk, attachment_id=attachment_id)
    )
