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


from .runner import dispatch_waiting_jobs, run_job
