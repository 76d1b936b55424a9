"""Where a bulk load of the roll goes (issue 3, part 2): the member table's cost, index by index.

The same K prepared rows as bench.imports (encrypted, hashed, masked; raw COPY on PostgreSQL,
executemany on SQLite) are loaded into the seeded roll again and again, each time inside a
transaction that is rolled back (PostgreSQL and SQLite both drop indexes transactionally, so the
dataset never changes):

* with every secondary index dropped — heap, primary key and foreign-key checks: the floor;
* with every index — the raw load bench.imports compares the importer with;
* with exactly one secondary index kept, for each of them: its cost is the time a row takes
  over the floor.

Each load runs twice and the faster counts. SQLite's own indexes behind inline UNIQUE
constraints cannot be dropped and stay in the floor. What the figures say is in
docs/benchmarks.md ("Where PostgreSQL's COPY goes").
"""

from __future__ import annotations

from django.db import connection

from .harness import Context, Result
from .imports import _people, _prepared, _raw_load_seconds

ROWS = {"smoke": 200, "small": 50_000, "1m": 100_000, "10m": 100_000}
REPEATS = 2


def _droppable_indexes(table: str) -> list[tuple[str, str]]:
    """(index name, the statement dropping it) for every secondary index of `table` that a
    transaction can drop: plain and partial indexes, and unique constraints by their constraint."""
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT i.relname, c.conname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary ORDER BY i.relname",
                [table],
            )
            return [
                (
                    name,
                    f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(constraint)}"
                    if constraint
                    else f"DROP INDEX {qn(name)}",
                )
                for name, constraint in cur.fetchall()
            ]
        cur.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL ORDER BY name",
            [table],
        )
        return [(name, f"DROP INDEX {qn(name)}") for (name,) in cur.fetchall()]


def _load_seconds(columns: list[str], prepared: list[tuple], drops: list[str]) -> float:
    """Best of REPEATS raw loads of `prepared` after `drops`, each rolled back with them."""
    return min(_raw_load_seconds(columns, prepared, before=drops) for _ in range(REPEATS))


def run(ctx: Context) -> None:
    from gonghui.members.models import Member

    from .dataset import sample_orgs

    k = ROWS[ctx.scale]
    table = Member._meta.db_table
    org = sample_orgs()["grassroots"]
    columns, prepared = _prepared(list(_people(k)), org.pk)
    indexes = _droppable_indexes(table)
    every_drop = [statement for _, statement in indexes]
    floor = _load_seconds(columns, prepared, every_drop)
    full = _load_seconds(columns, prepared, [])
    per_row = 1e6 / k
    ctx.add(
        Result(
            "indexes",
            f"raw load {k:,} rows, heap + primary key + foreign keys",
            k / floor,
            "rows/s",
            "the same with every index",
            k / full,
            note=f"{len(indexes)} secondary indexes dropped in the transaction",
        )
    )
    ctx.add(Result("indexes", "raw load, every index", full * per_row, "µs/row"))
    for name, _statement in indexes:
        kept = [statement for other, statement in indexes if other != name]
        seconds = _load_seconds(columns, prepared, kept)
        ctx.add(
            Result(
                "indexes",
                f"+ {name}",
                max(seconds - floor, 0.0) * per_row,
                "µs/row",
                "raw load, every index",
                full * per_row,
                note="time a row over the floor with only this index kept",
            )
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:  # the rolled-back rows' dead tuples, as bench.imports does
            cur.execute(f"VACUUM ANALYZE {table}")
