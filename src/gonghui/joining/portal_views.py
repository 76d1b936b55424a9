"""Workers' pages (/m/join/): find a union, apply in one form, follow applications, ask for a transfer.

From a union's QR code joining takes three steps: the invite page, the form (which also opens
the account and binds the real name for a worker who has neither), and the confirmation.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gonghui.core.errors import DomainError, NotFound
from gonghui.core.regions import DIVISION_DATA
from gonghui.orgs.models import Org, OrgKind
from gonghui.portal import binding as portal_binding
from gonghui.portal import services as portal_services
from gonghui.portal.models import BindingRequest, CodePurpose, WorkerAccount
from gonghui.portal.web import worker_of, worker_view
from gonghui.privacy.forms import add_sensitive_consent, sensitive_consent_given, sensitive_consent_ticked
from gonghui.privacy.models import ConsentPurpose
from gonghui.web import client_ip, form_errors_from, run_action

from . import selectors, services
from .forms import ApplicationFieldsForm, IdentityFields, NewAccountFields, UnionSearchForm, WorkerTransferForm
from .models import JoinSource, JoinState, TransferState

STATE_CSS: dict[str, str] = {
    JoinState.SUBMITTED: "warning",
    JoinState.APPROVED: "success",
    JoinState.REJECTED: "danger",
    JoinState.WITHDRAWN: "secondary",
    TransferState.PENDING: "warning",
    TransferState.CANCELLED: "secondary",
}


def _not_found_404(fn):
    """Public pages: an unknown union or code answers 404."""

    @wraps(fn)
    def wrapper(request, *args, **kwargs):
        try:
            return fn(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None

    return wrapper


def _union_card(org: Org) -> dict[str, Any]:
    home = selectors.online_home_of(org) if org.kind == OrgKind.TOWNSHIP else None
    return {"org": org, "chain": selectors.org_chain(org), "home": home, "is_township": org.kind == OrgKind.TOWNSHIP}


def _search_context(request: HttpRequest) -> dict[str, Any]:
    form = UnionSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    province, city = data.get("province", ""), data.get("city", "")
    region = form.region() if form.is_bound else ""
    no_union = bool(data.get("no_union"))
    results = selectors.union_search(q=data.get("q", ""), region=region, no_union=no_union) if form.is_bound else []
    return {
        "form": form,
        "q": data.get("q", ""),
        "province": province,
        "city": city,
        "county": data.get("county", ""),
        "no_union": no_union,
        "provinces": selectors.region_options(),
        "cities": selectors.region_options(province) if province in DIVISION_DATA else [],
        "counties": selectors.region_options(city) if city in DIVISION_DATA else [],
        "results": [_union_card(org) for org in results],
        "searched": form.is_bound and (data.get("q") or region),
    }


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Find a union: by employer name, by region, or the township's online home when there is none."""
    worker = worker_of(request.user)
    membership = selectors.worker_membership(worker=worker) if worker else None
    context = {**_search_context(request), "membership": membership, "worker": worker}
    return render(request, "joining/portal/start.html", context)


@require_GET
@_not_found_404
def invite(request: HttpRequest, code: str) -> HttpResponse:
    """A union's public invite page (its QR code opens this)."""
    found = selectors.invite_lookup(code=code)
    return _union_page(request, found.org, apply_url=reverse("join_portal:apply_invite", args=[code]))


@require_GET
@_not_found_404
def union(request: HttpRequest, org_id: int) -> HttpResponse:
    org = selectors.union_joinable_get(org_id=org_id)
    return _union_page(request, org, apply_url=reverse("join_portal:apply_org", args=[org.pk]))


def _union_page(request: HttpRequest, org: Org, *, apply_url: str) -> HttpResponse:
    worker = worker_of(request.user)
    context = {
        **_union_card(org),
        "apply_url": apply_url,
        "membership": selectors.worker_membership(worker=worker) if worker else None,
        "pending": selectors.worker_pending_application(worker=worker),
    }
    return render(request, "joining/portal/union.html", context)


@require_http_methods(["GET", "POST"])
@_not_found_404
def apply_invite(request: HttpRequest, code: str) -> HttpResponse:
    found = selectors.invite_lookup(code=code)
    return _apply(request, found.org, source=JoinSource.INVITE)


@require_http_methods(["GET", "POST"])
@_not_found_404
def apply_org(request: HttpRequest, org_id: int) -> HttpResponse:
    org = selectors.union_joinable_get(org_id=org_id)
    return _apply(request, org, source=JoinSource.SEARCH)


def _apply(request: HttpRequest, org: Org, *, source: str) -> HttpResponse:
    """One form: the roll fields, plus account and real-name fields for whoever lacks them."""
    worker = worker_of(request.user)
    if worker is None and request.user.is_authenticated:
        return render(request, "portal/not_worker.html", status=403)  # an officer's session
    need_account = worker is None
    need_identity = worker is None or not worker.is_verified
    membership = selectors.worker_membership(worker=worker) if worker else None
    post = request.POST if request.method == "POST" else None
    sending_code = post is not None and post.get("action") == "send_code"
    bound = None if sending_code else post
    typed: dict[str, Any] = {}
    if sending_code:
        typed = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "u-code", "action")}
    initial = initial_for("a", typed) if typed else ({"phone": worker.phone} if worker else {})
    fields = ApplicationFieldsForm(bound, initial=initial, prefix="a")
    account = NewAccountFields(bound, prefix="u", initial=initial_for("u", typed)) if need_account else None
    identity = IdentityFields(bound, prefix="v", initial=initial_for("v", typed)) if need_identity else None
    if identity is not None:
        add_sensitive_consent(identity, user=request.user, purpose=ConsentPurpose.REAL_NAME)
    if sending_code and account is not None:
        try:
            portal_services.code_request(
                phone=request.POST.get("u-phone", ""), purpose=CodePurpose.REGISTER, ip=client_ip(request)
            )
        except DomainError as exc:
            form_errors_from(account, exc)
        else:
            messages.success(request, _("短信验证码已发送，请查收"))
    elif bound is not None and membership is None:
        forms_ok = all(f.is_valid() for f in (fields, account, identity) if f is not None)
        if forms_ok:
            done = _submit(
                request, org=org, source=source, worker=worker, fields=fields, account=account, identity=identity
            )
            if done is not None:
                return redirect("join_portal:submitted", done.pk)
    status = 400 if bound is not None and any(f.errors for f in (fields, account, identity) if f is not None) else 200
    context = {
        **_union_card(org),
        "fields": fields,
        "account": account,
        "identity": identity,
        "worker": worker,
        "membership": membership,
        "pending": selectors.worker_pending_application(worker=worker),
    }
    return render(request, "joining/portal/apply.html", context, status=status)


def initial_for(prefix: str, initial: dict[str, Any]) -> dict[str, Any]:
    start = f"{prefix}-"
    return {k[len(start) :]: v for k, v in initial.items() if k.startswith(start)}


def _submit(request, *, org, source, worker, fields, account, identity):
    """Open the account and bind the identity when needed, then file the application."""
    if identity is not None and not sensitive_consent_ticked(identity):
        return None
    try:
        if worker is None:
            data = account.cleaned_data
            worker = portal_services.worker_register(
                phone=data["phone"], code=data["code"], password=data["password"], ip=client_ip(request)
            )
            login(request, worker.user, backend="django.contrib.auth.backends.ModelBackend")
    except DomainError as exc:
        form_errors_from(account, exc)
        return None
    if not worker.is_verified:
        if not sensitive_consent_given(
            identity, user=worker.user, purpose=ConsentPurpose.REAL_NAME, ip=client_ip(request)
        ):
            return None
        data = identity.cleaned_data
        try:
            started = portal_binding.worker_bind_identity(
                worker=worker,
                name=data["name"],
                id_type=data["id_type"],
                id_number=data["id_number"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            form_errors_from(identity, exc)
            return None
        if started.state != BindingRequest.State.CONFIRMED:
            # On the roll already: the person proves it on the binding page first.
            identity.add_error(None, _("该证件号码已在会员名册中，请先在“实名认证”页面完成验证"))
            return None
        worker.refresh_from_db()
    try:
        return services.application_submit(worker=worker, org=org, data=fields.service_data(), source=source)
    except DomainError as exc:
        form_errors_from(fields, exc)
        return None


@require_GET
@worker_view
def submitted(request: HttpRequest, application_id: int) -> HttpResponse:
    worker: WorkerAccount = request.worker  # type: ignore[attr-defined]
    application = selectors.worker_application_get(worker=worker, application_id=application_id)
    return render(request, "joining/portal/submitted.html", {"a": application})


@require_GET
@worker_view
def applications(request: HttpRequest) -> HttpResponse:
    worker: WorkerAccount = request.worker  # type: ignore[attr-defined]
    rows = [{"a": a, "css": STATE_CSS.get(a.state)} for a in selectors.worker_applications(worker=worker)[:50]]
    return render(
        request,
        "joining/portal/applications.html",
        {"rows": rows, "membership": selectors.worker_membership(worker=worker)},
    )


@require_GET
@worker_view
def application(request: HttpRequest, application_id: int) -> HttpResponse:
    worker: WorkerAccount = request.worker  # type: ignore[attr-defined]
    found = selectors.worker_application_get(worker=worker, application_id=application_id)
    context = {"a": found, "css": STATE_CSS.get(found.state), "events": found.events.all(), "now": timezone.now()}
    return render(request, "joining/portal/application.html", context)


@require_POST
@worker_view
def withdraw(request: HttpRequest, application_id: int) -> HttpResponse:
    worker: WorkerAccount = request.worker  # type: ignore[attr-defined]
    found = selectors.worker_application_get(worker=worker, application_id=application_id)
    run_action(request, services.application_withdraw, success=_("已撤回入会申请"), worker=worker, application=found)
    return redirect("join_portal:application", found.pk)


# ---- transfers ------------------------------------------------------------------------------


@require_GET
@worker_view
def transfers(request: HttpRequest) -> HttpResponse:
    """My transfer requests."""
    worker: WorkerAccount = request.worker  # type: ignore[attr-defined]
    rows = [{"r": r, "css": STATE_CSS.get(r.state)} for r in selectors.worker_transfers(worker=worker)[:50]]
    context = {"membership": selectors.worker_membership(worker=worker), "rows": rows}
    return render(request, "joining/portal/transfers.html", context)


@require_GET
@worker_view(verified=True)
def transfer_new(request: HttpRequest) -> HttpResponse:
    """Find the union to move to (by name or region), or open its invite code."""
    worker: WorkerAccount = request.worker  # type: ignore[attr-defined]
    code = request.GET.get("code", "").strip()
    if code:
        try:
            found = selectors.invite_lookup(code=code.rsplit("/u/", 1)[-1].strip("/"))
        except NotFound as exc:
            messages.error(request, exc.message)
        else:
            return redirect("join_portal:transfer_to", found.org_id)
    context = {**_search_context(request), "membership": selectors.worker_membership(worker=worker)}
    return render(request, "joining/portal/transfer_new.html", context)


@require_http_methods(["GET", "POST"])
@worker_view(verified=True)
def transfer_to(request: HttpRequest, org_id: int) -> HttpResponse:
    worker: WorkerAccount = request.worker  # type: ignore[attr-defined]
    org = selectors.union_joinable_get(org_id=org_id)
    membership = selectors.worker_membership(worker=worker)
    form = WorkerTransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_request_by_worker(worker=worker, to_org=org, reason=form.cleaned_data["reason"])
        except NotFound:
            raise
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("接转申请已提交，%(org)s审批后会通知您") % {"org": org.name})
            return redirect("join_portal:transfers")
    context = {**_union_card(org), "form": form, "membership": membership}
    return render(request, "joining/portal/transfer_to.html", context, status=400 if form.errors else 200)


@require_POST
@worker_view(verified=True)
def transfer_cancel(request: HttpRequest, request_id: int) -> HttpResponse:
    worker: WorkerAccount = request.worker  # type: ignore[attr-defined]
    found = selectors.worker_transfer_get(worker=worker, request_id=request_id)
    run_action(
        request, services.transfer_request_cancel_by_worker, success=_("已撤回接转申请"), worker=worker, request=found
    )
    return redirect("join_portal:transfers")
