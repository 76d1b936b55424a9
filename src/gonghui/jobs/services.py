from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gonghui.core.errors import Conflict
from gonghui.core.uploads import private_dir

from .liveness import process_gone, this_process
from .models import Job
from .progress import progress_cache_key

logger = logging.getLogger(__name__)
PROGRESS_TTL = 24 * 60 * 60
LIVE_STATES = (Job.State.QUEUED, Job.State.RUNNING)
UPLOADS = "imports"  # DATA_DIR/imports: files waiting for their job (personal data, 0600 in a 0700 folder)
_START_LOCK = 0x67686A62  # PostgreSQL advisory lock taken while a limited job is counted and created


def _alive_cache_key(job_id: int) -> str:
    return f"gonghui:job-alive:{job_id}"


def job_upload_dir() -> Path:
    return private_dir(UPLOADS)


def job_create(*, actor, kind: str, org, params: dict | None = None, input_name: str = "", input_path: str = "") -> Job:
    params = {"language": translation.get_language(), **(params or {})}
    # Without Celery the creating process runs the job: it is the job's process until one claims it.
    runner = "" if settings.GONGHUI_JOB_RUNNER == "celery" else this_process()
    job = Job.objects.create(
        kind=kind,
        created_by=actor,
        org=org,
        params=params,
        input_name=input_name,
        input_path=input_path,
        runner=runner,
    )
    cache.delete(progress_cache_key(job.pk))  # SQLite may reuse the id of a rolled-back job
    return job


def job_create_limited(*, actor, kind: str, org, per_account: int, per_server: int, **fields) -> Job:
    """`job_create`, refused (409) while the actor already has `per_account` jobs of this kind queued
    or running, or the server `per_server`. Counted and created under one lock (PostgreSQL: an
    advisory lock; SQLite: the transaction's write lock, taken at BEGIN IMMEDIATE), so parallel
    starts cannot all pass the count. A job whose process is gone does not count (it is failed)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_START_LOCK])
        live = Job.objects.filter(kind=kind, state__in=LIVE_STATES)
        for job in live.exclude(runner=""):
            if process_gone(job.runner):
                job_fail_abandoned(job=job)
        if per_account and live.filter(created_by=actor).count() >= per_account:
            message = _("您已有 %(n)s 个同类任务在排队或进行中，请等它完成后再试") % {"n": per_account}
            raise Conflict(message, code="too_many_jobs")
        if per_server and live.count() >= per_server:
            message = _("系统正在处理 %(n)s 个同类任务，请稍后再试") % {"n": per_server}
            raise Conflict(message, code="server_busy")
        return job_create(actor=actor, kind=kind, org=org, **fields)


def job_claim(job_id: int) -> bool:
    """Mark a queued job running in this process; False if it is not queued (already claimed, ended):
    a job runs at most once, whatever delivers it again."""
    now = timezone.now()
    return bool(
        Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
            state=Job.State.RUNNING, started_at=now, runner=this_process()
        )
    )


def job_start(*, job: Job, phase: str = "") -> None:
    job.state = Job.State.RUNNING
    job.started_at = timezone.now()
    job.phase = phase
    Job.objects.filter(pk=job.pk).update(state=job.state, started_at=job.started_at, phase=phase)


def job_progress(
    *,
    job: Job,
    processed: int,
    total: int,
    phase: str | None = None,
    progress: int | None = None,
    row: bool = True,
) -> None:
    """Record progress so the page can poll it while the job runs.

    Kept in the cache as well as on the job's row: a job that writes inside one long transaction
    (a member import) updates its row only when that transaction ends, so pollers read the
    cached figures (`jobs.selectors.job_get_visible`) until the job is finished. Such a job passes
    row=False: its row update would be seen only at commit, when `job_finish` writes the row
    anyway, and would hold the row's lock (on SQLite the table's, for shared-cache readers) meanwhile.
    """
    job.processed_rows = processed
    job.total_rows = total
    if phase is not None:
        job.phase = phase
    job.progress = progress if progress is not None else (min(99, processed * 100 // total) if total else 0)
    figures = {"processed_rows": processed, "total_rows": total, "phase": job.phase, "progress": job.progress}
    cache.set(progress_cache_key(job.pk), figures, PROGRESS_TTL)
    cache.set(_alive_cache_key(job.pk), time.time(), PROGRESS_TTL)
    if row:
        Job.objects.filter(pk=job.pk).update(**figures)


def job_finish(*, job: Job, succeeded: bool, message: str, **counts: int) -> None:
    job.state = Job.State.SUCCEEDED if succeeded else Job.State.FAILED
    job.finished_at = timezone.now()
    job.message = message
    job.progress = 100
    job.phase = ""
    for field, value in counts.items():
        setattr(job, field, value)
    job.save()
    cache.delete_many([progress_cache_key(job.pk), _alive_cache_key(job.pk)])
    _remove_upload(job)


def job_fail(*, job: Job, message: str) -> None:
    job_finish(job=job, succeeded=False, message=message)


def _remove_upload(job: Job) -> None:
    """The job's upload holds personal data: it goes when the job ends, however it ends."""
    if not job.input_path:
        return
    path = Path(job.input_path)
    if path.parent.resolve() == job_upload_dir().resolve():
        path.unlink(missing_ok=True)


def _abandoned_message() -> str:
    return _("任务所在的进程已中止（服务重启、进程被终止或超出资源限制），任务未完成；请重新发起")


def job_fail_abandoned(*, job: Job, message: str | None = None) -> None:
    """Fail a job nobody will finish (its process is gone, or it stalled)."""
    logger.warning("job %s abandoned (%s)", job.pk, job.runner or "no process")
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        job_fail(job=job, message=str(message or _abandoned_message()))


def jobs_fail_abandoned(*, now: dt.datetime | None = None) -> int:
    """Fail the jobs nobody will finish; the number failed. Run when a worker starts and by the
    periodic task `jobs.recover`:

    * queued or running, and its process (this host) is gone: at once;
    * running with no sign of life (start or progress) for GONGHUI_JOB_STALE_MINUTES;
    * queued and never started for GONGHUI_JOB_STALE_MINUTES.
    """
    now = now or timezone.now()
    stale = now - dt.timedelta(minutes=settings.GONGHUI_JOB_STALE_MINUTES)
    failed = 0
    for job in Job.objects.filter(state__in=LIVE_STATES).order_by("pk"):
        message = None
        if job.runner and process_gone(job.runner):
            message = _abandoned_message()
        elif job.state == Job.State.RUNNING:
            alive = cache.get(_alive_cache_key(job.pk))
            last = max(job.started_at or job.created_at, dt.datetime.fromtimestamp(alive or 0, tz=dt.UTC))
            if last < stale:
                message = _("任务长时间没有进展，已停止；请重新发起")
        elif job.created_at < stale:
            message = _("任务长时间未能开始，已取消；请重新发起")
        if message is None:
            continue
        # Claim the ending: a job that finished meanwhile is left alone.
        if Job.objects.filter(pk=job.pk, state=job.state, runner=job.runner).exists():
            job_fail_abandoned(job=job, message=message)
            failed += 1
    return failed


def job_uploads_sweep(*, now: dt.datetime | None = None) -> int:
    """Remove uploads older than GONGHUI_UPLOAD_ORPHAN_HOURS that no queued or running job holds
    (a crash between storing a file and queueing its job); the number removed."""
    cutoff = (now or timezone.now()).timestamp() - settings.GONGHUI_UPLOAD_ORPHAN_HOURS * 3600
    folder = job_upload_dir()
    held = {
        Path(p).name
        for p in Job.objects.filter(state__in=LIVE_STATES).exclude(input_path="").values_list("input_path", flat=True)
    }
    removed = 0
    for path in folder.iterdir():
        try:
            if path.is_file() and path.name not in held and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
