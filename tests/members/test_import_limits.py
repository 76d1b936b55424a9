"""At most N member imports queued or running per account and per server, counted atomically."""

from __future__ import annotations

import pytest
from django.db import connection

from gonghui.core.errors import Conflict
from gonghui.jobs.models import Job
from gonghui.jobs.services import job_upload_dir
from gonghui.members import imports
from gonghui.members.imports import member_import_start
from tests.concurrency import run_parallel
from tests.members.importfiles import person, write_csv


def starter(tree, path):
    def call():
        with path.open("rb") as fh:
            return member_import_start(
                actor=tree.officer_a, org=tree.union_a1, filename="members.csv", fileobj=fh, skip_invalid=False
            )

    return call


def test_a_second_import_of_the_same_account_is_refused_while_the_first_waits(tree, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "dispatch", lambda job: None)  # the first stays queued
    path = write_csv(tmp_path / "members.csv", [person(1)])
    first = starter(tree, path)()
    uploads = set(job_upload_dir().iterdir())

    with pytest.raises(Conflict) as err:
        starter(tree, path)()

    assert (err.value.status, err.value.code) == (409, "too_many_jobs")
    assert err.value.message == "您已有 1 个同类任务在排队或进行中，请等它完成后再试"
    assert list(Job.objects.values_list("pk", flat=True)) == [first.pk]
    assert set(job_upload_dir().iterdir()) == uploads  # the refused upload was not kept


def test_the_server_limit_counts_every_account(tree, tmp_path, monkeypatch, settings):
    settings.GONGHUI_IMPORTS_PER_ACCOUNT = 5
    settings.GONGHUI_IMPORTS_PER_SERVER = 1
    monkeypatch.setattr(imports, "dispatch", lambda job: None)
    path = write_csv(tmp_path / "members.csv", [person(1)])
    starter(tree, path)()

    with pytest.raises(Conflict) as err:
        starter(tree, path)()

    assert (err.value.code, err.value.message) == ("server_busy", "系统正在处理 1 个同类任务，请稍后再试")
    assert Job.objects.count() == 1


def test_finished_imports_do_not_count(tree, tmp_path, django_capture_on_commit_callbacks):
    path = write_csv(tmp_path / "members.csv", [person(1)])
    with django_capture_on_commit_callbacks(execute=True):
        starter(tree, path)()
    other = write_csv(tmp_path / "more.csv", [person(2)])
    with django_capture_on_commit_callbacks(execute=True):
        starter(tree, other)()

    assert list(Job.objects.values_list("state", flat=True)) == ["succeeded", "succeeded"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("per_account", "per_server", "code"), [(1, 10, "too_many_jobs"), (10, 2, "server_busy")])
def test_parallel_starts_cannot_pass_the_limit_together(
    tree, tmp_path, monkeypatch, settings, per_account, per_server, code
):
    if connection.vendor != "postgresql":
        pytest.skip("a real race needs PostgreSQL")
    settings.GONGHUI_IMPORTS_PER_ACCOUNT = per_account
    settings.GONGHUI_IMPORTS_PER_SERVER = per_server
    monkeypatch.setattr(imports, "dispatch", lambda job: None)
    path = write_csv(tmp_path / "members.csv", [person(1)])

    results = run_parallel([starter(tree, path)] * 6)

    allowed = min(per_account, per_server)
    assert sum(isinstance(r, Job) for r in results) == allowed
    assert [r.code for r in results if isinstance(r, Exception)] == [code] * (6 - allowed)
    assert Job.objects.count() == allowed
