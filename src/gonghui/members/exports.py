"""Member roll export (会员名单导出) to XLSX or CSV: the roll in the actor's scope, streamed.

The columns are the import template's, in its order (members.import_vocab.IMPORT_HEADERS), then
what only the roll knows (card number, gender, birth date, union, status), which the import
ignores: an export imports back as it is. ID numbers are masked, unless the actor holds the reveal
right and asks for them in full (`full_id`, recorded in the audit) — the file that moves a roll
between systems. Phones follow the one rule of pages and API (`accounts.personal_data.phone_for`):
in full with the reveal right, masked otherwise. Every export is audited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

from gonghui.accounts.models import AuditLog
from gonghui.accounts.permissions import require_reveal
from gonghui.accounts.personal_data import phone_revealed_to, phone_shown_by
from gonghui.accounts.services import audit
from gonghui.core import pii
from gonghui.core.dbrouter import use_replica
from gonghui.core.exports import EXCEL_MAX_ROWS, XlsxExport, register_export
from gonghui.core.idcard import mask_id_number, normalize_id_number
from gonghui.core.phone import mask_mobile, normalize_mobile
from gonghui.orgs.selectors import org_get_visible

from .import_vocab import IMPORT_HEADERS
from .models import Education, Gender, IdType, MemberStatus, NewEmploymentForm
from .selectors import MemberFilters, member_list_visible_to

EXPORT_HEADERS = (
    *IMPORT_HEADERS,
    "会员卡号",
    "性别",
    "出生日期",
    "所在工会",
    "组织代码",
    "会籍状态",
)
_COLUMNS = (
    "name",
    "id_type",
    "id_number_masked",
    "phone",
    "ethnicity",
    "education",
    "employer_name",
    "employer_uscc",
    "join_date",
    "is_migrant_worker",
    "new_employment_form",
    "card_number",
    "gender",
    "birth_date",
    "org__name",
    "org__code",
    "status",
    "id_number_encrypted",
)
_WIDTHS = {"会员卡号": 16, "证件号码": 22, "工作单位": 28, "单位统一社会信用代码": 24, "所在工会": 28, "新就业形态": 18}
EXCEL_MAX_DATA_ROWS = EXCEL_MAX_ROWS - 1  # below the header row
ROLL_EXPORT = register_export("members.roll", "会员名册")
ROLL_CSV_EXPORT = register_export("members.roll_csv", "会员名册（CSV）")
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


def _roll_rows(*, actor, filters: MemberFilters, full_id: bool = False) -> Iterator[tuple]:
    """The export's rows (one tuple of cells per member, in EXPORT_HEADERS order), read in chunks;
    with `full_id`, ID numbers decrypted (the caller has checked the reveal right)."""
    qs = member_list_visible_to(actor=actor, filters=filters).order_by("org__path", "id")
    show_phone = phone_shown_by(actor)
    id_types, genders, educations = _labels(IdType), _labels(Gender), _labels(Education)
    statuses, forms = _labels(MemberStatus), _labels(NewEmploymentForm)
    yes, no = _("是"), _("否")
    # A long read that tolerates a second of replication lag: the replica when one is configured.
    with use_replica():
        columns = _COLUMNS if full_id else _COLUMNS[:-1]
        for values in qs.values_list(*columns).iterator(chunk_size=CHUNK_SIZE):
            (name, id_type, id_masked, phone, ethnicity, education, employer, uscc, join_date) = values[:9]
            (migrant, form, card, gender, birth, org_name, org_code, status) = values[9:17]
            yield (
                name,
                id_types.get(id_type, id_type),
                pii.decrypt(values[17]) if full_id else id_masked,
                show_phone(phone),
                ethnicity,
                educations.get(education, education),
                employer,
                uscc,
                join_date,
                yes if migrant else no,
                forms.get(form, form),
                card,
                genders.get(gender, gender),
                birth,
                org_name,
                org_code,
                statuses.get(status, status),
            )


def _audit_export(*, actor, filters: MemberFilters, rows: int | None, file_format: str, full_id: bool) -> None:
    org = org_get_visible(actor=actor, org_id=filters.org_id) if filters.org_id is not None else actor.org
    detail = {
        "what": "members",
        "rows": rows,
        "filters": _audit_filters(filters),
        "full_phone": phone_revealed_to(actor),
    }
    if full_id:
        detail["full_id"] = True
    if file_format != "xlsx":
        detail["format"] = file_format
    audit(actor=actor, action=AuditLog.Action.EXPORT, org=org, detail=detail)


def export_members_xlsx(*, actor, filters: MemberFilters, out: str | BinaryIO, full_id: bool = False) -> int:
    """Write the members matching `filters` in the actor's scope to `out` (a path or a binary
    file object) as XLSX with Chinese headers; returns the number of members written. `full_id`
    (the reveal right only) writes ID numbers in full, so the file imports back."""
    if full_id:
        require_reveal(actor)
    book = XlsxExport(out, export=ROLL_EXPORT, big=True)
    title = _("会员名单")
    widths = [_WIDTHS.get(header, 12) for header in EXPORT_HEADERS]

    def new_sheet(number: int):
        return book.add_sheet(title if number == 1 else f"{title}{number}", EXPORT_HEADERS, widths=widths)

    sheets = 1
    sheet = new_sheet(sheets)
    row = 0
    count = 0
    for cells in _roll_rows(actor=actor, filters=filters, full_id=full_id):
        if row == EXCEL_MAX_DATA_ROWS:
            sheets += 1
            sheet = new_sheet(sheets)
            row = 0
        row += 1
        count += 1
        book.write_row(sheet, row, cells)
    book.close()
    _audit_export(actor=actor, filters=filters, rows=count, file_format="xlsx", full_id=full_id)
    return count


def export_members_csv(
    *, actor, filters: MemberFilters, full_id: bool = False
) -> tuple[tuple[str, ...], Iterator[tuple]]:
    """The same roll as CSV rows (no sheet limit), for `core.exports.csv_response` to stream: the
    headers and the rows. Audited before the first row leaves (a download cut short is still on
    record), without a row count: counting the roll first would cost a second pass over it."""
    if full_id:
        require_reveal(actor)
    member_list_visible_to(actor=actor, filters=filters)  # access and scope checked before streaming starts
    _audit_export(actor=actor, filters=filters, rows=None, file_format="csv", full_id=full_id)
    return EXPORT_HEADERS, _roll_rows(actor=actor, filters=filters, full_id=full_id)
