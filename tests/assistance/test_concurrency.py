"""The nationwide one-open-file rule under real concurrency, on PostgreSQL (CI runs the suite there too).

SQLite serialises writers for the whole database, so the race cannot happen there; the test runs
when DATABASE_URL points at PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from gonghui.accounts.services import token_issue
from gonghui.assistance import services
from gonghui.assistance.models import HardshipFile
from tests.concurrency import run_parallel

from .support import file_data, rights_for_all, standard, visit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL"),
]


def test_two_unions_submit_the_same_person_at_once_one_gets_409(tree):
    rights_for_all(tree)
    standard()
    drafts = []
    for actor, org in ((tree.officer_a1, tree.union_a1), (tree.officer_b, tree.union_b1)):
        file = services.file_create(actor=actor, data=file_data(org, 31))
        visit(actor, file)
        drafts.append((actor, file))
    assert drafts[0][1].id_number_hash == drafts[1][1].id_number_hash

    def submit(actor, pk):
        response = Client().post(
            f"/api/v1/assistance/files/{pk}/submit",
            "{}",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token_issue(user=actor)}",
        )
        return response.status_code, response.json()

    for _round in range(3):  # several rounds, so the race is really exercised
        results = run_parallel([lambda a=a, f=f: submit(a, f.pk) for a, f in drafts])
        assert not [r for r in results if isinstance(r, Exception)], results
        statuses = sorted(status for status, _ in results)
        assert statuses == [200, 409], results
        assert {body["error"]["code"] for status, body in results if status == 409} == {"open_file_exists"}
        assert HardshipFile.objects.open().filter(id_number_hash=drafts[0][1].id_number_hash).count() == 1
        # Put the winner back to a draft-like state for the next round.
        HardshipFile.objects.filter(pk__in=[f.pk for _a, f in drafts]).update(state="returned")
