"""Working-day arithmetic across Spring Festival and National Day, make-up workdays included."""

import datetime as dt

import pytest

from gonghui.core.models import CalendarDay
from gonghui.core.workdays import (
    add_working_days,
    deadline_after,
    forget_schedule,
    is_workday,
    schedule_known,
    working_days_between,
)

D = dt.date
pytestmark = pytest.mark.django_db


def test_spring_festival_2026_holidays_and_make_up_saturdays():
    # 2026 春节: 2.15–2.23 off; Saturday 2.14 and Saturday 2.28 are make-up workdays.
    assert is_workday(D(2026, 2, 14)) is True
    assert is_workday(D(2026, 2, 16)) is False
    assert is_workday(D(2026, 2, 28)) is True
    # Friday 2.13 + 1 working day = Saturday 2.14 (调休上班), not Monday.
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    # Saturday 2.14 + 1 = Tuesday 2.24: the whole holiday is skipped.
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    # 5 working days from 2.13: 2.14, 2.24, 2.25, 2.26, 2.27.
    assert add_working_days(D(2026, 2, 13), 5) == D(2026, 2, 27)
    assert add_working_days(D(2026, 2, 13), 6) == D(2026, 2, 28)


def test_national_day_2026():
    # 2026 国庆: 10.1–10.7 off; Sunday 9.20 and Saturday 10.10 are make-up workdays.
    assert is_workday(D(2026, 9, 20)) is True
    assert is_workday(D(2026, 10, 10)) is True
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3
    assert working_days_between(D(2026, 10, 10), D(2026, 9, 30)) == -3


def test_plain_weeks_and_zero():
    assert add_working_days(D(2026, 11, 20), 1) == D(2026, 11, 23)  # Friday → Monday
    assert add_working_days(D(2026, 11, 24), 0) == D(2026, 11, 24)
    with pytest.raises(ValueError):
        add_working_days(D(2026, 11, 24), -1)


def test_deadline_is_end_of_local_day_in_utc():
    # Submitted Friday 2026-11-20 23:30 Beijing time (15:30 UTC): 1 working day → end of Monday 11-23.
    submitted = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)
    assert deadline_after(submitted, 1) == dt.datetime(2026, 11, 23, 16, 0, tzinfo=dt.UTC)


def test_a_year_beyond_the_library_uses_entered_days_and_says_when_unknown():
    assert schedule_known(2026) is True
    assert schedule_known(2031) is False
    # Without a notice: weekends and the fixed-date holidays only.
    assert is_workday(D(2031, 1, 1)) is False
    assert add_working_days(D(2031, 9, 30), 1) == D(2031, 10, 6)
    # An administrator enters the year's notice: a holiday week and a make-up Saturday.
    for day in range(6, 9):
        CalendarDay.objects.create(date=D(2031, 10, day), is_workday=False, name="国庆节")
    CalendarDay.objects.create(date=D(2031, 10, 11), is_workday=True, name="国庆节调休")
    forget_schedule(2031)  # as the entry page and the admin do after writing days
    assert schedule_known(2031) is True
    assert add_working_days(D(2031, 9, 30), 1) == D(2031, 10, 9)
    assert add_working_days(D(2031, 9, 30), 3) == D(2031, 10, 11)


def test_an_entered_day_overrides_the_library():
    assert is_workday(D(2026, 12, 31)) is True
    CalendarDay.objects.create(date=D(2026, 12, 31), is_workday=False, name="临时调整")
    assert is_workday(D(2026, 12, 31)) is False
    assert add_working_days(D(2026, 12, 30), 1) == D(2027, 1, 4)
