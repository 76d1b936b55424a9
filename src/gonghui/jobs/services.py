from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone, translation

from .models import Job

PROGRESS_TTL = 24 * 60 * 60


def progress_cache_key(job_id: int) -> str:
    return f"gonghui:job-progress:{job_id}"


def job_create(*, actor, kind: str, org, params: dict | None = None, input_name: str = "", input_path: str = "") -> Job:
    params = {"language": translation.get_language(), **(params or {})}
    job = Job.objects.create(
        kind=kind, created_by=actor, org=org, params=params, input_name=input_name, input_path=input_path
    )
    cache.delete(progress_cache_key(job.pk))  # SQLite may reuse the id of a rolled-back job
    return job


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
    cache.delete(progress_cache_key(job.pk))


def job_fail(*, job: Job, message: str) -> None:
    job_finish(job=job, succeeded=False, message=message)
