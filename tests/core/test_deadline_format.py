"""One way to write a deadline: the day it falls on, "2026-11-23 前" / "by 2026-11-23" (`|deadline`).

A deadline moment is stored as 00:00 of the next local day (24:00 of the due day); it shows as the
due day, never as "2026-11-24 00:00" or "2026-11-23 24:00". The calendar warning stays beside it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from gonghui.core.workdays import deadline_after
from tests.rights.rights_support import at, record

SHANGHAI = ZoneInfo("Asia/Shanghai")


def render(value, language: str) -> str:
    with translation.override(language):
        return Template("{% load workdays_tags %}{{ value|deadline }}").render(Context({"value": value}))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "2026-11-23 前"), ("en", "by 2026-11-23")],
)
def test_a_date_and_the_moment_ending_it_read_the_same(language, expected):
    moment = dt.datetime(2026, 11, 24, 0, 0, tzinfo=SHANGHAI)  # 24:00 on 23 November
    for value in (dt.date(2026, 11, 23), moment, moment.astimezone(dt.UTC)):
        html = render(value, language)
        assert f'<span class="text-nowrap" data-testid="deadline-day">{expected}</span>' in html
        assert "00:00" not in html and "24:00" not in html and "schedule-note" not in html


@pytest.mark.django_db
def test_nothing_for_no_deadline_and_the_warning_beside_an_unknown_year(settings):
    assert render(None, "zh-hans") == ""
    due = deadline_after(dt.datetime(2026, 12, 28, 10, tzinfo=SHANGHAI), 30)
    html = render(due, "zh-hans")
    assert 'data-testid="deadline-day"' in html and 'data-testid="schedule-note"' in html


@pytest.mark.django_db
def test_the_request_page_shows_the_deadline_that_way(tree, client):
    # Recorded on Friday 20 November 2026: one working day to accept, up to 24:00 on Monday 23rd.
    request = record(tree.officer_a, now=at(2026, 11, 20, 10))
    assert request.accept_due_at == at(2026, 11, 24, 0)
    client.force_login(tree.officer_a)
    with translation.override("zh-hans"):
        page = client.get(f"/rights/{request.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "2026-11-23 前" in page
    assert "2026-11-24" not in page
