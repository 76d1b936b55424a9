"""Binding tries and binding codes under parallel requests, on PostgreSQL: counted before checking."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from gonghui.core.errors import InvalidInput, Throttled
from gonghui.members.services import member_create
from gonghui.portal.binding import worker_bind_identity, worker_binding_enter_code
from gonghui.portal.models import BindingAttempt, BindingRequest
from tests.concurrency import run_parallel
from tests.conftest import id_number, make_worker, member_data

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL"),
]


def test_parallel_binding_tries_of_one_account_check_five(tree):
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=7, name="李四"))
    worker = make_worker("13912345670")

    results = run_parallel(
        [lambda: worker_bind_identity(worker=worker, name="王五", id_type="resident_id", id_number=id_number(7))] * 12
    )

    assert sorted(type(r).__name__ for r in results) == ["InvalidInput"] * 5 + ["Throttled"] * 7
    assert all(r.code == "identity_mismatch" for r in results if isinstance(r, InvalidInput))
    assert all(r.code == "binding_throttled" for r in results if isinstance(r, Throttled))
    assert BindingAttempt.objects.filter(worker=worker).count() == 5


def test_parallel_wrong_binding_codes_are_compared_at_most_five_times(tree, sms_outbox):
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=7, name="李四"))
    worker = make_worker("13912345670")
    worker_bind_identity(worker=worker, name="李四", id_type="resident_id", id_number=id_number(7))
    right = re.search(r"验证码(\d{6})", sms_outbox[-1].text).group(1)
    wrong = "000000" if right != "000000" else "111111"

    results = run_parallel([lambda: worker_binding_enter_code(worker=worker, code=wrong)] * 12)

    assert sorted(r.code for r in results) == ["code_invalid"] * 7 + ["code_wrong"] * 5
    assert BindingRequest.objects.get().code_attempts == 5
    worker.refresh_from_db()
    assert not worker.is_verified
