"""Finding 1: a spreadsheet is judged by what its zip directory and first bytes declare before
anything parses it, and parsed in a child process whose limits end it, not the server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gonghui.core.spreadsheets import SpreadsheetLimits, SpreadsheetRefused, inspect_csv, inspect_xlsx
from gonghui.jobs.models import Job
from gonghui.jobs.services import job_upload_dir
from gonghui.members.imports import member_import_start
from gonghui.members.models import Member
from tests.core.spreadsheetfiles import (
    far_cell_xlsx,
    header_row,
    huge_string_xlsx,
    inline,
    sparse_xlsx,
    write_xlsx,
    zip_bomb_xlsx,
)
from tests.members.importfiles import person, write_csv
from tests.members.importfiles import write_xlsx as write_roll

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the reading process is forked")


def limits(**overrides) -> SpreadsheetLimits:
    return SpreadsheetLimits(**{**SpreadsheetLimits.from_settings().__dict__, **overrides})


def refusal(path: Path, **overrides) -> tuple[str, str]:
    with pytest.raises(SpreadsheetRefused) as err:
        inspect_xlsx(path, limits(**overrides))
    return err.value.code, err.value.message


def test_the_far_cell_file_is_refused_by_its_declared_columns(tmp_path):
    path = far_cell_xlsx(tmp_path / "far.xlsx")
    assert path.stat().st_size < 2048  # the 1.8 KB file of the finding

    assert refusal(path) == (
        "too_many_columns",
        "表格范围 A1:XFD1048576 有 16384 列，超过上限 256 列；请删除多余的列（包括只有格式的空白列）后再导入",
    )


def test_the_far_cell_file_without_a_dimension_is_judged_by_its_last_row(tmp_path):
    path = far_cell_xlsx(tmp_path / "far.xlsx", dimension=False)

    assert refusal(path)[0] == "sparse_range"


def test_a_sparse_range_is_refused(tmp_path):
    path = sparse_xlsx(tmp_path / "sparse.xlsx")

    assert refusal(path) == (
        "sparse_range",
        "表格范围 A1:T1000000 声明了 20000000 个单元格，但文件中几乎没有内容；请删除空白的行和列后另存再导入",
    )


def test_a_huge_shared_string_is_refused_by_its_ratio_and_by_its_length(tmp_path):
    path = huge_string_xlsx(tmp_path / "string.xlsx", megabytes=110)
    assert path.stat().st_size < 1024 * 1024

    assert refusal(path) == (
        "zip_bomb",
        "XLSX 文件中的 xl/sharedStrings.xml 压缩比异常（约 1027:1，上限 100:1），疑似压缩炸弹，已拒绝",
    )
    # with the ratio check out of the way, the streamed scan stops at the first string over the limit
    assert refusal(path, max_ratio=10_000) == ("cell_too_long", "表格中有单元格内容过长（超过 128 KB），请检查文件")


def test_a_zip_bomb_part_is_refused_and_sizes_are_read_from_the_directory(tmp_path):
    path = zip_bomb_xlsx(tmp_path / "bomb.xlsx", megabytes=60)

    assert refusal(path)[0] == "zip_bomb"
    assert refusal(path, max_part_bytes=50 * 1024 * 1024) == (
        "too_large_uncompressed",
        "XLSX 文件中的 xl/media/image1.bin 解压后有 60 MB，超过上限 50 MB，请分成几个文件导入",
    )
    assert refusal(path, max_xml_bytes=10 * 1024 * 1024)[0] == "too_large_uncompressed"


def test_a_real_roll_passes_with_its_facts(tmp_path):
    path = write_roll(tmp_path / "roll.xlsx", [person(seq) for seq in range(1, 501)])

    facts = inspect_xlsx(path, limits())

    assert (facts.dimension, facts.rows, facts.columns, facts.cells) == ("A1:K501", 501, 11, 5511)
    assert facts.sheet_part == "xl/worksheets/sheet1.xml"
    assert 0 < facts.longest_string_bytes < 200


def test_csv_lines_and_columns_are_limited(tmp_path):
    path = write_csv(tmp_path / "roll.csv", [person(1), person(2)])
    assert inspect_csv(path, limits()) == 3

    with pytest.raises(SpreadsheetRefused) as err:
        inspect_csv(path, limits(max_columns=5))
    assert err.value.message == "表格有 11 列，超过上限 5 列；请删除多余的列后再导入"

    long = write_csv(tmp_path / "long.csv", [person(1, 工作单位="厂" * 100_000)])
    with pytest.raises(SpreadsheetRefused) as err:
        inspect_csv(long, limits())
    assert err.value.message == "CSV 文件中有一行超过 256 KB，请检查文件"


# --- through the import job ------------------------------------------------------------------


def start(tree, path: Path, capture) -> Job:
    with capture(execute=True), path.open("rb") as fh:
        job = member_import_start(
            actor=tree.officer_a, org=tree.union_a1, filename=path.name, fileobj=fh, skip_invalid=False
        )
    job.refresh_from_db()
    return job


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (far_cell_xlsx, "表格范围 A1:XFD1048576 有 16384 列"),
        (sparse_xlsx, "表格范围 A1:T1000000 声明了 20000000 个单元格"),
        (huge_string_xlsx, "XLSX 文件中的 xl/sharedStrings.xml 压缩比异常"),
        (zip_bomb_xlsx, "XLSX 文件中的 xl/media/image1.bin 压缩比异常"),
    ],
)
def test_each_bomb_fails_its_job_with_a_clear_message(
    tree, tmp_path, django_capture_on_commit_callbacks, build, message
):
    path = build(tmp_path / "名单.xlsx")
    uploads_before = set(job_upload_dir().iterdir())

    job = start(tree, path, django_capture_on_commit_callbacks)

    # then the job failed and says why; nothing was written; the upload is gone; this process goes on
    assert job.state == Job.State.FAILED
    assert job.message.startswith(message)
    assert Member.objects.count() == 0
    assert not Path(job.input_path).exists()
    assert set(job_upload_dir().iterdir()) == uploads_before


def test_a_file_that_slips_past_the_checks_ends_the_reading_process_not_this_one(
    tree, tmp_path, settings, django_capture_on_commit_callbacks
):
    # given a sheet without a dimension whose 5,000 rows end in column XFD: 82 million cells for the
    # reader, under every declared limit (the rows hold real content, no range is declared)
    settings.GONGHUI_IMPORT_READER_MEMORY_MB = 256
    rows = header_row() + "".join(f'<row r="{r}">{inline(f"A{r}", "李四")}</row>' for r in range(2, 5000))
    rows += '<row r="5000">' + inline("A5000", "李四") + inline("XFD5000", "x") + "</row>"
    path = write_xlsx(tmp_path / "slips.xlsx", dimension=None, rows=rows)
    inspect_xlsx(path, limits())  # passes the checks

    job = start(tree, path, django_capture_on_commit_callbacks)

    assert job.state == Job.State.FAILED
    assert job.message.startswith("文件过大或格式异常，读取时超出了内存或时间限制，已停止")
    assert Member.objects.count() == 0
    assert not Path(job.input_path).exists()
    # and this process imports the next file as usual
    ok = write_roll(tmp_path / "ok.xlsx", [person(1), person(2)])
    assert start(tree, ok, django_capture_on_commit_callbacks).state == Job.State.SUCCEEDED
    assert Member.objects.count() == 2
