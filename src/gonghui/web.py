"""Page plumbing shared by the apps' views and forms.

Views stay thin: `officer_view` admits only accounts bound to a union (or superusers), turns
the domain's NotFound/Forbidden into 404/403, and `form_errors_from` puts a service's
InvalidInput/Conflict next to the form fields it names, so a bad input changes nothing and
says why in Chinese. `run_action` is its twin for views that redirect after the write: there
the refusal becomes a flash message on the next page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gonghui.accounts.permissions import can_manage_accounts, can_read, can_write
from gonghui.core.batch import BatchItem, batch_summary, clean_ids
from gonghui.core.errors import DomainError, Forbidden, InvalidInput, NotFound


def officer_view(view: Callable | None = None, *, write: bool = False, admin: bool = False):
    """Decorate a page view: login, an officer account, optionally write or account-admin rights."""

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can_read(user):
                return render(request, "no_scope.html", status=403)
            if write and not can_write(user):
                raise PermissionDenied(_("只读账号不能修改数据"))
            if admin and not can_manage_accounts(user):
                raise PermissionDenied(_("只有管理员可以管理账号"))
            try:
                return fn(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from None
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from None

        return wrapper

    return decorate(view) if view is not None else decorate


def form_errors_from(form: forms.Form, exc: DomainError) -> None:
    """Attach a service error to the fields it names; the rest becomes a form-wide error.

    Also on an unbound form (a button that acts before the form is filled in, such as 获取验证码):
    it is made ready to take errors without judging its empty fields.
    """
    if not hasattr(form, "cleaned_data"):
        form.full_clean()  # bound: validates as usual; unbound: no errors yet, and no cleaned_data
        if not hasattr(form, "cleaned_data"):
            form.cleaned_data = {}  # add_error needs it
    placed = False
    elsewhere: list[str] = []
    for name, texts in (exc.fields or {}).items():
        if name in form.fields:
            for text in texts:
                form.add_error(name, text)
            placed = True
        else:
            elsewhere.extend(texts)
    if not placed:
        form.add_error(None, exc.message)
    for message in elsewhere:
        form.add_error(None, message)


def run_service(form: forms.Form, service: Callable, /, **kwargs):
    """Call a write service for a valid form and return its result.

    A refusal (bad input, conflict, missing right) goes next to the form's fields and returns
    None; NotFound still propagates, so out of scope stays a 404.
    """
    try:
        return service(**kwargs)
    except NotFound:
        raise
    except DomainError as exc:
        form_errors_from(form, exc)
        return None


def run_action(request: HttpRequest, service: Callable, /, *, success: str | None = None, **kwargs) -> tuple[bool, Any]:
    """Call a write service for a page action that redirects, and return (done, its result).

    A refusal (bad input, conflict, missing right) becomes an error flash message and returns
    (False, None); `success`, when given, is flashed once the service is done. NotFound still
    propagates, so out of scope stays a 404. `done` is apart because some services return None.
    """
    try:
        result = service(**kwargs)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return False, None
    if success is not None:
        messages.success(request, success)
    return True, result


class BootstrapFormMixin:
    """Adds Bootstrap classes to every widget so templates can render fields generically."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            elif isinstance(widget, forms.HiddenInput):
                continue
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def add_error(self, field, error) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields:  # type: ignore[attr-defined]
                widget = self.fields[name].widget  # type: ignore[attr-defined]
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request for a fragment (a history restore wants the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address, for audit records and per-IP limits: the entry the nearest trusted
    proxy added to X-Forwarded-For (GONGHUI_TRUSTED_PROXIES of them, e.g. 1 behind nginx), or
    REMOTE_ADDR when no proxy is trusted — a client can forge every earlier entry."""
    proxies = settings.GONGHUI_TRUSTED_PROXIES
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")


def batch_response(
    request: HttpRequest, *, title: str, back_url: str, run: Callable[[list[int]], list[BatchItem]]
) -> HttpResponse:
    """A batch action's page: the ticked ids (`ids`) through `run`, then one line per row, 成功 or why not.

    No row, more than BATCH_MAX or a bad id changes nothing and goes back with the reason.
    """
    try:
        ids = clean_ids(request.POST.getlist("ids"))
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return redirect(back_url)
    items = run(ids)
    context = {"title": title, "items": items, "back_url": back_url, **batch_summary(items)}
    return render(request, "batch_result.html", context)
