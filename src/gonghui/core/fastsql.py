"""One hot read by hand-written SQL, prepared once per database connection on PostgreSQL.

For the few statements every API request runs (token lookup, member detail): the ORM would
compile the query in Python and PostgreSQL plan it again on every request, which costs more
than executing it. On PostgreSQL the statement goes through a server-side-binding psycopg
cursor with `prepare=True` (parsed and planned once per connection, then only executed); on
SQLite through Django's cursor. Parameters are always bound, never interpolated.

A pooler in transaction mode must support protocol-level prepared statements (PgBouncer ≥ 1.21
with max_prepared_statements) — or set GONGHUI_DB_PREPARE=0 to turn preparing off. With preparing
on, connections start with plan_cache_mode=force_generic_plan (settings): a statement sent here
must have one plan that is right for any values.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections


def _prepared_cursor(connection):
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns automatic preparing off (its cursors bind client-side and never prepare);
        # this enables `prepare=True` on our own cursors only: nothing else reaches the threshold.
        raw.prepare_threshold = 1 << 30
    return psycopg.Cursor(raw)


def fetchone(sql: str, params: list[Any] | tuple[Any, ...], using: str = "default") -> tuple | None:
    connection = connections[using]
    if connection.vendor != "postgresql" or not settings.GONGHUI_DB_PREPARE:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()
    with connection.wrap_database_errors, _prepared_cursor(connection) as cur:
        cur.execute(sql, params, prepare=True)
        return cur.fetchone()


def fetchall(sql: str, params: list[Any] | tuple[Any, ...], using: str = "default") -> list[tuple]:
    connection = connections[using]
    if connection.vendor != "postgresql" or not settings.GONGHUI_DB_PREPARE:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    with connection.wrap_database_errors, _prepared_cursor(connection) as cur:
        cur.execute(sql, params, prepare=True)
        return cur.fetchall()
