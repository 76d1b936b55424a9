"""Member import, step 2 — checking: each row's cells read as `clean_member_input` takes them (the
spellings of import_vocab), checked (in worker processes for large files) and, when good, prepared as the
member table stores it; duplicates judged in file order, inside the file and against the roll; every
problem recorded with the person's name and the value found (import_report)."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import re
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import translation
from django.utils.translation import gettext as _

from gonghui.core import pii
from gonghui.core.idcard import mask_id_number
from gonghui.core.pinyin import person_initials

from . import import_vocab
from .import_read import _is_blank
from .import_report import (
    BadRows,
    ErrorRow,
    RowError,
)
from .import_template import EXAMPLE_ROW
from .import_vocab import FIELD_HEADERS, HEADER_FIELDS, IMPORT_HEADERS
from .models import CURRENT_STATUSES, Education, IdType, Member, NewEmploymentForm
from .selectors import member_qs_visible_to
from .validation import REQUIRED, clean_member_input

if TYPE_CHECKING:
    from .import_write import _Writer


DUPLICATE_BATCH = 10_000  # rows judged against the roll per query: as many as a write batch (see _Writer)
# Rows are checked (cells, ID number, hash, encryption) by this many worker processes when a
# file has at least POOL_MIN_ROWS rows; 0 or 1 checks in the importing process.
IMPORT_WORKERS = int(os.environ.get("GONGHUI_IMPORT_WORKERS", str(min(2, os.cpu_count() or 1))))
POOL_MIN_ROWS = 20_000
POOL_CHUNK = 2000

# Excel keeps 15 significant digits; a longer number typed into a number cell is already wrong.
_EXCEL_DIGITS = 15
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE]\+?\d+$")
_LONG_CODE_FIELDS = ("id_number", "employer_uscc", "phone")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL = re.compile(r"^[1-7]\d{4}$")  # 10000–79999: 1927-05-18 to 2118-12-25
_ENUMERATED = frozenset(import_vocab.ENUMERATED_FIELDS)


def _number_text(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_text(value: Any) -> str:
    if isinstance(value, str):  # the common case first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, int | float):
        return _number_text(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _as_code(header: str, value: Any) -> str:
    """ID number, phone, USCC: refuse numbers Excel has already cut to 15 digits."""
    if isinstance(value, str):  # the common case (CSV, text cells): no number conversion
        text = value.strip()
        if _SCIENTIFIC.match(text):
            raise ValueError(_lost_digits(header))
        return text
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = _number_text(value)
        if isinstance(value, float) and (not value.is_integer() or len(digits) > _EXCEL_DIGITS):
            raise ValueError(_lost_digits(header))
        return digits
    text = _as_text(value)
    if _SCIENTIFIC.match(text):
        raise ValueError(_lost_digits(header))
    return text


def _lost_digits(header: str) -> str:
    # Translated only when a cell is refused (gettext per cell was a tenth of the check's time).
    return _("%(column)s被存成了数字，Excel 只保留15位有效数字，号码已失真；请把该列设为“文本”格式后重新填写") % {
        "column": header
    }


def _as_date(value: Any) -> Any:
    if isinstance(value, dt.date):  # date or datetime: clean_member_input takes both
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = int(value)
        if 19000101 <= number <= 29991231 and number == value:
            return str(number)  # typed as 20200301
        if 1 <= value < 2_958_466:  # an Excel date serial in a cell not formatted as a date
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        return _number_text(value)
    text = _as_text(value)
    if _SERIAL.match(text):  # a date serial written out as text (a CSV saved from a number cell)
        return _EXCEL_EPOCH + dt.timedelta(days=int(text))
    return text.split(" ")[0].split("T")[0]


def _row_input(cells: list[Any], columns: dict[str, int]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    data: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for header, index in columns.items():
        name = HEADER_FIELDS[header]
        cell = cells[index] if index < len(cells) else None
        if name in REQUIRED and _is_blank(cell):
            continue  # clean_member_input says "此项为必填项"
        try:
            if name in _LONG_CODE_FIELDS:
                data[name] = _as_code(header, cell)
            elif name == "join_date":
                data[name] = _as_date(cell)
            elif name == "is_migrant_worker" and isinstance(cell, bool):
                data[name] = cell
            elif name in _ENUMERATED:
                data[name] = import_vocab.lookup(name, _as_text(cell))
            else:
                data[name] = _as_text(cell)
        except ValueError as exc:
            problems.setdefault(name, []).append(str(exc))
    return data, problems


def _is_example(cells: list[Any], columns: dict[str, int]) -> bool:
    for header in ("姓名", "证件号码", "手机号码"):
        index = columns.get(header)
        if index is None or index >= len(cells) or _as_text(cells[index]) != EXAMPLE_ROW[header]:
            return False
    return True


# ---------------------------------------------------------------------------------------
# Validation: each row is checked and, when good, prepared as the member table will store it
# ---------------------------------------------------------------------------------------

# Member columns as the importer writes them: everything but the key, with card_number last
# (card numbers are reserved once the number of good rows is known, after validation).
# A prepared row holds the values that may differ between rows (_ROW_ATTNAMES); the rest are the
# same for the whole import (_FIXED_ATTNAMES: union and its tiers, status, timestamps, no transfer) and are
# added when writing, so worker processes and the spill file carry only what varies.
_FIXED_ATTNAMES = ("org_id", "tier2_id", "tier3_id", "status", "created_at", "updated_at", "transferred_from_id")
_WRITE_FIELDS = [
    f
    for f in Member._meta.concrete_fields
    if not f.primary_key and f.attname != "card_number" and f.attname not in _FIXED_ATTNAMES
]
_ROW_ATTNAMES = [f.attname for f in _WRITE_FIELDS]  # a prepared row: these values, in this order
_BY_ATTNAME = {f.attname: f for f in Member._meta.concrete_fields}
_WRITE_FIELDS += [_BY_ATTNAME[a] for a in (*_FIXED_ATTNAMES, "card_number")]
_MIGRANT = _ROW_ATTNAMES.index("is_migrant_worker")
_NEW_EMPLOYMENT = _ROW_ATTNAMES.index("new_employment_form")


@dataclass(frozen=True)
class _RowContext:
    """What checking and preparing a row needs besides its cells (sent once to each worker)."""

    columns: dict[str, int]
    today: dt.date
    defaults: dict[str, Any]  # model defaults + this import's org, status and timestamps
    iso_dates: bool  # SQLite: dates as ISO text
    language: str


_initials_cache: dict[str, tuple[str, str]] = {}


def _initials(name: str) -> tuple[str, str]:
    ini = _initials_cache.get(name)
    if ini is None:
        if len(_initials_cache) > 200_000:
            _initials_cache.clear()
        ini = _initials_cache[name] = person_initials(name)
    return ini


def _prepare(cleaned: dict[str, Any], digest: str, ctx: _RowContext) -> tuple:
    """The member row (without its card number) exactly as `Member(...)` + `apply_id_number` store it."""
    v = ctx.defaults.copy()
    v.update(cleaned)
    number = v.pop("id_number")
    v["id_number_encrypted"] = pii.encrypt(number)
    v["id_number_hash"] = digest
    v["id_number_masked"] = mask_id_number(number)
    # The search columns, as members.search.search_keys computes them (initials cached by name).
    v["name_initials"], v["name_initials_alt"] = _initials(v["name"])
    v["phone_last4"] = v["phone"][-4:] if len(v["phone"] or "") >= 4 else ""
    v["id_last4"] = v["id_number_masked"][-4:] if len(v["id_number_masked"]) > 10 else ""
    if ctx.iso_dates:
        for key in ("birth_date", "join_date"):
            if v[key] is not None:
                v[key] = v[key].isoformat()
    return tuple([v[a] for a in _ROW_ATTNAMES])


# One checked row: (row number, errors by field, ID hash or "", prepared row or None, the cells of a
# row with errors or None).
_Checked = tuple[int, dict[str, list[str]], str, tuple | None, list[Any] | None]


def _check_row(row: int, cells: list[Any], ctx: _RowContext) -> _Checked:
    """Every cell of one row: the reasons by field, the keyed hash of a valid ID number, the prepared row.

    Pure (no database): runs in worker processes for large files. Duplicates (in the file, on the
    roll) are judged afterwards, in row order, by `_Validation`.
    """
    data, problems = _row_input(cells, ctx.columns)
    cleaned, errors = clean_member_input(data, today=ctx.today)
    for name, reasons in problems.items():
        errors.pop(name, None)
        errors[name] = reasons
    if "id_type" in errors and "id_number" in errors:
        # The ID number cannot be judged against an unknown document type; say it once.
        errors["id_number"] = [r for r in errors["id_number"] if r != _("未知的证件类型")]
        if not errors["id_number"]:
            del errors["id_number"]
    digest = ""
    if "id_number" in cleaned and "id_number" not in errors:
        digest = pii.keyed_hash(cleaned["id_number"])
    prepared = _prepare(cleaned, digest, ctx) if digest and not errors else None
    return row, errors, digest, prepared, cells if errors else None


_worker_ctx: _RowContext | None = None


def _worker_init(ctx: _RowContext) -> None:
    global _worker_ctx
    _worker_ctx = ctx
    translation.activate(ctx.language)


def _check_chunk(chunk: list[tuple[int, list[Any]]]) -> list[_Checked]:
    assert _worker_ctx is not None
    return [_check_row(row, cells, _worker_ctx) for row, cells in chunk]


@dataclass
class _Pending:
    row: int
    hash: str
    prepared: tuple | None
    bad: bool
    cells: list[Any] | None = None


@dataclass
class _Validation:
    actor: Any
    columns: dict[str, int]
    writer: _Writer
    errors: list[ErrorRow] = field(default_factory=list)
    bad_rows: int = 0
    seen: dict[bytes, int] = field(default_factory=dict)  # ID hash → first row with it
    pending: list[_Pending] = field(default_factory=list)
    bad: BadRows = field(default_factory=BadRows)  # for the fix-up file

    def add_errors(
        self, row: int, problems: dict[str, list[str]], cells: list[Any] | None, prepared: tuple | None
    ) -> None:
        """Report a row's problems, each with the value found and the person's name, and keep the
        row (under the template's columns) for the fix-up file."""
        if not problems:
            return
        self.writer.bad_row()
        values = self._template_cells(cells, prepared)
        person = _as_text(values[0])
        order = {HEADER_FIELDS[h]: i for h, i in self.columns.items()}
        reasons: list[str] = []
        for name in sorted(problems, key=lambda n: order.get(n, len(order))):
            header = FIELD_HEADERS.get(name, name)
            value = _as_text(values[_HEADER_INDEX[header]]) if header in _HEADER_INDEX else ""
            for reason in problems[name]:
                self.errors.append(RowError(row, header, reason, value, person))
                reasons.append(f"{header}：{reason}")
        self.bad.add(row, values, reasons)

    def _template_cells(self, cells: list[Any] | None, prepared: tuple | None) -> list[Any]:
        """A row's cells under IMPORT_HEADERS: as found in the file, or (a row found bad only by
        its duplicates, whose cells were not kept) as it would have been stored."""
        if cells is not None:
            return [
                cells[i] if (i := self.columns.get(h)) is not None and i < len(cells) else None for h in IMPORT_HEADERS
            ]
        if prepared is not None:
            return _cells_from_prepared(prepared)
        return [None] * len(IMPORT_HEADERS)

    def take(self, checked: _Checked) -> None:
        """A checked row, in file order: duplicates within the file, then (batched) on the roll."""
        row, errors, digest, prepared, cells = checked
        if digest:
            key = bytes.fromhex(digest)
            first = self.seen.get(key)
            if first is not None:
                errors.setdefault("id_number", []).append(
                    _("与第%(row)d行的证件号码重复，同一人只能出现一次") % {"row": first}
                )
                digest = ""
            else:
                self.seen[key] = row
        self.add_errors(row, errors, cells, prepared)
        if digest:
            bad = bool(errors)
            self.pending.append(
                _Pending(row=row, hash=digest, prepared=None if bad else prepared, bad=bad, cells=cells)
            )
            if len(self.pending) >= DUPLICATE_BATCH:
                self.flush()
        elif errors:
            self.bad_rows += 1

    def flush(self) -> None:
        """Check the pending rows against current memberships anywhere, in one query."""
        if not self.pending:
            return
        while True:
            self.writer.settle()
            with self.writer.db:
                if self.writer.failed():  # a write failed while this thread waited for the connection
                    continue
                holders = {m.id_number_hash: m for m in _current_holders([p.hash for p in self.pending])}
                visible = set(
                    member_qs_visible_to(actor=self.actor)
                    .filter(pk__in=[m.pk for m in holders.values()])
                    .values_list("pk", flat=True)
                )
                break
        for item in self.pending:
            holder = holders.get(item.hash)
            if holder is not None:
                if holder.pk in visible:
                    reason = _("此人已是%(org)s的会员（会员卡号 %(card)s）") % {
                        "org": holder.org.name,
                        "card": holder.card_number,
                    }
                else:
                    reason = _("此人已在其他工会登记为会员，请办理会员接转")
                self.add_errors(item.row, {"id_number": [reason]}, item.cells, item.prepared)
                item.bad = True
            if item.bad or item.prepared is None:
                self.bad_rows += 1
            else:
                self.writer.add(item.prepared)
        self.pending = []


_HEADER_INDEX = {h: i for i, h in enumerate(IMPORT_HEADERS)}


def _cells_from_prepared(prepared: tuple) -> list[Any]:
    """A prepared row back as the template's cells (labels, the ID number in full)."""
    v = dict(zip(_ROW_ATTNAMES, prepared, strict=True))
    join_date = v["join_date"]
    by_field = {
        "name": v["name"],
        "id_type": str(IdType(v["id_type"]).label),
        "id_number": pii.decrypt(v["id_number_encrypted"]),
        "phone": v["phone"],
        "ethnicity": v["ethnicity"],
        "education": str(Education(v["education"]).label) if v["education"] else "",
        "employer_name": v["employer_name"],
        "employer_uscc": v["employer_uscc"],
        "join_date": dt.date.fromisoformat(join_date) if isinstance(join_date, str) else join_date,
        "is_migrant_worker": _("是") if v["is_migrant_worker"] else _("否"),
        "new_employment_form": str(NewEmploymentForm(v["new_employment_form"]).label),
    }
    return [by_field[HEADER_FIELDS[h]] for h in IMPORT_HEADERS]


def _current_holders(hashes: list[str]) -> list[Member]:
    """Current memberships (with their union) of any of these ID hashes, anywhere on the roll.

    The hashes go as one parameter, an array on PostgreSQL (`IN (SELECT unnest(%s))`), a JSON array on
    SQLite (`json_each`): an IN list of thousands of 64-character literals cost more to build (in
    Django, value by value), parse and plan than the index probes themselves.
    """
    qs = Member.objects.filter(status__in=CURRENT_STATUSES).select_related("org")
    if connection.vendor == "postgresql":
        return list(qs.filter(id_number_hash__in=RawSQL("SELECT unnest(%s::text[])", [hashes])))
    return list(qs.filter(id_number_hash__in=RawSQL("SELECT value FROM json_each(%s)", [json.dumps(hashes)])))


def _start_checkers(ctx: _RowContext, estimate: int) -> _Checkers | None:
    """Worker processes for checking rows, when the file is large and forking is safe here.

    Forked (cheap, they inherit the loaded code and settings) and only from a single-threaded
    process: a web process running jobs in a thread checks in-process instead, as does any
    process that may not have children. Results are identical either way (tests check it).
    """
    if IMPORT_WORKERS < 2 or estimate < POOL_MIN_ROWS:
        return None
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return None
    if multiprocessing.current_process().daemon:
        return None
    try:
        return _Checkers(ctx, IMPORT_WORKERS)
    except (OSError, AssertionError, ValueError):
        return None


def _checker_main(conn, inherited: list, ctx: _RowContext) -> None:
    """A checking process: chunks in, their checked rows out, until the importing process closes the pipe."""
    for pipe in inherited:  # the importing process's ends, copied by fork: else no end of input is seen
        pipe.close()
    _worker_init(ctx)
    try:
        while True:
            chunk = conn.recv()
            try:
                checked: Any = _check_chunk(chunk)
            except Exception as exc:  # raised again in the importing process (_Checkers.results)
                checked = _CheckerFailed(f"{type(exc).__name__}: {exc}")
            conn.send(checked)
    except (EOFError, OSError):  # the import has finished or stopped (pipe closed or reset)
        return


class _CheckerFailed(Exception):
    """A checking process failed on a chunk or died (the cause, as text)."""


class _Checkers:
    """Forked checking processes with one pipe each, one chunk in flight per process.

    Plain pipes instead of `multiprocessing.Pool`: the pool's three helper threads (tasks,
    results, workers) took the GIL from the importing and writing threads for every chunk (the
    importing process's CPU went from ~49 to ~45 µs a row without them). Chunks go round the
    processes in file order and their results are read back in the same order, so rows are
    judged in file order. A process's next chunk is sent as soon as its last result is read,
    before that result is judged; a process that dies ends the import with an error instead of
    leaving it waiting.
    """

    def __init__(self, ctx: _RowContext, count: int) -> None:
        fork = multiprocessing.get_context("fork")
        self._pipes: list = []
        self._processes: list = []
        self.exit_codes: list[int | None] = []
        try:
            for index in range(count):
                ours, theirs = fork.Pipe()
                process = fork.Process(
                    target=_checker_main,
                    args=(theirs, [*self._pipes, ours], ctx),
                    name=f"member-import-check-{index}",
                    daemon=True,
                )
                process.start()
                theirs.close()
                self._pipes.append(ours)
                self._processes.append(process)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> _Checkers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def results(self, chunks: Iterator[list[tuple[int, list[Any]]]]) -> Iterator[list[_Checked]]:
        """The checked rows of each chunk, in the order of `chunks`."""
        busy: deque = deque()
        for pipe in self._pipes:
            chunk = next(chunks, None)
            if chunk is None:
                break
            pipe.send(chunk)
            busy.append(pipe)
        while busy:
            pipe = busy.popleft()
            try:
                checked = pipe.recv()
            except EOFError:
                raise _CheckerFailed("a checking process exited unexpectedly") from None
            if isinstance(checked, _CheckerFailed):
                raise checked
            chunk = next(chunks, None)
            if chunk is not None:
                pipe.send(chunk)
                busy.append(pipe)
            yield checked

    def close(self) -> None:
        for pipe in self._pipes:
            pipe.close()  # the process sees the end of its input and exits
        for process in self._processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
        self.exit_codes = [process.exitcode for process in self._processes]
        self._pipes, self._processes = [], []
