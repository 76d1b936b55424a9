"""/api/v1/jobs: background jobs (member imports) and their error reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from gonghui.core.api_schemas import READ_ERRORS, XLSX_CONTENT_TYPE, RowId
from gonghui.core.errors import NotFound
from gonghui.core.exports import xlsx_response

from .models import Job
from .selectors import job_get_visible

router = Router(tags=["后台任务"])


class ReasonCountOut(Schema):
    column: str = Field(..., description="列名")
    reason: str = Field(..., description="原因（各行不同的部分以“…”代替）")
    count: int = Field(..., description="处数")
    examples: list[str] = Field(..., description="填写的值举例（证件号码脱敏）")


class JobOut(Schema):
    id: int
    kind: Literal["member_import", "medical_aid_enrol"] = Field(
        ..., description="member_import 会员导入，medical_aid_enrol 医疗互助批量参保"
    )
    state: Literal["queued", "running", "succeeded", "failed"] = Field(
        ..., description="queued 排队中，running 进行中，succeeded 已完成，failed 未通过"
    )
    progress: int = Field(..., description="进度百分比 0–100")
    phase: str = Field(..., description="当前阶段（中文），结束后为空")
    org: int = Field(..., description="任务所属工会 id")
    input_name: str = Field(..., description="上传的文件名")
    total_rows: int
    processed_rows: int
    created_count: int = Field(..., description="新登记的会员数")
    error_count: int = Field(..., description="有问题的行数")
    skipped_count: int = Field(..., description="跳过的行数")
    message: str = Field(..., description="结果说明（中文）")
    report_url: str | None = Field(..., description="错误报告（XLSX）的下载地址；没有报告时为 null")
    bad_rows_url: str | None = Field(
        ...,
        description="需改正的行（XLSX，导入模板的列加一列错误原因，改正后可直接重新导入）的下载地址；没有时为 null",
    )
    error_summary: list[ReasonCountOut] = Field(..., description="错误原因汇总，处数多的在前")
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_org(obj: Job) -> int:
        return obj.org_id

    @staticmethod
    def resolve_report_url(obj: Job) -> str | None:
        return reverse("api:job_report", kwargs={"job_id": obj.pk}) if obj.report_path else None

    @staticmethod
    def resolve_bad_rows_url(obj: Job) -> str | None:
        return reverse("api:job_bad_rows", kwargs={"job_id": obj.pk}) if obj.summary.get("rows_path") else None

    @staticmethod
    def resolve_error_summary(obj: Job) -> list[dict]:
        return obj.summary.get("reasons", [])


@router.get("/{job_id}", response={200: JobOut, **READ_ERRORS}, summary="任务状态")
def get_job(request, job_id: RowId):
    return job_get_visible(actor=request.auth, job_id=job_id)


@router.get(
    "/{job_id}/report",
    response=READ_ERRORS,
    url_name="job_report",
    summary="下载错误报告",
    description="XLSX：行号、列名、原因（中文）。任务没有报告时返回 404。",
    openapi_extra={
        "responses": {
            200: {
                "description": "Excel 文件（XLSX）",
                "content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_job_report(request, job_id: RowId):
    job = job_get_visible(actor=request.auth, job_id=job_id)
    report = _served(job.report_path, _("该任务没有错误报告"))
    return xlsx_response(report.open("rb"), filename=f"导入错误报告-{job.pk}.xlsx")


@router.get(
    "/{job_id}/bad-rows",
    response=READ_ERRORS,
    url_name="job_bad_rows",
    summary="下载需改正的行",
    description="XLSX：导入模板的列（原样保留所填的值）加一列错误原因（导入时忽略）；改正后可直接重新导入。"
    "没有错误行时返回 404。",
    openapi_extra={
        "responses": {
            200: {
                "description": "Excel 文件（XLSX）",
                "content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_job_bad_rows(request, job_id: RowId):
    job = job_get_visible(actor=request.auth, job_id=job_id)
    rows = _served(job.summary.get("rows_path", ""), _("该任务没有需改正的行"))
    return xlsx_response(rows.open("rb"), filename=f"需改正的行-{job.pk}.xlsx")


def _served(stored: str, missing: str) -> Path:
    """A file the job wrote, served from the data folder only, as the pages do (jobs.views)."""
    path = Path(stored).resolve() if stored else None
    if path is None or not path.is_file() or Path(settings.DATA_DIR).resolve() not in path.parents:
        raise NotFound(missing)
    return path
