"""The benchmark dataset: built once per database and scale with the `gonghui seed` generator.

A one-row-per-scale marker table (`bench_dataset`, outside Django's models on purpose: it
describes the database, not the application) records what was built, so later runs reuse it.
A database holds the dataset of one scale; the Makefile gives each scale its own database.
Accounts for the benches: `superuser()`, `officer_for(org)`; sample unions: `sample_orgs()`.
"""

from __future__ import annotations

import time
from functools import lru_cache

from django.core.management import call_command
from django.db import connection, transaction

from .harness import Context

SEED = 2026
PASSWORD = "bench-Passw0rd!"
_MARKER_DDL = (
    "CREATE TABLE IF NOT EXISTS bench_dataset (scale VARCHAR(16) PRIMARY KEY, orgs INTEGER NOT NULL, "
    "members INTEGER NOT NULL, root_code VARCHAR(32) NOT NULL, seconds DOUBLE PRECISION NOT NULL, "
    "built_at VARCHAR(40) NOT NULL)"
)


def _marker() -> dict[str, tuple]:
    with connection.cursor() as cur:
        cur.execute(_MARKER_DDL)
        cur.execute("SELECT scale, orgs, members, root_code, seconds, built_at FROM bench_dataset")
        return {row[0]: row for row in cur.fetchall()}


def _mark(ctx: Context, root_code: str, seconds: float) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO bench_dataset (scale, orgs, members, root_code, seconds, built_at) VALUES (%s, %s, %s, %s, %s, %s)",
            [ctx.scale, ctx.orgs, ctx.members, root_code, seconds, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())],
        )


def ensure_dataset(ctx: Context) -> None:
    """Migrate, then build the dataset for ctx.scale unless this database already holds it."""
    from gonghui.demo.generator import seed_dataset
    from gonghui.members.models import Member
    from gonghui.orgs.models import Org

    call_command("migrate", interactive=False, verbosity=0)
    marker = _marker()
    if ctx.scale in marker:
        print(f"dataset {ctx.scale}: present (built {marker[ctx.scale][5]} in {marker[ctx.scale][4]:.0f} s)")
        return
    if marker:
        other = ", ".join(sorted(marker))
        raise SystemExit(f"this database holds the {other} dataset; use another DATABASE_URL for scale {ctx.scale}")
    members = Member.objects.count()
    root = Org.objects.filter(depth=1).order_by("path").first()
    if members == ctx.members and root is not None:
        # Seeded by hand with `gonghui seed --orgs N --members M` (e.g. the timed 10M run).
        _steady_state()
        _mark(ctx, root.code, 0.0)
        print(f"dataset {ctx.scale}: adopted the tree {root.code} already seeded here")
        return
    if members:
        raise SystemExit(
            f"this database already holds {members:,} members (not the {ctx.scale} dataset); use an empty database"
        )
    print(f"dataset {ctx.scale}: seeding {ctx.orgs:,} unions and {ctx.members:,} members ...", flush=True)
    started = time.perf_counter()
    result = seed_dataset(seed=SEED, unions=ctx.orgs, members=ctx.members, note="基准测试数据集")
    _steady_state()
    seconds = time.perf_counter() - started
    _mark(ctx, result.root.code, seconds)
    print(f"dataset {ctx.scale}: seeded in {seconds:.1f} s", flush=True)


def _steady_state() -> None:
    # VACUUM as well on PostgreSQL: a table just filled by COPY has no visibility map yet, so
    # index-only scans would still visit the heap until autovacuum runs (steady state).
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


@lru_cache(maxsize=1)
def superuser():
    """A superuser account (whole tree) for the benches; password PASSWORD."""
    from gonghui.accounts.models import User

    user = User.objects.filter(username="bench-admin").first()
    if user is None:
        user = User.objects.create_superuser("bench-admin", "bench@example.invalid", PASSWORD)
    return user


def officer_for(org):
    """An officer account bound to `org` with role officer (created once, through the accounts service)."""
    from gonghui.accounts.models import Role, User
    from gonghui.accounts.services import officer_create

    username = f"bench-officer-{org.pk}"
    user = User.objects.filter(username=username).first()
    if user is None:
        with transaction.atomic():
            user = officer_create(actor=superuser(), username=username, password=PASSWORD, org=org, role=Role.OFFICER)
    return user


@lru_cache(maxsize=1)
def sample_orgs() -> dict:
    """The root and the largest province-level (depth 2), city-level (depth 3) and grassroots union.

    Largest by current members held in the subtree (grassroots: by its own member_count). On a
    city-sized tree (smoke, small) "province" and "city" are the districts and streets below the root.
    """
    from django.db.models import Sum
    from django.db.models.functions import Substr

    from gonghui.core.treepath import STEP_LEN, subtree_q
    from gonghui.orgs.models import MEMBER_HOLDING_KINDS, Org

    root = Org.objects.filter(depth=1).order_by("path").first()
    if root is None:
        raise SystemExit("no dataset: run ensure_dataset first")

    def largest_at(depth: int):
        best, best_n = None, -1
        level = list(Org.objects.filter(depth=depth, path__startswith=root.path).exclude(kind__in=MEMBER_HOLDING_KINDS))
        # Sum the holders' own counters per subtree: one grouped query per level.
        totals = dict(
            Org.objects.filter(path__startswith=root.path, kind__in=MEMBER_HOLDING_KINDS, depth__gt=depth)
            .annotate(prefix=Substr("path", 1, depth * STEP_LEN))
            .values("prefix")
            .annotate(n=Sum("member_count"))
            .values_list("prefix", "n")
        )
        for org in level:
            n = totals.get(org.path, 0) or 0
            if n > best_n:
                best, best_n = org, n
        return best

    province = largest_at(2) or root
    city = largest_at(3) or province
    grassroots = (
        Org.objects.filter(subtree_q(root.path), kind__in=MEMBER_HOLDING_KINDS)
        .order_by("-member_count", "path")
        .first()
    )
    return {"root": root, "province": province, "city": city, "grassroots": grassroots}
