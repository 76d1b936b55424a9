"""Finding 12: a job nobody will finish is failed (at a worker's start, by the periodic task, or
when its message is delivered again), its upload removed, and a job never runs twice."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection, connections
from django.utils import timezone

from gonghui.celery import fail_abandoned_jobs
from gonghui.jobs import runner as job_runner
from gonghui.jobs.liveness import machine
from gonghui.jobs.models import Job
from gonghui.jobs.periodic import run_task
from gonghui.jobs.services import job_upload_dir
from gonghui.members import imports
from gonghui.members.imports import member_import_start
from gonghui.members.models import Member
from tests.members.importfiles import person, write_csv

ABANDONED = "任务所在的进程已中止（服务重启、进程被终止或超出资源限制），任务未完成；请重新发起"


def gone_process() -> str:
    """The runner of a process of this host that has exited."""
    child = subprocess.Popen(["true"])  # noqa: S607
    child.wait()
    return f"{machine()}:{child.pid}:1"


def queued_import(tree, tmp_path, monkeypatch, rows: int = 2) -> Job:
    monkeypatch.setattr(imports, "dispatch", lambda job: None)  # queued, as if the broker held it
    path = write_csv(tmp_path / "members.csv", [person(seq) for seq in range(1, rows + 1)])
    with path.open("rb") as fh:
        job = member_import_start(
            actor=tree.officer_a, org=tree.union_a1, filename="members.csv", fileobj=fh, skip_invalid=False
        )
    assert Path(job.input_path).is_file()
    return job


def test_a_running_job_whose_process_is_gone_is_failed_and_its_upload_removed(tree, tmp_path, monkeypatch):
    job = queued_import(tree, tmp_path, monkeypatch)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, runner=gone_process(), started_at=timezone.now())

    assert run_task("jobs.recover") == {"failed": 1, "removed": 0}

    job.refresh_from_db()
    assert (job.state, job.message, job.progress) == (Job.State.FAILED, ABANDONED, 100)
    assert job.finished_at is not None
    assert not Path(job.input_path).exists()
    assert Member.objects.count() == 0


def test_a_worker_starting_fails_what_a_crash_left_running(tree, tmp_path, monkeypatch):
    job = queued_import(tree, tmp_path, monkeypatch)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, runner=gone_process(), started_at=timezone.now())

    fail_abandoned_jobs()  # the worker_ready hook

    job.refresh_from_db()
    assert (job.state, job.message) == (Job.State.FAILED, ABANDONED)


def test_a_job_of_a_live_process_is_left_alone_until_it_stalls(tree, tmp_path, monkeypatch):
    job = queued_import(tree, tmp_path, monkeypatch)
    other_host = "another-host:4242:1"  # cannot be checked from here
    started = timezone.now()
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, runner=other_host, started_at=started)

    assert run_task("jobs.recover")["failed"] == 0
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING and Path(job.input_path).is_file()

    from gonghui.jobs.services import jobs_fail_abandoned

    assert jobs_fail_abandoned(now=started + dt.timedelta(minutes=61)) == 1
    job.refresh_from_db()
    assert (job.state, job.message) == (Job.State.FAILED, "任务长时间没有进展，已停止；请重新发起")
    assert not Path(job.input_path).exists()


def test_a_queued_job_never_started_is_cancelled_after_the_stale_time(tree, tmp_path, monkeypatch, settings):
    settings.GONGHUI_JOB_RUNNER = "celery"  # queued for a worker: its creator's process does not matter
    job = queued_import(tree, tmp_path, monkeypatch)
    from gonghui.jobs.services import jobs_fail_abandoned

    assert jobs_fail_abandoned(now=job.created_at + dt.timedelta(minutes=59)) == 0
    assert jobs_fail_abandoned(now=job.created_at + dt.timedelta(minutes=61)) == 1
    job.refresh_from_db()
    assert (job.state, job.message) == (Job.State.FAILED, "任务长时间未能开始，已取消；请重新发起")


def test_a_job_runs_once_and_a_redelivery_after_a_dead_worker_fails_it(tree, tmp_path, monkeypatch):
    # given a job its first worker claimed and died running (a poison file)
    job = queued_import(tree, tmp_path, monkeypatch)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, runner=gone_process())
    ran = []
    monkeypatch.setitem(job_runner.HANDLERS, Job.Kind.MEMBER_IMPORT, lambda job: ran.append(job.pk))

    # when the broker delivers its message again
    job_runner.run_job(job.pk)

    # then it does not run again: it is failed, and its upload removed
    job.refresh_from_db()
    assert ran == []
    assert (job.state, job.message) == (Job.State.FAILED, ABANDONED)
    assert not Path(job.input_path).exists()
    job_runner.run_job(job.pk)  # and a third delivery changes nothing
    assert ran == [] and Job.objects.get(pk=job.pk).message == ABANDONED


def test_orphan_uploads_are_swept_and_held_ones_kept(tree, tmp_path, monkeypatch, settings):
    job = queued_import(tree, tmp_path, monkeypatch)
    folder = job_upload_dir()
    orphan, fresh = folder / "orphan.csv", folder / "fresh.csv"
    orphan.write_bytes(b"a,b")
    fresh.write_bytes(b"a,b")
    old = time.time() - 7 * 3600
    os.utime(orphan, (old, old))
    os.utime(job.input_path, (old, old))  # old too, but its job is queued

    assert run_task("jobs.recover")["removed"] == 1  # other tests' uploads in this folder are fresh

    assert (orphan.exists(), fresh.exists(), Path(job.input_path).exists()) == (False, True, True)
    fresh.unlink()
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert oct(Path(job.input_path).stat().st_mode & 0o777) == "0o600"


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_halfway_through_an_import_leaves_a_failed_job_no_file_and_the_roll_unchanged(
    tree, tmp_path, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("a second process shares the test database on PostgreSQL only (SQLite's lives in memory)")
    rows = 100_000
    job = queued_import(tree, tmp_path, monkeypatch, rows=rows)
    before = Member.objects.count()
    progress_read, progress_write = os.pipe()
    connections.close_all()  # the worker opens its own connection

    pid = os.fork()
    if pid == 0:  # the worker: runs the job, telling the test how far it got
        code = 0
        try:
            os.close(progress_read)
            real = imports.job_progress

            def report(**kwargs):
                real(**kwargs)
                os.write(progress_write, f"{kwargs['processed']}\n".encode())

            imports.job_progress = report
            job_runner.run_job(job.pk)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(progress_write)

    # when the worker is killed once it has checked (and written, in its transaction) half the rows
    with open(progress_read, "rb", closefd=True) as reports:
        for line in reports:
            if int(line) >= rows // 2:
                os.kill(pid, signal.SIGKILL)
                break
    os.waitpid(pid, 0)
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING  # what finding 12 saw

    # then recovery (a restarted worker, or the periodic task) fails the job and removes the upload
    assert run_task("jobs.recover")["failed"] == 1
    job.refresh_from_db()
    assert (job.state, job.message) == (Job.State.FAILED, ABANDONED)
    assert not Path(job.input_path).exists()
    assert Member.objects.count() == before
