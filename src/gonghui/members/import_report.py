"""Member import, the report step: what was wrong, said so an officer can fix it.

Three things come out of an import with bad rows:

* the error report (XLSX): the reasons counted, the most common first, then one line per bad cell —
  row, the person's name, the column, the value found and the reason;
* the bad rows themselves (XLSX, the template's columns plus a reason column that the import
  ignores), to be fixed and uploaded again as they are;
* a short summary for the job's page and API (the counted reasons and the first bad cells, ID
  numbers masked), kept on the job.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from gonghui.core.exports import XlsxExport, register_export
from gonghui.core.idcard import mask_id_number

from .import_vocab import IMPORT_HEADERS

ERROR_REPORT_EXPORT = register_export("members.import_errors", "导入错误报告")
BAD_ROWS_EXPORT = register_export("members.import_bad_rows", "导入错误行（改正后重新导入）")
BAD_ROWS_KEPT = 20_000  # bad rows kept for the fix-up file; beyond, they are counted only
SUMMARY_ROWS = 50  # bad cells shown on the job's page
SUMMARY_EXAMPLES = 3
REASON_COLUMN = "错误原因（导入时忽略此列）"


class RowError(NamedTuple):
    """One bad cell (or, with row 0, the whole file): 行号, 列, 原因, the value found, the person's name."""

    row: int
    column: str
    reason: str
    value: str = ""
    name: str = ""


ErrorRow = RowError

# The parts of a reason that vary from row to row, left out when reasons are counted.
_VARYING = re.compile(r"“[^”]*”|第\d+行|（会员卡号[^）]*）|\d+年\d+月只有\d+天")


def reason_kind(reason: str) -> str:
    """A reason without its row's particulars: 学历“中技校”不是有效选项 → 学历“…”不是有效选项."""
    return _VARYING.sub(lambda m: "“…”" if m.group(0).startswith("“") else "…", reason)


@dataclass(frozen=True)
class ReasonCount:
    column: str
    reason: str  # reason_kind of the reasons counted
    count: int
    examples: tuple[str, ...]  # a few values found, most common first


def summarise(errors: Iterable[RowError]) -> list[ReasonCount]:
    """The reasons counted by column and kind, the most common first."""
    counts: Counter[tuple[str, str]] = Counter()
    values: dict[tuple[str, str], Counter[str]] = {}
    for error in errors:
        key = (error.column, reason_kind(error.reason))
        counts[key] += 1
        if error.value:
            values.setdefault(key, Counter())[shown_value(error.column, error.value)] += 1
    return [
        ReasonCount(
            column=column,
            reason=reason,
            count=count,
            examples=tuple(v for v, _n in values.get((column, reason), Counter()).most_common(SUMMARY_EXAMPLES)),
        )
        for (column, reason), count in counts.most_common()
    ]


def shown_value(column: str, value: str) -> str:
    """A value as the page and API show it: an ID number masked (the files keep it whole)."""
    if column == "证件号码" and len(value) > 10:
        return mask_id_number(value)
    return value


@dataclass
class BadRows:
    """The bad rows' cells under the template's columns, with their reasons, in file order."""

    rows: dict[int, tuple[list[Any], list[str]]] = field(default_factory=dict)
    dropped: int = 0  # bad rows beyond BAD_ROWS_KEPT

    def add(self, row: int, cells: list[Any] | None, reasons: Sequence[str]) -> None:
        if row in self.rows:
            self.rows[row][1].extend(reasons)
        elif len(self.rows) < BAD_ROWS_KEPT:
            self.rows[row] = (cells or [""] * len(IMPORT_HEADERS), list(reasons))
        else:
            self.dropped += 1

    def __len__(self) -> int:
        return len(self.rows)


def write_error_report(errors: Iterable[RowError], path: Path | str) -> None:
    """The error report: the reasons counted (most common first), then 行号, 姓名, 列, 填写的值, 原因."""
    errors = [RowError(*e) for e in errors]
    book = XlsxExport(str(path), export=ERROR_REPORT_EXPORT, big=True)
    head = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    summary = book.add_sheet(
        _("原因汇总"), [_("列"), _("原因"), _("处数"), _("例")], widths=(22, 60, 8, 40), header_format=head
    )
    for i, item in enumerate(summarise(errors), start=1):
        book.write_row(summary, i, (item.column, item.reason, item.count, "、".join(item.examples)))
    sheet = book.add_sheet(
        _("错误明细"),
        [_("行号"), _("姓名"), _("列"), _("填写的值"), _("原因")],
        widths=(8, 12, 22, 24, 80),
        header_format=head,
    )
    for i, error in enumerate(errors, start=1):
        book.write_row(sheet, i, (error.row or None, error.name, error.column, error.value, error.reason))
    book.close()


def write_bad_rows(bad: BadRows, path: Path | str) -> None:
    """The bad rows under the template's headers, and a reason column the import ignores: fixed
    in Excel or WPS, the file is uploaded again as it is."""
    book = XlsxExport(str(path), export=BAD_ROWS_EXPORT, big=True)
    required = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "font_color": "#C00000"})
    text = book.add_format({"num_format": "@"})
    reason_format = book.add_format({"font_color": "#C00000", "text_wrap": True})
    headers = [*IMPORT_HEADERS, REASON_COLUMN]
    widths = {"证件号码": 22, "单位统一社会信用代码": 24, "工作单位": 28, "新就业形态": 18, REASON_COLUMN: 60}
    sheet = book.add_sheet(
        _("需改正的行"),
        headers,
        widths=[widths.get(h, 12) for h in headers],
        header_format=required,
        column_formats={col: book.date if h == "入会日期" else text for col, h in enumerate(IMPORT_HEADERS)},
    )
    for i, row in enumerate(sorted(bad.rows), start=1):
        cells, reasons = bad.rows[row]
        book.write_row(sheet, i, cells)
        book.write(
            sheet, i, len(IMPORT_HEADERS), _("原第%(row)d行：") % {"row": row} + "；".join(reasons), reason_format
        )
    book.close()


def job_summary(errors: Sequence[RowError], *, bad_rows: int = 0, bad_rows_dropped: int = 0) -> dict[str, Any]:
    """What the job's page and API show: the counted reasons and the first bad cells (IDs masked)."""
    return {
        "reasons": [
            {"column": r.column, "reason": r.reason, "count": r.count, "examples": list(r.examples)}
            for r in summarise(errors)
        ],
        "errors": [
            {
                "row": e.row,
                "name": e.name,
                "column": e.column,
                "value": shown_value(e.column, e.value),
                "reason": e.reason,
            }
            for e in errors[:SUMMARY_ROWS]
        ],
        "bad_rows": bad_rows,
        "bad_rows_dropped": bad_rows_dropped,
    }


def bad_rows_path(report_path: Path | str) -> Path:
    """Where the fix-up file of a report is kept: beside it."""
    report = Path(report_path)
    return report.with_name(f"{report.stem}-rows.xlsx")
