"""Property-based fuzzing of /api/v1 from its own OpenAPI document (schemathesis).

Every documented operation gets generated requests — valid ones (POSITIVE) and ones that break the
schema (NEGATIVE) — sent through Django's WSGI handler exactly as a server would (no test-client
shortcuts: CSRF, middleware and error pages are real). Nothing may answer 5xx, and every 4xx must
be in the shared error shape. Once as an officer (district A, with the assistance right, so the
health and hardship routes are reached) and once as a worker, each with a Bearer token.

`GONGHUI_FUZZ_ONLY=/members` limits a run to the operations whose path contains it. Examples per operation and mode: FUZZ_EXAMPLES (environment variable, default below) keeps the
whole run within CI's budget; `derandomize` makes every run send the same requests, so a failure
in CI is reproducible by running this file.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from gonghui.accounts.services import officer_update, token_issue
from gonghui.api import api
from gonghui.members.services import member_create
from gonghui.portal.services import worker_token_issue
from tests.conftest import id_number, make_worker, member_data

FUZZ_EXAMPLES = int(os.environ.get("GONGHUI_FUZZ_EXAMPLES", "8"))
# The document as served (Decimal defaults and the like as JSON).
SCHEMA = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema(), cls=DjangoJSONEncoder)))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
# GONGHUI_FUZZ_ONLY="/medical-aid/claims" fuzzes only the operations whose path contains it (to reproduce).
ONLY = os.environ.get("GONGHUI_FUZZ_ONLY", "")


def error_shape(ctx, response, case) -> None:
    """A 4xx or 5xx from /api/v1 is `{"error": {"code": str, "message": str, "fields": {str: [str]}}}`."""
    if response.status_code < 400:
        return
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), f"{response.status_code} is not JSON: {content_type}"
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, body
    assert isinstance(error["code"], str) and error["code"], body
    assert isinstance(error["message"], str) and error["message"], body
    assert isinstance(error["fields"], dict), body
    for name, reasons in error["fields"].items():
        assert isinstance(name, str) and isinstance(reasons, list), body
        assert all(isinstance(reason, str) for reason in reasons), body


@pytest.fixture
def wsgi_app():
    """Django's real WSGI handler, kept inside the test's transaction: the handler's own
    request_started/finished would close the connection (and so the transaction) after each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_data(tree):
    """A member of district A, bound to a worker account; the district A officer gets the assistance right."""
    officer_update(actor=tree.superuser, user=tree.officer_a, data={"assistance_access": True})
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1, name="甲测试员"))
    worker = make_worker("13911110001", name="甲测试员", id_no=id_number(1))
    return {
        "officer": token_issue(user=tree.officer_a),
        "worker": worker_token_issue(worker=worker),
    }


def fuzz(operation, app, token: str) -> list[str]:
    """Run one operation's generated cases; the failures, one line each (empty when all held)."""
    failures: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=FUZZ_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(app=app, headers=headers, checks=[not_a_server_error, error_shape])

        try:
            run()
        except Unsatisfiable:  # nothing can break this schema (a path made of one free string)
            continue
        except (Exception, BaseExceptionGroup) as exc:  # a check failed: note it and fuzz the next operation
            failures.append(f"{operation.label} ({mode.value}): {str(exc)[:1500]}")
    return failures


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["officer", "worker"])
def test_every_operation_answers_without_5xx_and_in_the_error_shape(role, fuzz_data, wsgi_app):
    operations = [operation for operation in OPERATIONS if ONLY in operation.path]
    assert ONLY or len(operations) > 150  # every documented route is fuzzed
    failures = [failure for operation in operations for failure in fuzz(operation, wsgi_app, fuzz_data[role])]
    assert not failures, "\n\n".join(failures)
