"""Writes to the subtree counters, called by the member and union services in their own transaction.

Every change adds +1/-1 deltas to the counters of the union it happened in and of all its
ancestors (found by the path prefixes, one query), in one upsert statement:

    INSERT … ON CONFLICT (org_id, key, slot) DO UPDATE SET value = value + excluded.value

The rows go in sorted by (org_id, key, slot), so two transactions always lock them in the same
order and never deadlock. The rows of shallow unions (depth ≤ STRIPED_MAX_DEPTH: the root, the
provinces, the cities) are striped over STRIPES slots chosen at random, so two registrations in
different grassroots unions of one province wait for each other only when they draw the same
slot; reads sum the slots. Deltas are merged per (union, key) before they are written, so a
transfer between two unions of one city does not touch the city's ancestors at all.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from gonghui.core.treepath import STEP_LEN
from gonghui.orgs.models import Org

from .models import SubtreeCounter

STRIPES = 16
STRIPED_MAX_DEPTH = 3
UPSERT_CHUNK = 500

# The member vocabulary the counters need (gonghui.members sits above this app; a test keeps
# these equal to MemberStatus.ACTIVE and NewEmploymentForm.NONE).
ACTIVE = "active"
NEF_NONE = "none"

Deltas = Mapping[str, int]


@dataclass(frozen=True)
class MemberState:
    """What of a membership record the counters count."""

    status: str
    is_migrant_worker: bool = False
    new_employment_form: str = NEF_NONE

    @classmethod
    def of(cls, member: Any) -> MemberState:
        return cls(
            status=str(member.status),
            is_migrant_worker=bool(member.is_migrant_worker),
            new_employment_form=str(member.new_employment_form or NEF_NONE),
        )


def member_keys(state: MemberState) -> list[str]:
    keys = [f"status:{state.status!s}"]
    if state.status == ACTIVE:
        if state.is_migrant_worker:
            keys.append("migrant")
        if state.new_employment_form != NEF_NONE:
            keys.append(f"nef:{state.new_employment_form!s}")
    return keys


def member_deltas(before: MemberState | None, after: MemberState | None) -> dict[str, int]:
    """The counter changes of one record going from `before` to `after` (None: not there). Pure."""
    out: Counter[str] = Counter()
    if before is not None:
        out.subtract(member_keys(before))
    if after is not None:
        out.update(member_keys(after))
    return {key: n for key, n in out.items() if n}


def member_batch_deltas(states: Iterable[MemberState]) -> dict[str, int]:
    """The counter changes of many new records."""
    return member_group_deltas(Counter(states))


def member_group_deltas(groups: Mapping[MemberState, int]) -> dict[str, int]:
    """The counter changes of `n` new records in each state (an import: a handful of distinct states)."""
    out: Counter[str] = Counter()
    for state, n in groups.items():
        for key in member_keys(state):
            out[key] += n
    return {key: n for key, n in out.items() if n}


def kind_key(kind: str) -> str:
    return f"kind:{kind!s}"


# ---------------------------------------------------------------------------------------
# Applying deltas
# ---------------------------------------------------------------------------------------


def apply_deltas(*, org: Org, deltas: Deltas) -> None:
    """Add `deltas` to the counters of `org` and of all its ancestors."""
    apply_many(changes=[(org.pk, deltas)])


def apply_many(*, changes: Iterable[tuple[int, Deltas]]) -> None:
    """Several unions' deltas (e.g. both sides of a transfer) in one statement.

    The unions' paths are read again here, under a KEY SHARE lock on PostgreSQL: a concurrent
    move of the subtree (which rewrites the unique `path`) waits for this transaction, or this
    one waits for the move and then sees the new ancestors.
    """
    by_org: dict[int, Counter[str]] = defaultdict(Counter)
    for org_id, deltas in changes:
        by_org[org_id].update({k: v for k, v in deltas.items() if v})
    by_org = {org_id: c for org_id, c in by_org.items() if any(c.values())}
    if not by_org:
        return
    paths = _current_paths(sorted(by_org))
    _apply_by_path([(paths[org_id], deltas) for org_id, deltas in by_org.items()])


def apply_org_kind_change(*, org: Org, old_kind: str, new_kind: str) -> None:
    """An active union changed kind: one fewer of the old kind, one more of the new, up the tree."""
    if org.is_active and old_kind != new_kind:
        apply_deltas(org=org, deltas={kind_key(old_kind): -1, kind_key(new_kind): 1})


def move_subtree_counters(*, org: Org, old_parent_path: str | None, new_parent: Org) -> None:
    """After a move of `org`'s subtree: its totals leave the old ancestors and join the new ones.

    Call it after the paths of the subtree have been rewritten, in the same transaction: that
    UPDATE has waited for every writer inside the subtree, so the totals read here are whole.
    Ancestors that the old and the new place share are left untouched.
    """
    from .selectors import subtree_counts

    totals = subtree_counts(org=org)
    if not any(totals.values()):
        return
    changes: list[tuple[str, Deltas]] = [(_current_paths([new_parent.pk])[new_parent.pk], totals)]
    if old_parent_path:
        changes.append((old_parent_path, {key: -n for key, n in totals.items()}))
    _apply_by_path(changes)


def _current_paths(org_ids: list[int]) -> dict[int, str]:
    table = connection.ops.quote_name(Org._meta.db_table)
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    marks = ", ".join(["%s"] * len(org_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, path FROM {table} WHERE id IN ({marks}) ORDER BY id{lock}", org_ids)  # noqa: S608
        return {int(row[0]): row[1] for row in cursor.fetchall()}


def _apply_by_path(changes: Iterable[tuple[str, Deltas]]) -> None:
    per_prefix: dict[str, Counter[str]] = defaultdict(Counter)
    for path, deltas in changes:
        for end in range(STEP_LEN, len(path) + 1, STEP_LEN):
            per_prefix[path[:end]].update(deltas)
    per_prefix = {p: c for p, c in per_prefix.items() if any(c.values())}
    if not per_prefix:
        return
    ids = dict(Org.objects.filter(path__in=list(per_prefix)).values_list("path", "pk"))
    slot = random.randrange(STRIPES)  # one draw per transaction: its rows of one union share a slot
    rows: list[tuple[int, str, int, int]] = []
    for prefix, deltas in per_prefix.items():
        org_id = ids[prefix]
        row_slot = slot if len(prefix) // STEP_LEN <= STRIPED_MAX_DEPTH else 0
        rows.extend((org_id, key, row_slot, n) for key, n in deltas.items() if n)
    _upsert(sorted(rows))


def _upsert(rows: list[tuple[int, str, int, int]]) -> None:
    """Add each row's value to its counter (creating it at that value), in (org_id, key, slot) order."""
    qn = connection.ops.quote_name
    table = qn(SubtreeCounter._meta.db_table)
    value = qn("value")
    columns = ", ".join(qn(c) for c in ("org_id", "key", "slot", "value"))
    conflict = ", ".join(qn(c) for c in ("org_id", "key", "slot"))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPSERT_CHUNK):
            chunk = rows[start : start + UPSERT_CHUNK]
            marks = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {marks} "  # noqa: S608
                f"ON CONFLICT ({conflict}) DO UPDATE SET {value} = {table}.{value} + excluded.{value}",
                [v for row in chunk for v in row],
            )


# ---------------------------------------------------------------------------------------
# Full recompute
# ---------------------------------------------------------------------------------------


def rebuild_counters() -> None:
    """Recompute every counter from the member roll and the union tree (seed, repair).

    Set-based SQL: one grouped scan of the members, then a bottom-up roll-up one tree level at
    a time. On PostgreSQL the counter table is locked against writers for the duration, so a
    write that commits meanwhile is counted exactly once.
    """
    from gonghui.members.models import Member  # read by table name only; members sits above this app

    with transaction.atomic():
        rebuild_tables(
            connection,
            counter_table=SubtreeCounter._meta.db_table,
            org_table=Org._meta.db_table,
            member_table=Member._meta.db_table,
        )


def rebuild_tables(conn: Any, *, counter_table: str, org_table: str, member_table: str) -> None:
    """The SQL of rebuild_counters on the given tables (also run by the app's data migration).

    Must run inside a transaction.
    """
    qn = conn.ops.quote_name
    counters, orgs, members = qn(counter_table), qn(org_table), qn(member_table)
    key, value = qn("key"), qn("value")
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            cur.execute(f"LOCK TABLE {counters} IN EXCLUSIVE MODE")
        cur.execute(f"DELETE FROM {counters}")  # noqa: S608
        cur.execute("DROP TABLE IF EXISTS gh_member_groups")
        cur.execute("DROP TABLE IF EXISTS gh_subtree_totals")
        # One pass over the roll: a few rows per union.
        cur.execute(
            "CREATE TEMPORARY TABLE gh_member_groups AS "  # noqa: S608
            "SELECT org_id, status, is_migrant_worker AS migrant, new_employment_form AS nef, COUNT(*) AS n "
            f"FROM {members} GROUP BY org_id, status, is_migrant_worker, new_employment_form"
        )
        cur.execute(
            "CREATE TEMPORARY TABLE gh_subtree_totals "
            "(org_id BIGINT NOT NULL, parent_id BIGINT, depth INTEGER NOT NULL, k VARCHAR(48) NOT NULL, n BIGINT NOT NULL)"
        )
        cur.execute("CREATE INDEX gh_subtree_totals_depth ON gh_subtree_totals (depth)")
        # Each union's own figures.
        cur.execute(
            "INSERT INTO gh_subtree_totals (org_id, parent_id, depth, k, n) "  # noqa: S608
            "SELECT o.id, o.parent_id, o.depth, d.k, d.n FROM ("
            "  SELECT org_id, 'status:' || status AS k, SUM(n) AS n FROM gh_member_groups GROUP BY org_id, status"
            "  UNION ALL"
            "  SELECT org_id, 'migrant' AS k, SUM(n) AS n FROM gh_member_groups"
            "   WHERE status = %s AND migrant GROUP BY org_id"
            "  UNION ALL"
            "  SELECT org_id, 'nef:' || nef AS k, SUM(n) AS n FROM gh_member_groups"
            "   WHERE status = %s AND nef <> %s GROUP BY org_id, nef"
            "  UNION ALL"
            f"  SELECT id AS org_id, 'kind:' || kind AS k, 1 AS n FROM {orgs} WHERE is_active"
            f") d JOIN {orgs} o ON o.id = d.org_id",
            [ACTIVE, ACTIVE, NEF_NONE],
        )
        if conn.vendor == "postgresql":
            cur.execute("ANALYZE gh_subtree_totals")
        cur.execute(f"SELECT MAX(depth) FROM {orgs}")  # noqa: S608
        deepest = cur.fetchone()[0] or 0
        # Bottom-up: when level L is reached, its unions hold their own rows plus one row per key
        # from each child level already added, so their sums are whole and go to the parents.
        for level in range(deepest, 1, -1):
            cur.execute(
                "INSERT INTO gh_subtree_totals (org_id, parent_id, depth, k, n) "  # noqa: S608
                "SELECT p.id, p.parent_id, p.depth, t.k, SUM(t.n) "
                f"FROM gh_subtree_totals t JOIN {orgs} p ON p.id = t.parent_id "
                "WHERE t.depth = %s GROUP BY p.id, p.parent_id, p.depth, t.k",
                [level],
            )
        cur.execute(
            f"INSERT INTO {counters} (org_id, {key}, slot, {value}) "  # noqa: S608
            "SELECT org_id, k, 0, SUM(n) FROM gh_subtree_totals GROUP BY org_id, k HAVING SUM(n) <> 0"
        )
        cur.execute("DROP TABLE gh_subtree_totals")
        cur.execute("DROP TABLE gh_member_groups")
