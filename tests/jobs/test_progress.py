"""Job progress as pollers see it: live while the job runs, even from inside a long transaction."""

from __future__ import annotations

from django.db import transaction

from gonghui.jobs.models import Job
from gonghui.jobs.selectors import job_get_visible
from gonghui.jobs.services import job_create, job_finish, job_progress, job_start


def test_progress_made_inside_a_transaction_is_seen_before_it_ends(tree):
    # given a running job that works inside one transaction (an import writing as it validates)
    job = job_create(actor=tree.officer_a, kind="member_import", org=tree.union_a1)
    job_start(job=job, phase="读取文件")
    with transaction.atomic():
        job_progress(job=job, processed=500, total=1000, phase="校验并写入数据", progress=42)
        # (the row update is undone here, as it would be invisible to other connections until commit)
        transaction.set_rollback(True)

    # then a poller sees the progress all the same
    seen = job_get_visible(actor=tree.officer_a, job_id=job.pk)
    assert (seen.processed_rows, seen.total_rows, seen.phase, seen.progress) == (500, 1000, "校验并写入数据", 42)


def test_a_finished_job_shows_its_final_state(tree):
    job = job_create(actor=tree.officer_a, kind="member_import", org=tree.union_a1)
    job_start(job=job)
    job_progress(job=job, processed=10, total=20, phase="校验并写入数据", progress=50)

    job_finish(job=job, succeeded=True, message="已导入 20 名会员", total_rows=20, processed_rows=20)

    seen = job_get_visible(actor=tree.officer_a, job_id=job.pk)
    assert (seen.state, seen.progress, seen.phase, seen.processed_rows) == (Job.State.SUCCEEDED, 100, "", 20)


def test_progress_kept_off_the_row_is_seen_by_pollers_and_the_row_is_untouched(tree):
    # given a job reporting from inside its own long transaction (row=False, as the import does)
    job = job_create(actor=tree.officer_a, kind="member_import", org=tree.union_a1)
    job_start(job=job, phase="读取文件")
    job_progress(job=job, processed=300, total=1000, phase="校验并写入数据", progress=26, row=False)

    # then pollers see the progress, while the row keeps what was last written to it
    seen = job_get_visible(actor=tree.officer_a, job_id=job.pk)
    assert (seen.processed_rows, seen.progress, seen.phase) == (300, 26, "校验并写入数据")
    stored = Job.objects.get(pk=job.pk)
    assert (stored.processed_rows, stored.phase) == (0, "读取文件")
