"""Celery application. Used only when REDIS_URL is set; otherwise jobs run in-process."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")

app = Celery("gonghui")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def schedule_periodic_tasks(sender, **kwargs):
    """Celery beat runs what the apps registered with jobs.periodic."""
    from gonghui.jobs.periodic import beat_schedule

    sender.conf.beat_schedule = {**beat_schedule(), **(sender.conf.beat_schedule or {})}


@worker_ready.connect
def fail_abandoned_jobs(**kwargs):
    """A worker starting after a crash fails the jobs the crash left running (jobs.services)."""
    from gonghui.jobs.services import jobs_fail_abandoned

    jobs_fail_abandoned()
