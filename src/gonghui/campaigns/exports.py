"""The payment roll (发放花名册) as an Excel workbook (XlsxWriter): one row per approved or paid
grant in a union's subtree, with masked ID numbers and an empty column for the recipient's
signature. The caller audits the export (AuditLog EXPORT)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AssistanceCampaign, Grant, GrantState


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
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(_("发放花名册"))
    title = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = book.add_format({"bold": True, "border": 1, "bg_color": "#F3F4F6", "align": "center"})
    cell = book.add_format({"border": 1})
    money = book.add_format({"border": 1, "num_format": "#,##0.00"})
    bold_money = book.add_format({"border": 1, "bold": True, "num_format": "#,##0.00"})
    headers = roll_headers()
    sheet.merge_range(0, 0, 0, len(headers) - 1, f"{campaign.year}年{campaign.name} {_('发放花名册')}", title)
    sheet.write(1, 0, _("发放单位：%(org)s　　导出时间：%(at)s") % {
        "org": org.name,
        "at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    })  # fmt: skip
    sheet.write_row(2, 0, headers, head)
    widths = (6, 12, 22, 28, 12, 14, 10, 12, 16)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    row = 3
    total = Decimal("0")
    for n, grant in enumerate(grants, start=1):
        paid = grant.state == GrantState.PAID
        amount = (grant.paid_amount or grant.amount) if paid else grant.amount
        total += amount
        sheet.write(row, 0, n, cell)
        sheet.write(row, 1, grant.person_name, cell)
        sheet.write(row, 2, grant.id_number_masked, cell)
        sheet.write(row, 3, grant.org.name, cell)
        sheet.write(row, 4, str(level_labels.get(grant.level, "")) if grant.level else "", cell)
        sheet.write_number(row, 5, float(amount), money)
        sheet.write(row, 6, grant.get_pay_method_display() if paid else _("待发放"), cell)
        sheet.write(row, 7, grant.paid_on.isoformat() if paid and grant.paid_on else "", cell)
        sheet.write(row, 8, "", cell)
        row += 1
    sheet.write(row, 0, _("合计"), head)
    sheet.write(row, 1, _("%(n)s 人") % {"n": row - 3}, cell)
    sheet.write_number(row, 5, float(total), bold_money)
    sheet.freeze_panes(3, 0)
    sheet.set_landscape()
    sheet.repeat_rows(2)
    book.close()
    return buffer.getvalue()
