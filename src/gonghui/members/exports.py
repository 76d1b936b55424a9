"""Member roll export (会员名单导出) to XLSX: the roll in the actor's scope, streamed.

ID numbers are always masked. Phones are written in full for accounts that may see personal
data (admins and officers) and masked for read-only accounts. Every export is audited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any, BinaryIO

import xlsxwriter
from django.utils.translation import gettext as _

from gonghui.accounts.models import AuditLog
from gonghui.accounts.permissions import can_reveal_pii
from gonghui.accounts.services import audit
from gonghui.core.dbrouter import use_replica
from gonghui.core.idcard import mask_id_number, normalize_id_number
from gonghui.core.phone import mask_mobile, normalize_mobile
from gonghui.orgs.selectors import org_get_visible

from .models import Education, Gender, IdType, MemberStatus, NewEmploymentForm
from .selectors import MemberFilters, member_list_visible_to

EXPORT_HEADERS = (
    "会员卡号",
    "姓名",
    "性别",
    "出生日期",
    "证件类型",
    "证件号码",
    "手机号码",
    "民族",
    "学历",
    "工作单位",
    "单位统一社会信用代码",
    "所在工会",
    "组织代码",
    "入会日期",
    "会籍状态",
    "是否农民工",
    "新就业形态",
)
_COLUMNS = (
    "card_number",
    "name",
    "gender",
    "birth_date",
    "id_type",
    "id_number_masked",
    "phone",
    "ethnicity",
    "education",
    "employer_name",
    "employer_uscc",
    "org__name",
    "org__code",
    "join_date",
    "status",
    "is_migrant_worker",
    "new_employment_form",
)
_WIDTHS = {"会员卡号": 16, "证件号码": 22, "工作单位": 28, "单位统一社会信用代码": 24, "所在工会": 28, "新就业形态": 18}
EXCEL_MAX_DATA_ROWS = 1_048_575  # below the header row
CHUNK_SIZE = 2000
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1\d{10}$")


def _labels(choices: Any) -> dict[str, str]:
    return {code: str(label) for code, label in choices.choices}


def _audit_filters(filters: MemberFilters) -> dict[str, Any]:
    """The filters used, for the audit record; a search term that is an ID or phone is masked."""
    out: dict[str, Any] = {}
    for name, value in dataclasses.asdict(filters).items():
        if value in ("", None):
            continue
        if isinstance(value, dt.date):
            value = value.isoformat()
        if name == "q":
            if _ID_SHAPE.match(normalize_id_number(value)):
                value = mask_id_number(normalize_id_number(value))
            elif _MOBILE.match(normalize_mobile(value)):
                value = mask_mobile(normalize_mobile(value))
        out[name] = value
    return out


def export_members_xlsx(*, actor, filters: MemberFilters, out: str | BinaryIO) -> int:
    """Write the members matching `filters` in the actor's scope to `out` (a path or a binary
    file object) as XLSX with Chinese headers; returns the number of members written."""
    qs = member_list_visible_to(actor=actor, filters=filters).order_by("org__path", "id")
    full_phone = can_reveal_pii(actor)
    id_types, genders, educations = _labels(IdType), _labels(Gender), _labels(Education)
    statuses, forms = _labels(MemberStatus), _labels(NewEmploymentForm)
    yes, no = _("是"), _("否")

    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    title = _("会员名单")

    def new_sheet(number: int):
        sheet = wb.add_worksheet(title if number == 1 else f"{title}{number}")
        for col, header in enumerate(EXPORT_HEADERS):
            sheet.set_column(col, col, _WIDTHS.get(header, 12))
            sheet.write_string(0, col, header, head)
        sheet.freeze_panes(1, 0)
        return sheet

    sheets = 1
    sheet = new_sheet(sheets)
    row = 0
    count = 0
    # A long read that tolerates a second of replication lag: the replica when one is configured.
    with use_replica():
        for values in qs.values_list(*_COLUMNS).iterator(chunk_size=CHUNK_SIZE):
            if row == EXCEL_MAX_DATA_ROWS:
                sheets += 1
                sheet = new_sheet(sheets)
                row = 0
            row += 1
            count += 1
            (card, name, gender, birth, id_type, id_masked, phone, ethnicity, education, employer, uscc) = values[:11]
            (org_name, org_code, join_date, status, migrant, form) = values[11:]
            sheet.write_string(row, 0, card)
            sheet.write_string(row, 1, name)
            sheet.write_string(row, 2, genders.get(gender, gender))
            sheet.write_datetime(row, 3, birth, date)
            sheet.write_string(row, 4, id_types.get(id_type, id_type))
            sheet.write_string(row, 5, id_masked)
            sheet.write_string(row, 6, phone if full_phone or not phone else mask_mobile(phone))
            sheet.write_string(row, 7, ethnicity)
            sheet.write_string(row, 8, educations.get(education, education))
            sheet.write_string(row, 9, employer)
            sheet.write_string(row, 10, uscc)
            sheet.write_string(row, 11, org_name)
            sheet.write_string(row, 12, org_code)
            sheet.write_datetime(row, 13, join_date, date)
            sheet.write_string(row, 14, statuses.get(status, status))
            sheet.write_string(row, 15, yes if migrant else no)
            sheet.write_string(row, 16, forms.get(form, form))
    wb.close()

    org = org_get_visible(actor=actor, org_id=filters.org_id) if filters.org_id is not None else actor.org
    audit(
        actor=actor,
        action=AuditLog.Action.EXPORT,
        org=org,
        detail={"what": "members", "rows": count, "filters": _audit_filters(filters), "full_phone": full_phone},
    )
    return count
