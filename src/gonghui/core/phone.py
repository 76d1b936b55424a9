"""Mainland China mobile numbers."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS = re.compile(r"[\s\-()]")


def normalize_mobile(raw: str) -> str:
    value = _SEPARATORS.sub("", (raw or "").strip())
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    elif len(value) == 13 and value.startswith("86"):
        value = value[2:]
    return value


def validate_mobile(raw: str) -> str:
    value = normalize_mobile(raw)
    if not _MOBILE.match(value):
        raise ValidationError(_("手机号码应为11位中国大陆手机号"), code="phone")
    return value


def mask_mobile(value: str) -> str:
    """138****5678"""
    if len(value) != 11:
        return value[:3] + "*" * max(len(value) - 3, 0)
    return value[:3] + "****" + value[-4:]
