import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from gonghui.__main__ import command_argv, main
from gonghui.accounts.models import AuditLog, User
from gonghui.members.exports import EXPORT_HEADERS
from gonghui.members.models import Member
from tests.members.importfiles import person, read_xlsx, write_csv, write_xlsx


def run_cli(monkeypatch, *args: str) -> int:
    """Run `gonghui ARGS...` in-process; the exit code (0 when it returns normally)."""
    monkeypatch.setattr(sys, "argv", ["gonghui", *args])
    # run_from_argv closes the connections when done, which would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    try:
        main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_hyphenated_command_names_map_to_modules():
    assert command_argv(["gonghui", "import-members", "a-b.xlsx", "--org", "BJ-CY"]) == [
        "gonghui",
        "import_members",
        "a-b.xlsx",
        "--org",
        "BJ-CY",
    ]
    assert command_argv(["gonghui", "help", "export-members"]) == ["gonghui", "help", "export_members"]
    assert command_argv(["gonghui", "migrate", "--run-syncdb"]) == ["gonghui", "migrate", "--run-syncdb"]
    assert command_argv(["gonghui", "--version"]) == ["gonghui", "--version"]


def test_import_members_cli_imports_and_prints_a_summary(tree, tmp_path, monkeypatch, capsys):
    path = write_xlsx(tmp_path / "list.xlsx", [person(1), person(2)])

    code = run_cli(monkeypatch, "import-members", str(path), "--org", "BJ-CY-WJ-01")

    out = capsys.readouterr().out
    assert code == 0
    assert "望京科技公司工会（BJ-CY-WJ-01）：共读取 2 行" in out
    assert "已导入 2 名会员" in out
    assert Member.objects.filter(org=tree.union_a1).count() == 2
    assert set(Member.objects.values_list("events__actor", flat=True)) == {tree.superuser.pk}


def test_rejected_file_exits_1_and_writes_nothing(tree, tmp_path, monkeypatch, capsys):
    path = write_csv(tmp_path / "bad.csv", [person(1), person(2, 手机号码="12345")])
    report = tmp_path / "report.xlsx"

    code = run_cli(monkeypatch, "import-members", str(path), "--org", "BJ-CY-WJ-01", "--report", str(report))

    captured = capsys.readouterr()
    assert code == 1
    assert "第3行（李四） [手机号码]：手机号码应为11位中国大陆手机号（填写的是“12345”）" in captured.out
    assert f"错误报告：{report}" in captured.out
    assert "发现 1 处错误，未导入任何数据" in captured.err
    assert read_xlsx(report, sheet=1)[1:] == [[3.0, "李四", "手机号码", "12345", "手机号码应为11位中国大陆手机号"]]
    assert Member.objects.count() == 0


def test_missing_column_exits_1(tree, tmp_path, monkeypatch, capsys):
    path = write_csv(tmp_path / "short.csv", [person(1)], headers=["姓名", "证件号码"])

    code = run_cli(monkeypatch, "import-members", str(path), "--org", "BJ-CY-WJ-01")

    assert code == 1
    assert "缺少必填列：入会日期" in capsys.readouterr().err
    assert Member.objects.count() == 0


def test_skip_invalid_imports_the_good_rows_and_exits_0(tree, tmp_path, capsys):
    path = write_csv(tmp_path / "mixed.csv", [person(1), person(2, 手机号码="12345")], encoding="gbk")
    report = tmp_path / "r.xlsx"

    call_command("import_members", str(path), org="BJ-CY-WJ-01", skip_invalid=True, report=str(report))

    assert "已导入 1 名会员，跳过 1 行（共 1 处错误，见错误报告）" in capsys.readouterr().out
    assert report.exists()
    assert Member.objects.count() == 1


def test_import_as_an_officer_is_limited_to_their_scope(tree, tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", [person(1)])

    with pytest.raises(CommandError) as out_of_scope:
        call_command("import_members", str(path), org="BJ-CY-WJ-01", as_user="officer_b")
    with pytest.raises(CommandError) as read_only:
        call_command("import_members", str(path), org="BJ-CY-WJ-01", as_user="viewer_a")
    with pytest.raises(CommandError) as unknown:
        call_command("import_members", str(path), org="BJ-CY-WJ-01", as_user="nobody")
    with pytest.raises(CommandError) as not_grassroots:
        call_command("import_members", str(path), org="BJ-CY")

    assert str(out_of_scope.value) == "找不到组织代码为 BJ-CY-WJ-01 的工会（或不在账号 officer_b 的管辖范围内）"
    assert str(read_only.value) == "只读账号不能修改数据"
    assert str(unknown.value) == "账号 nobody 不存在"
    assert str(not_grassroots.value) == "会员只能登记在基层工会或联合基层工会"
    assert Member.objects.count() == 0


def test_import_without_a_superuser_needs_as(tree, tmp_path):
    User.objects.filter(is_superuser=True).update(is_superuser=False)
    path = write_xlsx(tmp_path / "list.xlsx", [person(1)])

    with pytest.raises(CommandError) as err:
        call_command("import_members", str(path), org="BJ-CY-WJ-01")

    assert "--as" in str(err.value)
    call_command("import_members", str(path), org="BJ-CY-WJ-01", as_user="officer_a1")
    assert Member.objects.count() == 1


def test_import_of_a_missing_or_wrong_file(tree, tmp_path, monkeypatch, capsys):
    other = tmp_path / "list.xls"
    other.write_bytes(b"x")

    assert run_cli(monkeypatch, "import-members", str(tmp_path / "nope.xlsx"), "--org", "BJ-CY-WJ-01") == 1
    assert run_cli(monkeypatch, "import-members", str(other), "--org", "BJ-CY-WJ-01") == 1

    err = capsys.readouterr().err
    assert "文件不存在" in err
    assert "只支持 .xlsx 或 .csv 文件" in err


def test_export_members_cli_writes_the_subtree(tree, tmp_path, monkeypatch, capsys):
    write_xlsx(tmp_path / "a1.xlsx", [person(1), person(2)])
    write_xlsx(tmp_path / "b1.xlsx", [person(3)])
    call_command("import_members", str(tmp_path / "a1.xlsx"), org="BJ-CY-WJ-01")
    call_command("import_members", str(tmp_path / "b1.xlsx"), org="BJ-HD-01")
    out = tmp_path / "cy.xlsx"

    code = run_cli(monkeypatch, "export-members", "--org", "BJ-CY", str(out))

    assert code == 0
    assert f"已导出 2 名会员到 {out}" in capsys.readouterr().out
    rows = read_xlsx(out)
    assert rows[0] == list(EXPORT_HEADERS)
    assert [r[EXPORT_HEADERS.index("组织代码")] for r in rows[1:]] == ["BJ-CY-WJ-01", "BJ-CY-WJ-01"]
    assert AuditLog.objects.get(action="export").actor_id == tree.superuser.pk


def test_export_as_an_officer_outside_scope_exits_1(tree, tmp_path, monkeypatch, capsys):
    out = tmp_path / "x.xlsx"

    code = run_cli(monkeypatch, "export-members", "--org", "BJ-CY", str(out), "--as", "officer_b")

    assert code == 1
    assert "找不到组织代码为 BJ-CY 的工会" in capsys.readouterr().err
    assert not out.exists()


def test_export_status_filter_and_bad_output_name(tree, tmp_path):
    call_command("import_members", str(write_xlsx(tmp_path / "a1.xlsx", [person(1)])), org="BJ-CY-WJ-01")

    call_command("export_members", str(tmp_path / "w.xlsx"), org="BJ-CY-WJ-01", status="withdrawn")
    with pytest.raises(CommandError):
        call_command("export_members", str(tmp_path / "w.csv"), org="BJ-CY-WJ-01")

    assert read_xlsx(tmp_path / "w.xlsx") == [list(EXPORT_HEADERS)]
