"""Runs jobs: on Celery when REDIS_URL is set, else in a background thread (embedded
server) or at once (GONGHUI_JOB_RUNNER=inline: tests and the CLI)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Job

logger = logging.getLogger(__name__)
HANDLERS: dict[str, Callable[[Job], None]] = {}


def handles(kind: str):
    def register(fn: Callable[[Job], None]) -> Callable[[Job], None]:
        HANDLERS[kind] = fn
        return fn

    return register


def run_job(job_id: int) -> None:
    """Run a queued job to its end; a crash marks it failed, never leaves it running."""
    from .liveness import process_gone
    from .services import job_claim, job_fail, job_fail_abandoned

    if not job_claim(job_id):
        # Delivered again (Celery redelivers the message of a worker that died): never run twice, so
        # a file that kills its process cannot kill worker after worker; fail it if its process is gone.
        job = Job.objects.get(pk=job_id)
        if job.state == Job.State.RUNNING and job.runner and process_gone(job.runner):
            job_fail_abandoned(job=job)
        return
    job = Job.objects.get(pk=job_id)
    # The job speaks the language of whoever queued it: messages, reports, accepted labels.
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        try:
            HANDLERS[job.kind](job)
        except Exception as exc:
            logger.exception("job %s crashed", job_id)
            job_fail(job=job, message=_("任务异常终止：%(error)s") % {"error": exc.__class__.__name__})


def _run_in_thread(job_id: int) -> None:
    close_old_connections()
    try:
        run_job(job_id)
    finally:
        connection.close()


def dispatch(job: Job, *, runner: str | None = None) -> None:
    """Start the job after the current transaction commits."""
    mode = runner or settings.GONGHUI_JOB_RUNNER

    def start() -> None:
        if mode == "inline":
            run_job(job.pk)
        elif mode == "celery":
            from .tasks import run_job_task

            run_job_task.delay(job.pk)
        else:
            threading.Thread(target=_run_in_thread, args=(job.pk,), daemon=True, name=f"job-{job.pk}").start()

    transaction.on_commit(start)
