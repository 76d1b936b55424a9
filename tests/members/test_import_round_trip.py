"""Issue 16, part 4: officers' own spreadsheets import — their spellings, their files (GBK and BOM
CSV, WPS workbooks, title rows, merged headers) — errors say who, where, what and why, the bad rows
come back as a file to fix and import again, and an export imports back as the same records."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from gonghui.accounts.models import AuditLog
from gonghui.jobs.models import Job
from gonghui.members import import_vocab
from gonghui.members.exports import EXPORT_HEADERS
from gonghui.members.imports import IMPORT_HEADERS, import_members_file, import_template_xlsx, member_import_start
from gonghui.members.models import Member
from gonghui.members.services import member_change_status, member_create
from tests.conftest import id_number, member_data
from tests.members.importfiles import person, read_xlsx, write_csv, write_xlsx


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def start(tree, path: Path, capture, *, skip_invalid: bool, org=None) -> Job:
    with capture(execute=True), path.open("rb") as fh:
        job = member_import_start(
            actor=tree.officer_a, org=org or tree.union_a1, filename=path.name, fileobj=fh, skip_invalid=skip_invalid
        )
    job.refresh_from_db()
    return job


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def stored(name: str) -> tuple:
    m = Member.objects.get(name=name)
    return (m.id_type, m.ethnicity, m.education, m.is_migrant_worker, m.new_employment_form, m.join_date)


# --- spellings ------------------------------------------------------------------------------


def test_official_occupation_names_and_officers_spellings_are_accepted(tree, tmp_path):
    # given a GBK file from an officer's own sheet: official occupation names, common education and
    # ethnicity spellings, full-width characters and stray spaces, yes/no written as ticks and letters
    rows = [
        person(
            1, 姓名="甲", 新就业形态="网约配送员", 学历="大学本科", 民族="维吾尔", 是否农民工="√", 证件类型="身份证"
        ),
        person(2, 姓名="乙", 新就业形态="网约车驾驶员", 学历="专科", 民族="02", 是否农民工="×"),
        person(3, 姓名="丙", 新就业形态=" 货车驾驶员 ", 学历="研究生", 民族="HU", 是否农民工="Y"),
        person(4, 姓名="丁", 新就业形态="家政服务员", 学历="中专", 民族="　蒙族", 是否农民工="0"),
        person(5, 姓名="戊", 新就业形态="互联网营销师", 学历="博士", 民族="汉", 是否农民工="有"),
        person(6, 姓名="己", 新就业形态="快递员", 学历="ＢＡＣＨＥＬＯＲ", 民族="５６", 是否农民工="ｔｒｕｅ"),
        person(7, 姓名="庚", 新就业形态="不属于", 学历="初中", 民族="朝鲜族", 是否农民工="N"),
    ]
    path = write_csv(tmp_path / "officer.csv", rows, encoding="gbk")

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    assert (result.accepted, result.created, result.errors) == (True, 7, [])
    joined = dt.date(2021, 6, 1)
    assert stored("甲") == ("resident_id", "维吾尔族", "bachelor", True, "delivery_rider", joined)
    assert stored("乙") == ("resident_id", "蒙古族", "junior_college", False, "ride_hailing_driver", joined)
    assert stored("丙") == ("resident_id", "回族", "master", True, "truck_driver", joined)
    assert stored("丁") == ("resident_id", "蒙古族", "senior", False, "domestic_worker", joined)
    assert stored("戊") == ("resident_id", "汉族", "doctor", True, "other_platform", joined)
    assert stored("己") == ("resident_id", "基诺族", "bachelor", True, "courier", joined)
    assert stored("庚") == ("resident_id", "朝鲜族", "junior", False, "none", joined)


YES_NO = [("是", True), ("否", False), ("Y", True), ("n", False), ("1", True), ("0", False), ("√", True)]
YES_NO += [
    ("×", False),
    ("true", True),
    ("FALSE", False),
    ("有", True),
    ("无", False),
    ("", False),
    (1, True),
    (0, False),
]


@pytest.mark.parametrize(("written", "migrant"), YES_NO)
def test_yes_no_in_the_ways_excel_users_write_it(tree, tmp_path, written, migrant):
    path = write_xlsx(tmp_path / "yn.xlsx", [person(1, 是否农民工=written)])

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    assert (result.accepted, result.errors) == (True, [])
    assert Member.objects.get().is_migrant_worker is migrant


def test_every_ethnic_group_by_name_short_name_and_code():
    for number, name in enumerate(import_vocab.ETHNIC_GROUPS, start=1):
        letters = import_vocab.ETHNIC_LETTER_CODES[number - 1]
        for written in (name, name.removesuffix("族"), f"{number:02d}", str(number), letters, letters.lower()):
            assert import_vocab.lookup("ethnicity", written) == name, written
    assert import_vocab.lookup("ethnicity", "火星") == "火星"  # unknown: left for cleaning to refuse


def test_an_unknown_value_is_still_refused_with_the_value_named(tree, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [person(1, 新就业形态="宇航员")])

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    assert result.errors == [(2, "新就业形态", "新就业形态“宇航员”不是有效选项", "宇航员", "李四")]


def test_the_template_lists_the_accepted_spellings_from_the_same_table():
    content = import_template_xlsx()

    spellings = read_xlsx(content, sheet=2)
    assert spellings[0] == ["列名", "标准写法", "也可以写作"]
    by_value = {(r[0], r[1]): r[2] for r in spellings[1:]}
    assert "网约配送员" in by_value[("新就业形态", "快递外卖骑手")].split("、")
    assert "网约车驾驶员" in by_value[("新就业形态", "网约车司机")].split("、")
    assert "大学本科" in by_value[("学历", "本科")].split("、")
    assert "√" in by_value[("是否农民工", "是")].split("、")
    assert by_value[("民族", "维吾尔族")].split("、") == ["维吾尔", "05", "UG"]
    assert len([k for k in by_value if k[0] == "民族"]) == 56
    # every spelling the sheet promises is one the import takes
    for (header, value), others in by_value.items():
        field = {"证件类型": "id_type", "民族": "ethnicity", "学历": "education"}.get(header)
        field = field or {"是否农民工": "is_migrant_worker", "新就业形态": "new_employment_form"}[header]
        for word in filter(None, others.split("、")):
            if word != "不填":
                assert import_vocab.lookup(field, word) == import_vocab.lookup(field, value), (header, word)


# --- dates ----------------------------------------------------------------------------------


def test_dates_in_the_forms_officers_write_them(tree, tmp_path):
    rows = [
        person(1, 姓名="甲", 入会日期="2024/1/5"),
        person(2, 姓名="乙", 入会日期="2024.1.5"),
        person(3, 姓名="丙", 入会日期="2024年1月5日"),
        person(4, 姓名="丁", 入会日期=45296),  # an Excel date serial in a number cell
        person(5, 姓名="戊", 入会日期="45296"),  # the same, written out as text
        person(6, 姓名="己", 入会日期=dt.date(2024, 1, 5)),
    ]
    path = write_xlsx(tmp_path / "dates.xlsx", rows)

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    assert (result.accepted, result.errors) == (True, [])
    assert set(Member.objects.values_list("join_date", flat=True)) == {dt.date(2024, 1, 5)}


def test_a_wrong_date_says_which_part_is_wrong(tree, tmp_path):
    rows = [
        person(1, 入会日期="2024-13-01"),
        person(2, 入会日期="2024-04-31"),
        person(3, 入会日期="2023年2月29日"),
        person(4, 入会日期="去年"),
    ]
    path = write_csv(tmp_path / "dates.csv", rows)

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    assert [(e.row, e.reason) for e in result.errors] == [
        (2, "日期“2024-13-01”的月份应为1–12"),
        (3, "日期“2024-04-31”的日有误：2024年4月只有30天"),
        (4, "日期“2023年2月29日”的日有误：2023年2月只有28天"),
        (5, "日期“去年”格式有误，应为 YYYY-MM-DD（如 2024-01-05；也可写作 2024/1/5、2024.1.5 或 2024年1月5日）"),
    ]


# --- officers' files ------------------------------------------------------------------------


def _wps_workbook(path: Path, rows: list[dict], *, title: str | None, group_row: bool, headers: list[str]) -> Path:
    """A workbook as WPS 表格 saves it: shared strings, its own app properties, a merged title."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Sheet1")
    at = 0
    if title:
        sheet.merge_range(0, 0, 0, len(headers) - 1, title, book.add_format({"align": "center", "bold": True}))
        at += 1
    if group_row:
        # 姓名 merged down over two header rows; the others grouped under 基本信息 / 单位信息
        sheet.merge_range(at, 0, at + 1, 0, headers[0])
        sheet.merge_range(at, 1, at, 6, "基本信息")
        sheet.merge_range(at, 7, at, 8, "单位信息")
        sheet.merge_range(at, 9, at, len(headers) - 1, "入会信息")
        sheet.write_row(at + 1, 1, headers[1:])
        at += 2
    else:
        sheet.write_row(at, 0, headers)
        at += 1
    for r, row in enumerate(rows, start=at):
        for c, header in enumerate(headers):
            if (value := row.get(_canonical(header), "")) != "":
                sheet.write_string(r, c, str(value))
    book.close()
    _as_saved_by_wps(path)
    return path


def _as_saved_by_wps(path: Path) -> None:
    """WPS's own docProps/app.xml in place of the writer's."""
    with zipfile.ZipFile(path) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    assert "xl/sharedStrings.xml" in parts  # text cells are shared strings, as WPS writes them
    parts["docProps/app.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        b"<Application>WPS \xe8\xa1\xa8\xe6\xa0\xbc</Application><DocSecurity>0</DocSecurity>"
        b"<AppVersion>12.0000</AppVersion><Company>Kingsoft</Company></Properties>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


def _resave(content: bytes, path: Path, *, edits: dict[tuple[int, int], str], drop: set[int]) -> Path:
    """The file as an officer saves it after fixing cells (0-based row, column) and deleting rows."""
    rows = read_xlsx(content)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("需改正的行")
    kept = [row for r, row in enumerate(rows) if r not in drop]
    for r, row in enumerate(kept):
        original = rows.index(row)
        for c, value in enumerate(row):
            value = edits.get((original, c), value)
            if isinstance(value, dt.date | dt.datetime):
                sheet.write_datetime(r, c, value, book.add_format({"num_format": "yyyy-mm-dd"}))
            elif value != "":
                sheet.write_string(r, c, str(value))
    book.close()
    _as_saved_by_wps(path)
    return path


def _canonical(header: str) -> str:
    return import_vocab.HEADER_SYNONYMS.get(header, header)


OFFICER_HEADERS = [
    "姓名", "证件类型", "身份证号", "联系电话", "民族", "文化程度", "单位名称", "统一社会信用代码", "入会时间",
    "是否农民工", "新就业形态类别",
]  # fmt: skip


@pytest.mark.parametrize("group_row", [False, True])
def test_a_wps_workbook_with_a_title_row_merged_headers_and_its_own_header_names(tree, tmp_path, group_row):
    rows = [person(1, 新就业形态="网约配送员"), person(2, 学历="大学本科")]
    path = _wps_workbook(
        tmp_path / "wps.xlsx",
        rows,
        title="望京科技公司工会会员花名册（2024年）",
        group_row=group_row,
        headers=OFFICER_HEADERS,
    )

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    assert (result.accepted, result.created, result.errors) == (True, 2, [])
    header_row = 3 if group_row else 2
    first = Member.objects.get(id_number_hash=Member.objects.order_by("id").first().id_number_hash)
    assert (first.new_employment_form, first.phone) == ("delivery_rider", "13900000001")
    assert Member.objects.order_by("id").last().education == "bachelor"
    assert result.total == 2 and header_row  # the title and group rows were not data


def test_bad_rows_of_a_title_row_file_are_numbered_as_the_officer_sees_them(tree, tmp_path):
    rows = [person(1), person(2, 手机号码="123")]
    path = _wps_workbook(tmp_path / "wps.xlsx", rows, title="会员名单", group_row=False, headers=list(IMPORT_HEADERS))

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    assert [(e.row, e.column, e.value) for e in result.errors] == [(4, "手机号码", "123")]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_csv_from_excel_in_gbk_or_with_a_bom_and_a_title_line(tree, tmp_path, encoding):
    path = tmp_path / f"{encoding}.csv"
    lines = ["望京科技公司工会会员名单,,,", ",".join(OFFICER_HEADERS)]
    for seq, form in ((1, "网约车驾驶员"), (2, "快递员")):
        row = person(seq, 新就业形态=form, 学历="大专")
        lines.append(",".join(str(row[_canonical(h)]) for h in OFFICER_HEADERS))
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    assert (result.accepted, result.created, result.errors) == (True, 2, [])
    assert sorted(Member.objects.values_list("new_employment_form", "education")) == [
        ("courier", "junior_college"),
        ("ride_hailing_driver", "junior_college"),
    ]


def test_a_sheet_without_known_headers_in_its_first_rows_is_refused(tree, tmp_path):
    path = write_csv(tmp_path / "x.csv", [{"甲": "1"}], headers=["甲", "乙", "丙"])

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    assert result.accepted is False
    assert result.message == "找不到表头：前10行中没有“姓名”“证件号码”“入会日期”等列名，请使用导入模板的表头"


# --- the report, the page and the bad rows to fix ---------------------------------------------


def test_the_result_page_names_the_person_column_value_and_reason_most_common_first(
    tree, tmp_path, login, django_capture_on_commit_callbacks
):
    rows = [
        person(1, 姓名="王一", 学历="幼儿园"),
        person(2, 姓名="王二", 学历="大学肄业"),
        person(3, 姓名="王三", 学历="幼儿园", 手机号码="123"),
        person(4, 姓名="王四"),
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)

    job = start(tree, path, django_capture_on_commit_callbacks, skip_invalid=False)

    assert job.state == "failed"
    assert job.summary["reasons"] == [
        {"column": "学历", "reason": "学历“…”不是有效选项", "count": 3, "examples": ["幼儿园", "大学肄业"]},
        {"column": "手机号码", "reason": "手机号码应为11位中国大陆手机号", "count": 1, "examples": ["123"]},
    ]
    page = login(tree.officer_a).get(f"/jobs/{job.pk}/").content.decode()
    reasons = page.index('data-testid="job-reasons"')
    details = page.index('data-testid="job-error-rows"')
    assert reasons < details
    assert re.search(r"<td>学历“…”不是有效选项</td><td class=\"text-end\">3</td>", page)
    assert '<td>4</td><td class="text-nowrap">王三</td><td class="text-nowrap">手机号码</td>' in page
    assert "大学肄业" in page[details:]
    assert f'href="/jobs/{job.pk}/bad-rows/"' in page
    # the report: the reasons counted first, then every bad cell with name and value
    report = read_xlsx(job.report_path)
    assert report[:3] == [
        ["列", "原因", "处数", "例"],
        ["学历", "学历“…”不是有效选项", 3.0, "幼儿园、大学肄业"],
        ["手机号码", "手机号码应为11位中国大陆手机号", 1.0, "123"],
    ]
    assert read_xlsx(job.report_path, sheet=1)[1] == [2.0, "王一", "学历", "幼儿园", "学历“幼儿园”不是有效选项"]


def test_id_numbers_are_masked_on_the_page_and_whole_in_the_files(
    tree, tmp_path, login, django_capture_on_commit_callbacks
):
    bad = id_number(7)[:17] + ("0" if id_number(7)[17] != "0" else "1")
    job = start(
        tree, write_csv(tmp_path / "id.csv", [person(1), person(7, 证件号码=bad)]), django_capture_on_commit_callbacks,
        skip_invalid=True,
    )  # fmt: skip

    assert job.summary["errors"][0]["value"] == bad[:6] + "********" + bad[-4:]
    page = login(tree.officer_a).get(f"/jobs/{job.pk}/").content.decode()
    assert bad not in page
    assert read_xlsx(job.report_path, sheet=1)[1][3] == bad


def test_bad_rows_download_fixed_and_uploaded_as_is(tree, tmp_path, login, django_capture_on_commit_callbacks):
    # given a file with good rows, a bad phone, a bad date and a person already on the roll elsewhere
    member_create(actor=tree.officer_a, data=member_data(tree.union_a2, seq=4))
    rows = [
        person(1, 姓名="甲"),
        person(2, 姓名="乙", 手机号码="1390000"),
        person(3, 姓名="丙", 入会日期="2024-13-01", 新就业形态="网约配送员"),
        person(4, 姓名="丁"),
        person(5, 姓名="戊"),
    ]
    path = write_xlsx(tmp_path / "mixed.xlsx", rows)

    # when imported skipping bad rows
    job = start(tree, path, django_capture_on_commit_callbacks, skip_invalid=True)

    assert (job.state, job.created_count, job.skipped_count) == ("succeeded", 2, 3)
    client = login(tree.officer_a)
    response = client.get(f"/jobs/{job.pk}/bad-rows/")
    assert response.status_code == 200
    fix = read_xlsx(body(response))
    assert fix[0] == [*IMPORT_HEADERS, "错误原因（导入时忽略此列）"]
    assert [r[0] for r in fix[1:]] == ["乙", "丙", "丁"]
    assert fix[1][3] == "1390000" and fix[1][-1] == "原第3行：手机号码：手机号码应为11位中国大陆手机号"
    assert fix[2][2] == id_number(3) and fix[2][8] == "2024-13-01" and fix[2][10] == "网约配送员"
    assert fix[3][2] == id_number(4) and fix[3][-1].startswith("原第5行：证件号码：此人已是望京物流联合工会的会员")

    # and the officer fixes two cells in WPS, deletes the row already on the roll and uploads the file
    content = body(client.get(f"/jobs/{job.pk}/bad-rows/"))
    fixed = _resave(content, tmp_path / "fixed.xlsx", edits={(1, 3): "13900000002", (2, 8): "2024-12-01"}, drop={3})
    again = start(tree, fixed, django_capture_on_commit_callbacks, skip_invalid=False)

    assert (again.state, again.created_count, again.error_count) == ("succeeded", 2, 0)
    assert Member.objects.get(name="丙").new_employment_form == "delivery_rider"
    assert set(Member.objects.filter(org=tree.union_a1).values_list("name", flat=True)) == {"甲", "乙", "丙", "戊"}
    assert login(tree.officer_b).get(f"/jobs/{job.pk}/bad-rows/").status_code == 404  # out of scope


# --- export → import ------------------------------------------------------------------------


def test_export_columns_are_the_templates_then_roll_only_columns():
    assert EXPORT_HEADERS[: len(IMPORT_HEADERS)] == IMPORT_HEADERS
    assert set(EXPORT_HEADERS[len(IMPORT_HEADERS) :]).isdisjoint(import_vocab.HEADER_SYNONYMS)


def _record(m: Member) -> tuple:
    return (
        m.name, m.id_type, m.id_number_hash, m.id_number_masked, m.gender, m.birth_date, m.phone, m.ethnicity,
        m.education, m.employer_name, m.employer_uscc, m.join_date, m.is_migrant_worker, m.new_employment_form,
    )  # fmt: skip


def test_an_exported_roll_imports_back_as_the_same_records(tree, tmp_path, login, django_capture_on_commit_callbacks):
    # given a union's roll with varied records
    variants = [
        {"ethnicity": "维吾尔族", "education": "master", "is_migrant_worker": True, "new_employment_form": "courier"},
        {"education": "", "phone": "", "employer_uscc": "", "new_employment_form": "delivery_rider"},
        {"ethnicity": "蒙古族", "education": "primary", "new_employment_form": "truck_driver"},
    ]
    originals = []
    for seq, extra in enumerate(variants, start=21):
        data = {**member_data(tree.union_a1, seq=seq), **extra, "join_date": dt.date(2019, 1, seq - 10)}
        originals.append(member_create(actor=tree.officer_a, data=data))
    before = sorted(_record(m) for m in Member.objects.filter(org=tree.union_a1))

    # when the roll is exported with full ID numbers (audited) ...
    response = login(tree.officer_a).get(f"/members/export/?org={tree.union_a1.pk}&full_id=1")
    assert response.status_code == 200
    exported = tmp_path / "roll.xlsx"
    exported.write_bytes(body(response))
    assert read_xlsx(exported)[0] == list(EXPORT_HEADERS)
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, detail__full_id=True).count() == 1
    # ... the people leave that union, and the file is imported into an empty roll as it is
    for member in originals:
        member_change_status(actor=tree.officer_a, member=member, status="withdrawn")
    assert not Member.objects.filter(org=tree.union_a2).exists()
    job = start(tree, exported, django_capture_on_commit_callbacks, skip_invalid=False, org=tree.union_a2)

    # then the new roll holds the same records
    assert (job.state, job.created_count, job.error_count) == ("succeeded", 3, 0)
    assert sorted(_record(m) for m in Member.objects.filter(org=tree.union_a2)) == before


def test_full_id_export_needs_the_reveal_right(tree, login, member_for_export):
    response = login(tree.viewer_a).get(f"/members/export/?org={tree.union_a1.pk}&full_id=1")

    assert response.status_code == 403
    assert not AuditLog.objects.filter(action=AuditLog.Action.EXPORT).exists()
    masked = login(tree.viewer_a).get(f"/members/export/?org={tree.union_a1.pk}")
    assert read_xlsx(body(masked))[1][2] == member_for_export.id_number_masked


@pytest.fixture
def member_for_export(tree):
    return member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=31))
