"""Chinese working days: statutory holidays and make-up workdays (调休) included.

Deadlines for services count working days (国务院办公厅 holiday notices). The schedule comes from
chinese-calendar; administrators add a year the library does not know yet, or correct a day, in
`core.CalendarDay` (Django admin). For a year with neither, weekends and the fixed-date statutory
holidays (元旦 1.1, 劳动节 5.1, 国庆节 10.1–10.3) are days off and `schedule_known(year)` is False,
so pages can warn that the year's notice has not been entered.

A deadline of N working days from a moment ends at 24:00 (Asia/Shanghai) of the N-th working
day after that moment's calendar day: a request submitted on Friday with one working day to be
accepted is due at the end of Monday (or of the next working day after a holiday).
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.utils import timezone

FIXED_DATE_HOLIDAYS = frozenset({(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)})


def _local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@functools.lru_cache(maxsize=64)
def _library_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _overrides_between(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    from .models import CalendarDay

    return dict(CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_workday"))


def schedule_known(year: int) -> bool:
    """Whether the official holiday schedule of `year` is known (library or entered by hand)."""
    from .models import CalendarDay

    return _library_covers(year) or CalendarDay.objects.filter(date__year=year).exists()


def _is_workday_by_rule(day: dt.date) -> bool:
    if _library_covers(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_DATE_HOLIDAYS


def is_workday(day: dt.date) -> bool:
    override = _overrides_between(day, day).get(day)
    return _is_workday_by_rule(day) if override is None else override


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `start` (start itself not counted). days=0 → start."""
    if days < 0:
        raise ValueError("days must be >= 0")
    if days == 0:
        return start
    # Two calendar weeks per working week plus the longest holiday cover any real span.
    horizon = start + dt.timedelta(days=days * 2 + 21)
    overrides = _overrides_between(start, horizon)
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if day > horizon:
            horizon = day + dt.timedelta(days=days * 2 + 21)
            overrides |= _overrides_between(day, horizon)
        workday = overrides.get(day)
        if workday is None:
            workday = _is_workday_by_rule(day)
        if workday:
            counted += 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start)
    overrides = _overrides_between(start, end)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        workday = overrides.get(day)
        if workday is None:
            workday = _is_workday_by_rule(day)
        count += workday
    return count


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, _local_tz()).date()


def deadline_after(moment: dt.datetime, working_days: int) -> dt.datetime:
    """End (24:00 local time) of the `working_days`-th working day after `moment`'s day, in UTC."""
    due_day = add_working_days(local_date(moment), working_days)
    end_local = dt.datetime.combine(due_day + dt.timedelta(days=1), dt.time.min, tzinfo=_local_tz())
    return end_local.astimezone(dt.UTC)
