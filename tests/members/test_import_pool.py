"""The importer's large-file path (rows checked in worker processes, written in batches meanwhile) gives
exactly the result, report and rows of the in-process path."""

from __future__ import annotations

import multiprocessing
import os
import threading

import pytest

from gonghui.core import pii
from gonghui.members import import_check, import_write, imports
from gonghui.members.imports import import_members_file
from gonghui.members.models import Member, MemberEvent
from gonghui.members.services import member_create
from tests.conftest import member_data
from tests.members.importfiles import person, write_csv

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")


def _rows() -> list[dict]:
    rows = [person(i, 姓名=f"王{'一二三四五六七八九'[i % 9]}") for i in range(1, 40)]
    rows[3] = person(4, 手机号码="12345", 入会日期="明天")  # two bad cells
    rows[7] = person(2, 姓名="重复")  # duplicate of row 3 in the file
    rows[11] = person(12, 证件类型="护照")  # unknown document type
    rows[20] = person(21, 是否农民工="是", 新就业形态="快递员")
    rows[25] = person(30, 民族="火星族")
    return rows


def _run(tree, path, monkeypatch, *, pool: bool, skip_invalid: bool):
    monkeypatch.setattr(import_check, "POOL_MIN_ROWS", 0 if pool else 10**9)
    monkeypatch.setattr(import_check, "IMPORT_WORKERS", 2)
    monkeypatch.setattr(imports, "POOL_CHUNK", 4)  # many chunks, several in flight
    monkeypatch.setattr(import_check, "DUPLICATE_BATCH", 3)
    monkeypatch.setattr(import_write, "WRITE_BATCH", 5)  # several batches written while validating
    started = []
    real = imports._start_checkers
    monkeypatch.setattr(imports, "_start_checkers", lambda ctx, n: started.append(p := real(ctx, n)) or p)
    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=skip_invalid)
    assert (started[0] is not None) == pool
    if pool:  # both processes ended on their own when the pipes closed (not killed after waiting)
        assert started[0].exit_codes == [0, 0]
    return result


def _written() -> list[tuple]:
    fields = ["name", "name_initials", "id_type", "id_number_hash", "id_number_masked", "gender", "birth_date",
              "phone", "ethnicity", "education", "employer_name", "employer_uscc", "org_id", "join_date",
              "status", "is_migrant_worker", "new_employment_form"]  # fmt: skip
    return list(Member.objects.order_by("id_number_hash").values_list(*fields))


@pytest.mark.skipif(threading.active_count() > 1, reason="the pool is used only from a single-threaded process")
@pytest.mark.parametrize("skip_invalid", [False, True])
def test_pool_and_in_process_give_the_same_import(tree, tmp_path, monkeypatch, skip_invalid):
    # a person already on the roll in scope: reported against the roll
    held = member_create(actor=tree.officer_a, data=member_data(tree.union_a2, seq=9))
    path = write_csv(tmp_path / "members.csv", _rows())

    results = []
    written = []
    for pool in (False, True):
        result = _run(tree, path, monkeypatch, pool=pool, skip_invalid=skip_invalid)
        results.append(result)
        written.append(_written())
        Member.objects.exclude(pk=held.pk).delete()
        MemberEvent.objects.exclude(member_id=held.pk).delete()

    in_process, pooled = results
    assert pooled.errors == in_process.errors
    assert (pooled.accepted, pooled.total, pooled.created, pooled.skipped, pooled.message) == (
        in_process.accepted,
        in_process.total,
        in_process.created,
        in_process.skipped,
        in_process.message,
    )
    assert written[1] == written[0]
    reasons = [error[:3] for error in pooled.errors]
    assert (4, "证件号码", f"此人已是望京物流联合工会的会员（会员卡号 {held.card_number}）") not in reasons
    assert (10, "证件号码", f"此人已是望京物流联合工会的会员（会员卡号 {held.card_number}）") in reasons
    assert (9, "证件号码", "与第3行的证件号码重复，同一人只能出现一次") in reasons
    if skip_invalid:
        assert pooled.accepted and pooled.created == 39 - 6
    else:
        assert not pooled.accepted and pooled.created == 0


def test_pool_writes_decryptable_rows_and_history(tree, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "ok.csv", [person(i) for i in range(1, 12)])
    result = _run(tree, path, monkeypatch, pool=threading.active_count() == 1, skip_invalid=False)
    assert (result.accepted, result.created) == (True, 11)
    for member in Member.objects.all():
        assert pii.keyed_hash(pii.decrypt(member.id_number_encrypted)) == member.id_number_hash
        assert member.events.get().kind == "imported"


def _import_with_checks_failing_at_row_10(tree, tmp_path, monkeypatch, fail) -> None:
    """An import through the checking processes whose chunk holding row 10 calls `fail` first."""
    real = import_check._check_chunk

    def check_chunk(chunk):
        if any(row == 10 for row, _cells in chunk):
            fail()
        return real(chunk)

    monkeypatch.setattr(import_check, "POOL_MIN_ROWS", 0)
    monkeypatch.setattr(import_check, "IMPORT_WORKERS", 2)
    monkeypatch.setattr(imports, "POOL_CHUNK", 4)
    monkeypatch.setattr(import_check, "_check_chunk", check_chunk)  # inherited by the forked processes
    path = write_csv(tmp_path / "members.csv", [person(i) for i in range(1, 30)])
    import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=True)


@pytest.mark.skipif(threading.active_count() > 1, reason="the pool is used only from a single-threaded process")
def test_an_error_in_a_checking_process_fails_the_import_and_writes_nothing(tree, tmp_path, monkeypatch):
    def broken():
        raise ValueError("broken cell reader")

    with pytest.raises(imports._CheckerFailed, match="ValueError: broken cell reader"):
        _import_with_checks_failing_at_row_10(tree, tmp_path, monkeypatch, broken)
    assert not Member.objects.exists()
    assert not multiprocessing.active_children()


@pytest.mark.skipif(threading.active_count() > 1, reason="the pool is used only from a single-threaded process")
def test_a_checking_process_that_dies_fails_the_import_instead_of_hanging(tree, tmp_path, monkeypatch):
    def killed():
        os._exit(1)  # as if killed (out of memory)

    with pytest.raises(imports._CheckerFailed, match="exited unexpectedly"):
        _import_with_checks_failing_at_row_10(tree, tmp_path, monkeypatch, killed)
    assert not Member.objects.exists()
    assert not multiprocessing.active_children()


@pytest.mark.skipif(threading.active_count() > 1, reason="the pool is used only from a single-threaded process")
@pytest.mark.parametrize("pool", [False, True])
def test_a_file_broken_half_way_is_rejected_whole_with_or_without_checking_processes(tree, tmp_path, monkeypatch, pool):
    # given a CSV whose 15th data row holds a cell longer than any CSV field may be
    rows = [person(i) for i in range(1, 30)]
    rows[14] = person(15, 工作单位="A" * 140_000)  # under the line limit, over the CSV field limit
    path = write_csv(tmp_path / "members.csv", rows)

    result = _run(tree, path, monkeypatch, pool=pool, skip_invalid=True)

    # then the file is refused as a whole, nothing is written, no checking process is left
    assert not result.accepted and result.created == 0
    assert result.message.startswith("CSV 格式有误")
    assert not Member.objects.exists()
    assert not multiprocessing.active_children()
