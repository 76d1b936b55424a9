from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import LoginForm
from .services import LoginLocked, login_check


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = login_check(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
                request=request,
            )
        except LoginLocked as locked:
            until = timezone.localtime(locked.until).strftime("%H:%M")
            form.add_error(None, _("登录失败次数过多，账号已锁定至 %(until)s，请稍后再试") % {"until": until})
        else:
            if user is None:
                form.add_error(None, _("用户名或密码错误"))
            else:
                login(request, user)
                target = request.GET.get("next", "")
                if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
                    target = "home"
                return redirect(target)
    return render(
        request,
        "accounts/login.html",
        {"form": form},
        status=200 if request.method == "GET" or not form.errors else 400,
    )


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("您已退出登录"))
    return redirect("accounts:login")
