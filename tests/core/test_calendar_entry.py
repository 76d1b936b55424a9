"""A calendar that says what it does not know: deadlines counted into a year without the State
Council's schedule are warned beside the date (pages and API); administrators are reminded from
November on; entering the year (form or sheet) moves the open deadlines with a history line."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gonghui.accounts.services import officer_create, token_issue
from gonghui.core import calendar_entry
from gonghui.core.models import CalendarDay
from gonghui.core.workdays import add_working_days, is_workday, schedule_known
from gonghui.joining.models import JoinApplication, JoiningEvent
from gonghui.joining.services import application_submit
from gonghui.rights import services as rights_services
from gonghui.rights.models import EventKind, RequestEvent
from tests.conftest import PASSWORD, id_number, make_worker
from tests.rights.rights_support import at, plain_worker, refresh
from tests.rights.rights_support import file as file_request

pytestmark = pytest.mark.django_db
D = dt.date
WARNING = "2027 年节假日安排未录入，期限按周末推算"

# A realistic 2027 schedule under the 2025 rules (the notice itself is not out when this is written).
HOLIDAYS_2027 = """元旦 2027-01-01 至 2027-01-03
春节 2027-02-06 至 2027-02-14
清明节 2027-04-03 至 2027-04-05
劳动节 2027-05-01 至 2027-05-05
端午节 2027-06-09
中秋节 2027-09-15
国庆节 2027-10-01 至 2027-10-07"""
WORKDAYS_2027 = "2027-02-20, 2027-04-25、2027-09-26\n2027-10-09"


@pytest.fixture(autouse=True)
def today_is_7_december_2026(monkeypatch):
    monkeypatch.setattr(calendar_entry, "_today", lambda: D(2026, 12, 7))


def utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def accepted(tree, *, on: dt.datetime, complexity: str = "major_complex"):
    request = file_request(plain_worker(), now=on)
    return rights_services.request_accept(actor=tree.officer_a, request=request, complexity=complexity, now=on)


def officer_api(user) -> tuple[Client, dict]:
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user)}"}


def enter(client, **data):
    body = {"year": 2027, "holidays": HOLIDAYS_2027, "workdays": WORKDAYS_2027, **data}
    return client.post("/calendar/", body)


# ---- the fallback ---------------------------------------------------------------------------


def test_the_fallback_knows_labour_day_is_two_days_since_the_2025_rules():
    assert schedule_known(2031) is False
    assert is_workday(D(2031, 5, 1)) is False
    assert is_workday(D(2031, 5, 2)) is False  # Friday: a day off since the 2025 revision
    assert add_working_days(D(2031, 4, 30), 1) == D(2031, 5, 5)


# ---- warned beside the date, on the pages and in the API ----------------------------------------


def test_a_deadline_into_2027_is_warned_on_the_page_and_the_api(tree, client):
    # Accepted today, 30 working days: weekends and 1 January only → Tuesday 19 January 2027.
    request = accepted(tree, on=at(2026, 12, 7, 10))
    assert request.resolve_due_at == utc(at(2027, 1, 20, 0))
    client.force_login(tree.officer_a)
    page = client.get(f"/rights/{request.pk}/").content.decode()
    assert "2027-01-19" in page and WARNING in page
    listing = client.get("/rights/").content.decode()
    assert listing.count('data-testid="schedule-note"') == 1 and WARNING in listing

    api, headers = officer_api(tree.officer_a)
    detail = api.get(f"/api/v1/rights/requests/{request.pk}", **headers).json()
    assert detail["deadline_schedule"]["known"] is False
    assert detail["deadline_schedule"]["note"].startswith(WARNING)
    assert "元旦、劳动节、国庆节" in detail["deadline_schedule"]["note"]
    items = api.get("/api/v1/rights/requests", **headers).json()["items"]
    assert [i["deadline_schedule"]["known"] for i in items] == [False]


def test_a_deadline_within_a_known_year_says_nothing(tree, client):
    request = accepted(tree, on=at(2026, 11, 24, 10), complexity="ordinary")  # due 2026-12-01
    client.force_login(tree.officer_a)
    assert 'data-testid="schedule-note"' not in client.get(f"/rights/{request.pk}/").content.decode()
    api, headers = officer_api(tree.officer_a)
    detail = api.get(f"/api/v1/rights/requests/{request.pk}", **headers).json()
    assert detail["deadline_schedule"] == {"known": True, "note": None}


def test_a_join_application_due_in_2027_is_warned(tree, client):
    worker = make_worker("13811112222", name="李四", id_no=id_number(41))
    application = application_submit(
        worker=worker, org=tree.union_a1, data=_application_data(), now=at(2026, 12, 28, 10)
    )
    assert application.due_day == D(2027, 1, 5)  # 29, 30, 31 Dec, (1 Jan off) 4, 5 Jan
    client.force_login(tree.officer_a)
    assert WARNING in client.get(f"/joining/{application.pk}/").content.decode()
    assert WARNING in client.get("/joining/").content.decode()
    api, headers = officer_api(tree.officer_a)
    body = api.get(f"/api/v1/joining/applications/{application.pk}", **headers).json()
    assert body["deadline_schedule"]["known"] is False


def _application_data() -> dict:
    return {
        "phone": "13811112222",
        "gender": "male",
        "ethnicity": "汉族",
        "education": "senior",
        "employer_name": "望京科技公司",
        "is_migrant_worker": False,
        "new_employment_form": "none",
    }


# ---- entering the year ----------------------------------------------------------------------


def test_entering_2027_removes_the_warning_and_moves_deadlines_with_a_history_line(tree, client):
    december_7 = accepted(tree, on=at(2026, 12, 7, 10))  # due 19 Jan: no holiday of 2027 before it
    december_28 = accepted(tree, on=at(2026, 12, 28, 10))  # by weekends: due Tuesday 9 Feb 2027
    assert december_28.resolve_due_at == utc(at(2027, 2, 10, 0))
    worker = make_worker("13811113333", name="李四", id_no=id_number(42))
    application = application_submit(
        worker=worker, org=tree.union_a1, data=_application_data(), now=at(2026, 12, 28, 10)
    )
    # An application typed in after the Spring Festival's first days were guessed as working days.
    JoinApplication.objects.filter(pk=application.pk).update(due_at=utc(at(2027, 2, 11, 0)))  # 3 Feb + 5

    client.force_login(tree.superuser)
    response = enter(client)
    assert response.status_code == 302
    assert schedule_known(2027) is True
    assert CalendarDay.objects.filter(date__year=2027, is_workday=False).count() == 3 + 9 + 3 + 5 + 1 + 1 + 7
    assert list(CalendarDay.objects.filter(is_workday=True).values_list("date", flat=True)) == [
        D(2027, 2, 20),
        D(2027, 4, 25),
        D(2027, 9, 26),
        D(2027, 10, 9),
    ]
    assert CalendarDay.objects.filter(entered_by=tree.superuser).count() == 33

    # 19 Jan stays (元旦 was already counted); 9 Feb moves past the Spring Festival to 16 Feb.
    assert refresh(december_7).resolve_due_at == utc(at(2027, 1, 20, 0))
    assert refresh(december_28).resolve_due_at == utc(at(2027, 2, 17, 0))
    assert not RequestEvent.objects.filter(request=december_7, kind=EventKind.DEADLINE_RECOUNTED).exists()
    line = RequestEvent.objects.get(request=december_28, kind=EventKind.DEADLINE_RECOUNTED)
    assert line.note == "2027 年节假日安排已录入，办结期限由 2027-02-09 调整为 2027-02-16"
    assert line.actor == tree.superuser
    # Submitted 3 Feb: 4, 5, 15, 16, 17 Feb instead of 4, 5, 8, 9, 10.
    assert refresh(application).due_day == D(2027, 2, 17)
    assert JoiningEvent.objects.get(application=application, kind="deadline_recount").note == (
        "2027 年节假日安排已录入，办理期限由 2027-02-10 调整为 2027-02-17"
    )

    client.force_login(tree.officer_a)
    page = client.get(f"/rights/{december_28.pk}/").content.decode()
    assert "2027-02-16" in page and 'data-testid="schedule-note"' not in page
    assert "2027-02-09 调整为 2027-02-16" in page
    api, headers = officer_api(tree.officer_a)
    detail = api.get(f"/api/v1/rights/requests/{december_28.pk}", **headers).json()
    assert detail["deadline_schedule"] == {"known": True, "note": None}
    assert detail["resolve_due_at"].startswith("2027-02-16T16:00")


def test_a_sheet_enters_the_same_schedule(tree, client):
    rows = [("名称", "开始日期", "结束日期")]
    for line in HOLIDAYS_2027.splitlines():
        name, start, *rest = line.replace(" 至 ", " ").split()
        rows.append((name, start, rest[0] if rest else ""))
    rows += [("调休上班", day.strip(), "") for day in ("2027-02-20", "2027-04-25", "2027-09-26", "2027-10-09")]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    book.close()
    upload = SimpleUploadedFile("2027.xlsx", buffer.getvalue())
    client.force_login(tree.superuser)
    assert client.post("/calendar/", {"year": 2027, "file": upload}).status_code == 302
    assert CalendarDay.objects.filter(date__year=2027).count() == 33

    csv_text = "\n".join(",".join(r) for r in rows)
    CalendarDay.objects.all().delete()
    upload = SimpleUploadedFile("2027.csv", csv_text.encode("gb18030"))
    assert client.post("/calendar/", {"year": 2027, "file": upload}).status_code == 302
    assert CalendarDay.objects.filter(date__year=2027).count() == 33


def test_a_file_over_1_mb_is_refused_unread(tree, client):
    client.force_login(tree.superuser)
    upload = SimpleUploadedFile("2027.csv", b"a" * (1024 * 1024 + 1))
    page = client.post("/calendar/", {"year": 2027, "file": upload}).content.decode()
    assert "文件超过 1 MB" in page
    assert CalendarDay.objects.count() == 0


@pytest.mark.parametrize(
    ("holidays", "workdays", "message"),
    [
        (
            HOLIDAYS_2027.replace("2027-02-06 至 2027-02-14", "2027-02-14 至 2027-02-06"),
            "",
            "第 2 行“春节”的结束日期早于开始日期",
        ),
        (
            HOLIDAYS_2027.replace("2027-02-06 至 2027-02-14", "2027-02-06 至 2027-02-28"),
            "",
            "第 2 行“春节”放假 23 天，超过 10 天，请核对通知",
        ),
        (HOLIDAYS_2027.replace("端午节 2027-06-09", "端午节 2027-06-31"), "", "第 5 行“端午节 2027-06-31”的日期不存在"),
        (HOLIDAYS_2027.replace("清明节 2027-04-03 至 2027-04-05\n", ""), "", "通知中每年都有的假日没有填：清明"),
        (HOLIDAYS_2027.replace("中秋节 2027-09-15", "中秋节 2027-10-03"), "", "“中秋节”与“国庆节”都含 2027-10-03"),
        (
            HOLIDAYS_2027.replace("2027-05-01 至 2027-05-05", "2027-05-03 至 2027-05-05"),
            "",
            "法定假日 2027-05-01、2027-05-02 不在任何放假区间内，请核对通知",
        ),
        (HOLIDAYS_2027.replace("2027-01-01 至 2027-01-03", "2028-01-01 至 2028-01-03"), "", "“元旦”不在 2027 年内"),
        (HOLIDAYS_2027, "2027-02-22", "调休上班日 2027-02-22 不是周六或周日"),
        (HOLIDAYS_2027, "2027-02-13", "调休上班日 2027-02-13 在“春节”放假期间内"),
        (HOLIDAYS_2027, "二月二十日", "调休上班日“二月二十日”不是日期，应写作 2027-02-20"),
        ("春节放七天", "", "第 1 行“春节放七天”看不懂"),
        ("", "", "请填写放假安排"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_changes_nothing(tree, client, holidays, workdays, message):
    request = accepted(tree, on=at(2026, 12, 28, 10))
    client.force_login(tree.superuser)
    response = client.post("/calendar/", {"year": 2027, "holidays": holidays, "workdays": workdays})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert CalendarDay.objects.count() == 0
    assert refresh(request).resolve_due_at == utc(at(2027, 2, 10, 0))
    assert not RequestEvent.objects.filter(kind=EventKind.DEADLINE_RECOUNTED).exists()


def test_full_width_digits_and_chinese_dates_are_read():
    ranges, errors = calendar_entry.parse_holidays("春节：２０２７年2月6日至2027年2月14日")
    assert errors == [] and ranges[0].start == D(2027, 2, 6) and ranges[0].end == D(2027, 2, 14)


def test_only_a_top_administrator_may_enter_the_schedule(tree, client):
    district_admin = officer_create(
        actor=tree.superuser, username="district_admin", password=PASSWORD, org=tree.district_a, role="admin"
    )
    for user in (district_admin, tree.officer_a):
        client.force_login(user)
        assert enter(client).status_code == 403
    assert CalendarDay.objects.count() == 0
    client.force_login(tree.city_admin)  # the admin of the root federation
    assert enter(client).status_code == 302
    assert CalendarDay.objects.filter(entered_by=tree.city_admin).count() == 33


# ---- the reminder ----------------------------------------------------------------------------


def test_admins_see_the_november_prompt_until_the_year_is_entered(tree, client, monkeypatch):
    client.force_login(tree.city_admin)
    page = client.get("/").content.decode()
    assert 'data-key="core.holiday_schedule"' in page and "2027 年节假日安排尚未录入" in page
    assert 'href="/calendar/"' in page
    client.force_login(tree.officer_a)  # not an administrator
    assert 'data-key="core.holiday_schedule"' not in client.get("/").content.decode()

    monkeypatch.setattr(calendar_entry, "_today", lambda: D(2026, 10, 31))
    client.force_login(tree.city_admin)
    assert 'data-key="core.holiday_schedule"' not in client.get("/").content.decode()

    monkeypatch.setattr(calendar_entry, "_today", lambda: D(2026, 11, 1))
    assert 'data-key="core.holiday_schedule"' in client.get("/").content.decode()
    assert enter(client).status_code == 302
    assert 'data-key="core.holiday_schedule"' not in client.get("/").content.decode()


def test_a_lower_admin_is_prompted_to_ask_the_top(tree, client):
    district_admin = officer_create(
        actor=tree.superuser, username="district_admin2", password=PASSWORD, org=tree.district_a, role="admin"
    )
    prompts = calendar_entry.calendar_prompts_for(district_admin)
    assert [(p["year"], p["can_enter"]) for p in prompts] == [(2027, False)]
    client.force_login(district_admin)
    assert "请联系最上级工会的管理员录入" in client.get("/").content.decode()


def test_an_assistance_notice_into_2027_is_warned_and_moved(tree, client):
    from gonghui.assistance import services as assistance_services
    from gonghui.assistance.models import FileEvent, HardshipFile
    from tests.assistance.support import rights_for_all, standard, submitted_file

    rights_for_all(tree)
    standard()
    verified_on = utc(at(2026, 12, 31, 10))
    file = assistance_services.file_verify(
        actor=tree.officer_a, file=submitted_file(tree, now=verified_on), now=verified_on
    )
    # 5 working days from 31 Dec: 4–8 Jan 2027; moved by hand to a notice ending Tue 9 Feb (counted by weekends).
    assert file.notice_ends_at == utc(at(2027, 1, 9, 0))
    HardshipFile.objects.filter(pk=file.pk).update(notice_ends_at=utc(at(2027, 2, 10, 0)))
    client.force_login(tree.officer_a)
    assert WARNING in client.get(f"/assistance/{file.pk}/").content.decode()
    api, headers = officer_api(tree.officer_a)
    assert api.get(f"/api/v1/assistance/files/{file.pk}", **headers).json()["deadline_schedule"]["known"] is False

    client.force_login(tree.superuser)
    assert enter(client).status_code == 302
    assert refresh(file).notice_ends_at == utc(at(2027, 2, 17, 0))
    event = FileEvent.objects.get(file=file, kind="deadline_recounted")
    assert event.note == "2027 年节假日安排已录入，公示期由 2027-02-09 调整为 2027-02-16"
    client.force_login(tree.officer_a)
    assert 'data-testid="schedule-note"' not in client.get(f"/assistance/{file.pk}/").content.decode()
