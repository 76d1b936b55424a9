"""Hostile XLSX files built by hand with zipfile, the way an attacker would (small on disk)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="会员名单" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
SHEET_OPEN = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
HEADERS = ("姓名", "证件类型", "证件号码", "手机号码")


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_row() -> str:
    return '<row r="1">' + "".join(inline(f"{chr(65 + i)}1", h) for i, h in enumerate(HEADERS)) + "</row>"


def write_xlsx(
    path: Path,
    *,
    dimension: str | None,
    rows: str,
    shared_strings: Iterable[bytes] | None = None,
    extra_parts: dict[str, Iterable[bytes]] | None = None,
) -> Path:
    """A one-sheet workbook; `shared_strings` and extra parts are streamed in chunks (never whole)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", f"{SHEET_OPEN}{dim}<sheetData>{rows}</sheetData></worksheet>")
        parts = dict(extra_parts or {})
        if shared_strings is not None:
            parts["xl/sharedStrings.xml"] = shared_strings
        for name, chunks in parts.items():
            with archive.open(name, "w", force_zip64=True) as out:
                for chunk in chunks:
                    out.write(chunk)
    return path


def far_cell_xlsx(path: Path, *, dimension: bool = True) -> Path:
    """The 1.8 KB file of finding 1: a header and one cell at XFD1048576."""
    return write_xlsx(
        path,
        dimension="A1:XFD1048576" if dimension else None,
        rows=header_row() + '<row r="1048576">' + inline("XFD1048576", "x") + "</row>",
    )


def huge_string_xlsx(path: Path, megabytes: int = 110) -> Path:
    """A shared string of `megabytes` MB (deflate packs the repeated character ~1000:1)."""

    def strings():
        yield (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
        )
        for _ in range(megabytes):
            yield b"A" * (1024 * 1024)
        yield b"</t></si></sst>"

    return write_xlsx(
        path,
        dimension="A1:D2",
        rows=header_row() + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>',
        shared_strings=strings(),
    )


def sparse_xlsx(path: Path) -> Path:
    """A 20 × 1,000,000 range holding a header and one far cell."""
    return write_xlsx(
        path,
        dimension="A1:T1000000",
        rows=header_row() + '<row r="1000000">' + inline("T1000000", "x") + "</row>",
    )


def zip_bomb_xlsx(path: Path, megabytes: int = 60) -> Path:
    """A valid small sheet plus a part of `megabytes` MB of zeros (≈1000:1)."""
    zeros = (b"\0" * (1024 * 1024) for _ in range(megabytes))
    return write_xlsx(path, dimension="A1:D1", rows=header_row(), extra_parts={"xl/media/image1.bin": zeros})
