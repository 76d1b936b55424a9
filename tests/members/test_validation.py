import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gonghui.members.validation import parse_date


@pytest.mark.parametrize("text", ["2020-03-01", "2020-3-1", "2020/3/1", "2020.03.01", "20200301", " 2020-03-01 "])
def test_dates_in_the_forms_officers_type(text):
    assert parse_date(text) == dt.date(2020, 3, 1)


@pytest.mark.parametrize("text", ["2020-02-30", "2020-13-01", "2020-0301", "03/01/2020", "abc", ""])
def test_impossible_or_unknown_dates_are_refused(text):
    with pytest.raises(ValidationError) as err:
        parse_date(text)
    assert "格式应为 YYYY-MM-DD" in err.value.messages[0]


def test_date_objects_pass_through():
    assert parse_date(dt.datetime(2020, 3, 1, 8, 30)) == dt.date(2020, 3, 1)
    assert parse_date(dt.date(2020, 3, 1)) == dt.date(2020, 3, 1)
