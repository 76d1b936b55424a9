"""Subtree statistics: the stats selector and the /orgs/{id}/stats handler, root to grassroots.

For the root, a province, a city and the largest grassroots union: p95 of ~200 calls of
`subtree_stats` (the home page and the API read it) and of the API handler without HTTP
(scope lookup + counters + response schema), against the same-run baseline — the ground-truth
`COUNT(*) … GROUP BY status` over the subtree's members, which also checks the counters are exact.
Plus the write side: p95 of the counter upsert that every registration adds to its transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import Count

from gonghui.cli import system_actor
from gonghui.core.treepath import subtree_q
from gonghui.members.api import OrgStatsOut, org_stats
from gonghui.members.models import Member
from gonghui.members.selectors import subtree_stats
from gonghui.orgs.models import Org
from gonghui.stats.services import MemberState, apply_deltas, member_deltas

from .dataset import sample_orgs
from .harness import Context, Result, p95, timed_ms

TARGET = "p95 ≤ 50 ms"
BASELINE = "COUNT(*) GROUP BY status p95"
LEVELS = ("root", "province", "city", "grassroots")


class _Request:
    """What the handler reads from a request: the authenticated account."""

    def __init__(self, auth) -> None:
        self.auth = auth


def _budgeted(fn: Callable[[], object], *, repeat: int, budget_s: float) -> list[float]:
    """Up to `repeat` timed calls, stopping early (after at least 3) once `budget_s` is spent."""
    fn()  # warm-up
    samples: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(samples) < repeat and (len(samples) < 3 or time.perf_counter() < deadline):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def run(ctx: Context) -> None:
    repeat = 10 if ctx.smoke else 200
    actor = system_actor()
    request = _Request(actor)
    samples = sample_orgs()
    for label in LEVELS:
        org = samples[label]

        def truth(org: Org = org) -> dict[str, int]:
            rows = Member.objects.filter(subtree_q(org.path, "org__path")).values("status").annotate(n=Count("id"))
            return {row["status"]: row["n"] for row in rows.order_by()}

        def handler(org: Org = org) -> dict:
            return OrgStatsOut.model_validate(org_stats(request, org.pk)).model_dump()

        selector_ms = timed_ms(lambda org=org: subtree_stats(org=org), repeat=repeat)
        handler_ms = timed_ms(handler, repeat=repeat)
        baseline_ms = _budgeted(truth, repeat=repeat, budget_s=2 if ctx.smoke else 20)
        counted = {k: v for k, v in subtree_stats(org=org)["members_by_status"].items() if v}
        exact = counted == truth()
        members = sum(counted.values())
        note = f"{org.name} ({members:,} records); {'equal to' if exact else 'DIFFERS FROM'} COUNT(*)"
        base = p95(baseline_ms)
        ctx.add(Result("stats", f"subtree_stats p95 ({label})", p95(selector_ms), "ms", BASELINE, base, TARGET, note))
        ctx.add(
            Result(
                "stats", f"GET /orgs/{{id}}/stats handler p95 ({label})", p95(handler_ms), "ms", BASELINE, base, TARGET
            )
        )
        print(f"   {label}: {note}; {len(baseline_ms)} baseline calls", flush=True)
        if not exact:
            raise SystemExit(f"stats for {label} differ from the ground truth")

    grassroots = samples["grassroots"]
    deltas = member_deltas(None, MemberState(status="active", is_migrant_worker=True, new_employment_form="courier"))

    def write() -> None:
        with transaction.atomic():
            apply_deltas(org=grassroots, deltas=deltas)
            transaction.set_rollback(True)

    write_ms = timed_ms(write, repeat=repeat)
    depth = grassroots.depth
    ctx.add(
        Result(
            "stats",
            "counter upsert per registration p95",
            p95(write_ms),
            "ms",
            note=f"{depth} unions × 3 keys, one statement ({connection.vendor}), rolled back",
        )
    )
