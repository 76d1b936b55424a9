"""Concurrent registrations under one root: no deadlock, no lost update, exact totals.

On PostgreSQL the registrations run in parallel threads, each on its own connection, all
adding to the same (striped) root and district counters. SQLite allows one writer at a time,
so there the same registrations run one after another and the same totals are asserted.
"""

from __future__ import annotations

import threading

from django.db import connection

from gonghui.members.models import Member
from gonghui.members.selectors import subtree_stats
from gonghui.members.services import member_change_status, member_create
from gonghui.orgs.models import Org
from gonghui.orgs.services import org_create
from gonghui.stats.models import SubtreeCounter
from gonghui.stats.services import STRIPES
from tests.conftest import member_data

from .truth import mismatches, person_id

THREADS = 8
PER_THREAD = 6


def _register(actor, org: Org, worker: int, errors: list[BaseException]) -> None:
    try:
        for i in range(PER_THREAD):
            data = member_data(org, is_migrant_worker=i % 2 == 0, new_employment_form="courier" if i % 3 else "none")
            data["id_number"] = person_id(1000 + worker * 100 + i)
            member = member_create(actor=actor, data=data)
            if i == PER_THREAD - 1:
                member_change_status(actor=actor, member=member, status="retained")
    except BaseException as exc:
        errors.append(exc)
    finally:
        if connection.vendor == "postgresql":
            connection.close()


def test_concurrent_registrations_under_one_root_are_all_counted(tree, transactional_db):
    # given THREADS grassroots unions under one street of the city
    actor = tree.superuser
    unions = [
        org_create(
            actor=actor,
            parent=tree.street_a,
            data={"name": f"并发工会{n}", "code": f"PAR-{n}", "kind": "grassroots", "region_code": "110105"},
        )
        for n in range(THREADS)
    ]
    errors: list[BaseException] = []

    # when each registers members at the same time (one after another on SQLite)
    if connection.vendor == "postgresql":
        workers = [threading.Thread(target=_register, args=(actor, org, n, errors)) for n, org in enumerate(unions)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        assert not any(w.is_alive() for w in workers)
    else:
        for n, org in enumerate(unions):
            _register(actor, org, n, errors)

    # then nothing failed (no deadlock) and every count is exact, at the root as at each union
    assert errors == []
    total = THREADS * PER_THREAD
    assert Member.objects.count() == total
    city = subtree_stats(org=tree.city)
    assert city["members_by_status"] == {
        "active": total - THREADS,
        "retained": THREADS,
        "transferred": 0,
        "withdrawn": 0,
        "deceased": 0,
    }
    assert city["migrant_workers"] == THREADS * 3  # i = 0, 2, 4 stay active
    assert city["new_employment_by_category"]["courier"] == THREADS * 3  # i = 1, 2, 4 stay active
    assert subtree_stats(org=unions[0])["members_by_status"]["active"] == PER_THREAD - 1
    assert mismatches() == {}
    # and the shallow unions' rows are spread over the stripes, the deep ones are not
    slots = set(SubtreeCounter.objects.filter(org=tree.city).values_list("slot", flat=True))
    assert slots <= set(range(STRIPES))
    assert set(SubtreeCounter.objects.filter(org=unions[0]).values_list("slot", flat=True)) == {0}
