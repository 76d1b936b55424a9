from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gonghui.core.errors import DomainError
from gonghui.core.limits import limit
from gonghui.web import client_ip, form_errors_from, officer_view, run_action, run_service

from . import twofactor
from .forms import AccountCreateForm, AccountEditForm, CodeLoginForm, LoginForm, OwnPasswordForm, TokenIssueForm
from .selectors import (
    LOCKOUT_DAYS,
    account_get_visible,
    account_list_visible_to,
    account_lockouts,
    lockout_counts,
    token_list_of,
)
from .services import (
    LoginLocked,
    login_audit,
    login_check,
    officer_code_login,
    officer_code_request,
    officer_create,
    officer_update,
    password_change_own,
    token_issue,
    token_revoke,
)
from .twofactor_views import VERIFIED_KEY, begin_second_step

ACCOUNT_LIST_LIMIT = 500


def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = login_check(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
                request=request,
                audit_success=False,
            )
        except LoginLocked as locked:
            form.add_error(None, locked_message(locked))
        else:
            if user is None:
                form.add_error(None, _("用户名或密码错误"))
            else:
                target = request.GET.get("next", "")
                if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
                    target = "home"
                if twofactor.second_step_needed(user):
                    login_audit(user=user, ip=client_ip(request), method="password", awaiting_second_factor=True)
                    return begin_second_step(request, user, next_url=target, method="password")
                login(request, user)
                login_audit(user=user, ip=client_ip(request), method="password")
                return redirect(target)
    return render(
        request,
        "accounts/login.html",
        {"form": form},
        status=200 if request.method == "GET" or not form.errors else 400,
    )


def locked_message(locked: LoginLocked) -> str:
    """The same words for every name typed (known or not): only the time differs."""
    until = timezone.localtime(locked.until).strftime("%H:%M")
    if locked.by_network:
        return _("当前网络登录尝试过于频繁，请于 %(until)s 后再试") % {"until": until}
    return _("登录失败次数过多，账号已锁定至 %(until)s；可改用短信验证码登录，或稍后再试") % {"until": until}


@require_http_methods(["GET", "POST"])
def login_code_view(request):
    """Sign in with a code texted to the account's registered phone (also while locked out)."""
    form = CodeLoginForm(request.POST or None, initial={"username": request.GET.get("username", "")})
    sent = False
    if request.method == "POST" and form.is_valid():
        username, code = form.cleaned_data["username"], form.cleaned_data["code"]
        try:
            if request.POST.get("action") == "send_code":
                officer_code_request(username=username, ip=client_ip(request))
                sent = True
            elif not code:
                form.add_error("code", _("请输入验证码"))
            else:
                user = officer_code_login(username=username, code=code, ip=client_ip(request), audit_success=False)
                target = request.GET.get("next", "")
                if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
                    target = "home"
                # The texted code stands in for the password only: the authenticator is still asked.
                if twofactor.second_step_needed(user):
                    login_audit(user=user, ip=client_ip(request), method="sms_code", awaiting_second_factor=True)
                    return begin_second_step(request, user, next_url=target, method="sms_code")
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                login_audit(user=user, ip=client_ip(request), method="sms_code")
                return redirect(target)
        except LoginLocked as locked:
            form.add_error(None, locked_message(locked))
        except DomainError as exc:
            form_errors_from(form, exc)
    return render(
        request,
        "accounts/login_code.html",
        {"form": form, "sent": sent, "ttl": limit("GONGHUI_SMS_CODE_TTL_MINUTES")},
        status=400 if form.errors else 200,
    )


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("您已退出登录"))
    return redirect("accounts:login")


@require_GET
@officer_view(admin=True)
def account_list(request):
    """Officer accounts bound to unions in the admin's subtree."""
    accounts = list(account_list_visible_to(actor=request.user)[: ACCOUNT_LIST_LIMIT + 1])
    now = timezone.now()
    lockouts = lockout_counts(accounts=accounts[:ACCOUNT_LIST_LIMIT], now=now)
    for account in accounts:
        account.lockouts = lockouts.get(account.pk, 0)  # type: ignore[attr-defined]
    return render(
        request,
        "accounts/list.html",
        {
            "accounts": accounts[:ACCOUNT_LIST_LIMIT],
            "truncated": len(accounts) > ACCOUNT_LIST_LIMIT,
            "now": now,
            "lockout_days": LOCKOUT_DAYS,
        },
    )


@require_http_methods(["GET", "POST"])
@officer_view(admin=True)
def account_create(request):
    form = AccountCreateForm(request.POST or None, actor=request.user, initial={"org": request.user.org})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        account = run_service(
            form,
            officer_create,
            actor=request.user,
            username=data["username"],
            password=data["password"],
            org=data["org"],
            role=data["role"],
            display_name=data["display_name"],
            assistance_access=data["assistance_access"],
            phone=data["phone"],
        )
        if account is not None:
            messages.success(request, _("已创建账号：%(name)s") % {"name": account.username})
            return redirect("accounts:list")
    return render(
        request,
        "accounts/form.html",
        {"form": form, "account": None, "picked": form.picked_org("org"), "title": _("新建账号")},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@officer_view(admin=True)
def account_edit(request, user_id: int):
    account = account_get_visible(actor=request.user, user_id=user_id)
    form = AccountEditForm(
        request.POST or None, actor=request.user, account=account, initial=AccountEditForm.initial_from(account)
    )
    if request.method == "POST" and form.is_valid():
        saved = run_service(form, officer_update, actor=request.user, user=account, data=form.service_data())
        if saved is not None:
            if saved.pk == request.user.pk:  # a new password of one's own: this session stays
                update_session_auth_hash(request, saved)
            messages.success(request, _("已保存账号：%(name)s") % {"name": account.username})
            return redirect("accounts:list")
    picked = form.picked_org("org") if "org" in form.fields else None
    return render(
        request,
        "accounts/form.html",
        {
            "form": form,
            "account": account,
            "picked": picked,
            "title": _("编辑账号"),
            "two_factor_on": twofactor.confirmed_authenticator(account) is not None,
            "two_factor_required": twofactor.two_factor_required(account),
            "lockouts": account_lockouts(actor=request.user, user_id=account.pk),
        },
        status=400 if form.is_bound else 200,
    )


@require_POST
@officer_view(admin=True)
def account_two_factor_reset(request, user_id: int):
    """An admin removes an officer's authenticator and recovery codes (a lost phone); audited."""
    account = account_get_visible(actor=request.user, user_id=user_id)
    run_action(
        request,
        twofactor.two_factor_reset,
        actor=request.user,
        user=account,
        ip=client_ip(request),
        success=_("已重置 %(name)s 的两步验证，该账号已退出所有登录，下次登录时需重新设置")
        % {"name": account.username},
    )
    return redirect("accounts:edit", user_id=account.pk)


# --- My account: password, API tokens, two-factor sign-in ----------------------------------------


def _me_context(request, **extra):
    user = request.user
    return {
        "tokens": list(token_list_of(user=user)),
        "now": timezone.now(),
        "two_factor_on": twofactor.confirmed_authenticator(user) is not None,
        "two_factor_required": twofactor.two_factor_required(user),
        "recovery_left": twofactor.recovery_codes_left(user),
        "password_form": OwnPasswordForm(),
        "token_form": TokenIssueForm(),
        **extra,
    }


@require_GET
@officer_view
def me_view(request):
    return render(request, "accounts/me.html", _me_context(request))


@require_POST
@officer_view
def me_password_view(request):
    form = OwnPasswordForm(request.POST)
    if form.is_valid():
        done = run_service(
            form,
            password_change_own,
            user=request.user,
            old_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["new_password"],
            ip=client_ip(request),
        )
        if done is not None:
            update_session_auth_hash(request, request.user)  # this session stays; the others end
            messages.success(request, _("密码已修改，其他设备上的登录和全部 API 令牌已失效"))
            return redirect("accounts:me")
    return render(request, "accounts/me.html", _me_context(request, password_form=form), status=400)


@require_POST
@officer_view
def me_token_issue_view(request):
    """A new API token, shown once. Where two-factor sign-in is required, only from a session that
    passed it."""
    user = request.user
    if twofactor.two_factor_required(user) and not request.session.get(VERIFIED_KEY):
        messages.error(request, _("签发 API 令牌前须完成两步验证，请退出后重新登录"))
        return redirect("accounts:me")
    form = TokenIssueForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/me.html", _me_context(request, token_form=form), status=400)
    raw = run_service(form, token_issue, user=user, name=form.cleaned_data["name"], actor=user)
    if raw is None:
        return render(request, "accounts/me.html", _me_context(request, token_form=form), status=400)
    return render(request, "accounts/me.html", _me_context(request, new_token=raw))


@require_POST
@officer_view
def me_token_revoke_view(request, token_id: int):
    token = token_revoke(actor=request.user, token_id=token_id)
    messages.success(request, _("已撤销令牌 %(prefix)s…") % {"prefix": token.prefix})
    return redirect("accounts:me")
