import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import IntegrityError

from gonghui.core import pii
from gonghui.core.errors import Forbidden, InvalidInput, NotFound
from gonghui.jobs.models import Job
from gonghui.jobs.selectors import job_get_visible
from gonghui.members import import_check, import_write, imports
from gonghui.members.imports import (
    EXAMPLE_ROW,
    IMPORT_HEADERS,
    import_members_file,
    import_template_xlsx,
    member_import_start,
)
from gonghui.members.models import Member, MemberEvent
from gonghui.members.services import member_create
from gonghui.orgs.models import Org
from gonghui.stats.selectors import subtree_counts
from tests.conftest import id_number, member_data
from tests.members.importfiles import person, read_xlsx, write_csv, write_xlsx


def member_count(org: Org) -> int:
    return Org.objects.get(pk=org.pk).member_count


def upload_dir() -> Path:
    return Path(django_settings.DATA_DIR) / "imports"


def uploads() -> set[str]:
    return {p.name for p in upload_dir().glob("*")}


# --- template ---------------------------------------------------------------------------


def test_template_has_headers_example_and_instructions():
    content = import_template_xlsx()

    rows = read_xlsx(content)
    guide = read_xlsx(content, sheet=1)
    assert rows[0] == list(IMPORT_HEADERS)
    assert rows[1] == [EXAMPLE_ROW[h] for h in IMPORT_HEADERS]
    assert len(rows) == 2
    assert guide[0][:3] == ["列名", "是否必填", "填写要求"]
    assert [r[0] for r in guide[1:12]] == list(IMPORT_HEADERS)
    assert [r[1] for r in guide[1:12] if r[1] == "必填"] == ["必填", "必填", "必填"]
    valid_values = {cell for r in guide for cell in r[4:]}
    assert {"外国人永久居留身份证", "维吾尔族", "硕士研究生", "快递外卖骑手", "无", "是", "否"} <= valid_values


def test_template_round_trip(tree, tmp_path):
    # given the downloaded template with the example row still in place and two rows filled in
    template = read_xlsx(import_template_xlsx())
    headers = template[0]
    rows = [dict(zip(headers, template[1], strict=True)), person(1, 姓名="王小明"), person(2, 姓名="赵敏")]
    path = write_xlsx(tmp_path / "filled.xlsx", rows, headers=headers)

    # when it is imported
    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    # then the two people are on the roll and the example row is ignored
    assert (result.accepted, result.total, result.created, result.errors, result.skipped) == (True, 2, 2, [], 0)
    assert result.report_path is None
    assert result.message == "已导入 2 名会员"
    members = list(Member.objects.filter(org=tree.union_a1).order_by("name"))
    assert [m.name for m in members] == ["王小明", "赵敏"]
    first = next(m for m in members if m.name == "王小明")
    assert first.id_number_hash == pii.keyed_hash(id_number(1))
    assert pii.decrypt(first.id_number_encrypted) == id_number(1)
    assert first.id_number_masked == id_number(1)[:6] + "********" + id_number(1)[-4:]
    assert (first.birth_date, first.gender, first.name_initials) == (dt.date(1990, 5, 17), "male", "wxm")
    assert (first.phone, first.education, first.join_date) == ("13900000001", "bachelor", dt.date(2021, 6, 1))
    assert (first.id_type, first.status, first.is_migrant_worker, first.new_employment_form) == (
        "resident_id",
        "active",
        False,
        "none",
    )
    assert len({m.card_number for m in members}) == 2
    assert member_count(tree.union_a1) == 2
    events = MemberEvent.objects.filter(member__in=members)
    assert sorted(events.values_list("kind", flat=True)) == ["imported", "imported"]
    assert {e.actor_id for e in events} == {tree.officer_a.pk}
    assert not Member.objects.filter(name=EXAMPLE_ROW["姓名"]).exists()


# --- reading files ----------------------------------------------------------------------


def test_xlsx_typed_cells_any_column_order_and_extra_columns(tree, tmp_path):
    # given Excel cells typed as numbers, dates and booleans, columns shuffled, an unknown column
    headers = ["备注", "入会日期", "证件号码", "姓名", "手机号码", "是否农民工", "新就业形态", "民族", "证件类型"]
    rows = [
        {
            "备注": "随便写",
            "入会日期": dt.date(2019, 4, 3),
            "证件号码": id_number(3),
            "姓名": "钱 多多",
            "手机号码": 13800138000,
            "是否农民工": True,
            "新就业形态": "快递外卖骑手",
            "民族": "回",
            "证件类型": "居民身份证",
        },
        {"入会日期": 43831, "证件号码": id_number(4), "姓名": "孙丽", "是否农民工": 0, "民族": "满族"},
        {"入会日期": 20200102, "证件号码": id_number(5), "姓名": "周杰", "新就业形态": "无"},
    ]
    path = write_xlsx(tmp_path / "typed.xlsx", rows, headers=headers)

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    assert (result.accepted, result.created, result.errors) == (True, 3, [])
    qian = Member.objects.get(name="钱 多多")
    assert (qian.join_date, qian.phone, qian.is_migrant_worker) == (dt.date(2019, 4, 3), "13800138000", True)
    assert (qian.new_employment_form, qian.ethnicity, qian.education, qian.employer_name) == (
        "delivery_rider",
        "回族",
        "",
        "",
    )
    sun = Member.objects.get(name="孙丽")
    assert (sun.join_date, sun.is_migrant_worker, sun.phone) == (dt.date(2020, 1, 1), False, "")
    assert Member.objects.get(name="周杰").join_date == dt.date(2020, 1, 2)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_in_utf8_with_and_without_bom_and_gbk(tree, tmp_path, encoding):
    rows = [
        person(6, 姓名="买买提·艾力", 民族="维吾尔族", 新就业形态="网约车司机", 是否农民工="是"),
        person(7, 姓名="欧阳娜娜", 学历="硕士研究生", 入会日期="2022/7/15"),
    ]
    path = write_csv(tmp_path / "list.csv", rows, encoding=encoding)

    result = import_members_file(actor=tree.officer_a, org=tree.union_a2, path=path, skip_invalid=False)

    assert (result.accepted, result.total, result.created, result.errors) == (True, 2, 2, [])
    first = Member.objects.get(name="买买提·艾力")
    assert (first.ethnicity, first.new_employment_form, first.is_migrant_worker) == (
        "维吾尔族",
        "ride_hailing_driver",
        True,
    )
    second = Member.objects.get(name="欧阳娜娜")
    assert (second.education, second.join_date, second.org_id) == ("master", dt.date(2022, 7, 15), tree.union_a2.pk)
    assert member_count(tree.union_a2) == 2


def test_missing_required_header_rejects_the_whole_file(tree, tmp_path):
    headers = [h for h in IMPORT_HEADERS if h not in ("入会日期", "证件号码")]
    path = write_xlsx(tmp_path / "short.xlsx", [person(1)], headers=headers)

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=True)

    assert result.accepted is False
    assert result.message == "缺少必填列：证件号码、入会日期（第1行应为表头）"
    assert result.errors == [
        (1, "证件号码", "缺少必填列“证件号码”", "", ""),
        (1, "入会日期", "缺少必填列“入会日期”", "", ""),
    ]
    assert read_xlsx(result.report_path, sheet=1)[1:] == [
        [1.0, "", "证件号码", "", "缺少必填列“证件号码”"],
        [1.0, "", "入会日期", "", "缺少必填列“入会日期”"],
    ]
    assert result.bad_rows_path is None  # no row was read: nothing to fix row by row
    assert Member.objects.count() == 0


def test_optional_columns_may_be_left_out(tree, tmp_path):
    path = write_csv(tmp_path / "min.csv", [person(8)], headers=["姓名", "证件号码", "入会日期"])

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    assert (result.accepted, result.created) == (True, 1)
    member = Member.objects.get()
    assert (member.ethnicity, member.id_type, member.new_employment_form, member.phone) == (
        "汉族",
        "resident_id",
        "none",
        "",
    )


def test_empty_file_and_header_only_file_are_rejected(tree, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header_only = write_csv(tmp_path / "header.csv", [])

    first = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=empty, skip_invalid=False)
    second = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=header_only, skip_invalid=False)

    assert (first.accepted, first.message) == (False, "文件是空的，第1行应为表头")
    assert (second.accepted, second.message) == (False, "文件中没有会员数据")


def test_corrupt_xlsx_is_rejected_with_a_clear_message(tree, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    assert result.accepted is False
    assert result.message.startswith("无法读取文件，请确认是有效的 XLSX 文件")


# --- validation ----------------------------------------------------------------------------


def test_one_bad_row_imports_nothing_and_the_report_names_row_column_reason(tree, tmp_path):
    # given three rows, the third (Excel row 4) with a bad phone and an unknown ethnicity
    rows = [person(1), person(2), person(3, 手机号码="12345", 民族="火星族")]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    before = member_count(tree.union_a1)

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    assert result.accepted is False
    assert (result.total, result.created, result.skipped) == (3, 0, 0)
    assert result.errors == [
        (4, "手机号码", "手机号码应为11位中国大陆手机号", "12345", "李四"),
        (4, "民族", "民族“火星族”不在56个民族名称中", "火星族", "李四"),
    ]
    assert result.message == "发现 2 处错误，未导入任何数据"
    assert read_xlsx(result.report_path, sheet=1) == [
        ["行号", "姓名", "列", "填写的值", "原因"],
        [4.0, "李四", "手机号码", "12345", "手机号码应为11位中国大陆手机号"],
        [4.0, "李四", "民族", "火星族", "民族“火星族”不在56个民族名称中"],
    ]
    assert Path(result.report_path).parent == Path(django_settings.DATA_DIR) / "reports"
    assert Member.objects.count() == 0
    assert MemberEvent.objects.count() == 0
    assert member_count(tree.union_a1) == before


def test_every_bad_cell_of_a_row_is_reported(tree, tmp_path):
    bad_check_digit = id_number(9)[:17] + ("0" if id_number(9)[17] != "0" else "1")
    rows = [
        person(
            9,
            姓名="",
            证件号码=bad_check_digit,
            学历="幼儿园",
            单位统一社会信用代码="123",
            入会日期="2020-13-45",
            是否农民工="也许",
            新就业形态="宇航员",
        ),
        person(10, 证件类型="护照"),
        person(11, 入会日期="1980-01-01"),
        person(12, 入会日期=""),
    ]
    path = write_csv(tmp_path / "bad.csv", rows)

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    assert result.errors == [
        (2, "姓名", "此项为必填项", "", ""),
        (2, "证件号码", "证件号码校验位错误", bad_check_digit, ""),
        (2, "学历", "学历“幼儿园”不是有效选项", "幼儿园", ""),
        (2, "单位统一社会信用代码", "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）", "123", ""),
        (2, "入会日期", "日期“2020-13-45”的月份应为1–12", "2020-13-45", ""),
        (2, "是否农民工", "应填写“是”或“否”", "也许", ""),
        (2, "新就业形态", "新就业形态“宇航员”不是有效选项", "宇航员", ""),
        (3, "证件类型", "证件类型“护照”不是有效选项", "护照", "李四"),
        (4, "入会日期", "入会日期应晚于出生日期", "1980-01-01", "李四"),
        (5, "入会日期", "此项为必填项", "", "李四"),
    ]
    assert Member.objects.count() == 0


def test_id_number_saved_by_excel_as_a_number_is_refused(tree, tmp_path):
    # Excel turns 110105199005171234 typed into a number cell into 1.10105199005171E+17.
    rows = [person(1, 证件号码=float(id_number(1))), person(2, 证件号码="1.10105E+17")]
    path = write_xlsx(tmp_path / "numeric.xlsx", rows)

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    reason = "证件号码被存成了数字，Excel 只保留15位有效数字，号码已失真；请把该列设为“文本”格式后重新填写"
    assert result.errors == [
        (2, "证件号码", reason, id_number(1)[:15] + "000", "李四"),  # as Excel kept it: 15 digits
        (3, "证件号码", reason, "1.10105E+17", "李四"),
    ]
    assert Member.objects.count() == 0


def test_skip_invalid_writes_the_good_rows_and_reports_the_bad(tree, tmp_path):
    rows = [person(1), person(2, 手机号码="12345"), person(3), person(4, 入会日期="明天")]
    path = write_xlsx(tmp_path / "mixed.xlsx", rows)
    report = tmp_path / "out" / "report.xlsx"

    result = import_members_file(
        actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=True, report_path=report
    )

    assert (result.accepted, result.total, result.created, result.skipped) == (True, 4, 2, 2)
    date_reason = "日期“明天”格式有误，应为 YYYY-MM-DD（如 2024-01-05；也可写作 2024/1/5、2024.1.5 或 2024年1月5日）"
    assert result.errors == [
        (3, "手机号码", "手机号码应为11位中国大陆手机号", "12345", "李四"),
        (5, "入会日期", date_reason, "明天", "李四"),
    ]
    assert result.report_path == str(report)
    assert read_xlsx(report, sheet=1)[1:] == [
        [3.0, "李四", "手机号码", "12345", result.errors[0][2]],
        [5.0, "李四", "入会日期", "明天", date_reason],
    ]
    assert result.message == "已导入 2 名会员，跳过 2 行（共 2 处错误，见错误报告）"
    assert sorted(Member.objects.values_list("id_number_hash", flat=True)) == sorted(
        [pii.keyed_hash(id_number(1)), pii.keyed_hash(id_number(3))]
    )
    assert member_count(tree.union_a1) == 2


def test_skip_invalid_with_no_good_row_is_rejected(tree, tmp_path):
    path = write_xlsx(tmp_path / "allbad.xlsx", [person(1, 手机号码="1"), person(2, 手机号码="2")])

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=True)

    assert (result.accepted, result.created, result.skipped) == (False, 0, 2)
    assert result.message == "发现 2 处错误，所有行均有错误，未导入任何数据"
    assert Member.objects.count() == 0


def test_duplicates_inside_the_file_are_reported_after_the_first(tree, tmp_path):
    rows = [person(1), person(2), person(1, 姓名="李四二"), person(1, 姓名="李四三")]
    path = write_xlsx(tmp_path / "dup.xlsx", rows)

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=True)

    reason = "与第2行的证件号码重复，同一人只能出现一次"
    assert result.errors == [
        (4, "证件号码", reason, id_number(1), "李四二"),
        (5, "证件号码", reason, id_number(1), "李四三"),
    ]
    assert (result.created, result.skipped) == (2, 2)
    assert Member.objects.filter(id_number_hash=pii.keyed_hash(id_number(1))).get().name == "李四"


def test_duplicate_against_the_roll_names_the_union_when_in_scope(tree, tmp_path, monkeypatch):
    # given people already on the roll in scope (union A2) and outside it (union B1)
    monkeypatch.setattr(import_check, "DUPLICATE_BATCH", 2)  # several lookup batches
    held = member_create(actor=tree.officer_a, data=member_data(tree.union_a2, seq=2))
    member_create(actor=tree.officer_b, data=member_data(tree.union_b1, seq=4))
    rows = [person(1), person(2), person(3), person(4), person(5)]
    path = write_xlsx(tmp_path / "dup.xlsx", rows)

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    assert result.errors == [
        (3, "证件号码", f"此人已是望京物流联合工会的会员（会员卡号 {held.card_number}）", id_number(2), "李四"),
        (5, "证件号码", "此人已在其他工会登记为会员，请办理会员接转", id_number(4), "李四"),
    ]
    assert Member.objects.filter(org=tree.union_a1).count() == 0


def test_former_members_may_be_imported_again(tree, tmp_path):
    from gonghui.members.services import member_change_status

    old = member_create(actor=tree.officer_a, data=member_data(tree.union_a2, seq=1))
    member_change_status(actor=tree.officer_a, member=old, status="withdrawn")
    path = write_xlsx(tmp_path / "again.xlsx", [person(1)])

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    assert (result.accepted, result.created) == (True, 1)


def test_many_rows_are_written_in_chunks_with_progress(tree, tmp_path, monkeypatch):
    monkeypatch.setattr(import_write, "WRITE_CHUNK", 3)
    monkeypatch.setattr(import_write, "WRITE_BATCH", 4)
    monkeypatch.setattr(import_check, "DUPLICATE_BATCH", 4)
    monkeypatch.setattr(imports, "VALIDATE_PROGRESS_EVERY", 5)
    rows = [person(seq) for seq in range(1, 12)]
    path = write_csv(tmp_path / "eleven.csv", rows)
    calls = []

    result = import_members_file(
        actor=tree.officer_a,
        org=tree.union_a1,
        path=path,
        skip_invalid=False,
        on_progress=lambda **kw: calls.append((kw["phase"], kw["processed"], kw["progress"])),
    )

    assert (result.created, result.total) == (11, 11)
    assert Member.objects.filter(org=tree.union_a1).count() == 11
    assert MemberEvent.objects.filter(kind="imported").count() == 11
    assert len(set(Member.objects.values_list("card_number", flat=True))) == 11
    assert member_count(tree.union_a1) == 11
    assert [c[0] for c in calls] == ["读取文件", *["校验并写入数据"] * 4, "写入数据"]
    assert [c[1] for c in calls] == [0, 0, 5, 10, 11, 11]
    progress = [c[2] for c in calls]
    assert progress == sorted(progress)
    assert progress[0] == 0
    assert progress[-1] == 80


def test_a_bad_row_after_batches_were_written_leaves_nothing(tree, tmp_path, monkeypatch):
    # given a file whose first ten rows are written (in batches of three) before its bad last row
    monkeypatch.setattr(import_write, "WRITE_BATCH", 3)
    monkeypatch.setattr(import_check, "DUPLICATE_BATCH", 2)
    rows = [person(seq) for seq in range(1, 11)] + [person(11, 入会日期="明天")]
    path = write_csv(tmp_path / "late-error.csv", rows)
    before = subtree_counts(org=tree.city)

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    # then the file is rejected and none of it stays: rows, history, counts, statistics
    assert (result.accepted, result.created, result.total) == (False, 0, 11)
    assert [e[0] for e in result.errors] == [12]
    assert Member.objects.count() == 0 and MemberEvent.objects.count() == 0
    assert member_count(tree.union_a1) == 0
    assert subtree_counts(org=tree.city) == before


def test_someone_registered_while_the_file_is_written_rejects_it(tree, tmp_path, monkeypatch):
    # given a person registered elsewhere after the importer looked them up on the roll
    # (the lookup is made to miss, as if the registration committed just after it)
    monkeypatch.setattr(import_write, "WRITE_BATCH", 2)
    member_create(actor=tree.officer_a, data=member_data(tree.union_a2, seq=5))
    monkeypatch.setattr(import_check, "_current_holders", lambda hashes: [])
    path = write_csv(tmp_path / "race.csv", [person(seq) for seq in range(1, 8)])

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=True)

    # then the database's own check stops the import and nothing of it stays
    assert (result.accepted, result.created) == (False, 0)
    assert result.message == "导入期间有人登记了文件中的人员，未导入任何数据，请重新导入以查看详细报告"
    assert Member.objects.filter(org=tree.union_a1).count() == 0
    assert member_count(tree.union_a1) == 0


def test_a_write_failing_while_the_next_batch_waits_for_the_connection_reserves_nothing_more(
    tree, tmp_path, monkeypatch
):
    # given a write that fails just after the importing thread looked for failures (the writer
    # thread's race: on PostgreSQL the next statement would meet an aborted transaction)
    monkeypatch.setattr(import_write, "WRITE_BATCH", 2)
    real_settle = imports._Writer.settle

    def settle_then_fail(writer):
        real_settle(writer)
        if writer.is_open and writer.rows >= 4 and writer._failure is None:
            writer._failure = IntegrityError("duplicate key value (simulated)")

    monkeypatch.setattr(imports._Writer, "settle", settle_then_fail)
    reserved = []
    real_allocate = import_write.allocate_card_numbers
    monkeypatch.setattr(import_write, "allocate_card_numbers", lambda n: reserved.append(n) or real_allocate(n))
    path = write_csv(tmp_path / "race.csv", [person(seq) for seq in range(1, 8)])

    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=True)

    # then no card is reserved after the failure, and the import is rejected with nothing kept
    assert reserved == [2]
    assert (result.accepted, result.created) == (False, 0)
    assert result.message == "导入期间有人登记了文件中的人员，未导入任何数据，请重新导入以查看详细报告"
    assert Member.objects.filter(org=tree.union_a1).count() == 0


# --- permissions and scope ------------------------------------------------------------


def test_out_of_scope_union_is_not_found(tree, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [person(1)])

    with pytest.raises(NotFound):
        import_members_file(actor=tree.officer_a, org=tree.union_b1, path=path, skip_invalid=False)
    with pytest.raises(NotFound), path.open("rb") as fh:
        member_import_start(actor=tree.officer_a, org=tree.union_b1, filename="a.xlsx", fileobj=fh, skip_invalid=False)

    assert Member.objects.count() == 0
    assert Job.objects.count() == 0


def test_viewer_cannot_import(tree, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [person(1)])

    with pytest.raises(Forbidden):
        import_members_file(actor=tree.viewer_a, org=tree.union_a1, path=path, skip_invalid=False)
    with pytest.raises(Forbidden), path.open("rb") as fh:
        member_import_start(actor=tree.viewer_a, org=tree.union_a1, filename="a.xlsx", fileobj=fh, skip_invalid=False)

    assert Member.objects.count() == 0
    assert Job.objects.count() == 0


def test_import_only_into_grassroots_unions(tree, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [person(1)])

    with pytest.raises(InvalidInput) as err:
        import_members_file(actor=tree.officer_a, org=tree.street_a, path=path, skip_invalid=False)

    assert err.value.code == "org_not_grassroots"
    assert Member.objects.count() == 0


# --- upload and job -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "code"),
    [
        ("list.xls", b"\xd0\xcf\x11\xe0", "bad_file_type"),
        ("list.txt", b"a,b", "bad_file_type"),
        ("list.xlsx", b"not a zip", "bad_file_content"),
        ("list.csv", b"", "empty_file"),
    ],
)
def test_upload_of_wrong_file_is_invalid_input(tree, filename, content, code):
    before = uploads()

    with pytest.raises(InvalidInput) as err:
        member_import_start(
            actor=tree.officer_a, org=tree.union_a1, filename=filename, fileobj=io.BytesIO(content), skip_invalid=False
        )

    assert err.value.code == code
    assert list(err.value.fields) == ["file"]
    assert Job.objects.count() == 0
    assert uploads() == before


def test_upload_over_the_size_limit_is_refused(tree, settings):
    settings.GONGHUI_IMPORT_MAX_BYTES = 10

    with pytest.raises(InvalidInput) as err:
        member_import_start(
            actor=tree.officer_a,
            org=tree.union_a1,
            filename="big.csv",
            fileobj=io.BytesIO(b"x" * 11),
            skip_invalid=False,
        )

    assert err.value.code == "file_too_large"
    assert Job.objects.count() == 0


def start(tree, path: Path, capture, *, skip_invalid=False, actor=None) -> Job:
    with capture(execute=True), path.open("rb") as fh:
        job = member_import_start(
            actor=actor or tree.officer_a, org=tree.union_a1, filename=path.name, fileobj=fh, skip_invalid=skip_invalid
        )
    job.refresh_from_db()
    return job


def test_job_imports_the_upload_and_records_counts(tree, tmp_path, django_capture_on_commit_callbacks):
    path = write_xlsx(tmp_path / "名单.xlsx", [person(1), person(2), person(3)])

    job = start(tree, path, django_capture_on_commit_callbacks)

    assert (job.kind, job.state, job.org_id, job.created_by_id) == (
        "member_import",
        "succeeded",
        tree.union_a1.pk,
        tree.officer_a.pk,
    )
    assert (job.total_rows, job.processed_rows, job.created_count, job.error_count, job.skipped_count) == (
        3,
        3,
        3,
        0,
        0,
    )
    assert (job.progress, job.phase, job.message, job.report_path) == (100, "", "已导入 3 名会员", "")
    assert job.input_name == "名单.xlsx"
    assert job.params == {"language": "zh-hans", "skip_invalid": False}
    assert job.started_at is not None and job.finished_at is not None
    assert not Path(job.input_path).exists()  # the upload is not kept
    assert Path(job.input_path).parent == upload_dir()
    assert Member.objects.filter(org=tree.union_a1).count() == 3
    assert set(MemberEvent.objects.values_list("note", flat=True)) == {"批量导入：名单.xlsx"}


def test_job_with_a_bad_row_fails_with_a_report(tree, tmp_path, django_capture_on_commit_callbacks):
    path = write_csv(tmp_path / "bad.csv", [person(1), person(2, 民族="火星族")], encoding="gbk")

    job = start(tree, path, django_capture_on_commit_callbacks)

    assert job.state == "failed"
    assert job.message == "发现 1 处错误，未导入任何数据"
    assert (job.total_rows, job.created_count, job.error_count, job.skipped_count, job.progress) == (2, 0, 1, 0, 100)
    assert read_xlsx(job.report_path, sheet=1)[1:] == [
        [3.0, "李四", "民族", "火星族", "民族“火星族”不在56个民族名称中"]
    ]
    assert Member.objects.count() == 0


def test_job_skipping_bad_rows_succeeds_with_counts(tree, tmp_path, django_capture_on_commit_callbacks):
    path = write_csv(tmp_path / "mixed.csv", [person(1), person(2, 民族="火星族"), person(3)])

    job = start(tree, path, django_capture_on_commit_callbacks, skip_invalid=True)

    assert job.state == "succeeded"
    assert (job.total_rows, job.created_count, job.error_count, job.skipped_count) == (3, 2, 1, 1)
    assert job.message == "已导入 2 名会员，跳过 1 行（共 1 处错误，见错误报告）"
    assert Path(job.report_path).exists()
    assert Member.objects.count() == 2


def test_job_records_progress_while_it_runs(tree, tmp_path, django_capture_on_commit_callbacks, monkeypatch):
    seen = []
    real = imports.job_progress

    def spy(*, job, processed, total, phase=None, progress=None, row=True):
        assert row is False  # reported from inside the import's transaction: the cache only
        real(job=job, processed=processed, total=total, phase=phase, progress=progress, row=row)
        polled = job_get_visible(actor=tree.officer_a, job_id=job.pk)
        seen.append((polled.phase, polled.processed_rows, polled.progress, polled.state))

    monkeypatch.setattr(imports, "job_progress", spy)
    monkeypatch.setattr(imports, "VALIDATE_PROGRESS_EVERY", 2)
    path = write_xlsx(tmp_path / "five.xlsx", [person(seq) for seq in range(1, 6)])

    job = start(tree, path, django_capture_on_commit_callbacks)

    assert job.state == "succeeded"
    assert [s[0] for s in seen] == ["读取文件", *["校验并写入数据"] * 4, "写入数据"]
    assert [s[1] for s in seen] == [0, 0, 2, 4, 5, 5]
    assert {s[3] for s in seen} == {"running"}


def test_crash_mid_import_writes_nothing_and_fails_the_job(
    tree, tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    # given a failure after the members and their events were inserted
    def boom(org_id, delta):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(import_write, "_bump_count", boom)
    path = write_xlsx(tmp_path / "ok.xlsx", [person(1), person(2)])

    job = start(tree, path, django_capture_on_commit_callbacks)

    assert job.state == "failed"
    assert job.message == "任务异常终止：RuntimeError"
    assert Member.objects.count() == 0
    assert MemberEvent.objects.count() == 0
    assert member_count(tree.union_a1) == 0
    assert not Path(job.input_path).exists()


@pytest.mark.parametrize(
    ("module", "step", "failing_call"), [(imports, "_check_row", 6), (import_write, "_insert_rows", 2)]
)
def test_a_failure_midway_leaves_nothing_and_the_connection_usable(
    tree, tmp_path, monkeypatch, module, step, failing_call
):
    # given batches already written when checking a later row (in the importing thread) or writing
    # a later batch (in the writer thread) fails
    monkeypatch.setattr(import_write, "WRITE_BATCH", 2)
    monkeypatch.setattr(import_check, "DUPLICATE_BATCH", 2)
    real, calls = getattr(module, step), []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == failing_call:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, step, failing)
    path = write_csv(tmp_path / "fails.csv", [person(seq) for seq in range(1, 9)])

    with pytest.raises(RuntimeError, match="disk on fire"):
        import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)

    # then the error reaches the caller, nothing stays and the connection is usable (the transaction was closed)
    assert Member.objects.count() == 0 and MemberEvent.objects.count() == 0
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=20))
    assert member_count(tree.union_a1) == 1


def test_job_rechecks_permission_when_it_runs(tree, tmp_path, django_capture_on_commit_callbacks, monkeypatch):
    # given the officer lost write access between upload and run
    path = write_xlsx(tmp_path / "ok.xlsx", [person(1)])
    with path.open("rb") as fh:
        job = member_import_start(
            actor=tree.officer_a, org=tree.union_a1, filename="ok.xlsx", fileobj=fh, skip_invalid=False
        )
    assert job.state == "queued"  # dispatch waits for the commit
    type(tree.officer_a).objects.filter(pk=tree.officer_a.pk).update(role="viewer")

    from gonghui.jobs.runner import run_job

    run_job(job.pk)

    job.refresh_from_db()
    assert (job.state, job.message) == ("failed", "只读账号不能修改数据")
    assert Member.objects.count() == 0
