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


# Set on a job that could not be handed to Celery (broker away); `dispatch_waiting_jobs` hands it again.
UNDISPATCHED = "undispatched"


def dispatch(job: Job, *, runner: str | None = None) -> None:
    """Start the job after the current transaction commits."""
    mode = runner or settings.GONGHUI_JOB_RUNNER

    def start() -> None:
        if mode == "inline":
            run_job(job.pk)
        elif mode == "celery":
            send_to_celery(job.pk)
        else:
            threading.Thread(target=_run_in_thread, args=(job.pk,), daemon=True, name=f"job-{job.pk}").start()

    transaction.on_commit(start)


def send_to_celery(job_id: int) -> bool:
    """Queue the job on Celery; whether the broker took it.

    With the broker (Redis) away the job waits: it stays queued in the database, marked, and
    the periodic task `dispatch_waiting_jobs` queues it once the broker is back. The request that
    created it answers as usual (its page shows the job queued), never an error.
    """
    from .tasks import run_job_task

    try:
        run_job_task.apply_async((job_id,), retry=False)
    except Exception as exc:  # kombu and redis-py raise their own connection errors
        logger.warning("job %s waits: the broker is unreachable (%r)", job_id, exc)
        job = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).first()
        if job is not None and not job.params.get(UNDISPATCHED):
            Job.objects.filter(pk=job_id).update(params={**job.params, UNDISPATCHED: True})
        return False
    job = Job.objects.filter(pk=job_id).only("params").first()
    if job is not None and job.params.get(UNDISPATCHED):
        params = {k: v for k, v in job.params.items() if k != UNDISPATCHED}
        Job.objects.filter(pk=job_id).update(params=params)
    return True


def dispatch_waiting_jobs() -> int:
    """Queue again the jobs the broker could not take; how many it took now."""
    if settings.GONGHUI_JOB_RUNNER != "celery":
        return 0
    sent = 0
    waiting = Job.objects.filter(state=Job.State.QUEUED, **{f"params__{UNDISPATCHED}": True})
    for job_id in waiting.values_list("pk", flat=True).order_by("pk")[:500]:
        if not send_to_celery(job_id):
            break
        sent += 1
    return sent
