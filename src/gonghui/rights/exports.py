"""The request queue as a spreadsheet (维权服务台账): one row per request the officer may see, with
the category figures (rights.facts) in their own columns, so wage arrears can be summed by amount
owed, months and workers affected. Phones follow accounts.personal_data (full with the reveal
right, else masked); every download is an audit record."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import AuditLog
from gonghui.accounts.personal_data import phone_revealed_to, phone_shown_by
from gonghui.accounts.services import audit
from gonghui.core.exports import XlsxExport, register_export

from . import facts as fact_schema
from .models import Category
from .selectors import RequestFilters, request_list_visible_to

QUEUE_EXPORT = register_export("rights.queue", "维权服务台账（含诉求要素）")
MAX_ROWS = 5000


def _fact_value(f: fact_schema.FactField, value: Any, show_phone) -> Any:
    if value is None:
        return None
    if f.kind == fact_schema.MONEY:
        return Decimal(str(value))
    if f.kind == fact_schema.COUNT:
        return int(value)
    if f.kind == fact_schema.PHONE:
        return show_phone(str(value))
    if f.kind == fact_schema.CHOICE:
        return str(dict(f.choices).get(value, value))
    return str(value)


def request_queue_xlsx(*, actor, filters: RequestFilters) -> tuple[bytes, int]:
    """The newest MAX_ROWS requests of the queue as filtered; returns the workbook and its rows."""
    show_phone = phone_shown_by(actor)
    figures = fact_schema.all_fact_fields()
    headers = [
        _("编号"), _("渠道"), _("类别"), _("状态"), _("求助人"), _("联系电话"), _("用人单位"), _("所在地区"),
        _("涉及职工人数"), _("承办工会"), _("来电来访时间"), _("受理时间"), _("受理期限"), _("办结期限"),
        *[f"{Category(category).label}：{f.label}" for category, f in figures],
    ]  # fmt: skip
    buffer = io.BytesIO()
    book = XlsxExport(buffer, export=QUEUE_EXPORT)
    sheet = book.add_sheet(_("维权服务台账"), headers, widths=[20, 10, 12, 10, 12, 14, 24, 24, 8, 24] + [16] * 30)
    rows = request_list_visible_to(actor=actor, filters=filters).select_related("handling_org")[:MAX_ROWS]
    count = 0
    for count, r in enumerate(rows, start=1):
        own = {f.name for f in fact_schema.fields_for(r.category)}
        values: list[Any] = [
            r.reference, r.get_channel_display(), r.get_category_display(), r.get_state_display(),
            r.requester_display if r.requester_name else _("未实名"), show_phone(r.requester_phone),
            r.employer_name, r.region_label, r.workers_involved, r.handling_org.name,
            timezone.localtime(r.received_at), r.accepted_at and timezone.localtime(r.accepted_at),
            r.accept_due_at and timezone.localtime(r.accept_due_at),
            r.resolve_due_at and timezone.localtime(r.resolve_due_at),
        ]  # fmt: skip
        for _category, f in figures:
            values.append(_fact_value(f, (r.facts or {}).get(f.name), show_phone) if f.name in own else None)
        book.write_row(sheet, count, values)
    book.close()
    audit(
        actor=actor,
        action=AuditLog.Action.EXPORT,
        org=actor.org if getattr(actor, "org_id", None) else None,
        detail={"what": "rights_requests", "rows": count, "full_phone": phone_revealed_to(actor)},
    )
    return buffer.getvalue(), count
