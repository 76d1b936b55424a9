from django.utils import translation

from gonghui.jobs.models import Job
from gonghui.jobs.runner import HANDLERS, handles, run_job
from gonghui.jobs.services import job_create


def test_a_crashing_job_ends_failed_in_the_language_it_was_queued_in(tree):
    @handles("test_crash")
    def crash(job):
        raise RuntimeError("boom")

    try:
        with translation.override("en"):
            job = job_create(actor=tree.officer_a, kind="test_crash", org=tree.union_a1)
        assert job.params["language"] == "en"

        run_job(job.pk)

        job.refresh_from_db()
        assert job.state == Job.State.FAILED
        assert job.message == "The job stopped unexpectedly: RuntimeError"
        assert job.progress == 100 and job.finished_at is not None
    finally:
        HANDLERS.pop("test_crash")
