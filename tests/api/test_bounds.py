"""Numbers, ids and bodies out of range answer in the error shape (issue 15, findings 7 and 13).

Each of these was a 500 (or Django's HTML page) before the shared bounds of core.api_schemas
and the catch-all handlers of gonghui.api.
"""

from __future__ import annotations

import json
import logging
from unittest import mock

import pytest
from django.db import connections
from django.test import Client

from gonghui.accounts.services import token_issue
from gonghui.members.models import Member
from gonghui.rights.models import ServiceRequest
from tests.api.conftest import PREFIX, error
from tests.conftest import member_data

HUGE = "9" * 30


def test_a_year_out_of_range_is_400_not_500(tree, api_as):
    api = api_as(tree.superuser)

    negative = api.get("/assistance/figures", {"year": -1})
    huge = api.get("/assistance/figures", {"year": HUGE})
    by_type = api.get("/campaigns/figures", {"year": 10**6})

    assert negative.status_code == 400
    assert negative.json() == error("bad_request", "请求格式不正确", {"year": ["不能小于2000"]})
    assert huge.status_code == 400
    assert huge.json() == error("bad_request", "请求格式不正确", {"year": ["不能大于2100"]})
    assert by_type.status_code == 400
    assert by_type.json()["error"]["fields"] == {"year": ["不能大于2100"]}


def test_workers_involved_beyond_32_bits_is_refused_and_nothing_is_recorded(tree, api_as):
    body = {
        "channel": "hotline",
        "requester_name": "李四",
        "category": "wage_arrears",
        "title": "欠薪",
        "description": "拖欠三个月工资",
        "workers_involved": 2**31,
    }

    response = api_as(tree.officer_a).post("/rights/requests", body)

    assert response.status_code == 400
    assert response.json() == error("bad_request", "请求格式不正确", {"workers_involved": ["不能大于2147483647"]})
    assert ServiceRequest.objects.count() == 0


def test_an_id_no_row_can_have_is_404(tree, api_as):
    api = api_as(tree.officer_a)

    for path in (f"/members/{HUGE}", f"/members/{2**63}", "/members/0", f"/orgs/{HUGE}", f"/rights/requests/{HUGE}"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json() == error("not_found", "资源不存在"), path


def test_a_filter_id_past_the_column_is_400(tree, api_as):
    api = api_as(tree.superuser)

    claims = api.get("/medical-aid/claims", {"plan": 10**23})
    members = api.get("/members", {"org": 2**63})

    assert claims.status_code == 400
    assert claims.json() == error("bad_request", "请求格式不正确", {"plan": ["不能大于9223372036854775807"]})
    assert members.status_code == 400
    assert members.json()["error"]["fields"] == {"org": ["不能大于9223372036854775807"]}


def test_a_cursor_past_the_column_is_refused(tree, api_as):
    import base64

    cursor = base64.urlsafe_b64encode(str(10**23).encode()).decode().rstrip("=")

    response = api_as(tree.officer_a).get("/members", {"cursor": cursor})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bad_cursor"


def test_money_with_more_digits_than_the_column_is_400(tree, api_as):
    api = api_as(tree.superuser)

    too_many = api.post("/medical-aid/plans/1/preview", {"eligible": "1" * 20})
    cents = api.post("/medical-aid/plans/1/preview", {"eligible": "1.001"})

    assert too_many.status_code == 400
    assert too_many.json() == error("bad_request", "请求格式不正确", {"eligible": ["数字不能超过12位"]})
    assert cents.status_code == 400
    assert cents.json() == error("bad_request", "请求格式不正确", {"eligible": ["最多保留2位小数"]})


def test_an_oversize_body_is_413_in_the_error_shape(tree, api_as, settings):
    api = api_as(tree.officer_a)
    body = json.dumps({**member_data(tree.union_a1), "employer_name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

    response = api.post("/members", body)

    assert response.status_code == 413
    assert response.json() == error("payload_too_large", "请求体过大，请缩小后重试")
    assert Member.objects.count() == 0


def test_an_unexpected_failure_is_a_logged_500_in_the_error_shape(tree, caplog):
    client = Client(raise_request_exception=False)
    token = token_issue(user=tree.officer_a)

    with (
        mock.patch("gonghui.orgs.api.org_get_visible", side_effect=RuntimeError("boom")),
        caplog.at_level(logging.ERROR, logger="gonghui.api"),
    ):
        response = client.get(f"{PREFIX}/orgs/{tree.union_a1.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == error("server_error", "服务器内部错误，请稍后重试；如持续出现请联系管理员")
    assert any(record.exc_info and "boom" in str(record.exc_info[1]) for record in caplog.records)


@pytest.fixture
def database_away():
    """The default connection pointed where no database answers: a closed port (PostgreSQL) or a
    file in a directory that does not exist (SQLite). The live connection is set aside (an in-memory
    SQLite test database would vanish if closed), so the next query has to connect, and fails."""
    connection = connections["default"]
    saved_settings, saved_connection = dict(connection.settings_dict), connection.connection
    connection.connection = None
    if connection.vendor == "postgresql":
        connection.settings_dict.update(HOST="127.0.0.1", PORT="9")  # the discard port: nothing listens
    else:
        connection.settings_dict["NAME"] = "/nonexistent-gonghui-dir/db.sqlite3"
    try:
        yield
    finally:
        connection.settings_dict.clear()
        connection.settings_dict.update(saved_settings)
        connection.connection = saved_connection


@pytest.mark.django_db(transaction=True)
def test_while_the_database_is_away_the_api_answers_503_with_retry_after(database_away):
    client = Client(raise_request_exception=False)

    token_read = client.get(f"{PREFIX}/members", HTTP_AUTHORIZATION="Bearer gh_any-token")
    unknown_route = client.get(f"{PREFIX}/no-such-thing")

    assert token_read.status_code == 503
    assert token_read["Retry-After"] == "5"
    assert token_read.json() == error("database_unavailable", "数据库暂时不可用，请稍后重试")
    assert unknown_route.status_code == 404  # answering needs no database
    assert unknown_route.json() == error("not_found", "接口不存在")


def test_a_nul_character_is_400_on_every_database(tree, api_as):
    """PostgreSQL can neither store nor compare text holding NUL: it used to be a 500 there."""
    api = api_as(tree.officer_a)
    nul = ["不能包含空字符（NUL）"]

    query = api.get("/members", {"q": "a\x00b"})
    body = api.post("/members", {**member_data(tree.union_a1), "employer_name": "a\x00b"})
    nested = api.post("/campaigns", {"type": "spring_warmth", "name": "x", "organiser": tree.district_a.pk,
                                     "year": 2026, "starts_on": "2026-01-01", "ends_on": "2026-02-01", "budget": "1",
                                     "standards": {"levels": {"deep\x00": "1"}}})  # fmt: skip

    assert query.status_code == 400
    assert query.json() == error("bad_request", "请求格式不正确", {"q": nul})
    assert body.status_code == 400
    assert body.json() == error("bad_request", "请求格式不正确", {"employer_name": nul})
    assert nested.status_code == 400
    assert nested.json()["error"]["fields"] == {"standards": nul}
    assert Member.objects.count() == 0


def test_a_malformed_multipart_body_is_400_in_the_error_shape(tree, settings):
    client = Client(raise_request_exception=False)
    token = token_issue(user=tree.officer_a)
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    fields = {f"f{i}": "x" for i in range(10)}

    response = client.post(f"{PREFIX}/members/import", fields, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 400
    assert response.json() == error("bad_request", "请求格式不正确")
