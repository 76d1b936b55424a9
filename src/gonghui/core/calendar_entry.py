"""Entering a year's holiday schedule (国务院办公厅关于某年部分节假日安排的通知) and what follows.

The State Council publishes next year's schedule each November or December; chinese-calendar
knows it only once a new release ships. An administrator of the top of the tree (or a superuser:
`may_enter_schedule`) types the notice's holiday ranges ("春节 2027-02-06 至 2027-02-12", one per
line) and its make-up workdays, or uploads the same as a small CSV/Excel sheet. `schedule_enter`
checks all of it (each problem named in Chinese, nothing stored on any), replaces the year's
`CalendarDay` rows and moves every open working-day deadline that ran into the year to where the
real schedule puts it, with a history line on each record that moved.

Moving a deadline needs no knowledge of when it started: the working days it counted before the
year are the same under both schedules, so its working days inside the year are counted again
from the day before the year's first entered day (see `Recount.moved`). Each app with working-day
deadlines registers one function that applies `Recount` to its open records
(`register_deadline_recount`, from its AppConfig.ready), so this module imports none of them.

`calendar_prompts_for(actor)` is the reminder, from November on, that next year's schedule is
missing: an item of the officer's workbench (`register_workbench_item`, from CoreConfig.ready).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import Forbidden, InvalidInput
from .models import CalendarDay
from .uploads import content_matches, upload_name
from .workdays import (
    FIXED_DATE_HOLIDAYS,
    add_working_days,
    due_day,
    forget_schedule,
    schedule_known,
    workday_map,
)

# The notice names these every year (中秋 sometimes together with 国庆: "国庆节、中秋节").
REQUIRED_HOLIDAYS = ("元旦", "春节", "清明", "劳动节", "端午", "中秋", "国庆")
LONGEST_HOLIDAY_DAYS = 10  # the longest run of days off a notice has given (国庆 + 中秋: 8)
MAX_UPLOAD_BYTES = 1024 * 1024
MAX_UPLOAD_ROWS = 100  # a notice has 7 ranges and a handful of make-up days
PROMPT_FROM_MONTH = 11  # the notice usually appears in November

_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_RANGE_LINE = re.compile(rf"^(?P<name>.+?)\s*[:：]?\s*{_DATE}(?:\s*(?:至|到|~|-|—|–)\s*{_DATE})?$")
_DATE_ONLY = re.compile(rf"^{_DATE}$")
_WORKDAY_SEPARATORS = re.compile(r"[\s,，、;；]+")
_WORKDAY_NAME = "调休上班"


def _today() -> dt.date:
    return timezone.localdate()


def may_enter_schedule(actor) -> bool:
    """Superusers and administrators of a top union (one without a parent): the schedule is national."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if actor.is_superuser:
        return True
    org = getattr(actor, "org", None)
    return getattr(actor, "role", "") == "admin" and org is not None and org.parent_id is None


# ---- reading what the administrator typed --------------------------------------------------


@dataclass(frozen=True)
class HolidayRange:
    name: str
    start: dt.date
    end: dt.date

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass
class Schedule:
    year: int
    holidays: list[HolidayRange] = field(default_factory=list)
    workdays: list[dt.date] = field(default_factory=list)


def _plain(text: str) -> str:
    """Full-width digits, letters and punctuation as half-width (NFKC); trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def _date(groups: Iterable[str]) -> dt.date:
    y, m, d = (int(g) for g in groups)
    return dt.date(y, m, d)


def parse_holidays(text: str) -> tuple[list[HolidayRange], list[str]]:
    ranges, errors = [], []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = _plain(raw)
        if not line:
            continue
        match = _RANGE_LINE.match(line)
        if match is None:
            errors.append(
                _("第 %(n)d 行“%(line)s”看不懂：应写作“名称 开始日期 至 结束日期”，如“春节 2027-02-06 至 2027-02-12”")
                % {"n": number, "line": raw.strip()}
            )
            continue
        groups = match.groups()
        try:
            start = _date(groups[1:4])
            end = _date(groups[4:7]) if groups[4] else start
        except ValueError:
            errors.append(_("第 %(n)d 行“%(line)s”的日期不存在") % {"n": number, "line": raw.strip()})
            continue
        name = match.group("name").strip(" :：")[:32]
        if end < start:
            errors.append(_("第 %(n)d 行“%(name)s”的结束日期早于开始日期") % {"n": number, "name": name})
            continue
        if (end - start).days + 1 > LONGEST_HOLIDAY_DAYS:
            errors.append(
                _("第 %(n)d 行“%(name)s”放假 %(days)d 天，超过 %(max)d 天，请核对通知")
                % {"n": number, "name": name, "days": (end - start).days + 1, "max": LONGEST_HOLIDAY_DAYS}
            )
            continue
        ranges.append(HolidayRange(name=name, start=start, end=end))
    return ranges, errors


def parse_workdays(text: str) -> tuple[list[dt.date], list[str]]:
    days, errors = [], []
    for token in _WORKDAY_SEPARATORS.split(_plain(text)):
        if not token:
            continue
        match = _DATE_ONLY.match(token)
        try:
            if match is None:
                raise ValueError
            days.append(_date(match.groups()))
        except ValueError:
            errors.append(_("调休上班日“%(value)s”不是日期，应写作 2027-02-20") % {"value": token})
    return days, errors


def check_schedule(*, year: int, holidays_text: str, workdays_text: str) -> Schedule:
    """The schedule typed for `year`, or InvalidInput naming every problem (field by field)."""
    this_year = _today().year
    if not this_year - 1 <= year <= this_year + 2:
        msg = _("只能录入 %(a)d 至 %(b)d 年的节假日安排") % {"a": this_year - 1, "b": this_year + 2}
        raise InvalidInput(msg, fields={"year": [msg]})
    holidays, holiday_errors = parse_holidays(holidays_text)
    workdays, workday_errors = parse_workdays(workdays_text)
    # 元旦 may begin on the last days of the year before (2024: 2023-12-30 至 2024-01-01).
    first_allowed = dt.date(year - 1, 12, 25)
    last_allowed = dt.date(year, 12, 31)
    off_days: dict[dt.date, str] = {}
    for item in holidays:
        if item.start < first_allowed or item.end > last_allowed:
            holiday_errors.append(_("“%(name)s”不在 %(year)d 年内") % {"name": item.name, "year": year})
            continue
        for day in item.days():
            if day in off_days:
                holiday_errors.append(
                    _("“%(a)s”与“%(b)s”都含 %(day)s") % {"a": off_days[day], "b": item.name, "day": day.isoformat()}
                )
                break
            off_days[day] = item.name
    if holidays and not holiday_errors:
        missing = [n for n in REQUIRED_HOLIDAYS if not any(n in item.name for item in holidays)]
        if missing:
            holiday_errors.append(_("通知中每年都有的假日没有填：%(names)s") % {"names": "、".join(missing)})
        uncovered = sorted(d for m, d_ in FIXED_DATE_HOLIDAYS if (d := dt.date(year, m, d_)) not in off_days)
        if uncovered:
            holiday_errors.append(
                _("法定假日 %(days)s 不在任何放假区间内，请核对通知")
                % {"days": "、".join(d.isoformat() for d in uncovered)}
            )
    if not holidays and not holiday_errors:
        holiday_errors.append(_("请填写放假安排，每行一项，如“春节 2027-02-06 至 2027-02-12”"))
    seen: set[dt.date] = set()
    for day in workdays:
        if not first_allowed <= day <= last_allowed:
            workday_errors.append(_("调休上班日 %(day)s 不在 %(year)d 年内") % {"day": day.isoformat(), "year": year})
        elif day in off_days:
            workday_errors.append(
                _("调休上班日 %(day)s 在“%(name)s”放假期间内") % {"day": day.isoformat(), "name": off_days[day]}
            )
        elif day.weekday() < 5:
            workday_errors.append(_("调休上班日 %(day)s 不是周六或周日") % {"day": day.isoformat()})
        elif day in seen:
            workday_errors.append(_("调休上班日 %(day)s 填了两次") % {"day": day.isoformat()})
        seen.add(day)
    if holiday_errors or workday_errors:
        fields = {}
        if holiday_errors:
            fields["holidays"] = holiday_errors
        if workday_errors:
            fields["workdays"] = workday_errors
        errors = holiday_errors + workday_errors
        message = errors[0] if len(errors) == 1 else _("节假日安排有 %(n)d 处问题，请逐项修改") % {"n": len(errors)}
        raise InvalidInput(message, fields=fields)
    return Schedule(year=year, holidays=holidays, workdays=sorted(workdays))


def read_schedule_upload(upload) -> tuple[str, str]:
    """An uploaded CSV or Excel sheet as the two text fields: rows 名称 | 开始日期 | 结束日期, a row
    named 调休上班 being a make-up workday (its 开始日期). Small and bounded: at most 1 MB and the
    first MAX_UPLOAD_ROWS rows."""
    name = upload_name(upload).lower()
    ext = name[name.rfind(".") :] if "." in name else ""
    if ext not in (".csv", ".xlsx"):
        msg = _("请上传 .xlsx 或 .csv 文件")
        raise InvalidInput(msg, fields={"file": [msg]})
    if upload.size > MAX_UPLOAD_BYTES:
        msg = _("文件超过 1 MB，节假日安排不会这么大，请检查文件")
        raise InvalidInput(msg, fields={"file": [msg]})
    if ext == ".xlsx" and not content_matches(upload, ext):
        msg = _("文件内容不是 Excel 表格")
        raise InvalidInput(msg, fields={"file": [msg]})
    rows = _xlsx_rows(upload) if ext == ".xlsx" else _csv_rows(upload)
    holidays, workdays = [], []
    for row in rows[:MAX_UPLOAD_ROWS]:
        cells = [_cell_text(c) for c in row] + ["", "", ""]
        label, start, end = cells[0], cells[1], cells[2]
        if not label or label in ("名称", "假日", "节日") or not start:
            continue  # the header row, blank rows
        if "上班" in label or "workday" in label.lower():
            workdays.append(start)
        else:
            holidays.append(f"{label} {start} 至 {end or start}")
    return "\n".join(holidays), "\n".join(workdays)


def _cell_text(value) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return _plain(str(value if value is not None else ""))


def _csv_rows(upload) -> list[list[str]]:
    upload.seek(0)
    raw = upload.read(MAX_UPLOAD_BYTES + 1)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        msg = _("CSV 文件的编码无法识别，请另存为 UTF-8")
        raise InvalidInput(msg, fields={"file": [msg]})
    return list(csv.reader(io.StringIO(text)))[:MAX_UPLOAD_ROWS]


def _xlsx_rows(upload) -> list[list]:
    from python_calamine import CalamineError, load_workbook

    upload.seek(0)
    try:
        workbook = load_workbook(io.BytesIO(upload.read(MAX_UPLOAD_BYTES + 1)))
        return list(workbook.get_sheet_by_index(0).to_python(nrows=MAX_UPLOAD_ROWS))
    except (CalamineError, ValueError, IndexError, OSError):
        msg = _("Excel 文件无法读取，请另存为 .xlsx 后重试")
        raise InvalidInput(msg, fields={"file": [msg]}) from None


# ---- moving open deadlines ------------------------------------------------------------------


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Recount:
    """How a deadline moves when `year`'s schedule replaces what was assumed for it."""

    year: int
    first_day: dt.date  # the first day the new schedule covers
    old_workday: dict[dt.date, bool]  # the days from first_day on, as they were counted before
    actor: object
    now: dt.datetime

    @property
    def since(self) -> dt.datetime:
        """Deadlines at or after this moment (24:00 of the day before first_day) may move."""
        return dt.datetime.combine(self.first_day, dt.time.min, tzinfo=_tz()).astimezone(dt.UTC) + dt.timedelta(
            microseconds=1
        )

    def moved(self, deadline: dt.datetime) -> dt.datetime:
        """The deadline counted with the new schedule: its working days inside the year, counted
        before from the day before first_day, counted again from there."""
        old_day = due_day(deadline)
        if old_day < self.first_day:
            return deadline
        anchor = self.first_day - dt.timedelta(days=1)
        counted = sum(
            1 for i in range((old_day - anchor).days) if self.old_workday.get(anchor + dt.timedelta(days=i + 1), True)
        )
        if counted == 0:
            return deadline
        new_day = add_working_days(anchor, counted)
        end_local = dt.datetime.combine(new_day + dt.timedelta(days=1), dt.time.min, tzinfo=_tz())
        return end_local.astimezone(dt.UTC)

    def note(self, label: str, old: dt.datetime, new: dt.datetime) -> str:
        return _("%(year)d 年节假日安排已录入，%(label)s由 %(old)s 调整为 %(new)s") % {
            "year": self.year,
            "label": label,
            "old": due_day(old).isoformat(),
            "new": due_day(new).isoformat(),
        }


_RECOUNTS: list[Callable[..., int]] = []


def _forget_years(*years: int) -> None:
    for year in years:
        forget_schedule(year)


def register_deadline_recount(fn: Callable[..., int]) -> None:
    """Register `fn(*, recount: Recount) -> int` (records moved) for an app's open deadlines."""
    if fn not in _RECOUNTS:
        _RECOUNTS.append(fn)


@dataclass(frozen=True)
class EntryResult:
    year: int
    holidays: int  # days off stored
    workdays: int  # make-up workdays stored
    moved: int  # open deadlines moved


def schedule_enter(*, actor, year: int, holidays_text: str, workdays_text: str, now=None) -> EntryResult:
    """Store `year`'s schedule (replacing any entered before) and move the open deadlines it changes."""
    if not may_enter_schedule(actor):
        raise Forbidden(_("只有最上级工会的管理员可以录入节假日安排"))
    schedule = check_schedule(year=year, holidays_text=holidays_text, workdays_text=workdays_text)
    now = now or timezone.now()
    entered = {d: (False, item.name) for item in schedule.holidays for d in item.days()}
    entered |= dict.fromkeys(schedule.workdays, (True, _WORKDAY_NAME))
    first_day = min([dt.date(year, 1, 1), *entered])
    horizon = dt.date(year + 1, 3, 31)  # far enough for any deadline counted into the year
    with transaction.atomic():
        old_workday = workday_map(first_day, horizon)
        CalendarDay.objects.filter(date__year=year).delete()
        CalendarDay.objects.filter(date__in=list(entered)).delete()
        CalendarDay.objects.bulk_create(
            CalendarDay(date=d, is_workday=w, name=n, entered_by=actor, entered_at=now)
            for d, (w, n) in sorted(entered.items())
        )
        for y in {d.year for d in entered} | {year}:
            forget_schedule(y)
        transaction.on_commit(lambda: _forget_years(year - 1, year))
        recount = Recount(year=year, first_day=first_day, old_workday=old_workday, actor=actor, now=now)
        moved = sum(fn(recount=recount) for fn in _RECOUNTS)
    return EntryResult(
        year=year,
        holidays=sum(1 for w, _n in entered.values() if not w),
        workdays=len(schedule.workdays),
        moved=moved,
    )


# ---- the reminder ---------------------------------------------------------------------------


def calendar_prompts_for(actor, *, today: dt.date | None = None) -> list[dict]:
    """From November on, administrators are reminded that next year's schedule is missing.

    One item per missing year, `{"year", "message", "can_enter"}`; empty for everyone else. Kept
    self-contained so the home page (and later the workbench) only includes it.
    """
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    if not (actor.is_superuser or getattr(actor, "role", "") == "admin"):
        return []
    today = today or _today()
    if today.month < PROMPT_FROM_MONTH or schedule_known(today.year + 1):
        return []
    year = today.year + 1
    return [
        {
            "year": year,
            "message": _("%(year)d 年节假日安排尚未录入：跨入 %(year)d 年的期限只按周末和固定日期假日推算。")
            % {"year": year},
            "can_enter": may_enter_schedule(actor),
        }
    ]


def register_workbench_item() -> None:
    """The November prompt as a workbench item: 1 while next year's schedule is missing."""
    from django.utils.translation import gettext_lazy

    from .workbench import Item, Urgency, register

    def prompt(actor) -> dict | None:
        prompts = calendar_prompts_for(actor)
        return prompts[0] if prompts else None

    register(
        Item(
            key="core.holiday_schedule",
            group=gettext_lazy("消息与任务"),
            label=gettext_lazy("明年节假日安排待录入"),
            urgency=Urgency.SOON,
            allowed=lambda actor: bool(calendar_prompts_for(actor)),
            count=lambda actor: 1 if prompt(actor) else 0,
            url=lambda actor: reverse("calendar_entry") if may_enter_schedule(actor) else None,
            hint=lambda actor: (
                p["message"] + ("" if p["can_enter"] else " " + _("请联系最上级工会的管理员录入"))
                if (p := prompt(actor))
                else ""
            ),
        ),
    )
