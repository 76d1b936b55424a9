"""How pages show a deadline.

`{{ x|deadline }}` is the one way a page writes a deadline: the day it falls on, "2026-11-23 前" /
"by 2026-11-23" (a deadline moment stored as 00:00 of the next day is that day's 24:00, so it
shows as the day before), followed by the calendar warning. `{{ x|schedule_warning }}` alone is
that warning: the one way a page says a deadline was counted without its year's holiday schedule
(see core.workdays.schedule_note). Empty when the schedule is known."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from gonghui.core.workdays import due_day, schedule_note

register = template.Library()


@register.filter
def schedule_warning(deadline: dt.datetime | dt.date | None) -> str:
    note = schedule_note(deadline)
    if note is None:
        return ""
    return format_html(
        ' <span class="small text-warning-emphasis" data-testid="schedule-note" title="{}">⚠ {}</span>', note, note
    )


@register.filter
def deadline(value: dt.datetime | dt.date | None) -> str:
    if value is None or value == "":
        return ""
    day = due_day(value).isoformat()
    return format_html(
        '<span class="text-nowrap" data-testid="deadline-day">{}</span>{}',
        _("%(day)s 前") % {"day": day},
        schedule_warning(value),
    )
