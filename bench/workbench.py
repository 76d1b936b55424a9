"""The officer's workbench (core.workbench): every item counted, for a provincial, a city and a
grassroots officer (each with the assistance right, so every module's items are counted).

The seeded dataset holds unions and members only, so this bench first adds queue rows spread over
the tree — rights requests (with dispatches), join applications and hardship files in every state,
some overdue, some due soon — once per database, under the marker table `bench_workbench`
(`ensure_queues`; a second run finds the marker and adds nothing). At the 10m scale: 200k
requests, 100k applications (10k waiting, one per worker account), 50k hardship files
(`GONGHUI_BENCH_WORKBENCH_ROWS=10m` adds those on a smaller tree too).

Figures: p95 of `workbench_for(officer)` (every count of the home page and GET /api/v1/workbench)
per level, and p95 of each item at the province (where the counts are widest). Baseline, same
run: `subtree_stats` of the same union — the member counters the home page read before the
workbench (one indexed read), so the ratio is what the workbench adds to the home page.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time

from django.db import connection, transaction
from django.utils import timezone

from gonghui.core.workbench import registered, workbench_for
from gonghui.members.selectors import subtree_stats

from .dataset import sample_orgs
from .harness import Context, Result, p95, timed_ms

TARGET = "p95 ≤ 100 ms"
LEVELS = ("province", "city", "grassroots")
SEED = 20261208
# rows per scale: (rights requests, join applications, pending applications, hardship files)
QUEUE_ROWS = {
    "smoke": (2_000, 1_000, 100, 500),
    "small": (20_000, 10_000, 1_000, 5_000),
    "1m": (100_000, 50_000, 5_000, 25_000),
    "10m": (200_000, 100_000, 10_000, 50_000),
}
_MARKER_DDL = "CREATE TABLE IF NOT EXISTS bench_workbench (scale VARCHAR(16) PRIMARY KEY, built_at VARCHAR(32))"
BATCH = 5_000


def _marked(scale: str) -> bool:
    with connection.cursor() as cur:
        cur.execute(_MARKER_DDL)
        cur.execute("SELECT 1 FROM bench_workbench WHERE scale = %s", [scale])
        return cur.fetchone() is not None


def _mark(scale: str) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO bench_workbench (scale, built_at) VALUES (%s, %s)",
            [scale, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())],
        )


def _bulk(model, rows: list) -> list:
    out = []
    for start in range(0, len(rows), BATCH):
        out += model.objects.bulk_create(rows[start : start + BATCH])
    return out


def _deadline(rng: random.Random, now: dt.datetime) -> dt.datetime:
    """10% overdue, 10% due within two days, the rest later."""
    roll = rng.random()
    if roll < 0.10:
        return now - dt.timedelta(hours=rng.randint(1, 24 * 30))
    if roll < 0.20:
        return now + dt.timedelta(hours=rng.randint(1, 47))
    return now + dt.timedelta(days=rng.randint(3, 30))


def ensure_queues(ctx: Context) -> None:
    """Queue rows across the tree, once per database (marker table bench_workbench)."""
    if _marked(ctx.scale):
        print(f"workbench queues {ctx.scale}: present")
        return
    from django.contrib.auth import get_user_model

    from gonghui.assistance.models import FileState, HardshipFile
    from gonghui.joining.models import JoinApplication, JoinState
    from gonghui.orgs.models import MEMBER_HOLDING_KINDS, Org
    from gonghui.portal.models import WorkerAccount
    from gonghui.rights.models import Channel, Dispatch, ServiceRequest, State

    # GONGHUI_BENCH_WORKBENCH_ROWS=10m puts the 10m scale's queue rows on a smaller tree (denser queues).
    rows_scale = os.environ.get("GONGHUI_BENCH_WORKBENCH_ROWS") or ctx.scale
    n_requests, n_apps, n_pending, n_files = QUEUE_ROWS[rows_scale]
    rng = random.Random(SEED)
    now = timezone.now()
    started = time.perf_counter()
    holders = list(Org.objects.filter(kind__in=MEMBER_HOLDING_KINDS, is_active=True).values_list("id", "parent_id"))
    print(f"workbench queues {ctx.scale}: adding {n_requests:,} requests, {n_apps:,} applications, "
          f"{n_files:,} hardship files over {len(holders):,} unions ...", flush=True)  # fmt: skip

    with transaction.atomic():
        # Rights requests: most closed, the rest waiting or being handled, deadlines of every kind;
        # a third held by the union above the workplace (the street or the district).
        states = [State.RESOLVED] * 5 + [State.CLOSED] * 2 + [State.SUBMITTED, State.ACCEPTED, State.IN_PROGRESS]
        requests = []
        for i in range(n_requests):
            org_id, parent_id = rng.choice(holders)
            state = rng.choice(states)
            accept_due = _deadline(rng, now)
            requests.append(
                ServiceRequest(
                    reference=f"WBB{i:09d}",
                    category="wage_arrears",
                    channel=Channel.HOTLINE,
                    requester_name="基准",
                    title="基准测试",
                    description="基准测试",
                    state=state,
                    handling_org_id=parent_id if (i % 3 == 0 and parent_id) else org_id,
                    accept_due_at=accept_due,
                    resolve_due_at=_deadline(rng, now) if state != State.SUBMITTED else None,
                    accepted_at=None if state == State.SUBMITTED else now,
                )
            )
        requests = _bulk(ServiceRequest, requests)
        dispatches = [
            Dispatch(request_id=r.pk, from_org_id=r.handling_org_id, to_org_id=r.handling_org_id, instruction="基准")
            for r in requests
            if r.state == State.IN_PROGRESS and rng.random() < 0.3
        ]
        _bulk(Dispatch, dispatches)

        # Join applications: one worker account per waiting application; decided ones reuse them.
        User = get_user_model()
        users = _bulk(User, [User(username=f"wbbench{i}", password="!") for i in range(n_pending)])
        workers = _bulk(WorkerAccount, [WorkerAccount(user=u, phone=f"100{i:08d}") for i, u in enumerate(users)])
        apps = []
        for i in range(n_apps):
            org_id, _parent = rng.choice(holders)
            pending = i < n_pending
            submitted = now - dt.timedelta(days=rng.randint(0, 60))
            apps.append(
                JoinApplication(
                    worker=workers[i % n_pending],
                    org_id=org_id,
                    name="基准",
                    id_number_encrypted="x",
                    id_number_hash=f"wbapp{i:059d}",
                    id_number_masked="x",
                    state=JoinState.SUBMITTED if pending else rng.choice([JoinState.APPROVED, JoinState.REJECTED]),
                    submitted_at=submitted,
                    due_at=_deadline(rng, now) if pending else submitted + dt.timedelta(days=7),
                )
            )
        _bulk(JoinApplication, apps)

        # Hardship files: most filed (re-verification due over the year, some overdue), some waiting.
        today = timezone.localdate()
        files = []
        for i in range(n_files):
            org_id, _parent = rng.choice(holders)
            roll = rng.random()
            state = FileState.SUBMITTED if roll < 0.1 else FileState.EXITED if roll < 0.25 else FileState.FILED
            files.append(
                HardshipFile(
                    name="基准",
                    id_number_encrypted="x",
                    id_number_hash=f"wbfile{i:058d}",
                    id_number_masked="x",
                    gender="男",
                    birth_date=dt.date(1980, 1, 1),
                    org_id=org_id,
                    region_code="110000",
                    state=state,
                    next_review_due=today + dt.timedelta(days=rng.randint(-60, 365))
                    if state == FileState.FILED
                    else None,
                )
            )
        _bulk(HardshipFile, files)
        _mark(ctx.scale)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for table in (
                "rights_servicerequest",
                "rights_dispatch",
                "joining_joinapplication",
                "assistance_hardshipfile",
            ):
                cur.execute(f"ANALYZE {table}")
    print(f"workbench queues {ctx.scale}: added in {time.perf_counter() - started:.0f} s", flush=True)


def _officer(label: str, org):
    """A bench officer bound to `org`, with the assistance right (created once)."""
    from gonghui.accounts.models import User
    from gonghui.accounts.services import officer_create, officer_update
    from gonghui.cli import system_actor

    username = f"wbbench_{label}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = officer_create(
            actor=system_actor(), username=username, password=f"Wb-{SEED}-bench", org=org, role="officer"
        )
        officer_update(actor=system_actor(), user=user, data={"assistance_access": True})
        user.refresh_from_db()
    return user


def run(ctx: Context) -> None:
    ensure_queues(ctx)
    repeat = 3 if ctx.smoke else 30
    samples = sample_orgs()
    for label in LEVELS:
        org = samples.get(label)
        if org is None:
            print(f"   no {label} union in this dataset")
            continue
        officer = _officer(label, org)
        baseline = p95(timed_ms(lambda org=org: subtree_stats(org=org), repeat=repeat))
        value = p95(timed_ms(lambda officer=officer: workbench_for(officer), repeat=repeat))
        counts = {e.key: e.count for e in workbench_for(officer)}
        ctx.add(
            Result(
                bench="workbench",
                name=f"workbench (all items) @ {label}",
                value=value,
                unit="ms p95",
                baseline_name="subtree_stats p95",
                baseline_value=baseline,
                target=TARGET,
                note=f"{len(counts)} items, {sum(counts.values()):,} waiting",
            )
        )
        if label != "province":
            continue
        for item in registered():
            if item.key not in counts:
                continue
            value = p95(timed_ms(lambda item=item, officer=officer: item.count_for(officer), repeat=repeat))
            ctx.add(
                Result(
                    bench="workbench",
                    name=f"{item.key} @ {label}",
                    value=value,
                    unit="ms p95",
                    baseline_name="subtree_stats p95",
                    baseline_value=baseline,
                    note=f"count {counts[item.key]:,}",
                )
            )
