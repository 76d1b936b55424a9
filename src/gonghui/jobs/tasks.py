from celery import shared_task

from .runner import run_job


@shared_task(name="gonghui.run_job", acks_late=True)
def run_job_task(job_id: int) -> None:
    run_job(job_id)


@shared_task(name="gonghui.run_periodic")
def run_periodic_task(name: str) -> None:
    from .periodic import run_task

    run_task(name)
