import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gonghui.members.validation import parse_date


@pytest.mark.parametrize(
    "text", ["2020-03-01", "2020-3-1", "2020/3/1", "2020.03.01", "20200301", " 2020-03-01 ", "2020年3月1日"]
)
def test_dates_in_the_forms_officers_type(text):
    assert parse_date(text) == dt.date(2020, 3, 1)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2020-02-30", "日期“2020-02-30”的日有误：2020年2月只有29天"),
        ("2021-02-29", "日期“2021-02-29”的日有误：2021年2月只有28天"),
        ("2024-04-31", "日期“2024-04-31”的日有误：2024年4月只有30天"),
        ("2020-13-01", "日期“2020-13-01”的月份应为1–12"),
        ("2020/0/1", "日期“2020/0/1”的月份应为1–12"),
        ("0000-01-01", "日期“0000-01-01”的年份有误"),
    ],
)
def test_a_wrong_date_says_which_part_is_wrong(text, reason):
    with pytest.raises(ValidationError) as err:
        parse_date(text)
    assert err.value.messages == [reason]


@pytest.mark.parametrize("text", ["2020-0301", "03/01/2020", "abc", ""])
def test_unknown_date_shapes_are_refused_with_the_accepted_shapes(text):
    with pytest.raises(ValidationError) as err:
        parse_date(text)
    assert err.value.messages == [
        f"日期“{text}”格式有误，应为 YYYY-MM-DD（如 2024-01-05；也可写作 2024/1/5、2024.1.5 或 2024年1月5日）"
    ]


def test_date_objects_pass_through():
    assert parse_date(dt.datetime(2020, 3, 1, 8, 30)) == dt.date(2020, 3, 1)
    assert parse_date(dt.date(2020, 3, 1)) == dt.date(2020, 3, 1)
