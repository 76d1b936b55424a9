"""Concurrent approvals for one member stay within the yearly cap.

On PostgreSQL the approvals run in parallel threads (each its own connection) released together
by a barrier; claim_approve recomputes the payout under a row lock on the member's enrolment, so
they run one after another and the later ones see the earlier payouts. SQLite allows one writer
at a time, so there the same approvals run one after another and the same totals are asserted.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

from django.db import connection

from gonghui.medical_aid import services
from gonghui.medical_aid.models import Claim, ClaimState

from .support import add_member, enrol, file_claim, grant, open_plan

CLAIMS = 6


def test_parallel_approvals_never_exceed_the_yearly_cap(tree, transactional_db, monkeypatch):
    # given one member with six claims under review, each worth the whole yearly cap on its own
    grant(tree, tree.officer_a)
    plan = open_plan(tree, deductible="0", per_claim_cap="10000", yearly_cap="25000")
    enrolment = enrol(tree, plan, add_member(tree, tree.union_a1, 1))
    claims = []
    for n in range(CLAIMS):
        claim = file_claim(
            tree, enrolment, hospital=f"医院{n}", total_cost="60000", insurance_paid="20000", other_paid="0"
        )
        claims.append(services.claim_start_review(actor=tree.officer_a, claim=claim))
    # Widen the window between reading the member's usage and saving the payout, as a slow
    # database would: without the enrolment lock every approval would see nothing used yet.
    read_usage = services.enrolment_usage

    def slow_usage(*args, **kwargs):
        usage = read_usage(*args, **kwargs)
        time.sleep(0.2)
        return usage

    monkeypatch.setattr(services, "enrolment_usage", slow_usage)
    errors: list[BaseException] = []
    barrier = threading.Barrier(CLAIMS)

    def approve(claim: Claim) -> None:
        try:
            if connection.vendor == "postgresql":
                barrier.wait(timeout=30)
            services.claim_approve(actor=tree.officer_a, claim=claim)
        except BaseException as exc:
            errors.append(exc)
        finally:
            if connection.vendor == "postgresql":
                connection.close()

    # when all are approved at the same moment (one after another on SQLite)
    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=approve, args=(c,)) for c in claims]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads)
    else:
        for c in claims:
            approve(c)

    # then all were approved, and together they pay exactly the yearly cap: 10000 + 10000 + 5000 + 0…
    assert errors == []
    approved = Claim.objects.filter(enrolment=enrolment, state=ClaimState.APPROVED)
    assert approved.count() == CLAIMS
    payouts = sorted((c.payout for c in approved), reverse=True)
    assert payouts == [Decimal("10000.00"), Decimal("10000.00"), Decimal("5000.00")] + [Decimal("0.00")] * 3
    assert sum(payouts) == Decimal("25000.00")
    # each breakdown shows what the earlier approvals had used
    befores = sorted(Decimal(c.breakdown["paid_before"]) for c in approved)
    assert befores[:3] == [Decimal("0.00"), Decimal("10000.00"), Decimal("20000.00")]
