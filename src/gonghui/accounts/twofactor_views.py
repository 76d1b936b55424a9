"""The second sign-in step (a code from the authenticator or a recovery code), setting up an
authenticator (at sign-in when one is required, or from "my account"), and recovery codes.

Between the password step and the code step the session holds only a pending sign-in: the
account, its auth hash then (a password changed meanwhile voids it) and when it began
(GONGHUI_2FA_PENDING_MINUTES); the account is signed in only after the second step.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gonghui.core.errors import DomainError
from gonghui.core.qr import qr_svg
from gonghui.web import client_ip, form_errors_from, officer_view

from . import twofactor
from .forms import SecondFactorForm
from .models import User
from .services import login_audit

PENDING_KEY = "gonghui_2fa_pending"
# How the signed-in session passed the second step: "totp", "recovery", or "" (not asked).
VERIFIED_KEY = "gonghui_2fa"


def begin_second_step(request: HttpRequest, user: User, *, next_url: str, method: str = "password") -> HttpResponse:
    """After the right password (or texted code, `method`): ask for the code, or to set up an
    authenticator first. The sign-in is audited when the second step completes."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "hash": user.get_session_auth_hash(),
        "at": time.time(),
        "next": next_url,
        "method": method,
    }
    if twofactor.confirmed_authenticator(user) is None:
        return redirect("accounts:two_factor_enrol")
    return redirect("accounts:two_factor_verify")


def _pending(request: HttpRequest) -> tuple[User | None, str]:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None, ""
    if time.time() - float(pending.get("at", 0)) > settings.GONGHUI_2FA_PENDING_MINUTES * 60:
        request.session.pop(PENDING_KEY, None)
        return None, ""
    user = User.objects.select_related("org").filter(pk=int(pending.get("user") or 0), is_active=True).first()
    if user is None or not constant_time_compare(user.get_session_auth_hash(), pending.get("hash", "")):
        return None, ""
    return user, pending.get("next") or "home"


def _start_over(request: HttpRequest) -> HttpResponse:
    request.session.pop(PENDING_KEY, None)
    messages.warning(request, _("登录已超时，请重新输入用户名和密码"))
    return redirect("accounts:login")


def _sign_in(request: HttpRequest, user: User, method: str) -> None:
    pending = request.session.pop(PENDING_KEY, None) or {}
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    request.session[VERIFIED_KEY] = method
    first_step = str(pending.get("method") or "password") if isinstance(pending, dict) else "password"
    login_audit(user=user, ip=client_ip(request), method=first_step, second_factor=method)


@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    user, next_url = _pending(request)
    if user is None:
        return _start_over(request)
    if twofactor.confirmed_authenticator(user) is None:
        return redirect("accounts:two_factor_enrol")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            method = twofactor.second_factor_check(user=user, code=form.cleaned_data["code"], ip=client_ip(request))
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            _sign_in(request, user, method)
            if method == "recovery":
                messages.warning(
                    request,
                    _("您使用了一个恢复码登录，还剩 %(n)s 个。如手机验证器已丢失，请在“我的账号”中重新设置。")
                    % {"n": twofactor.recovery_codes_left(user)},
                )
            return redirect(next_url)
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _enrol_context(request: HttpRequest, user, form: SecondFactorForm) -> dict:
    device = twofactor.authenticator_enrol_start(user=user)
    return {
        "form": form,
        "qr": qr_svg(device.config_url, title=_("两步验证二维码")),
        "secret": twofactor.secret_for_display(device),
        "required": twofactor.two_factor_required(user),
    }


@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    """At sign-in: an account that must use a second factor and has none sets one up."""
    user, next_url = _pending(request)
    if user is None:
        return _start_over(request)
    if twofactor.confirmed_authenticator(user) is not None:
        return redirect("accounts:two_factor_verify")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.authenticator_enrol_confirm(
                user=user, code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            _sign_in(request, user, "totp")
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url, "enrolled": True})
    context = _enrol_context(request, user, form) | {"signing_in": True}
    return render(request, "accounts/two_factor_enrol.html", context, status=400 if form.errors else 200)


# --- From "my account" -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@officer_view
def own_enrol_view(request: HttpRequest) -> HttpResponse:
    """Set up (or replace) one's authenticator while signed in."""
    user: User = request.user  # type: ignore[assignment]  # officer_view: signed in
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.authenticator_enrol_confirm(
                user=user, code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except DomainError as exc:
            form_errors_from(form, exc)
        else:
            request.session[VERIFIED_KEY] = "totp"
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "next": "accounts:me", "enrolled": True}
            )
    context = _enrol_context(request, user, form) | {"signing_in": False}
    return render(request, "accounts/two_factor_enrol.html", context, status=400 if form.errors else 200)


@require_POST
@officer_view
def own_recovery_codes_view(request: HttpRequest) -> HttpResponse:
    try:
        codes = twofactor.recovery_codes_regenerate(user=request.user, ip=client_ip(request))  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:me")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": "accounts:me", "enrolled": False})


@require_POST
@officer_view
def own_disable_view(request: HttpRequest) -> HttpResponse:
    try:
        twofactor.two_factor_disable(user=request.user, ip=client_ip(request))  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        request.session[VERIFIED_KEY] = ""
        messages.success(request, _("已关闭两步验证"))
    return redirect("accounts:me")
