from celery import shared_task

from .periodic import periodic
from .runner import dispatch_waiting_jobs, run_job


@shared_task(name="gonghui.run_job", acks_late=True)
def run_job_task(job_id: int) -> None:
    run_job(job_id)


@shared_task(name="gonghui.run_periodic")
def run_periodic_task(name: str) -> None:
    from .periodic import run_task

    run_task(name)


@periodic("dispatch_waiting_jobs", minutes=1)
def dispatch_jobs_the_broker_missed() -> int:
    """Jobs queued while the broker (Redis) was away are handed to it once it is back."""
    return dispatch_waiting_jobs()
