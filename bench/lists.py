"""Member list pages at scale (keyset, 50 rows), scoped to the root, a province, a city and a
grassroots union: the first page, and a deep page reached by following `next_cursor`.

Each figure is the p95 of ~100 calls of the selector + `keyset_page` (what the list page and
GET /api/v1/members do; no total count is ever computed). Baseline, same run: the first page of
the whole roll with no scope filter (the superuser's unfiltered list, newest first) — the same
query shape minus the subtree, so the ratio is the price of scoping.
"""

from __future__ import annotations

from gonghui.members.selectors import MemberFilters

from ._members import LEVELS, page, sample_orgs
from .harness import Context, Result, p95, timed_ms

TARGET = "p95 ≤ 100 ms"
DEEP_PAGES = 20


def run(ctx: Context) -> None:
    repeat = 10 if ctx.smoke else 100
    deep_pages = 3 if ctx.smoke else DEEP_PAGES
    unscoped = MemberFilters()
    baseline = p95(timed_ms(lambda: page(unscoped), repeat=repeat))
    samples = sample_orgs()
    for label in LEVELS:
        org = samples.get(label)
        if org is None:
            print(f"   no {label} union in this dataset")
            continue
        filters = MemberFilters(org_id=org.pk)
        first = p95(timed_ms(lambda filters=filters: page(filters), repeat=repeat))
        ctx.add(
            Result(
                bench="lists",
                name=f"first page @ {label}",
                value=first,
                unit="ms p95",
                baseline_name="unscoped first page p95",
                baseline_value=baseline,
                target=TARGET,
            )
        )
        cursor = None
        reached = 0
        for _ in range(deep_pages):
            _rows, next_cursor = page(filters, cursor)
            if next_cursor is None:
                break
            cursor, reached = next_cursor, reached + 1
        if cursor is None:
            continue
        deep = p95(timed_ms(lambda filters=filters, cursor=cursor: page(filters, cursor), repeat=repeat))
        ctx.add(
            Result(
                bench="lists",
                name=f"page {reached + 1} by cursor @ {label}",
                value=deep,
                unit="ms p95",
                baseline_name="unscoped first page p95",
                baseline_value=baseline,
                target=TARGET,
            )
        )
