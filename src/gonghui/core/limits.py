"""Limits of sign-in codes, workers' accounts and real-name binding, each a setting with an
environment override.

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
    # Real-name binding: tries per account per day, and per person (ID number) per day from all
    # accounts (higher: a stranger's tries must not easily block the person for a day).
    "GONGHUI_BINDING_MAX_FAILURES_PER_DAY": 5,
    "GONGHUI_BINDING_MAX_TRIES_PER_PERSON_DAY": 10,
    # Member card QR token lifetime.
    "GONGHUI_CARD_TOKEN_MAX_AGE_SECONDS": 300,
    "GONGHUI_CARD_REFRESH_SECONDS": 60,
}


def limit(name: str) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or DEFAULTS[name]
    return int(value)
