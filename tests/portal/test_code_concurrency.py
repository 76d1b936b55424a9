"""Verification-code rate limits under parallel requests, on PostgreSQL (CI runs the suite there too).

On SQLite the check and the record share one IMMEDIATE transaction, which holds the database's
write lock from its start, so parallel requests are one after another by construction.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from gonghui.portal.models import PhoneCode
from gonghui.portal.services import Throttled, code_request
from tests.concurrency import run_parallel

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL"),
]


def test_parallel_requests_for_one_phone_send_one_code(sms_outbox):
    results = run_parallel([lambda: code_request(phone="13800138000", purpose="register", ip="10.0.0.1")] * 6)

    refused = [r for r in results if isinstance(r, Throttled)]
    assert len(refused) == 5 and {r.code for r in refused} == {"code_cooldown"}
    assert PhoneCode.objects.count() == 1 and len(sms_outbox) == 1


@override_settings(GONGHUI_SMS_CODE_PER_IP_HOUR=3)
def test_parallel_requests_from_one_address_keep_its_hourly_limit(sms_outbox):
    phones = [f"1380013{n:04d}" for n in range(8)]
    results = run_parallel([lambda p=p: code_request(phone=p, purpose="register", ip="10.0.0.2") for p in phones])

    refused = [r for r in results if isinstance(r, Throttled)]
    assert len(refused) == 5 and {r.code for r in refused} == {"code_ip_hourly"}
    assert PhoneCode.objects.filter(ip="10.0.0.2").count() == 3


def test_parallel_wrong_codes_are_compared_at_most_five_times(sms_outbox):
    from gonghui.core.errors import InvalidInput
    from gonghui.portal.services import worker_register

    code_request(phone="13800138000", purpose="register")
    right = sms_outbox[-1].text.split("验证码")[1][:6]
    wrong = "000000" if right != "000000" else "111111"
    results = run_parallel(
        [lambda: worker_register(phone="13800138000", code=wrong, password="Gonghui-test-2026")] * 12
    )

    assert all(isinstance(r, InvalidInput) for r in results), results
    assert sorted(r.code for r in results) == ["code_invalid"] * 7 + ["code_wrong"] * 5
    assert PhoneCode.objects.get().attempts == 5
