"""Spreadsheet uploads that cannot hurt: what a file claims to hold, read before anything parses it,
and the parsing itself in a child process with a memory and CPU limit.

`inspect_xlsx` reads the zip directory (never extracting): the file's size, every part's
uncompressed size and compression ratio, then streams only as much of the sheet as it must: the
start of the sheet XML for its `<dimension ref>` (declared rows × columns and cells), and the shared
strings and the sheet in bounded chunks for the longest string (the bytes of one `<si>` or one `<c>`
element). `inspect_csv` measures the longest line and the header's columns. Over a limit they
raise `SpreadsheetRefused`, whose message names the limit in Chinese.

A sheet may lack `<dimension>`, or lie about it: whatever these checks miss meets the child
process's limits (`read_in_child`): the reading process ends, not the server or the worker.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import re
import resource
import signal
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

MIB = 1024 * 1024
# Parts smaller than this are not judged by their compression ratio (tiny XML compresses well).
RATIO_MIN_PART_BYTES = 1 * MIB
# A sheet declaring more than SPARSE_MIN_CELLS cells must hold at least this many bytes of XML per
# declared cell: a real roll holds a row tag and a cell for every row (≥ 3 bytes per declared cell at
# 20 columns with one filled), while a sparse range (a cell at A1 and one at T1000000) holds almost none
# and would still make the reader allocate every cell between them.
SPARSE_MIN_CELLS = 1_000_000
MIN_XML_BYTES_PER_CELL = 1
SCAN_CHUNK = 4 * MIB
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?\"")
_LAST_ROW = re.compile(rb"<(?:\w+:)?row\s[^>]*?\br=\"(\d+)\"")
_ROOT = re.compile(rb"<(\w+:)?(?:worksheet|sst)\b")
_DIMENSION_SEARCH_BYTES = 64 * 1024


@dataclass(frozen=True)
class SpreadsheetLimits:
    """Limits for one spreadsheet upload (settings `GONGHUI_UPLOAD_*`, documented in docs/operations.md)."""

    max_bytes: int
    max_xml_bytes: int
    max_part_bytes: int
    max_ratio: int
    max_parts: int
    max_rows: int
    max_columns: int
    max_cells: int
    max_cell_bytes: int
    max_line_bytes: int
    reader_memory_bytes: int
    reader_cpu_seconds: int

    @classmethod
    def from_settings(cls) -> SpreadsheetLimits:
        return cls(
            max_bytes=settings.GONGHUI_IMPORT_MAX_BYTES,
            max_xml_bytes=settings.GONGHUI_UPLOAD_MAX_XML_BYTES,
            max_part_bytes=settings.GONGHUI_UPLOAD_MAX_PART_BYTES,
            max_ratio=settings.GONGHUI_UPLOAD_MAX_RATIO,
            max_parts=settings.GONGHUI_UPLOAD_MAX_PARTS,
            max_rows=settings.GONGHUI_UPLOAD_MAX_ROWS,
            max_columns=settings.GONGHUI_UPLOAD_MAX_COLUMNS,
            max_cells=settings.GONGHUI_UPLOAD_MAX_CELLS,
            max_cell_bytes=settings.GONGHUI_UPLOAD_MAX_CELL_BYTES,
            max_line_bytes=settings.GONGHUI_UPLOAD_MAX_LINE_BYTES,
            reader_memory_bytes=settings.GONGHUI_IMPORT_READER_MEMORY_MB * MIB,
            reader_cpu_seconds=settings.GONGHUI_IMPORT_READER_CPU_SECONDS,
        )


class SpreadsheetRefused(Exception):
    """The file is over a limit or not what it claims; `message` says which, in Chinese."""

    def __init__(self, message: str, code: str = "spreadsheet_refused") -> None:
        super().__init__(message, code)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class SheetFacts:
    compressed_bytes: int
    xml_bytes: int
    sheet_part: str
    dimension: str  # "" when the sheet declares none
    rows: int  # declared (dimension), else the last row tag found
    columns: int
    cells: int
    longest_string_bytes: int


def _mb(n: int) -> str:
    return f"{n / MIB:.1f}".rstrip("0").rstrip(".")


def column_number(letters: str) -> int:
    """A1 column letters as a number: A → 1, XFD → 16384."""
    number = 0
    for char in letters:
        number = number * 26 + (ord(char) - 64)
    return number


def _first_sheet_part(archive: zipfile.ZipFile, names: set[str]) -> str:
    """The first worksheet's part, as the workbook lists it (else the lowest-numbered sheet part)."""
    sheets = sorted(
        (n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
        key=lambda n: int(re.sub(r"\D", "", n.rsplit("/", 1)[1]) or 0),
    )
    rels_name = "xl/_rels/workbook.xml.rels"
    if "xl/workbook.xml" in names and rels_name in names:
        # Both are small in any real file; capped reads keep a hostile one small too.
        with archive.open("xl/workbook.xml") as fh:
            workbook = fh.read(1 * MIB)
        with archive.open(rels_name) as fh:
            rels = fh.read(1 * MIB)
        first = re.search(rb"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"", workbook)
        if first:
            rel = re.search(rb"<Relationship\b[^>]*?Id=\"" + re.escape(first.group(1)) + rb"\"[^>]*>", rels)
            target = re.search(rb"Target=\"([^\"]+)\"", rel.group(0)) if rel else None
            if target:
                path = target.group(1).decode("utf-8", "replace").lstrip("/")
                part = path if path.startswith("xl/") else f"xl/{path}"
                if part in names:
                    return part
    if not sheets:
        raise SpreadsheetRefused(_("XLSX 文件中没有工作表"), "no_sheet")
    return sheets[0]


def _too_long(limit: int) -> SpreadsheetRefused:
    return SpreadsheetRefused(
        _("表格中有单元格内容过长（超过 %(kb)s KB），请检查文件") % {"kb": limit // 1024}, "cell_too_long"
    )


def _scan(stream, section: bytes, name: bytes, limit: int) -> tuple[int, int]:
    """(bytes of the longest `name` element inside `section`, number of the last row tag) of a part,
    read in bounded chunks; refuses as soon as one element passes `limit`, so a huge string is never
    held whole. An element is measured from its opening to the next one's (its markup counts too);
    what lies outside the section (column widths, validations, …) is not a cell and is skipped."""
    longest = last_row = 0
    tail = b""
    prefix: bytes | None = None
    inside = done = False
    while not done and (chunk := stream.read(SCAN_CHUNK)):
        window = tail + chunk
        if prefix is None:  # the part's own namespace prefix, if it uses one (<x:c r="A1">)
            root = _ROOT.search(window, 0, 4096)
            prefix = root.group(1) or b"" if root else b""
        if not inside:
            start = window.find(b"<" + prefix + section)
            if start < 0:
                tail = window[-64:]
                continue
            inside, window = True, window[start:]
            if re.match(rb"<[^>]*/>", window):  # <sheetData/>: no cells at all
                break
        end = window.find(b"</" + prefix + section)
        if end >= 0:
            window, done = window[:end], True
        row_at = window.rfind(b"<" + prefix + b"row ")
        if row_at >= 0 and (row := _LAST_ROW.match(window, row_at)):
            last_row = int(row.group(1))
        pieces = window.split(b"<" + prefix + name)
        tail = pieces.pop() if not done else b""
        if pieces:
            longest = max(longest, max(map(len, pieces)))
        if len(tail) > limit or longest > limit:
            raise _too_long(limit)
    return max(longest, len(tail)), last_row


def inspect_xlsx(path: Path | str, limits: SpreadsheetLimits) -> SheetFacts:
    """Check an XLSX against `limits` before it is parsed (see the module's docstring)."""
    path = Path(path)
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise SpreadsheetRefused(_("文件不能超过 %(mb)s MB") % {"mb": _mb(limits.max_bytes)}, "file_too_large")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SpreadsheetRefused(
            _("无法读取文件，请确认是有效的 XLSX 文件（%(detail)s）") % {"detail": exc}, "bad_file_content"
        ) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_parts:
            raise SpreadsheetRefused(
                _("XLSX 文件包含 %(n)s 个部件，超过上限 %(limit)s 个") % {"n": len(infos), "limit": limits.max_parts},
                "too_many_parts",
            )
        names = {info.filename for info in infos}
        total = sum(info.file_size for info in infos)
        if total > limits.max_xml_bytes:
            raise SpreadsheetRefused(
                _("XLSX 文件解压后有 %(mb)s MB，超过上限 %(limit)s MB，请分成几个文件导入")
                % {"mb": _mb(total), "limit": _mb(limits.max_xml_bytes)},
                "too_large_uncompressed",
            )
        for info in infos:
            if info.file_size > limits.max_part_bytes:
                raise SpreadsheetRefused(
                    _("XLSX 文件中的 %(part)s 解压后有 %(mb)s MB，超过上限 %(limit)s MB，请分成几个文件导入")
                    % {"part": info.filename, "mb": _mb(info.file_size), "limit": _mb(limits.max_part_bytes)},
                    "too_large_uncompressed",
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size >= RATIO_MIN_PART_BYTES and ratio > limits.max_ratio:
                raise SpreadsheetRefused(
                    _("XLSX 文件中的 %(part)s 压缩比异常（约 %(ratio)d:1，上限 %(limit)s:1），疑似压缩炸弹，已拒绝")
                    % {"part": info.filename, "ratio": ratio, "limit": limits.max_ratio},
                    "zip_bomb",
                )
        sheet_part = _first_sheet_part(archive, names)
        sheet_bytes = archive.getinfo(sheet_part).file_size
        with archive.open(sheet_part) as fh:
            head = fh.read(_DIMENSION_SEARCH_BYTES)
        dimension, rows, columns = _declared_range(head)
        cells = rows * columns
        _check_range(limits, dimension, rows, columns, cells, sheet_bytes)
        longest = 0
        for strings_part in (n for n in names if n.lower().endswith("sharedstrings.xml")):
            with archive.open(strings_part) as fh:
                longest = max(longest, _scan(fh, b"sst", b"si", limits.max_cell_bytes)[0])
        with archive.open(sheet_part) as fh:
            longest_cell, last_row = _scan(fh, b"sheetData", b"c ", limits.max_cell_bytes)
        longest = max(longest, longest_cell)
        if last_row > rows:
            # No dimension, or one claiming fewer rows than the sheet holds: judge the rows it holds.
            rows, cells = last_row, last_row * max(columns, 1)
            _check_range(limits, dimension, rows, columns, cells, sheet_bytes)
    return SheetFacts(size, total, sheet_part, dimension, rows, columns, cells, longest)


def _declared_range(head: bytes) -> tuple[str, int, int]:
    match = _DIMENSION.search(head)
    if not match:
        return "", 0, 0
    first_col, first_row, last_col, last_row = match.groups()
    last_col, last_row = last_col or first_col, last_row or first_row
    if not last_col or not last_row:
        return "", 0, 0
    ref = match.group(0).split(b'"')[1].decode("ascii")
    rows = int(last_row) - int(first_row or last_row) + 1
    columns = column_number(last_col.decode()) - column_number((first_col or last_col).decode()) + 1
    return ref, max(rows, 1), max(columns, 1)


def _check_range(limits: SpreadsheetLimits, ref: str, rows: int, columns: int, cells: int, sheet_bytes: int) -> None:
    shown = ref or _("（未声明）")
    if rows > limits.max_rows:
        raise SpreadsheetRefused(
            _("表格范围 %(ref)s 有 %(rows)s 行，超过上限 %(limit)s 行，请分成几个文件导入")
            % {"ref": shown, "rows": rows, "limit": limits.max_rows},
            "too_many_rows",
        )
    if columns > limits.max_columns:
        raise SpreadsheetRefused(
            _(
                "表格范围 %(ref)s 有 %(columns)s 列，超过上限 %(limit)s 列；请删除多余的列（包括只有格式的空白列）后再导入"
            )
            % {"ref": shown, "columns": columns, "limit": limits.max_columns},
            "too_many_columns",
        )
    if cells > limits.max_cells:
        raise SpreadsheetRefused(
            _("表格范围 %(ref)s 共 %(cells)s 个单元格，超过上限 %(limit)s 个，请分成几个文件导入")
            % {"ref": shown, "cells": cells, "limit": limits.max_cells},
            "too_many_cells",
        )
    if cells > SPARSE_MIN_CELLS and sheet_bytes < cells * MIN_XML_BYTES_PER_CELL:
        raise SpreadsheetRefused(
            _("表格范围 %(ref)s 声明了 %(cells)s 个单元格，但文件中几乎没有内容；请删除空白的行和列后另存再导入")
            % {"ref": shown, "cells": cells},
            "sparse_range",
        )


def inspect_csv(path: Path | str, limits: SpreadsheetLimits) -> int:
    """Check a CSV against `limits` before it is parsed; the number of lines."""
    path = Path(path)
    if path.stat().st_size > limits.max_bytes:
        raise SpreadsheetRefused(_("文件不能超过 %(mb)s MB") % {"mb": _mb(limits.max_bytes)}, "file_too_large")
    lines = 0
    tail = b""
    header: bytes | None = None
    with path.open("rb") as fh:
        while chunk := fh.read(SCAN_CHUNK):
            pieces = (tail + chunk).split(b"\n")
            tail = pieces.pop()
            if header is None and pieces:
                header = pieces[0]
            lines += len(pieces)
            if len(tail) > limits.max_line_bytes or (pieces and max(map(len, pieces)) > limits.max_line_bytes):
                raise SpreadsheetRefused(
                    _("CSV 文件中有一行超过 %(kb)s KB，请检查文件") % {"kb": limits.max_line_bytes // 1024},
                    "line_too_long",
                )
    header = header if header is not None else tail
    columns = max(header.count(d) for d in (b",", b"\t", b";")) + 1
    if columns > limits.max_columns:
        raise SpreadsheetRefused(
            _("表格有 %(columns)s 列，超过上限 %(limit)s 列；请删除多余的列后再导入")
            % {"columns": columns, "limit": limits.max_columns},
            "too_many_columns",
        )
    return lines + (1 if tail else 0)


# ---------------------------------------------------------------------------------------
# Reading in a child process
# ---------------------------------------------------------------------------------------

RowSource = tuple[int, Iterator[Any]]  # (estimated rows, the rows)
CHUNK_ROWS = 2000


class ReaderDied(Exception):
    """The reading process ended without finishing: over its memory or CPU limit, or crashed."""

    def __init__(self, exit_code: int | None) -> None:
        super().__init__(f"reader exited with {exit_code}")
        self.exit_code = exit_code


def reader_died_message() -> str:
    return _(
        "文件过大或格式异常，读取时超出了内存或时间限制，已停止；请检查文件（删除空白行列、过长的单元格）或分成几个文件导入"
    )


def _address_space() -> int:
    """This process's virtual size now (Linux), so the child's limit is what the reading may add."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _limit_resources(memory_bytes: int, cpu_seconds: int) -> None:
    if memory_bytes > 0:
        cap = _address_space() + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    if cpu_seconds > 0:
        used = int(sum(os.times()[:2]))
        resource.setrlimit(resource.RLIMIT_CPU, (used + cpu_seconds, used + cpu_seconds + 5))


def _reader_main(conn, open_rows: Callable[[], RowSource], memory_bytes: int, cpu_seconds: int) -> None:
    """The reading process: limits set, rows opened and sent in chunks, then the end or the exception
    (after the rows read before it, so the importing process sees them in the same order)."""
    chunk: list = []
    faulthandler.disable()  # its death over a limit is expected: no traceback dump on the shared stderr
    try:
        _limit_resources(memory_bytes, cpu_seconds)
        estimated, rows = open_rows()
        conn.send(("start", estimated))
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK_ROWS:
                conn.send(("rows", chunk))
                chunk = []
        if chunk:
            conn.send(("rows", chunk))
        conn.send(("end", None))
    except (BrokenPipeError, EOFError, ConnectionResetError):  # the importing process stopped reading
        return
    except MemoryError:
        os._exit(70)  # nothing sensible can be sent without memory; the parent reads the exit
    except Exception as exc:
        if chunk:
            conn.send(("rows", chunk))
        try:
            conn.send(("error", exc))
        except Exception:  # an exception that does not pickle: its name and text
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()


class ChildReader:
    """Rows of a file read by a forked child with a memory (RLIMIT_AS) and CPU (RLIMIT_CPU) limit.

    `open_rows` runs in the child and returns (estimated rows, an iterator of rows); the rows come
    back over a pipe in chunks, so the parsed sheet lives only in the child. An exception raised in
    the child is raised again here; the child's death raises `ReaderDied`. A bare fork (not
    multiprocessing.Process), so that daemonic processes (a worker's pool) may read too.
    """

    def __init__(self, open_rows: Callable[[], RowSource], limits: SpreadsheetLimits) -> None:
        self._conn, theirs = multiprocessing.Pipe(duplex=False)
        self._closed = False
        self.exit_code: int | None = None
        pid = os.fork()
        if pid == 0:  # the child
            code = 0
            try:
                self._conn.close()
                _reader_main(theirs, open_rows, limits.reader_memory_bytes, limits.reader_cpu_seconds)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        self._pid = pid
        theirs.close()
        self.estimated_rows = int(self._receive("start") or 0)

    def _receive(self, expected: str) -> Any:
        try:
            kind, payload = self._conn.recv()
        except (EOFError, OSError):
            self.close()
            raise ReaderDied(self.exit_code) from None
        if kind == "error":
            self.close()
            raise payload
        if kind != expected and not (expected == "rows" and kind == "end"):
            self.close()
            raise ReaderDied(self.exit_code)
        return payload if kind != "end" else None

    def rows(self) -> Iterator[Any]:
        try:
            while (chunk := self._receive("rows")) is not None:
                yield from chunk
        finally:
            self.close()

    def close(self) -> None:
        """Stop the reading process (at once if it still reads) and wait for it; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._conn.close()
        pid, status = os.waitpid(self._pid, os.WNOHANG)
        if pid == 0:  # still reading: nobody needs the rest
            os.kill(self._pid, signal.SIGKILL)
            pid, status = os.waitpid(self._pid, 0)
        self.exit_code = os.waitstatus_to_exitcode(status)


def read_in_child(open_rows: Callable[[], RowSource], limits: SpreadsheetLimits | None = None) -> ChildReader:
    return ChildReader(open_rows, limits or SpreadsheetLimits.from_settings())
