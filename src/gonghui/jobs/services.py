from __future__ import annotations

from django.utils import timezone, translation

from .models import Job


def job_create(*, actor, kind: str, org, params: dict | None = None, input_name: str = "", input_path: str = "") -> Job:
    params = {"language": translation.get_language(), **(params or {})}
    return Job.objects.create(
        kind=kind, created_by=actor, org=org, params=params, input_name=input_name, input_path=input_path
    )


def job_start(*, job: Job, phase: str = "") -> None:
    job.state = Job.State.RUNNING
    job.started_at = timezone.now()
    job.phase = phase
    Job.objects.filter(pk=job.pk).update(state=job.state, started_at=job.started_at, phase=phase)


def job_progress(
    *, job: Job, processed: int, total: int, phase: str | None = None, progress: int | None = None
) -> None:
    """Record progress; written straight away so the page can poll it while the job runs."""
    job.processed_rows = processed
    job.total_rows = total
    if phase is not None:
        job.phase = phase
    job.progress = progress if progress is not None else (min(99, processed * 100 // total) if total else 0)
    Job.objects.filter(pk=job.pk).update(
        processed_rows=processed, total_rows=total, phase=job.phase, progress=job.progress
    )


def job_finish(*, job: Job, succeeded: bool, message: str, **counts: int) -> None:
    job.state = Job.State.SUCCEEDED if succeeded else Job.State.FAILED
    job.finished_at = timezone.now()
    job.message = message
    job.progress = 100
    job.phase = ""
    for field, value in counts.items():
        setattr(job, field, value)
    job.save()


def job_fail(*, job: Job, message: str) -> None:
    job_finish(job=job, succeeded=False, message=message)
