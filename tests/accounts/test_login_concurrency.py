"""Fifteen sign-ins for one account at the same moment, as real requests in threads on PostgreSQL.

Before: every request read `locked_until` before checking its password, so all fifteen passwords
were checked and the right one got in. Now each try is counted first (one atomic step, in the
database or in Redis), and only the first GONGHUI_LOGIN_MAX_FAILURES reach the password check.
"""

from __future__ import annotations

import pytest
import redis
from django.db import connection
from django.test import Client, override_settings

from gonghui.accounts.models import AuditLog
from gonghui.core import ratelimit
from tests.concurrency import run_parallel
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL"),
]

REDIS_URL = "redis://127.0.0.1:6379/3"


def _login(password: str) -> int:
    response = Client().post("/accounts/login/", {"username": "officer_a", "password": password})
    return response.status_code


def _race(tree) -> None:
    results = run_parallel([lambda n=n: _login(f"wrong-{n}") for n in range(15)])
    assert results == [400] * 15, results
    # Five passwords were checked (one failure recorded each), one lockout, and the right password
    # is now refused as well.
    assert AuditLog.objects.filter(action="login_failed", actor=tree.officer_a).count() == 5
    assert AuditLog.objects.filter(action="locked", actor=tree.officer_a).count() == 1
    assert _login(PASSWORD) == 400
    assert not AuditLog.objects.filter(action="login", actor=tree.officer_a).exists()


@override_settings(GONGHUI_LOGIN_MAX_FAILURES=5)
def test_fifteen_parallel_sign_ins_check_five_passwords_counted_in_the_database(tree):
    _race(tree)


@override_settings(GONGHUI_LOGIN_MAX_FAILURES=5, REDIS_URL=REDIS_URL)
def test_fifteen_parallel_sign_ins_check_five_passwords_counted_in_redis(tree):
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(ratelimit.KEY_PREFIX + "*"):
        client.delete(key)
    ratelimit._RedisState.down_until = 0.0
    try:
        _race(tree)
        assert any(client.scan_iter(ratelimit.KEY_PREFIX + "login:name:*"))  # counted in Redis indeed
    finally:
        for key in client.scan_iter(ratelimit.KEY_PREFIX + "*"):
            client.delete(key)


def test_parallel_sign_in_code_requests_send_one_code(tree, sms_outbox):
    from gonghui.accounts.models import LoginCode
    from gonghui.accounts.services import officer_code_request, officer_update
    from gonghui.core.errors import Throttled

    officer_update(actor=tree.superuser, user=tree.officer_a, data={"phone": "13811112222"})
    results = run_parallel([lambda: officer_code_request(username="officer_a", ip="10.0.0.7")] * 6)

    refused = [r for r in results if isinstance(r, Throttled)]
    assert len(refused) == 5 and {r.code for r in refused} == {"code_cooldown"}
    assert LoginCode.objects.count() == 1 and len(sms_outbox) == 1
