"""Second-factor codes under parallel tries, on PostgreSQL (CI runs the suite there too): the device's
row lock makes django-otp's checks one after another."""

from __future__ import annotations

import pytest
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.accounts.twofactor import CodeThrottled, second_factor_check
from gonghui.core.errors import InvalidInput
from tests.concurrency import run_parallel
from tests.twofactor import code_for, enrol

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL"),
]


def test_one_code_sent_in_parallel_signs_in_once(tree):
    device, _codes = enrol(tree.city_admin)
    code = code_for(device)

    results = run_parallel([lambda: second_factor_check(user=tree.city_admin, code=code)] * 8)

    assert results.count("totp") == 1
    assert all(isinstance(r, InvalidInput | CodeThrottled) for r in results if r != "totp")


def test_parallel_wrong_codes_are_counted_one_by_one(tree):
    device, _codes = enrol(tree.city_admin)
    bad = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"

    results = run_parallel([lambda: second_factor_check(user=tree.city_admin, code=bad)] * 8)

    # The first wrong code makes the next try wait: the others are refused unchecked.
    assert sum(isinstance(r, CodeThrottled) for r in results) == 7
    assert sum(type(r) is InvalidInput for r in results) == 1
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 1
