"""Chinese working days: statutory holidays and make-up workdays (调休) included.

Deadlines for services count working days (国务院办公厅 holiday notices). The schedule comes from
chinese-calendar; administrators enter a year the library does not know yet (core.calendar_entry,
the page 节假日安排), or correct a day, in `core.CalendarDay`. For a year with neither, weekends and
the fixed-date statutory holidays as the 2025 revision of 全国年节及纪念日放假办法 defines them
(元旦 1.1, 劳动节 5.1–5.2, 国庆节 10.1–10.3) are days off and `schedule_known(year)` is False: every
deadline shown for such a year carries `schedule_note` beside it (template filter
`schedule_warning`, API field `deadline_schedule`).

The lunar holidays (春节, 清明, 端午, 中秋) are deliberately not guessed: their dates can be computed,
but which days are off and which weekend days are worked instead (调休) is decided by each year's
notice, so a computed 春节 would be a second guess presented as a fact. The fallback says what it
counts instead.

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
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

# Since the 2025 revision of 全国年节及纪念日放假办法: 元旦 1 day, 劳动节 2 days, 国庆节 3 days on fixed dates.
FIXED_DATE_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})

# Whether a year's schedule is known is asked for every deadline a page shows: cached, and
# forgotten by `forget_schedule` when a year is entered.
_KNOWN_CACHE_SECONDS = 300


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


def _known_cache_key(year: int) -> str:
    return f"workdays:schedule-known:{year}"


def schedule_known(year: int) -> bool:
    """Whether the official holiday schedule of `year` is known (library or entered by hand)."""
    from .models import CalendarDay

    if _library_covers(year):
        return True
    known = cache.get(_known_cache_key(year))
    if known is None:
        known = CalendarDay.objects.filter(date__year=year).exists()
        cache.set(_known_cache_key(year), known, _KNOWN_CACHE_SECONDS)
    return bool(known)


def forget_schedule(year: int) -> None:
    """Drop the cached answer of schedule_known(year) (after CalendarDay rows of it changed)."""
    cache.delete(_known_cache_key(year))


def due_day(deadline: dt.datetime | dt.date) -> dt.date:
    """The local day a deadline falls on: a date as it is; a deadline moment (24:00 of its day,
    stored as 00:00 of the next) is the day before that moment's local date."""
    if isinstance(deadline, dt.datetime):
        return local_date(deadline - dt.timedelta(microseconds=1))
    return deadline


def unknown_schedule_year(*deadlines: dt.datetime | dt.date | None) -> int | None:
    """The first year without a confirmed schedule that any of these deadlines runs into, or None.

    A deadline counted today runs from a year whose schedule is known (the present one, in
    practice) to its due day, so the due day's year is the one that can be unknown.
    """
    for deadline in deadlines:
        if deadline is None:
            continue
        year = due_day(deadline).year
        if not schedule_known(year):
            return year
    return None


def schedule_note(*deadlines: dt.datetime | dt.date | None) -> str | None:
    """The warning shown beside a deadline counted without its year's schedule, else None."""
    year = unknown_schedule_year(*deadlines)
    if year is None:
        return None
    return _("%(year)s 年节假日安排未录入，期限按周末推算（仅计入元旦、劳动节、国庆节等固定日期假日）") % {"year": year}


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


def workday_map(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    """Every day of [start, end] → whether it is a working day (overrides and rules as now)."""
    overrides = _overrides_between(start, end)
    days = (start + dt.timedelta(days=i) for i in range((end - start).days + 1))
    return {day: overrides[day] if day in overrides else _is_workday_by_rule(day) for day in days}


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
