"""ID documents: 居民身份证 (GB 11643), 港澳台居民居住证, 外国人永久居留身份证 (2023 format).

All three are 18 characters with the GB 11643 check character; birth date and gender come
from the number, so they are never typed twice.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .checksums import id_check_char

RESIDENT_ID = "resident_id"
HK_MO_TW_RESIDENCE = "hk_mo_tw_residence"
FOREIGN_PERMANENT = "foreign_permanent"

_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII digits only (\d would admit any script's)
# Province-level prefixes of GB/T 2260 used in resident ID numbers.
RESIDENT_PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
    ]
)
HK_MO_TW_PREFIXES = ("810000", "820000", "830000")


@dataclass(frozen=True)
class IdFacts:
    number: str
    birth_date: dt.date
    gender: str  # "male" / "female"


def normalize_id_number(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def parse_id_number(raw: str, id_type: str = RESIDENT_ID, *, today: dt.date | None = None) -> IdFacts:
    """Validate an ID number of the given type and return its derived facts.

    Raises ValidationError with a Chinese message naming what is wrong.
    """
    number = normalize_id_number(raw)
    if not number:
        raise ValidationError(_("证件号码不能为空"), code="required")
    if not _SHAPE.match(number):
        raise ValidationError(_("证件号码应为18位，前17位为数字，末位为数字或X"), code="id_shape")
    if id_type == RESIDENT_ID:
        if number[:2] not in RESIDENT_PROVINCES:
            raise ValidationError(_("身份证号码的地区码无效"), code="id_region")
    elif id_type == HK_MO_TW_RESIDENCE:
        if not number.startswith(HK_MO_TW_PREFIXES):
            raise ValidationError(_("港澳台居民居住证号码应以810000、820000或830000开头"), code="id_region")
    elif id_type == FOREIGN_PERMANENT:
        if not number.startswith("9"):
            raise ValidationError(_("外国人永久居留身份证号码应以9开头"), code="id_region")
    else:
        raise ValidationError(_("未知的证件类型"), code="id_type")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("证件号码中的出生日期无效"), code="id_birth_date") from None
    today = today or timezone.localdate()
    if birth > today or birth.year < 1900:
        raise ValidationError(_("证件号码中的出生日期无效"), code="id_birth_date")
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError(_("证件号码校验位错误"), code="id_checksum")
    gender = "male" if int(number[16]) % 2 == 1 else "female"
    return IdFacts(number=number, birth_date=birth, gender=gender)


def mask_id_number(number: str) -> str:
    """110105********1234: region kept, birth date and sequence hidden."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def build_id_number(region_code: str, birth_date: dt.date, sequence: int) -> str:
    """A well-formed number (for generated data): region, birth date, 3-digit sequence, check.

    An odd sequence means male, an even one female.
    """
    first17 = f"{region_code}{birth_date.year:04d}{birth_date.month:02d}{birth_date.day:02d}{sequence % 1000:03d}"
    return first17 + id_check_char(first17)
