"""Read replicas for reports and dashboards.

Writes, and every read that may feed a write, go to ``default`` (the primary). Reads made
inside ``use_replica()`` go to the ``replica`` alias when one is configured
(``DATABASE_REPLICA_URL``), otherwise to ``default`` — so code can mark reporting reads
unconditionally and the embedded single-database install behaves exactly as before.

Use it around reads that tolerate replication lag of a second or two and never lead to a
write in the same request: subtree statistics, the home-page dashboard, exports and
report pages, e.g.::

    with use_replica():
        stats = subtree_stats(org=org)

Migrations run on ``default`` only (a streaming replica is read-only and receives the
schema through WAL).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connections

REPLICA = "replica"
PRIMARY = "default"

_reporting: ContextVar[bool] = ContextVar("gonghui_reporting_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def reporting_alias() -> str:
    """Where a reporting read goes right now: the replica if configured, else the primary."""
    return REPLICA if replica_configured() else PRIMARY


@contextmanager
def use_replica() -> Iterator[str]:
    """Send the ORM reads inside the block to the replica (when configured); yields the alias."""
    token = _reporting.set(True)
    try:
        yield reporting_alias()
    finally:
        _reporting.reset(token)


def in_reporting() -> bool:
    return _reporting.get()


class ReplicaRouter:
    """Django database router: reporting reads → replica; all writes and migrations → default."""

    def db_for_read(self, model, **hints) -> str:
        if _reporting.get() and replica_configured():
            return REPLICA
        return PRIMARY

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # Both aliases hold the same data (the replica mirrors the primary).
        aliases = {PRIMARY, REPLICA}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == PRIMARY
