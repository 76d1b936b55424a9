from celery import shared_task

from .periodic import periodic
from .runner import dispatch_waiting_jobs, run_job


# Late acks so that a message is not lost with a worker stopped before it ran; a job is claimed
# once (jobs.services.job_claim), so a message delivered again after its worker died (a poison
# file) does not run it again: the job is failed instead. A pool process killed mid-task is not
# redelivered (reject_on_worker_lost=False) and its job is failed by jobs_recover.
@shared_task(name="gonghui.run_job", acks_late=True, reject_on_worker_lost=False)
def run_job_task(job_id: int) -> None:
    run_job(job_id)


@shared_task(name="gonghui.run_periodic")
def run_periodic_task(name: str) -> None:
    from .periodic import run_task

    run_task(name)


@periodic("jobs.recover", minutes=10)
def recover_jobs() -> dict[str, int]:
    """Fail jobs whose process is gone or that stalled, and remove uploads no job holds."""
    from .services import job_uploads_sweep, jobs_fail_abandoned

    return {"failed": jobs_fail_abandoned(), "removed": job_uploads_sweep()}


@periodic("dispatch_waiting_jobs", minutes=1)
def dispatch_jobs_the_broker_missed() -> int:
    """Jobs queued while the broker (Redis) was away are handed to it once it is back."""
    return dispatch_waiting_jobs()
