from __future__ import annotations

from django.core.cache import cache
from django.utils.translation import gettext as _

from gonghui.accounts.scope import scope_q
from gonghui.core.errors import NotFound

from .models import Job
from .progress import progress_cache_key


def job_get_visible(*, actor, job_id) -> Job:
    """A job in the actor's scope, with its latest progress while it runs (see `job_progress`)."""
    try:
        job = Job.objects.filter(scope_q(actor, "org__path")).select_related("org").get(pk=int(job_id))
    except (Job.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("任务不存在")) from None
    if not job.is_finished:
        for field, value in (cache.get(progress_cache_key(job.pk)) or {}).items():
            setattr(job, field, value)
    return job
