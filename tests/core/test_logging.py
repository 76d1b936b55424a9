"""403 and 404 are logged as one line each (django.request), never with a traceback; a 500 keeps it."""

from __future__ import annotations

import logging

from django.test import Client

from gonghui.members.services import member_create
from tests.conftest import member_data


def request_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "django.request"]


def test_forbidden_and_not_found_are_one_line_without_a_traceback(tree, caplog):
    outside = member_create(actor=tree.officer_b, data=member_data(tree.union_b1, seq=5))
    viewer, officer = Client(), Client()
    viewer.force_login(tree.viewer_a)
    officer.force_login(tree.officer_a)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert officer.get(f"/members/{outside.pk}/").status_code == 404  # out of scope: Http404 raised
        assert viewer.post("/members/new/", {}).status_code == 403  # read-only: PermissionDenied raised
        assert officer.get("/api/v1/members/999999").status_code == 404

    records = request_records(caplog)
    assert sorted(r.status_code for r in records) == [403, 404, 404]
    for record in records:
        assert record.exc_info is None and record.exc_text is None
        text = logging.Formatter().format(record)
        assert "\n" not in text and "Traceback" not in text
    assert any(r.getMessage() == f"Not Found: /members/{outside.pk}/" for r in records)
    assert any(r.getMessage() == "Forbidden (Permission denied): /members/new/" for r in records)


def test_a_server_error_keeps_its_traceback():
    from gonghui.core.logfilters import ClientErrorsOnOneLine

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), sys.exc_info()
        )
    record.status_code = 500
    assert ClientErrorsOnOneLine().filter(record) and record.exc_info is not None
