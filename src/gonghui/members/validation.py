"""Cleaning of member input, shared by the form, the API, the CLI and the importer.

`clean_member_input` returns the cleaned values and, per field, the reasons in Chinese, so an
import can report every bad cell of a row at once while services raise on the first call.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.core.ethnicity import ETHNIC_GROUPS
from gonghui.core.idcard import parse_id_number
from gonghui.core.phone import validate_mobile
from gonghui.core.uscc import validate_uscc

from .models import Education, IdType, NewEmploymentForm

FIELDS = (
    "name",
    "id_type",
    "id_number",
    "phone",
    "ethnicity",
    "education",
    "employer_name",
    "employer_uscc",
    "join_date",
    "is_migrant_worker",
    "new_employment_form",
)
REQUIRED = ("name", "id_number", "join_date")
# Labels for error messages, translated only when a message is built (imports clean every row).
_LABEL_ID_TYPE = gettext_lazy("证件类型")
_LABEL_EDUCATION = gettext_lazy("学历")
_LABEL_NEW_EMPLOYMENT = gettext_lazy("新就业形态")

_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$|^(\d{4})(\d{2})(\d{2})$")
_TRUE = {"是", "y", "yes", "true", "1", "t", "√"}
_FALSE = {"否", "n", "no", "false", "0", "f", ""}


@lru_cache(maxsize=64)
def _choice_lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    """API value, or its label in any of the site's languages → API value.

    A file filled in from the English template imports the same as one from the Chinese.
    """
    lookup: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            lookup.update({str(label): code for code, label in choices.choices})
            lookup.update({str(label).lower(): code for code, label in choices.choices})
    lookup.update({code: code for code in choices.values})
    return lookup


def _choice(value: Any, choices: type[models.TextChoices], field_label: str | StrPromise) -> str:
    """Accept the API value or its label (cached: imports call this for every cell)."""
    text = str(value or "").strip()
    lookup = _choice_lookup(choices)
    code = lookup.get(text, lookup.get(text.lower()))
    if code is not None:
        return code
    raise ValidationError(_("%(label)s“%(value)s”不是有效选项") % {"label": field_label, "value": text})


def parse_date(value: Any) -> dt.date:
    """2024-01-05, 2024/1/5, 2024.1.5, 2024年1月5日 or 20240105; a wrong date says which part is wrong."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    # A regex and dt.date, not strptime: imports parse a date in every row.
    match = _DATE.match(text)
    if match is None:
        shape = text.replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").removesuffix("日")
        match = _DATE.match(shape)
    if match is None:
        raise ValidationError(
            _("日期“%(value)s”格式有误，应为 YYYY-MM-DD（如 2024-01-05；也可写作 2024/1/5、2024.1.5 或 2024年1月5日）")
            % {"value": text}
        )
    year, month, day = (int(p) for p in (match.group(1, 2, 3) if match.group(1) else match.group(4, 5, 6)))
    if year < 1900:
        raise ValidationError(_("日期“%(value)s”的年份有误") % {"value": text})
    if not 1 <= month <= 12:
        raise ValidationError(_("日期“%(value)s”的月份应为1–12") % {"value": text})
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ValidationError(
            _("日期“%(value)s”的日有误：%(year)d年%(month)d月只有%(days)d天")
            % {"value": text, "year": year, "month": month, "days": days}
        )
    return dt.date(year, month, day)


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(_("应填写“是”或“否”"))


def _ethnicity(value: Any) -> str:
    text = str(value or "").strip() or "汉族"
    if text in ETHNIC_GROUPS:
        return text
    if text + "族" in ETHNIC_GROUPS:
        return text + "族"
    raise ValidationError(_("民族“%(value)s”不在56个民族名称中") % {"value": text})


def _name(value: Any) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise ValidationError(_("姓名不能为空"))
    if len(text) > 64:
        raise ValidationError(_("姓名不能超过64个字符"))
    return text


@lru_cache(maxsize=8192)
def _uscc_checked(text: str, language: str | None) -> tuple[str, list[str]]:
    try:
        return validate_uscc(text), []
    except ValidationError as exc:
        return "", list(exc.messages)


def _uscc(value: Any) -> str:
    """validate_uscc, remembered per code (and language): an import repeats the same employers."""
    text = str(value)
    code, reasons = _uscc_checked(text, translation.get_language())
    if reasons:
        raise ValidationError(reasons)
    return code


def _employer_name(value: Any) -> str:
    text = str(value or "").strip()
    if len(text) > 128:
        raise ValidationError(_("工作单位不能超过128个字符"))
    return text


def clean_member_input(
    data: dict[str, Any], *, partial: bool = False, today: dt.date | None = None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Clean the given fields. With partial=False, required fields must be present.

    The result adds `birth_date` and `gender` derived from the ID number.
    """
    today = today or timezone.localdate()
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}

    def run(field: str, fn) -> None:
        if field not in data:
            if not partial and field in REQUIRED:
                errors.setdefault(field, []).append(_("此项为必填项"))
            return
        try:
            cleaned[field] = fn(data[field])
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)

    run("name", _name)
    run("id_type", lambda v: _choice(v or IdType.RESIDENT_ID, IdType, _LABEL_ID_TYPE))
    run("phone", lambda v: validate_mobile(str(v)) if str(v or "").strip() else "")
    run("ethnicity", _ethnicity)
    run("education", lambda v: _choice(v, Education, _LABEL_EDUCATION) if str(v or "").strip() else "")
    run("employer_name", _employer_name)
    run("employer_uscc", lambda v: _uscc(v) if str(v or "").strip() else "")
    run("join_date", parse_date)
    run("is_migrant_worker", parse_bool)
    run(
        "new_employment_form",
        lambda v: _choice(v or NewEmploymentForm.NONE, NewEmploymentForm, _LABEL_NEW_EMPLOYMENT),
    )
    if "id_number" in data:
        id_type = cleaned.get("id_type", data.get("id_type") or IdType.RESIDENT_ID)
        try:
            facts = parse_id_number(str(data["id_number"] or ""), id_type, today=today)
        except ValidationError as exc:
            errors.setdefault("id_number", []).extend(exc.messages)
        else:
            cleaned.update(id_number=facts.number, birth_date=facts.birth_date, gender=facts.gender)
    elif not partial:
        errors.setdefault("id_number", []).append(_("此项为必填项"))

    join_date = cleaned.get("join_date")
    if join_date:
        if join_date > today:
            errors.setdefault("join_date", []).append(_("入会日期不能晚于今天"))
        elif cleaned.get("birth_date") and join_date <= cleaned["birth_date"]:
            errors.setdefault("join_date", []).append(_("入会日期应晚于出生日期"))
    return cleaned, errors
