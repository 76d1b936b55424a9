from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
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


RECENT_DAYS = 7
LIST_LIMIT = 200


def job_list_visible_to(*, actor, state: str = "", mine: bool = False, recent: bool = False) -> QuerySet[Job]:
    """Jobs of unions in the actor's scope, newest first: `mine` those the actor started,
    `recent` those created within RECENT_DAYS (a failed import stays on the workbench a week)."""
    qs = Job.objects.filter(scope_q(actor, "org__path")).select_related("org")
    if state:
        qs = qs.filter(state=state)
    if mine:
        qs = qs.filter(created_by=actor)
    if recent:
        qs = qs.filter(created_at__gte=timezone.now() - dt.timedelta(days=RECENT_DAYS))
    return qs.order_by("-created_at", "-id")
