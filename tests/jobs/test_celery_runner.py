"""Production path: an import job queued on Redis and run by a real Celery worker."""

from __future__ import annotations

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker

from gonghui.celery import app
from gonghui.jobs.models import Job
from gonghui.members.imports import member_import_start
from gonghui.members.models import Member
from tests.members.importfiles import person, write_csv

REDIS_URL = os.environ.get("GONGHUI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.mark.django_db(transaction=True)
def test_import_job_runs_on_a_celery_worker_over_redis(tree, tmp_path, settings):
    settings.GONGHUI_JOB_RUNNER = "celery"
    app.conf.update(broker_url=REDIS_URL, broker_connection_retry_on_startup=False)
    path = write_csv(tmp_path / "members.csv", [person(1), person(2), person(3)])

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with path.open("rb") as fh:
            job = member_import_start(
                actor=tree.officer_a, org=tree.union_a1, filename="members.csv", fileobj=fh, skip_invalid=False
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.is_finished:
                break
            time.sleep(0.2)

    assert job.state == Job.State.SUCCEEDED, job.message
    assert job.created_count == 3
    assert Member.objects.filter(org=tree.union_a1).count() == 3
