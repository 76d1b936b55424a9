from __future__ import annotations

from django.utils.translation import gettext as _

from gonghui.accounts.scope import scope_q
from gonghui.core.errors import NotFound

from .models import Job


def job_get_visible(*, actor, job_id) -> Job:
    try:
        return Job.objects.filter(scope_q(actor, "org__path")).select_related("org").get(pk=int(job_id))
    except (Job.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("任务不存在")) from None
