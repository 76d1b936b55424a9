"""Member roll import (会员名单导入): an XLSX or CSV file in, every cell checked, a report out.

Flow: `member_import_start` (page/API) stores the upload and queues a `member_import` job;
`run_member_import` runs it; both it and the CLI call `import_members_file`, which reads the
rows one at a time, validates every cell with `clean_member_input`, finds duplicates inside
the file and against the roll (keyed hash, in batches), and writes the good rows as they pass,
all in one transaction — kept, or rolled back: one bad row rejects the whole file (and stops the
writing at once) unless the officer asked to skip bad rows. Every problem becomes a (row, column,
reason) line of the error report.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import json
import multiprocessing
import os
import queue
import re
import secrets
import sqlite3
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from python_calamine import CalamineError, CalamineWorkbook
from xlsxwriter.utility import xl_col_to_name

from gonghui.accounts.permissions import require_write
from gonghui.core import pii
from gonghui.core.errors import DomainError
from gonghui.core.ethnicity import ETHNIC_GROUPS
from gonghui.core.exports import XlsxExport, register_export
from gonghui.core.idcard import build_id_number, mask_id_number
from gonghui.core.pinyin import person_initials
from gonghui.core.spreadsheets import (
    ReaderDied,
    SpreadsheetLimits,
    SpreadsheetRefused,
    inspect_csv,
    inspect_xlsx,
    read_in_child,
    reader_died_message,
)
from gonghui.core.uploads import UploadRules, check_upload, private_dir, store_private
from gonghui.core.uscc import build_uscc
from gonghui.jobs.models import Job
from gonghui.jobs.runner import dispatch, handles
from gonghui.jobs.services import (
    UPLOADS,
    job_create_limited,
    job_fail,
    job_finish,
    job_progress,
    job_start,
)
from gonghui.orgs.models import Org
from gonghui.stats.services import MemberState, apply_deltas, member_group_deltas

from . import import_vocab
from .cards import allocate_card_numbers
from .import_report import (
    BAD_ROWS_EXPORT,  # noqa: F401 - public here
    ERROR_REPORT_EXPORT,  # noqa: F401 - public here
    BadRows,
    ErrorRow,
    RowError,
    bad_rows_path,
    job_summary,
    write_bad_rows,
    write_error_report,
)
from .import_vocab import HEADER_SYNONYMS, IMPORT_HEADERS, header_text
from .models import CURRENT_STATUSES, Education, IdType, Member, MemberEvent, MemberStatus, NewEmploymentForm, tier_ids
from .selectors import member_qs_visible_to
from .services import TRACKED_FIELDS, _bump_count, _member_holding_org
from .validation import FIELDS, REQUIRED, clean_member_input

HEADER_FIELDS: dict[str, str] = dict(zip(IMPORT_HEADERS, FIELDS, strict=True))
FIELD_HEADERS: dict[str, str] = {f: h for h, f in HEADER_FIELDS.items()}
REQUIRED_HEADERS = tuple(FIELD_HEADERS[f] for f in REQUIRED)

ALLOWED_SUFFIXES = (".xlsx", ".csv")
VALIDATE_PROGRESS_EVERY = 500
DUPLICATE_BATCH = 10_000  # rows judged against the roll per query: as many as a write batch (see _Writer)
WRITE_CHUNK = 10_000  # SQLite: at most this many rows per INSERT (fewer if its parameter limit says so)
WRITE_BATCH = 10_000  # good rows per write (cards reserved, rows and history written) while validating
# Rows are checked (cells, ID number, hash, encryption) by this many worker processes when a
# file has at least POOL_MIN_ROWS rows; 0 or 1 checks in the importing process.
IMPORT_WORKERS = int(os.environ.get("GONGHUI_IMPORT_WORKERS", str(min(2, os.cpu_count() or 1))))
POOL_MIN_ROWS = 20_000
HEADER_SEARCH_ROWS = 10  # the header may sit below a title: looked for in this many non-blank rows
POOL_CHUNK = 2000
SQLITE_IMPORT_CACHE_KIB = 256 * 1024  # SQLite page cache during the write (see _sqlite_bulk_cache)

# The template's example row (row 2). A row equal to it in name, ID number and phone is the
# untouched example and is ignored, so officers may leave it in place.
EXAMPLE_ROW: dict[str, str] = {
    "姓名": "张三",
    "证件类型": "居民身份证",
    "证件号码": build_id_number("110105", dt.date(1988, 8, 8), 21),
    "手机号码": "13800138000",
    "民族": "汉族",
    "学历": "本科",
    "工作单位": "北京某某科技有限公司",
    "单位统一社会信用代码": build_uscc("91110105MA01ABCD1"),
    "入会日期": "2020-03-01",
    "是否农民工": "否",
    "新就业形态": "无",
}

# Excel keeps 15 significant digits; a longer number typed into a number cell is already wrong.
_EXCEL_DIGITS = 15
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE]\+?\d+$")
_LONG_CODE_FIELDS = ("id_number", "employer_uscc", "phone")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL = re.compile(r"^[1-7]\d{4}$")  # 10000–79999: 1927-05-18 to 2118-12-25
_ENUMERATED = frozenset(import_vocab.ENUMERATED_FIELDS)

ProgressCallback = Callable[..., None]  # called as on_progress(phase=, processed=, total=, progress=)


@dataclass
class ImportResult:
    total: int = 0  # data rows read (blank rows and the template example not counted)
    created: int = 0
    errors: list[ErrorRow] = field(default_factory=list)
    skipped: int = 0  # bad rows left out (only with skip_invalid)
    accepted: bool = False  # False: the file was rejected and nothing was written
    report_path: str | None = None
    bad_rows_path: str | None = None  # the bad rows with their reasons, to fix and import again
    summary: dict[str, Any] = field(default_factory=dict)  # for the job's page and API (import_report.job_summary)
    message: str = ""


class _FileRejected(Exception):
    """The file as a whole cannot be imported (unreadable, no header, missing column)."""

    def __init__(self, message: str, errors: list[ErrorRow] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or [RowError(0, "", message)]


# ---------------------------------------------------------------------------------------
# Template
# ---------------------------------------------------------------------------------------


_SPELLING_COLUMNS = {
    "证件类型": "id_type",
    "民族": "ethnicity",
    "学历": "education",
    "是否农民工": "is_migrant_worker",
    "新就业形态": "new_employment_form",
}


def _write_spellings(book: XlsxExport) -> None:
    """The third sheet: every accepted spelling of the enumerated columns (import_vocab, the table
    the import itself reads)."""
    sheet = book.add_sheet(
        _("可填写的写法"), [_("列名"), _("标准写法"), _("也可以写作")], widths=(14, 22, 90), header_format=book.header
    )
    row = 1
    for header, name in _SPELLING_COLUMNS.items():
        for value, others in import_vocab.spellings_for(name):
            book.write_row(sheet, row, (header, value, "、".join(others)))
            row += 1


def _choice_labels(choices: Any) -> list[str]:
    return [str(label) for _code, label in choices.choices]


TEMPLATE_EXPORT = register_export("members.import_template", "会员导入模板")


def import_template_xlsx() -> bytes:
    """The XLSX template: headers, the example row, and a sheet of instructions and valid values."""
    buffer = io.BytesIO()
    book = XlsxExport(buffer, export=TEMPLATE_EXPORT)
    head = book.header
    required_head = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "font_color": "#C00000"})
    text = book.add_format({"num_format": "@"})
    date = book.date
    example = book.add_format({"italic": True, "font_color": "#808080", "num_format": "@"})

    widths = {"证件号码": 22, "单位统一社会信用代码": 24, "工作单位": 28, "新就业形态": 18, "入会日期": 12}
    sheet = book.add_sheet(
        _("会员名单"),
        widths=[widths.get(header, 12) for header in IMPORT_HEADERS],
        column_formats={col: date if h == "入会日期" else text for col, h in enumerate(IMPORT_HEADERS)},
    )
    guide = book.add_sheet(_("填写说明"), widths={0: 22, 1: 10, 2: 60, **dict.fromkeys(range(4, 9), 20)})
    for col, header in enumerate(IMPORT_HEADERS):
        sheet.write_string(0, col, header, required_head if header in REQUIRED_HEADERS else head)
        sheet.write_string(1, col, EXAMPLE_ROW[header], example)
    sheet.freeze_panes(1, 0)

    # Instructions, and the valid values the drop-downs of the first sheet point at.
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    book.write_row(guide, 0, [_("列名"), _("是否必填"), _("填写要求")], head)
    notes = {
        "姓名": _("与证件上的姓名一致，不超过64个字"),
        "证件类型": _("居民身份证、港澳台居民居住证或外国人永久居留身份证；不填视为居民身份证"),
        "证件号码": _(
            "18位，前17位为数字，末位为数字或X；请保持“文本”格式，不要存成数字（Excel 只保留15位有效数字，号码会失真）"
        ),
        "手机号码": _("11位中国大陆手机号码"),
        "民族": _("56个民族名称之一，如“汉族”；不填视为汉族"),
        "学历": _("见右侧“学历”列的可选值"),
        "工作单位": _("不超过128个字"),
        "单位统一社会信用代码": _("18位统一社会信用代码（GB 32100）"),
        "入会日期": _(
            "格式 YYYY-MM-DD，如 2020-03-01；也可写作 2020/3/1、2020.3.1 或 2020年3月1日；不能晚于今天，且应晚于出生日期"
        ),
        "是否农民工": _("填“是”或“否”（也可填 Y/N、1/0、√/×）；不填视为否"),
        "新就业形态": _("见右侧“新就业形态”列的可选值；不属于新就业形态的填“无”"),
    }
    for row, header in enumerate(IMPORT_HEADERS, start=1):
        guide.write_string(row, 0, header, bold)
        guide.write_string(row, 1, _("必填") if header in REQUIRED_HEADERS else _("选填"))
        guide.write_string(row, 2, notes[header], wrap)
    general = [
        _("第1行为表头：列的顺序可以调整，列名不能修改；多余的列会被忽略。"),
        _("第2行为示例，导入时自动忽略，也可以直接删除。"),
        _("出生日期和性别由证件号码自动得出，无需填写。"),
        _("同一证件号码在文件中只能出现一次；已在其他工会登记的会员请办理会员接转。"),
        _("默认只要有一处错误就全部不导入；也可以选择“跳过错误行”，只导入正确的行。"),
        _("错误报告会列出每一处错误的行号、姓名、列名、填写的值和原因；有错误的行可以下载，改正后直接重新导入。"),
        _(
            "可选值也可以按“可填写的写法”表中的写法填写（如“网约配送员”“大学本科”“√”）；全角字符和多余的空格会自动处理。"
        ),
        _("表头上方可以有标题行；表头也可以写作“身份证号”“联系电话”“文化程度”等常见名称。"),
    ]
    start = len(IMPORT_HEADERS) + 2
    guide.write_string(start, 0, _("注意事项"), bold)
    for i, line in enumerate(general, start=start + 1):
        guide.write_string(i, 0, line)

    lists = {
        "证件类型": _choice_labels(IdType),
        "民族": list(ETHNIC_GROUPS),
        "学历": _choice_labels(Education),
        "是否农民工": [_("是"), _("否")],
        "新就业形态": _choice_labels(NewEmploymentForm),
    }
    for offset, (header, values) in enumerate(lists.items()):
        col = 4 + offset
        guide.write_string(0, col, header, head)
        for row, value in enumerate(values, start=1):
            guide.write_string(row, col, value)
        target = IMPORT_HEADERS.index(header)
        letter = xl_col_to_name(col)
        sheet.data_validation(
            1,
            target,
            1_048_575,
            target,
            {
                "validate": "list",
                "source": f"='{guide.name}'!${letter}$2:${letter}${len(values) + 1}",
                # A warning, not a stop: the import accepts the other spellings listed on the third sheet.
                "error_type": "warning",
                "error_title": _("不在下拉列表中"),
                "error_message": _("建议从下拉列表中选择；“可填写的写法”表中的写法导入时同样接受"),
            },
        )
    _write_spellings(book)
    book.close()
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# Cells → input for clean_member_input
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------


def _new_report_path() -> Path:
    return private_dir("reports") / f"import-errors-{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(6)}.xlsx"


# ---------------------------------------------------------------------------------------
# The import
# ---------------------------------------------------------------------------------------


def import_members_file(
    *,
    actor,
    org: Org,
    path: Path | str,
    skip_invalid: bool,
    report_path: Path | str | None = None,
    on_progress: ProgressCallback | None = None,
    note: str = "",
) -> ImportResult:
    """Import a member list into `org`. Used by the job handler and by the CLI.

    Returns the result; the file is rejected (nothing written, `accepted=False`) when it
    cannot be read, lacks a required column, holds no data, or has any bad row while
    `skip_invalid` is false. Out-of-scope unions raise NotFound, read-only accounts Forbidden.
    """
    require_write(actor)
    org = _member_holding_org(actor=actor, org_id=org.pk)
    path = Path(path)
    note = (note or _("批量导入：%(file)s") % {"file": path.name})[:255]

    def progress(phase: str, processed: int, total: int, percent: int) -> None:
        if on_progress is not None:
            on_progress(phase=phase, processed=processed, total=total, progress=min(percent, 99))

    result = ImportResult()
    progress(_("读取文件"), 0, 0, 0)
    now = timezone.now()
    writer = _Writer(actor=actor, org=org, note=note, now=now, skip_invalid=skip_invalid)
    try:
        try:
            validation = _validate(actor=actor, writer=writer, path=path, result=result, progress=progress)
        except _FileRejected as exc:
            writer.abort()
            result.errors = exc.errors
            result.message = exc.message
            return _finish_rejected(result, report_path)
        return _finish(
            validation=validation, result=result, skip_invalid=skip_invalid, report_path=report_path, progress=progress
        )
    finally:
        writer.abort()  # unless committed: an exception anywhere leaves nothing written


def _finish(
    *, validation: _Validation, result: ImportResult, skip_invalid: bool, report_path: Path | str | None, progress
) -> ImportResult:
    writer = validation.writer

    # Roll duplicates are found a batch later than the row's other errors: report by row.
    result.errors = sorted(validation.errors, key=lambda e: e[0])
    if result.total == 0:
        result.message = _("文件中没有会员数据")
        result.errors = [RowError(0, "", result.message)]
        return _finish_rejected(result, report_path)
    if result.errors and not skip_invalid:
        result.message = _("发现 %(n)d 处错误，未导入任何数据") % {"n": len(result.errors)}
        return _finish_rejected(result, report_path, validation.bad)
    if not writer.rows:
        result.message = _("发现 %(n)d 处错误，所有行均有错误，未导入任何数据") % {"n": len(result.errors)}
        result.skipped = validation.bad_rows
        return _finish_rejected(result, report_path, validation.bad)

    progress(_("写入数据"), result.total, result.total, 80)
    result.created = writer.commit()
    if writer.conflict:
        # Someone registered one of these people while the file was being imported.
        result.message = _("导入期间有人登记了文件中的人员，未导入任何数据，请重新导入以查看详细报告")
        result.errors = [*result.errors, RowError(0, "", result.message)]
        return _finish_rejected(result, report_path)
    result.accepted = True
    result.skipped = validation.bad_rows
    if result.errors:
        _save_reports(result, report_path, validation.bad)
        result.message = _("已导入 %(created)d 名会员，跳过 %(skipped)d 行（共 %(n)d 处错误，见错误报告）") % {
            "created": result.created,
            "skipped": result.skipped,
            "n": len(result.errors),
        }
    else:
        result.message = _("已导入 %(created)d 名会员") % {"created": result.created}
    return result


def _validate(*, actor, writer: _Writer, path: Path, result: ImportResult, progress) -> _Validation:
    source = _open_source(path)
    try:
        rows = iter(source.rows)
        header_row, columns = _find_header(rows)
        validation = _Validation(actor=actor, columns=columns, writer=writer)
        _check_rows(validation, rows, source.estimated_rows - header_row, result, progress)
        return validation
    finally:
        source.close()


def _check_rows(validation: _Validation, rows, estimate: int, result: ImportResult, progress) -> None:
    """Check every data row, in worker processes when the file is large; judge them (and write the
    good ones) in file order."""
    columns = validation.columns
    ctx = _RowContext(
        columns=columns,
        today=timezone.localdate(),
        defaults=validation.writer.defaults,
        iso_dates=connection.vendor != "postgresql",
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    estimate = max(estimate, 1)
    phase = _("校验并写入数据")
    progress(phase, 0, estimate, 5)

    def data_rows() -> Iterator[tuple[int, list[Any]]]:
        for row, cells in rows:
            if all(_is_blank(c) for c in cells):
                continue
            if result.total == 0 and _is_example(cells, columns):
                continue
            result.total += 1
            yield row, cells

    def report(processed: int) -> None:
        nonlocal estimate
        estimate = max(estimate, processed)
        progress(phase, processed, estimate, 5 + 75 * processed // estimate)

    checkers = _start_checkers(ctx, estimate)
    if checkers is None:
        for row, cells in data_rows():
            validation.take(_check_row(row, cells, ctx))
            if result.total % VALIDATE_PROGRESS_EVERY == 0:
                report(result.total)
    else:
        with checkers:
            data = data_rows()
            chunks = iter(lambda: list(itertools.islice(data, POOL_CHUNK)), [])
            processed = 0
            for checked in checkers.results(chunks):
                processed += _take_chunk(validation, checked)
                report(processed)
    validation.flush()
    progress(phase, result.total, result.total, 80)


def _take_chunk(validation: _Validation, checked: list[_Checked]) -> int:
    for item in checked:
        validation.take(item)
    return len(checked)


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


def _save_reports(result: ImportResult, report_path: Path | str | None, bad: BadRows | None) -> None:
    """The error report, the bad rows to fix (when rows were bad) and the job's summary."""
    target = Path(report_path) if report_path else _new_report_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    write_error_report(result.errors, target)
    target.chmod(0o600)  # rows, names, values and reasons of a roll: for the service account only
    result.report_path = str(target)
    if bad:
        rows = bad_rows_path(target)
        write_bad_rows(bad, rows)
        rows.chmod(0o600)
        result.bad_rows_path = str(rows)
    result.summary = job_summary(
        result.errors, bad_rows=len(bad) if bad else 0, bad_rows_dropped=bad.dropped if bad else 0
    )


def _finish_rejected(result: ImportResult, report_path: Path | str | None, bad: BadRows | None = None) -> ImportResult:
    result.accepted = False
    result.created = 0
    _save_reports(result, report_path, bad)
    return result


# ---------------------------------------------------------------------------------------
# Upload and background job
# ---------------------------------------------------------------------------------------


def _upload_rules() -> UploadRules:
    # The zip directory is read later, by the limited reading process (core.spreadsheets), not here.
    return UploadRules(
        types={".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".csv": "text/csv"},
        max_bytes=settings.GONGHUI_IMPORT_MAX_BYTES,
        label=".xlsx、.csv",
        type_message=gettext_lazy("只支持 .xlsx 或 .csv 文件"),
        content_message=gettext_lazy("文件内容不是有效的 XLSX 文件（旧版 .xls 请在 Excel 中另存为 .xlsx）"),
        inspect_zip=False,
    )


def member_import_start(*, actor, org: Org | int, filename: str, fileobj, skip_invalid: bool) -> Job:
    """Store an uploaded member list and queue its import for a union in the actor's scope."""
    require_write(actor)
    target = _member_holding_org(actor=actor, org_id=getattr(org, "pk", org))
    checked = check_upload(fileobj, _upload_rules(), name=filename or "")
    name = checked.name
    stored = store_private(fileobj, _upload_rules(), folder=UPLOADS, suffix=checked.ext)
    try:
        job = job_create_limited(
            actor=actor,
            kind=Job.Kind.MEMBER_IMPORT,
            org=target,
            per_account=settings.GONGHUI_IMPORTS_PER_ACCOUNT,
            per_server=settings.GONGHUI_IMPORTS_PER_SERVER,
            params={"skip_invalid": bool(skip_invalid)},
            input_name=name[:255],
            input_path=str(stored),
        )
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
    dispatch(job)
    job.refresh_from_db()
    return job


@handles(Job.Kind.MEMBER_IMPORT)
def run_member_import(job: Job) -> None:
    """The background job: import the stored file, record progress, counts and the report."""
    path = Path(job.input_path)
    try:
        job_start(job=job, phase=_("读取文件"))
        actor = job.created_by
        if actor is None:
            job_fail(job=job, message=_("发起导入的账号已不存在"))
            return

        def on_progress(*, phase: str, processed: int, total: int, progress: int) -> None:
            # Reported from inside the import's one transaction: the cache only (see job_progress).
            job_progress(job=job, processed=processed, total=total, phase=phase, progress=progress, row=False)

        try:
            result = import_members_file(
                actor=actor,
                org=job.org,
                path=path,
                skip_invalid=bool(job.params.get("skip_invalid")),
                on_progress=on_progress,
                note=_("批量导入：%(file)s") % {"file": job.input_name},
            )
        except DomainError as exc:
            job_fail(job=job, message=exc.message)
            return
        job.report_path = result.report_path or ""
        job.summary = {**result.summary, "rows_path": result.bad_rows_path or ""} if result.summary else {}
        job_finish(
            job=job,
            succeeded=result.accepted,
            message=result.message,
            total_rows=result.total,
            processed_rows=result.total,
            created_count=result.created,
            error_count=len(result.errors),
            skipped_count=result.skipped,
        )
    finally:
        # The upload holds personal data; it is not kept once the job has run.
        path.unlink(missing_ok=True)
