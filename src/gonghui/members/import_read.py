"""Member import, step 1 — reading: the file checked against the upload limits and parsed in a limited
child process (core.spreadsheets), its rows handed out one at a time; the header row found (below a title,
under merged headings, by the names officers give the columns)."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from gonghui.core.spreadsheets import (
    ReaderDied,
    SpreadsheetLimits,
    SpreadsheetRefused,
    inspect_csv,
    inspect_xlsx,
    read_in_child,
    reader_died_message,
)

from .import_report import (
    ErrorRow,
    RowError,
)
from .import_vocab import HEADER_FIELDS, HEADER_SYNONYMS, REQUIRED_HEADERS, header_text

ALLOWED_SUFFIXES = (".xlsx", ".csv")
HEADER_SEARCH_ROWS = 10  # the header may sit below a title: looked for in this many non-blank rows


class _FileRejected(Exception):
    """The file as a whole cannot be imported (unreadable, no header, missing column)."""

    def __init__(self, message: str, errors: list[ErrorRow] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or [RowError(0, "", message)]


@dataclass
class _Source:
    rows: Iterator[tuple[int, list[Any]]]  # (row number as the officer sees it, cells)
    estimated_rows: int  # for progress only
    close: Callable[[], None] = lambda: None  # stops the reading (the reading process, if any)


def _xlsx_source(path: Path) -> _Source:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except (CalamineError, OSError, ValueError) as exc:
        raise _FileRejected(_("无法读取文件，请确认是有效的 XLSX 文件（%(detail)s）") % {"detail": exc}) from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            # iter_rows keeps leading blank rows, so the index is the Excel row number.
            yield from enumerate(sheet.iter_rows(), start=1)
        finally:
            workbook.close()

    end = sheet.end
    return _Source(rows=rows(), estimated_rows=(end[0] + 1) if end else 0)


def _detect_csv_encoding(path: Path) -> tuple[str, int]:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else GB18030 (⊃ GBK)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    utf8 = True
    lines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            lines += chunk.count(b"\n")
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    return ("utf-8-sig" if utf8 else "gb18030"), lines + 1


def _csv_source(path: Path) -> _Source:
    encoding, lines = _detect_csv_encoding(path)
    with path.open(encoding=encoding, newline="", errors="strict") as fh:
        try:
            first = fh.readline()
        except UnicodeDecodeError:
            raise _FileRejected(_("无法识别文件编码，请将 CSV 另存为 UTF-8 或 GBK 编码")) from None
    delimiter = max((",", "\t", ";"), key=first.count) if first else ","

    def rows() -> Iterator[tuple[int, list[Any]]]:
        with path.open(encoding=encoding, newline="", errors="strict") as fh:
            try:
                yield from enumerate(csv.reader(fh, delimiter=delimiter), start=1)
            except UnicodeDecodeError:
                raise _FileRejected(_("无法识别文件编码，请将 CSV 另存为 UTF-8 或 GBK 编码")) from None
            except csv.Error as exc:
                raise _FileRejected(_("CSV 格式有误：%(detail)s") % {"detail": exc}) from None

    return _Source(rows=rows(), estimated_rows=lines)


def _read_rows(path: Path, limits: SpreadsheetLimits) -> tuple[int, Iterator[tuple[int, list[Any]]]]:
    """In the reading process: the file checked against the limits, then opened."""
    if path.suffix.lower() == ".xlsx":
        inspect_xlsx(path, limits)
        source = _xlsx_source(path)
    else:
        inspect_csv(path, limits)
        source = _csv_source(path)
    return source.estimated_rows, source.rows


def _open_source(path: Path) -> _Source:
    """The file's rows, parsed in a child process with memory and CPU limits (core.spreadsheets):
    a file that gets past the checks and would need more ends that process, not this one."""
    if path.suffix.lower() not in ALLOWED_SUFFIXES:
        raise _FileRejected(_("只支持 .xlsx 或 .csv 文件"))
    limits = SpreadsheetLimits.from_settings()
    try:
        reader = read_in_child(lambda: _read_rows(path, limits), limits)
    except SpreadsheetRefused as exc:
        raise _FileRejected(exc.message) from None
    except ReaderDied:
        raise _FileRejected(reader_died_message()) from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            yield from reader.rows()
        except ReaderDied:
            raise _FileRejected(reader_died_message()) from None

    return _Source(rows=rows(), estimated_rows=reader.estimated_rows, close=reader.close)


def _known_headers(cells: list[Any]) -> dict[str, int]:
    """Column index of each import column named in `cells`: by its own name first, then by another
    name officers use for it (import_vocab.HEADER_SYNONYMS; the first such column wins)."""
    columns: dict[str, int] = {}
    synonyms: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = header_text(cell)
        if key in HEADER_FIELDS:
            columns.setdefault(key, index)
        elif key in HEADER_SYNONYMS:
            synonyms.setdefault(HEADER_SYNONYMS[key], index)
    for key, index in synonyms.items():
        columns.setdefault(key, index)
    return columns


def _map_header(row_number: int, cells: list[Any]) -> dict[str, int]:
    """Column index of each known header; rejects duplicated and missing required columns."""
    seen: set[str] = set()
    for cell in cells:
        key = header_text(cell)
        if key in HEADER_FIELDS:
            if key in seen:
                message = _("第%(row)d行的表头“%(column)s”重复出现") % {"row": row_number, "column": key}
                raise _FileRejected(message, [RowError(row_number, key, _("表头重复出现"))])
            seen.add(key)
    columns = _known_headers(cells)
    missing = [h for h in REQUIRED_HEADERS if h not in columns]
    if missing:
        message = _("缺少必填列：%(columns)s（第%(row)d行应为表头）") % {
            "columns": "、".join(missing),
            "row": row_number,
        }
        raise _FileRejected(
            message, [RowError(row_number, h, _("缺少必填列“%(column)s”") % {"column": h}) for h in missing]
        )
    return columns


def _find_header(rows: Iterator[tuple[int, list[Any]]]) -> tuple[int, dict[str, int]]:
    """The header row: the first of the first HEADER_SEARCH_ROWS non-blank rows that names every
    required column. Rows above it (a title, a merged group heading) are skipped; a heading cell
    merged down over two rows holds its text in the upper row, so a blank cell of a candidate row
    takes the text above it."""
    best: tuple[int, list[Any]] | None = None
    best_count = 0
    previous: list[Any] = []
    seen = 0
    for row, cells in rows:
        if all(_is_blank(c) for c in cells):
            continue
        seen += 1
        width = max(len(cells), len(previous))
        padded = [*cells, *[None] * (width - len(cells))]
        merged = [previous[i] if _is_blank(cell) and i < len(previous) else cell for i, cell in enumerate(padded)]
        for candidate in (padded, merged):
            known = _known_headers(candidate)
            if all(h in known for h in REQUIRED_HEADERS):
                return row, _map_header(row, candidate)
            if len(known) > best_count:
                best, best_count = (row, candidate), len(known)
        if seen >= HEADER_SEARCH_ROWS:
            break
        previous = cells
    if best is None:
        if seen == 0:
            raise _FileRejected(_("文件是空的，第1行应为表头"))
        raise _FileRejected(
            _("找不到表头：前%(n)d行中没有“姓名”“证件号码”“入会日期”等列名，请使用导入模板的表头")
            % {"n": HEADER_SEARCH_ROWS}
        )
    return best[0], _map_header(*best)


def _is_blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())
