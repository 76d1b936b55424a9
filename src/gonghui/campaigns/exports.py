"""The payment roll (发放花名册) as an Excel workbook (XlsxWriter): one row per approved or paid
grant in a union's subtree, with masked ID numbers and an empty column for the recipient's
signature. The caller audits the export (AuditLog EXPORT)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core.exports import XlsxExport, register_export

from .models import AssistanceCampaign, Grant, GrantState

PAYMENT_ROLL_EXPORT = register_export("campaigns.payment_roll", "发放花名册")


def roll_headers() -> list[str]:
    return [
        _("序号"),
        _("姓名"),
        _("证件号码"),
        _("所在工会"),
        _("困难类别"),
        _("救助金额（元）"),
        _("发放方式"),
        _("发放日期"),
        _("领取人签字"),
    ]


def roll_filename(campaign: AssistanceCampaign, org) -> str:
    return f"{campaign.year}{campaign.name}-{org.name}-发放花名册.xlsx"


def payment_roll_xlsx(*, campaign: AssistanceCampaign, org, grants: Iterable[Grant], level_labels: dict) -> bytes:
    buffer = io.BytesIO()
    book = XlsxExport(buffer, export=PAYMENT_ROLL_EXPORT)
    title = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = book.add_format({"bold": True, "border": 1, "bg_color": "#F3F4F6", "align": "center"})
    cell = book.add_format({"border": 1})
    money = book.add_format({"border": 1, "num_format": "#,##0.00"})
    bold_money = book.add_format({"border": 1, "bold": True, "num_format": "#,##0.00"})
    headers = roll_headers()
    sheet = book.add_sheet(
        _("发放花名册"), headers, widths=(6, 12, 22, 28, 12, 14, 10, 12, 16), header_row=2, header_format=head
    )
    sheet.merge_range(0, 0, 0, len(headers) - 1, "", title)
    book.write(sheet, 0, 0, f"{campaign.year}年{campaign.name} {_('发放花名册')}", title)
    book.write(sheet, 1, 0, _("发放单位：%(org)s　　导出时间：%(at)s") % {
        "org": org.name,
        "at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    })  # fmt: skip
    row = 3
    total = Decimal("0")
    for n, grant in enumerate(grants, start=1):
        paid = grant.state == GrantState.PAID
        amount = (grant.paid_amount or grant.amount) if paid else grant.amount
        total += amount
        book.write(sheet, row, 0, n, cell)
        book.write(sheet, row, 1, grant.person_name, cell)
        book.write(sheet, row, 2, grant.id_number_masked, cell)
        book.write(sheet, row, 3, grant.org.name, cell)
        book.write(sheet, row, 4, str(level_labels.get(grant.level, "")) if grant.level else "", cell)
        book.write(sheet, row, 5, amount, money)
        book.write(sheet, row, 6, grant.get_pay_method_display() if paid else _("待发放"), cell)
        book.write(sheet, row, 7, grant.paid_on.isoformat() if paid and grant.paid_on else "", cell)
        book.write(sheet, row, 8, "", cell)
        row += 1
    book.write(sheet, row, 0, _("合计"), head)
    book.write(sheet, row, 1, _("%(n)s 人") % {"n": row - 3}, cell)
    book.write(sheet, row, 5, total, bold_money)
    sheet.freeze_panes(3, 0)
    sheet.set_landscape()
    sheet.repeat_rows(2)
    book.close()
    return buffer.getvalue()
