"""Limits of the workers' accounts, each a setting with an environment override.

`settings.GONGHUI_<NAME>` wins when defined (tests use override_settings); otherwise the
environment variable of the same name; otherwise the default here.
"""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS: dict[str, int] = {
    # SMS verification codes.
    "GONGHUI_SMS_CODE_TTL_MINUTES": 10,
    "GONGHUI_SMS_CODE_MAX_ATTEMPTS": 5,
    "GONGHUI_SMS_CODE_COOLDOWN_SECONDS": 60,
    "GONGHUI_SMS_CODE_PER_PHONE_HOUR": 5,
    "GONGHUI_SMS_CODE_PER_PHONE_DAY": 10,
    "GONGHUI_SMS_CODE_PER_IP_HOUR": 20,
    # Real-name binding: failed tries per account per day.
    "GONGHUI_BINDING_MAX_FAILURES_PER_DAY": 5,
    # Member card QR token lifetime.
    "GONGHUI_CARD_TOKEN_MAX_AGE_SECONDS": 300,
    "GONGHUI_CARD_REFRESH_SECONDS": 60,
    # Reverse proxies in front of the app that append to X-Forwarded-For (nginx: 1). With 0 the
    # client address is REMOTE_ADDR; behind a proxy that would put every phone under one IP limit.
    "GONGHUI_TRUSTED_PROXIES": 0,
}


def limit(name: str) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or DEFAULTS[name]
    return int(value)


def client_ip(request) -> str | None:
    """The caller's address for the per-IP limits: the entry the nearest trusted proxy added to
    X-Forwarded-For, or REMOTE_ADDR when no proxy is trusted (a client can forge the rest)."""
    proxies = limit("GONGHUI_TRUSTED_PROXIES")
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")
