"""The figures officers need per category (诉求要素): a small schema per category, kept on the
request as `ServiceRequest.facts` (a JSON object) and checked here before it is stored.

Wage arrears (欠薪) carry the amount owed, the months owed, the employer's 统一社会信用代码
(check digit verified), the project and the subcontractor (包工头) with a phone; work injuries
their date; dismissals the day the job ended and the compensation claimed; social insurance the
months not paid; labour-contract disputes whether a written contract was signed. The number of
workers affected is the request's own `workers_involved` (every category has it).

Values are stored normalised: money as a string with two decimals ("12800.00", yuan), counts as
integers, dates as ISO strings. Empty values are left out. Keys not in the category's schema are
refused, so the API cannot store arbitrary JSON.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.core.bounds import INT32_MAX
from gonghui.core.errors import InvalidInput
from gonghui.core.phone import mask_mobile, normalize_mobile, validate_mobile
from gonghui.core.uscc import validate_uscc

from .models import Category

MONEY = "money"
COUNT = "count"
DATE = "date"
TEXT = "text"
USCC = "uscc"
PHONE = "phone"
CHOICE = "choice"

MAX_MONEY = Decimal("9999999999.99")
EARLIEST_DATE = dt.date(1950, 1, 1)


@dataclass(frozen=True)
class FactField:
    name: str
    label: Any
    kind: str
    help: Any = ""
    max_len: int = 64
    choices: tuple[tuple[str, Any], ...] = ()
    max_value: int = INT32_MAX

    @property
    def form_name(self) -> str:
        return f"fact_{self.name}"


CONTRACT_CHOICES = (
    ("signed", gettext_lazy("已签书面合同")),
    ("not_signed", gettext_lazy("未签书面合同")),
    ("expired", gettext_lazy("合同已到期未续签")),
)

FACT_FIELDS: dict[str, tuple[FactField, ...]] = {
    Category.WAGE_ARREARS: (
        FactField("amount_owed", gettext_lazy("欠薪金额（元）"), MONEY, gettext_lazy("全部涉及职工合计")),
        FactField("months_owed", gettext_lazy("欠薪月数"), COUNT, max_value=600),
        FactField("employer_uscc", gettext_lazy("用人单位统一社会信用代码"), USCC, gettext_lazy("18位，核对校验位")),
        FactField("project_name", gettext_lazy("工程项目名称"), TEXT, gettext_lazy("建设工程欠薪填写"), max_len=128),
        FactField("subcontractor_name", gettext_lazy("包工头姓名"), TEXT),
        FactField("subcontractor_phone", gettext_lazy("包工头电话"), PHONE),
    ),
    Category.LABOUR_CONTRACT: (
        FactField("contract_status", gettext_lazy("书面劳动合同"), CHOICE, choices=CONTRACT_CHOICES),
        FactField("employer_uscc_contract", gettext_lazy("用人单位统一社会信用代码"), USCC),
    ),
    Category.SOCIAL_INSURANCE: (FactField("months_unpaid", gettext_lazy("未缴社保月数"), COUNT, max_value=600),),
    Category.WORK_INJURY: (
        FactField("injury_date", gettext_lazy("受伤日期"), DATE),
        FactField("injury_part", gettext_lazy("受伤部位或职业病"), TEXT),
    ),
    Category.DISMISSAL: (
        FactField("left_on", gettext_lazy("离职（被辞退）日期"), DATE),
        FactField("compensation_claimed", gettext_lazy("主张经济补偿（元）"), MONEY),
    ),
}


def fields_for(category: str) -> tuple[FactField, ...]:
    return FACT_FIELDS.get(category, ())


def all_fact_fields() -> list[tuple[str, FactField]]:
    """(category, field) for every category that has figures, in the schema's order."""
    return [(category, f) for category, fields in FACT_FIELDS.items() for f in fields]


def _one(f: FactField, raw: Any, today: dt.date) -> Any:
    """The stored value of one fact, or ValidationError with a Chinese message."""
    text = str(raw).strip() if raw is not None else ""
    if f.kind == MONEY:
        try:
            value = Decimal(text.replace(",", "").replace("，", ""))
        except InvalidOperation:
            raise ValidationError(_("请填写金额（元），如 12800 或 12800.50")) from None
        if not value.is_finite() or value < 0 or value > MAX_MONEY:
            raise ValidationError(_("金额应在0到%(max)s元之间") % {"max": MAX_MONEY})
        return str(value.quantize(Decimal("0.01")))
    if f.kind == COUNT:
        try:
            number = int(text)
        except ValueError:
            raise ValidationError(_("请填写整数")) from None
        if number < 1 or number > f.max_value:
            raise ValidationError(_("应为1到%(max)s之间的整数") % {"max": f.max_value})
        return number
    if f.kind == DATE:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ValidationError(_("日期格式应为 2026-11-24")) from None
        if day > today or day < EARLIEST_DATE:
            raise ValidationError(_("日期不能晚于今天，也不能早于1950年"))
        return day.isoformat()
    if f.kind == USCC:
        return validate_uscc(text)
    if f.kind == PHONE:
        return validate_mobile(text)
    if f.kind == CHOICE:
        if text not in {value for value, _label in f.choices}:
            raise ValidationError(_("请从列表中选择"))
        return text
    if len(text) > f.max_len:
        raise ValidationError(_("不能超过%(max)s个字符") % {"max": f.max_len})
    return text


def clean_facts(category: str, raw: dict[str, Any] | None, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The category's facts, checked and normalised. Errors name the form field (`fact_<name>`);
    a key the category does not have is refused."""
    raw = dict(raw or {})
    fields = {f.name: f for f in fields_for(category)}
    errors: dict[str, list[str]] = {}
    for key in raw:
        if key not in fields:
            errors[f"fact_{key}"] = [_("“%(key)s”不是该类别的诉求要素") % {"key": key}]
    today = timezone.localdate(now or timezone.now())
    out: dict[str, Any] = {}
    for name, f in fields.items():
        value = raw.get(name)
        if value is None or str(value).strip() == "":
            continue
        try:
            out[name] = _one(f, value, today)
        except ValidationError as exc:
            errors[f.form_name] = [str(m) for m in exc.messages]
    return out if not errors else _refuse(errors)


def _refuse(errors: dict[str, list[str]]) -> NoReturn:
    first = next(iter(errors.values()))[0]
    raise InvalidInput(_("诉求要素有误：%(detail)s") % {"detail": first}, fields=errors)


def facts_display(category: str, facts: dict[str, Any] | None, *, reveal_phone: bool = True) -> list[tuple[str, str]]:
    """(label, text) of the stored facts for a page or an export, in the schema's order."""
    facts = facts or {}
    rows: list[tuple[str, str]] = []
    for f in fields_for(category):
        if f.name not in facts:
            continue
        value = facts[f.name]
        if f.kind == CHOICE:
            text = str(dict(f.choices).get(value, value))
        elif f.kind == PHONE:
            phone = normalize_mobile(str(value))
            text = phone if reveal_phone else mask_mobile(phone)
        elif f.kind == MONEY:
            text = f"{Decimal(str(value)):,.2f}"
        else:
            text = str(value)
        rows.append((str(f.label), text))
    return rows
