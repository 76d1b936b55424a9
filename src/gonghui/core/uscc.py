"""统一社会信用代码 (GB 32100): 18 characters from a 31-character set, mod-31 check."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .checksums import USCC_CHARSET, uscc_check_char


def normalize_uscc(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def validate_uscc(raw: str) -> str:
    """Return the normalized code or raise ValidationError."""
    code = normalize_uscc(raw)
    if len(code) != 18 or any(c not in USCC_CHARSET for c in code):
        raise ValidationError(_("统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"), code="uscc_shape")
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(_("统一社会信用代码校验位错误"), code="uscc_checksum")
    return code


def build_uscc(first17: str) -> str:
    """Append the check character to 17 characters of the USCC alphabet (for generated data)."""
    return first17 + uscc_check_char(first17)
