"""`{{ deadline|schedule_warning }}`: the one way a page says a deadline was counted without its
year's holiday schedule (see core.workdays.schedule_note). Empty when the schedule is known."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html

from gonghui.core.workdays import schedule_note

register = template.Library()


@register.filter
def schedule_warning(deadline: dt.datetime | dt.date | None) -> str:
    note = schedule_note(deadline)
    if note is None:
        return ""
    return format_html(
        ' <span class="small text-warning-emphasis" data-testid="schedule-note" title="{}">⚠ {}</span>', note, note
    )
