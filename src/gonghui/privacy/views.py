"""Privacy pages: the published agreement and notice (public), and the worker's "我的数据" page
(download everything, delete the account). Portal pages are the worker's own: nothing to scope."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gonghui.core.errors import DomainError, NotFound
from gonghui.portal.web import worker_view
from gonghui.web import client_ip, run_service

from . import selectors, services
from .forms import DeleteAccountForm
from .models import PolicyKind
from .subject_data import worker_data


def _policy_page(request: HttpRequest, kind: str) -> HttpResponse:
    version = request.GET.get("v")
    try:
        text = selectors.policy_version(kind, version) if version else selectors.policy_current(kind)
    except NotFound as exc:
        raise Http404(exc.message) from None
    english = translation.get_language() == "en" and bool(text.body_en)
    return render(
        request,
        "privacy/policy.html",
        {"text": text, "body": text.body_en if english else text.body, "latest": selectors.policy_current(kind)},
    )


@require_GET
def agreement_view(request: HttpRequest) -> HttpResponse:
    return _policy_page(request, PolicyKind.AGREEMENT)


@require_GET
def notice_view(request: HttpRequest) -> HttpResponse:
    return _policy_page(request, PolicyKind.PRIVACY)


@require_http_methods(["GET", "POST"])
@worker_view(policy_check=False)
def consent_renew_view(request: HttpRequest) -> HttpResponse:
    """A new version of the agreement or privacy notice was published: read it and accept it to go on."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = ""
    if request.method == "POST":
        services.consent_renew(user=request.user, ip=client_ip(request))
        messages.success(request, _("已同意最新版本的用户协议和个人信息保护规则"))
        return redirect(target or "portal:home")
    if not selectors.consent_outdated(request.user):
        return redirect(target or "portal:home")
    texts = [selectors.policy_current(kind) for kind in PolicyKind.values]
    return render(request, "privacy/consent_renew.html", {"texts": texts, "next": target})


@require_POST
@worker_view(policy_check=False)
def consent_withdraw_view(request: HttpRequest, consent_id: int) -> HttpResponse:
    try:
        consent = services.consent_withdraw(user=request.user, consent_id=consent_id, ip=client_ip(request))
    except NotFound as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已撤回：%(purpose)s") % {"purpose": consent.get_purpose_display()})
    return redirect("privacy:my_data")


@require_http_methods(["GET", "POST"])
@worker_view(policy_check=False)
def my_data_view(request: HttpRequest) -> HttpResponse:
    worker = request.worker  # type: ignore[attr-defined]
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            services.worker_account_delete,
            worker=worker,
            password=form.cleaned_data["password"],
            ip=client_ip(request),
        )
        if done is not None:
            logout(request)
            messages.success(request, _("账号已注销，账号和联系方式已删除"))
            return redirect("portal:login")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "privacy/my_data.html",
        {
            "worker": worker,
            "consents": [
                (c, services.withdrawal_effect(c.purpose) if c.withdrawable else "")
                for c in selectors.consents_of(request.user)
            ],
            "form": form,
        },
        status=status,
    )


@require_GET
@worker_view(policy_check=False)
def my_data_download_view(request: HttpRequest) -> HttpResponse:
    worker = request.worker  # type: ignore[attr-defined]
    data = worker_data(worker)
    services.worker_data_exported(worker=worker, ip=client_ip(request))
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response
