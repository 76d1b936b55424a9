"""Member import, step 3 — writing: the good rows written in batches by a thread of their own while the
rest of the file is checked, all in one transaction (kept at the end, or rolled back at the first bad row of
a file to be rejected); PostgreSQL COPY, SQLite many-row INSERTs; history rows built in SQL."""

from __future__ import annotations

import datetime as dt
import itertools
import queue
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction

from gonghui.orgs.models import Org
from gonghui.stats.services import MemberState, apply_deltas, member_group_deltas

from .cards import allocate_card_numbers
from .import_check import _FIXED_ATTNAMES, _MIGRANT, _NEW_EMPLOYMENT, _WRITE_FIELDS
from .models import Member, MemberEvent, MemberStatus, tier_ids
from .services import TRACKED_FIELDS, _bump_count

WRITE_CHUNK = 10_000  # SQLite: at most this many rows per INSERT (fewer if its parameter limit says so)
WRITE_BATCH = 10_000  # good rows per write (cards reserved, rows and history written) while validating
SQLITE_IMPORT_CACHE_KIB = 256 * 1024  # SQLite page cache during the write (see _sqlite_bulk_cache)


class _Writer:
    """Good rows written to the roll while the rest of the file is validated, in one transaction.

    All-or-nothing is the transaction's: `commit` keeps everything, `abort` rolls it back — at
    the first bad row of a file that is to be rejected, so its locks are released while the rest
    is checked for the report. The union's count and subtree statistics are updated once, at
    commit. Card numbers are reserved a batch at a time (on PostgreSQL from a sequence that never
    waits on this transaction; see members.cards). On SQLite the transaction holds the database's
    write lock from the start (IMMEDIATE), as the write phase did before validation and writing
    overlapped.

    The batches are written by a thread of their own on the importing thread's connection, so the
    next rows are taken and judged while the database writes the last ones (both drivers release
    the GIL while the database works). `db` is held by whichever thread uses the connection; the
    importing thread needs it once per DUPLICATE_BATCH rows (the look-ups against the roll), so that
    is as large as a write batch — with smaller look-up batches it waited for every write.
    """

    def __init__(self, *, actor, org: Org, note: str, now: dt.datetime, skip_invalid: bool) -> None:
        self.actor, self.org, self.note, self.now = actor, org, note, now
        self.skip_invalid = skip_invalid
        self.rows = 0  # good rows handed in (written or waiting in `batch`)
        self.groups: Counter = Counter()  # (migrant, new-employment form) → good rows
        self.conflict = False  # someone in the file was registered elsewhere meanwhile
        self.batch: list[tuple] = []
        self.defaults = _row_defaults(org, now)
        self.fixed = tuple(self.defaults[a] for a in _FIXED_ATTNAMES)
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.db = threading.Lock()
        self._queue: queue.Queue = queue.Queue(maxsize=1)  # one batch waiting while one is written
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._open = ExitStack()
        self._open.enter_context(_sqlite_bulk_cache())  # restored after the transaction ends
        self._open.enter_context(transaction.atomic())
        self.is_open = True

    def add(self, row: tuple) -> None:
        if not self.is_open:
            return
        self.rows += 1
        self.groups[(bool(row[_MIGRANT]), row[_NEW_EMPLOYMENT] or "none")] += 1
        self.batch.append(row)
        if len(self.batch) >= WRITE_BATCH:
            self._hand_over()

    def bad_row(self) -> None:
        """A row with errors: the end of writing, unless bad rows are skipped."""
        if not self.skip_invalid:
            self.abort()

    def failed(self) -> bool:
        """Whether a write failed and writing must stop (see `settle`); read without `db`."""
        return self.is_open and self._failure is not None

    def settle(self) -> None:
        """Act on a failed write: a conflict (someone in a batch was registered and committed
        after the file was checked) ends the writing, rolled back, so the report's look-ups run
        outside the failed transaction; any other error is raised here. Not while holding `db`."""
        if not self.failed():
            return
        failure = self._failure
        self.abort()
        if isinstance(failure, IntegrityError):
            self.conflict = True
        elif failure is not None:
            raise failure

    def _hand_over(self) -> None:
        rows, self.batch = self.batch, []
        while True:
            self.settle()
            if not self.is_open:
                return
            with self.db:
                if self.failed():  # the last write failed while this thread waited for the connection
                    continue
                cards = allocate_card_numbers(len(rows))
                break
        if self._thread is None:
            self.connection.inc_thread_sharing()
            self._thread = threading.Thread(target=self._write_batches, name="member-import-writer", daemon=True)
            self._thread.start()
        self._queue.put((rows, cards))

    def _write_batches(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._failure is not None:
                continue  # the importing thread acts on it; what is still queued is dropped
            rows, cards = item
            try:
                with self.db:
                    _insert_rows(
                        self.connection,
                        actor=self.actor,
                        rows=rows,
                        cards=cards,
                        note=self.note,
                        now=self.now,
                        fixed=self.fixed,
                    )
            except BaseException as exc:  # handed to the importing thread (settle)
                self._failure = exc

    def _join(self) -> None:
        """Wait for the writer thread to finish what it has (never while holding `db`)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
            self.connection.dec_thread_sharing()

    def commit(self) -> int:
        """Write what is left, count it, and commit; the number of members created."""
        if self.batch:
            self._hand_over()
        self._join()
        self.settle()
        if not self.is_open:
            return 0
        _bump_count(self.org.pk, self.rows)
        # Subtree statistics (gonghui.stats): the whole import's deltas, once, in this transaction.
        apply_deltas(
            org=self.org,
            deltas=member_group_deltas(
                {
                    MemberState(str(MemberStatus.ACTIVE), migrant, str(form)): n
                    for (migrant, form), n in self.groups.items()
                }
            ),
        )
        self.is_open = False
        self._open.close()
        return self.rows

    def abort(self) -> None:
        """Roll back everything written (nothing more is written afterwards)."""
        if not self.is_open:
            return
        self.batch = []
        if self._failure is None:
            self._failure = _Aborted()
        self.is_open = False
        try:
            while True:  # queued batches are not written
                self._queue.get_nowait()
        except queue.Empty:
            pass
        self._join()
        transaction.set_rollback(True)
        self._open.close()


class _Aborted(Exception):
    """The writing was stopped (a rejected file): queued batches are dropped."""


def _row_defaults(org: Org, now: dt.datetime) -> dict[str, Any]:
    """The values every imported row shares: model defaults, the union, status, timestamps."""
    defaults = {f.attname: f.get_default() for f in Member._meta.concrete_fields if not f.primary_key}
    defaults.update(org_id=org.pk, status=str(MemberStatus.ACTIVE), created_at=now, updated_at=now)
    defaults["tier2_id"], defaults["tier3_id"] = tier_ids(org)
    if connection.vendor != "postgresql":
        defaults["created_at"] = defaults["updated_at"] = connection.ops.adapt_datetimefield_value(now)
    return defaults


@contextmanager
def _sqlite_bulk_cache() -> Iterator[None]:
    """SQLite: a page cache large enough for the member table's indexes during the bulk write.

    The default (2 MB) makes every insert into the 15 indexes of a large roll re-read pages;
    the connection's own setting is restored afterwards.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        before = cur.fetchone()[0]
        cur.execute(f"PRAGMA cache_size = {-SQLITE_IMPORT_CACHE_KIB:d}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size = {int(before):d}")


def _insert_rows(
    connection, *, actor, rows: Iterable[tuple], cards: list[str], note: str, now: dt.datetime, fixed: tuple
) -> None:
    """The members and their `imported` history rows, as the ORM would write them, in bulk.

    PostgreSQL: one COPY (psycopg 3); SQLite: INSERTs of many rows each. `rows` are prepared by `_prepare`
    (values of `_ROW_ATTNAMES`); each gets the next of `cards` (one consecutive block, fixed
    width, so a range finds them). The history rows are built in SQL from the rows just
    written: the same payload as `_diff({}, ...)`, as every tracked field is non-null. Must run
    inside the caller's transaction, on `connection` (a DatabaseWrapper: the writer thread's is the
    importing thread's).
    """
    pg = connection.vendor == "postgresql"
    table = Member._meta.db_table
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in _WRITE_FIELDS)
    with connection.cursor() as cur, connection.wrap_database_errors:
        if pg:
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row, card in zip(rows, cards, strict=True):
                    copy.write_row((*row, *fixed, card))
        else:
            # Many rows per INSERT rather than executemany: sqlite3 lets the GIL go for each
            # statement, and with one statement per row every row of the writer thread waited for
            # the importing thread's Python (up to sys.getswitchinterval(), 5 ms, each time).
            # Sent with sqlite3's own cursor and "?" marks: Django's wrapper rewrote each
            # statement's tens of thousands of "%s" marks by regex, a tenth of the write.
            sqlite = connection.connection
            width = len(_WRITE_FIELDS)
            limit = sqlite.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            per_statement = max(1, min(WRITE_CHUNK, limit // width))
            row_marks = "(" + ", ".join(["?"] * width) + ")"
            pairs = zip(rows, cards, strict=True)
            raw = sqlite.cursor()
            try:
                while chunk := list(itertools.islice(pairs, per_statement)):
                    params: list[Any] = []
                    for row, card in chunk:
                        params += row
                        params += fixed
                        params.append(card)
                    values = ", ".join([row_marks] * len(chunk))
                    raw.execute(f"INSERT INTO {table} ({columns}) VALUES {values}", params)  # noqa: S608
            finally:
                raw.close()
        cur.execute(
            *_history_sql(connection, actor=actor, note=note, first_card=cards[0], last_card=cards[-1], now=now)
        )


def _history_sql(
    connection, *, actor, note: str, first_card: str, last_card: str, now: dt.datetime
) -> tuple[str, list[Any]]:
    member, event = Member._meta.db_table, MemberEvent._meta.db_table
    db_columns = {f.name: f.column for f in Member._meta.concrete_fields}
    pairs = []
    for f in TRACKED_FIELDS:
        column = db_columns[f]
        if connection.vendor == "postgresql":
            value = f"to_char({column}, 'YYYY-MM-DD')" if f == "join_date" else column
            pairs.append(f"'{f}', jsonb_build_array(NULL, {value})")
        else:
            value = f"json(CASE WHEN {column} THEN 'true' ELSE 'false' END)" if f == "is_migrant_worker" else column
            pairs.append(f"'{f}', json_array(NULL, {value})")
    build = "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"
    created = now if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now)
    sql = (
        f"INSERT INTO {event} (member_id, kind, actor_id, changes, note, created_at) "  # noqa: S608
        f"SELECT id, %s, %s, {build}({', '.join(pairs)}), %s, %s FROM {member} "
        "WHERE card_number >= %s AND card_number <= %s ORDER BY id"
    )
    return sql, [MemberEvent.Kind.IMPORTED, getattr(actor, "pk", None), note, created, first_card, last_card]
