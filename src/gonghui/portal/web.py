"""Plumbing for the workers' pages (/m/): who counts as a worker, and the page decorator."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from gonghui.core.errors import Forbidden, NotFound
from gonghui.privacy.selectors import consent_outdated

from .models import WorkerAccount


def worker_of(user) -> WorkerAccount | None:
    """The worker account of a signed-in user, or None (officers, anonymous)."""
    if not (user and user.is_authenticated and user.is_active):
        return None
    try:
        return user.worker
    except WorkerAccount.DoesNotExist:
        return None


def require_worker(user) -> WorkerAccount:
    worker = worker_of(user)
    if worker is None:
        raise Forbidden(_("请使用职工账号登录"))
    return worker


def require_verified_worker(user) -> WorkerAccount:
    worker = require_worker(user)
    if not worker.is_verified:
        raise Forbidden(_("请先完成实名认证"))
    return worker


def worker_view(view: Callable | None = None, *, verified: bool = False, policy_check: bool = True):
    """Decorate a portal page: a signed-in worker (optionally real-name verified).

    A signed-out visitor goes to the portal's login page; a signed-in account that is not a
    worker (an officer) gets 403 with a page explaining it; an unverified worker asked for a
    verified page goes to real-name binding first and comes back. A worker who accepted an older
    version of the agreement or privacy notice is asked to accept the new one first (except on
    the pages that ask it and on 我的数据, where they may download their data or leave instead).
    """

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            worker = worker_of(request.user)
            if worker is None:
                if request.user.is_authenticated:
                    # An officer (or other non-worker account): the page is not theirs; say so
                    # the same way for every object, and offer the workers' sign-in.
                    return render(request, "portal/not_worker.html", status=403)
                return redirect_to_login(request.get_full_path(), login_url="portal:login")
            if policy_check and consent_outdated(request.user):
                return redirect(f"{_url('privacy:consent')}?{urlencode({'next': request.get_full_path()})}")
            if verified and not worker.is_verified:
                return redirect(f"{_url('portal:verify')}?{urlencode({'next': request.get_full_path()})}")
            request.worker = worker  # type: ignore[attr-defined]
            try:
                return fn(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from None
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from None

        return wrapper

    return decorate(view) if view is not None else decorate


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)
