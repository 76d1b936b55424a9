"""Workers' pages (/m/): sign-in, registration, real-name binding, home, membership, card, inbox.

Thin views over portal.services / portal.selectors and notifications; every page is the
signed-in worker's own data, so there is nothing to scope beyond "mine".
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gonghui.accounts.selectors import token_list_of
from gonghui.accounts.services import token_revoke
from gonghui.core.errors import DomainError, NotFound
from gonghui.core.phone import mask_mobile
from gonghui.core.qr import qr_svg
from gonghui.notifications import selectors as inbox_selectors
from gonghui.notifications import services as inbox_services
from gonghui.notifications.views import inbox_context
from gonghui.privacy.forms import add_sensitive_consent, sensitive_consent_given
from gonghui.privacy.models import ConsentPurpose
from gonghui.web import client_ip, form_errors_from, is_htmx, run_service

from . import binding, selectors, services
from .conf import limit
from .forms import (
    BindingCodeForm,
    ChangePasswordForm,
    CodeLoginForm,
    PasswordLoginForm,
    RegisterForm,
    ResetPasswordForm,
    VerifyForm,
)
from .models import BindingRequest, CodePurpose
from .web import worker_of, worker_view


def _safe_next(request: HttpRequest, default: str = "portal:home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(default)


def _code_sent_form(form_class, request: HttpRequest, purpose: str):
    """The form's 获取验证码 button: send a code for the typed phone and show the form again
    (unbound, keeping the phone); a refusal goes next to the phone field or above the form."""
    form = form_class(initial={"phone": request.POST.get("phone", "")})
    try:
        services.code_request(phone=request.POST.get("phone", ""), purpose=purpose, ip=client_ip(request))
    except DomainError as exc:
        form_errors_from(form, exc)
    else:
        form.cooldown = limit("GONGHUI_SMS_CODE_COOLDOWN_SECONDS")  # the button counts down (portal.js)
        messages.success(
            request,
            _("短信验证码已发送至 %(phone)s，%(ttl)s分钟内有效")
            % {
                "phone": mask_mobile(request.POST.get("phone", "").strip()),
                "ttl": limit("GONGHUI_SMS_CODE_TTL_MINUTES"),
            },
        )
    return form


# --- Signing in ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if worker_of(request.user) is not None and request.method == "GET":
        return redirect(_safe_next(request))
    via = "code" if (request.POST.get("via") or request.GET.get("via")) == "code" else "password"
    form_class = CodeLoginForm if via == "code" else PasswordLoginForm
    form = form_class(request.POST or None)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "send_code":
        form = _code_sent_form(form_class, request, CodePurpose.LOGIN)
    elif request.method == "POST" and form.is_valid():
        user = run_service(
            form,
            services.worker_login_check,
            phone=form.cleaned_data["phone"],
            password=form.cleaned_data.get("password"),
            code=form.cleaned_data.get("code"),
            ip=client_ip(request),
        )
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(_safe_next(request))
    if request.method == "POST" and form.errors:
        status = 400
    officer_signed_in = request.user.is_authenticated and worker_of(request.user) is None
    return render(
        request,
        "portal/login.html",
        {"form": form, "via": via, "next": request.GET.get("next", ""), "officer_signed_in": officer_signed_in},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "send_code":
        form = _code_sent_form(RegisterForm, request, CodePurpose.REGISTER)
    elif request.method == "POST" and form.is_valid():
        worker = run_service(
            form,
            services.worker_register,
            phone=form.cleaned_data["phone"],
            code=form.cleaned_data["code"],
            password=form.cleaned_data["password"],
            ip=client_ip(request),
        )
        if worker is not None:
            login(request, worker.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("注册成功。完成实名认证后即可查看会籍、使用会员卡。"))
            return redirect(f"{reverse('portal:verify')}?next={_safe_next(request)}")
    if request.method == "POST" and form.errors:
        status = 400
    return render(request, "portal/register.html", {"form": form, "next": request.GET.get("next", "")}, status=status)


@require_http_methods(["GET", "POST"])
def forgot_view(request: HttpRequest) -> HttpResponse:
    form = ResetPasswordForm(request.POST or None)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "send_code":
        form = _code_sent_form(ResetPasswordForm, request, CodePurpose.RESET_PASSWORD)
    elif request.method == "POST" and form.is_valid():
        worker = run_service(
            form,
            services.worker_reset_password,
            phone=form.cleaned_data["phone"],
            code=form.cleaned_data["code"],
            new_password=form.cleaned_data["new_password"],
            ip=client_ip(request),
        )
        if worker is not None:
            messages.success(request, _("密码已重置，请用新密码登录"))
            return redirect("portal:login")
    if request.method == "POST" and form.errors:
        status = 400
    return render(request, "portal/forgot.html", {"form": form}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("您已退出登录"))
    return redirect("portal:login")


def _real_name_consent(request: HttpRequest, form) -> bool:
    """The separate consent to processing the ID number (PIPL art. 29), asked before binding."""
    return sensitive_consent_given(form, user=request.user, purpose=ConsentPurpose.REAL_NAME, ip=client_ip(request))


@require_http_methods(["GET", "POST"])
@worker_view
def verify_view(request: HttpRequest) -> HttpResponse:
    """Real-name binding: name + ID number, then the proof (a code to the roll's phone, or the
    union's confirmation); the page shows whichever step the worker's request is at."""
    worker = request.worker  # type: ignore[attr-defined]
    target = _safe_next(request)
    # A binding made while the person was on no roll must be proven once a record matches it.
    proof_needed = worker.is_verified and selectors.proof_needed_for(worker) is not None
    if worker.is_verified and not proof_needed:
        if request.method == "GET" and request.GET.get("next"):
            return redirect(target)
        return render(request, "portal/verify.html", {"worker": worker, "done": True, "next": ""})
    action = request.POST.get("action", "bind") if request.method == "POST" else ""
    if action == "bind" and proof_needed:
        action = ""
    form = add_sensitive_consent(
        VerifyForm(request.POST if action == "bind" else None), user=request.user, purpose=ConsentPurpose.REAL_NAME
    )
    code_form = BindingCodeForm(request.POST if action == "code" else None)
    status = 200
    if action == "bind" and form.is_valid() and _real_name_consent(request, form):
        started = run_service(
            form, binding.worker_bind_identity, worker=worker, ip=client_ip(request), **form.cleaned_data
        )
        if started is not None:
            if started.state == BindingRequest.State.CONFIRMED:
                return _bound(request, worker, target)
            return redirect(f"{reverse('portal:verify')}?next={target}")
    elif action == "code" and code_form.is_valid():
        finished = run_service(
            code_form,
            binding.worker_binding_enter_code,
            worker=worker,
            code=code_form.cleaned_data["code"],
            ip=client_ip(request),
        )
        if finished is not None:
            return _bound(request, worker, target)
    elif action in ("prove", "ask_union", "cancel"):
        try:
            if action == "prove":
                started = binding.worker_prove_binding(
                    worker=worker,
                    phone_changed=bool(request.POST.get("phone_changed")),
                    note=request.POST.get("note", ""),
                    ip=client_ip(request),
                )
                if started.state == BindingRequest.State.CONFIRMED:
                    return _bound(request, worker, target)
            elif action == "ask_union":
                binding.worker_binding_ask_union(worker=worker, note=request.POST.get("note", ""))
            else:
                binding.worker_binding_cancel(worker=worker)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(f"{reverse('portal:verify')}?next={target}")
    if request.method == "POST" and (form.errors or code_form.errors):
        status = 400
    return render(
        request,
        "portal/verify.html",
        {
            "worker": worker,
            "form": form,
            "code_form": code_form,
            "open_request": binding.worker_open_binding(worker),
            "last_request": binding.worker_last_binding(worker),
            "proof_needed": proof_needed,
            "done": False,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
        status=status,
    )


def _bound(request: HttpRequest, worker, target: str) -> HttpResponse:
    worker.refresh_from_db()
    member = selectors.current_member(worker)
    if member is not None:
        messages.success(request, _("实名认证成功，已关联%(org)s的会员信息") % {"org": member.org.name})
    else:
        messages.success(request, _("实名认证成功。您尚未加入工会，可在首页申请入会。"))
    return redirect(target)


# --- Home and membership ---------------------------------------------------------------------


def _greeting() -> str:
    hour = timezone.localtime().hour
    if hour < 6:
        return _("夜深了")
    if hour < 12:
        return _("上午好")
    if hour < 14:
        return _("中午好")
    if hour < 18:
        return _("下午好")
    return _("晚上好")


@require_GET
@worker_view
def home_view(request: HttpRequest) -> HttpResponse:
    worker = request.worker  # type: ignore[attr-defined]
    member = selectors.current_member(worker)
    latest = list(inbox_selectors.inbox(request.user).filter(read_at__isnull=True)[:3])
    return render(
        request,
        "portal/home.html",
        {
            "worker": worker,
            "member": member,
            "proof_needed": member is None and selectors.proof_needed_for(worker) is not None,
            "greeting": _greeting(),
            "latest_unread": latest,
        },
    )


@require_GET
@worker_view
def membership_view(request: HttpRequest) -> HttpResponse:
    worker = request.worker  # type: ignore[attr-defined]
    member = selectors.current_member(worker)
    return render(
        request,
        "portal/membership.html",
        {
            "worker": worker,
            "member": member,
            "proof_needed": member is None and selectors.proof_needed_for(worker) is not None,
            "chain": selectors.org_chain(member.org) if member else [],
            "records": selectors.membership_records(worker),
            "transfers": selectors.transfer_history(worker),
        },
    )


# --- Member card -----------------------------------------------------------------------------


def _card_context(member) -> dict:
    token = services.card_token(member=member)
    url = services.card_verify_url(token)
    return {
        "qr": qr_svg(url, scale=5, title=_("会员卡二维码")),
        "verify_url": url,
        "refresh_seconds": limit("GONGHUI_CARD_REFRESH_SECONDS"),
        "valid_minutes": max(limit("GONGHUI_CARD_TOKEN_MAX_AGE_SECONDS") // 60, 1),
        "issued_at": timezone.now(),
    }


@require_GET
@worker_view
def card_view(request: HttpRequest) -> HttpResponse:
    worker = request.worker  # type: ignore[attr-defined]
    member = selectors.current_member(worker)
    context = {
        "worker": worker,
        "member": member,
        "proof_needed": member is None and selectors.proof_needed_for(worker) is not None,
    }
    if member is not None:
        context.update(_card_context(member))
    return render(request, "portal/card.html", context)


@require_GET
@worker_view
def card_qr_view(request: HttpRequest) -> HttpResponse:
    """The QR fragment, refreshed by htmx every minute."""
    member = selectors.current_member(request.worker)  # type: ignore[attr-defined]
    if member is None:
        return render(request, "portal/_card_qr.html", {"member": None})
    return render(request, "portal/_card_qr.html", {"member": member, **_card_context(member)})


@require_GET
def card_verify_view(request: HttpRequest, token: str) -> HttpResponse:
    """Public: what a scanned card says (no login; masked data only)."""
    check = services.card_check(token=token)
    response = render(request, "portal/card_verify.html", {"check": check})
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- Inbox -----------------------------------------------------------------------------------


def _inbox_context(request: HttpRequest) -> dict:
    return {**inbox_context(request, base="portal"), "oob_badge": "portal" if is_htmx(request) else ""}


@require_GET
@worker_view
def inbox_view(request: HttpRequest) -> HttpResponse:
    context = _inbox_context(request)
    if is_htmx(request):
        return render(request, "notifications/_inbox_list.html", context)
    return render(request, "portal/inbox.html", context)


@require_GET
@worker_view
def inbox_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    message = inbox_selectors.inbox_get(user=request.user, notification_id=pk)
    inbox_services.mark_read(user=request.user, ids=[message.pk])
    return render(request, "portal/inbox_open.html", {"message": message})


@require_POST
@worker_view
def inbox_read_all_view(request: HttpRequest) -> HttpResponse:
    count = inbox_services.mark_read(user=request.user)
    if is_htmx(request):
        return render(request, "notifications/_inbox_list.html", _inbox_context(request))
    messages.success(request, _("已将%(count)s条消息标为已读") % {"count": count})
    return redirect("portal:inbox")


# --- Profile ---------------------------------------------------------------------------------


@require_GET
@worker_view
def profile_view(request: HttpRequest) -> HttpResponse:
    worker = request.worker  # type: ignore[attr-defined]
    return render(
        request,
        "portal/profile.html",
        {
            "worker": worker,
            "phone_masked": mask_mobile(worker.phone),
            "member": selectors.current_member(worker),
            "tokens": list(token_list_of(user=worker.user)),
            "now": timezone.now(),
        },
    )


@require_POST
@worker_view
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    """Sign an app out: revoke one of the worker's own API tokens."""
    worker = request.worker  # type: ignore[attr-defined]
    try:
        token_revoke(actor=worker.user, token_id=token_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("已退出该应用的登录"))
    return redirect("portal:profile")


@require_http_methods(["GET", "POST"])
@worker_view
def password_view(request: HttpRequest) -> HttpResponse:
    worker = request.worker  # type: ignore[attr-defined]
    form = ChangePasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            services.worker_change_password,
            worker=worker,
            old_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["new_password"],
            ip=client_ip(request),
        )
        if done is not None:
            update_session_auth_hash(request, worker.user)
            messages.success(request, _("密码已修改"))
            return redirect("portal:profile")
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "portal/password.html", {"form": form}, status=status)
