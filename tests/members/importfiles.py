"""Building member-list files for the import tests, the way officers' Excel and CSV files look."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import xlsxwriter
from python_calamine import CalamineWorkbook

from gonghui.members.imports import IMPORT_HEADERS
from tests.conftest import id_number, uscc


def person(seq: int, **overrides: Any) -> dict[str, Any]:
    """One row of a member list, keyed by the Chinese headers."""
    row = {
        "姓名": "李四",
        "证件类型": "",
        "证件号码": id_number(seq),
        "手机号码": f"139{seq:08d}",
        "民族": "汉族",
        "学历": "本科",
        "工作单位": "北京某物流有限公司",
        "单位统一社会信用代码": uscc(),
        "入会日期": "2021-06-01",
        "是否农民工": "否",
        "新就业形态": "无",
    }
    row.update(overrides)
    return row


def write_xlsx(path: Path, rows: list[dict[str, Any]], headers: tuple[str, ...] | list[str] = IMPORT_HEADERS) -> Path:
    """An XLSX file; str cells are written as text, numbers, dates and booleans as Excel types."""
    wb = xlsxwriter.Workbook(str(path))
    sheet = wb.add_worksheet("会员名单")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, list(headers))
    for r, row in enumerate(rows, start=1):
        for c, header in enumerate(headers):
            value = row.get(header, "")
            if isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, value, date)
            elif value != "":
                sheet.write_string(r, c, value)
    wb.close()
    return path


def write_csv(
    path: Path,
    rows: list[dict[str, Any]],
    encoding: str = "utf-8-sig",
    headers: tuple[str, ...] | list[str] = IMPORT_HEADERS,
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def read_xlsx(source: Any, sheet: int = 0) -> list[list[Any]]:
    """All rows of one sheet (a path or bytes)."""
    if isinstance(source, bytes):
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(source))
    else:
        workbook = CalamineWorkbook.from_path(str(source))
    try:
        return [list(r) for r in workbook.get_sheet_by_index(sheet).iter_rows()]
    finally:
        workbook.close()
