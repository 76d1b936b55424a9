"""Job pages: progress that polls itself every second, the result and its error report."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gonghui.core.exports import xlsx_response
from gonghui.web import officer_view

from .models import Job
from .selectors import LIST_LIMIT, job_get_visible, job_list_visible_to


@require_GET
@officer_view
def job_list(request):
    """后台任务: the jobs of the actor's unions (filters: state, mine=1, recent=1)."""
    state = request.GET.get("state", "")
    if state not in Job.State.values:
        state = ""
    mine, recent = request.GET.get("mine") == "1", request.GET.get("recent") == "1"
    rows = list(job_list_visible_to(actor=request.user, state=state, mine=mine, recent=recent)[: LIST_LIMIT + 1])
    return render(
        request,
        "jobs/list.html",
        {
            "rows": rows[:LIST_LIMIT],
            "truncated": len(rows) > LIST_LIMIT,
            "state": state,
            "states": Job.State.choices,
            "mine": mine,
            "recent": recent,
        },
    )


@require_GET
@officer_view
def detail(request, job_id: int):
    job = job_get_visible(actor=request.user, job_id=job_id)
    return render(request, "jobs/detail.html", {"job": job})


@require_GET
@officer_view
def progress(request, job_id: int):
    """htmx fragment polled every second; once the job has finished it no longer polls."""
    job = job_get_visible(actor=request.user, job_id=job_id)
    return render(request, "jobs/_progress.html", {"job": job})


def _served(stored: str, *, missing: str, gone: str) -> Path:
    """A file a job wrote, served from the data folder only."""
    if not stored:
        raise Http404(missing)
    path = Path(stored).resolve()
    if not path.is_file() or Path(settings.DATA_DIR).resolve() not in path.parents:
        raise Http404(gone)
    return path


@require_GET
@officer_view
def report(request, job_id: int):
    """The job's error report, for jobs in the actor's scope only."""
    job = job_get_visible(actor=request.user, job_id=job_id)
    path = _served(job.report_path, missing=_("该任务没有错误报告"), gone=_("错误报告已不存在"))
    filename = _("导入错误报告-%(id)s%(suffix)s") % {"id": job.pk, "suffix": path.suffix}
    return xlsx_response(path.open("rb"), filename=filename)


@require_GET
@officer_view
def bad_rows(request, job_id: int):
    """The rows the job could not take, with a reason column: fixed, the file is imported again."""
    job = job_get_visible(actor=request.user, job_id=job_id)
    path = _served(job.summary.get("rows_path", ""), missing=_("该任务没有需改正的行"), gone=_("文件已不存在"))
    filename = _("需改正的行-%(id)s%(suffix)s") % {"id": job.pk, "suffix": path.suffix}
    return xlsx_response(path.open("rb"), filename=filename)
