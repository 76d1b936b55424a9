from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """A background job (import, export, report) with progress an officer can watch."""

    class Kind(models.TextChoices):
        MEMBER_IMPORT = "member_import", _("会员导入")
        MEDICAL_AID_ENROL = "medical_aid_enrol", _("医疗互助批量参保")

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("未通过")

    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.QUEUED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="jobs")
    params = models.JSONField(default=dict, blank=True)
    input_name = models.CharField(_("文件名"), max_length=255, blank=True)
    input_path = models.CharField(max_length=512, blank=True)
    report_path = models.CharField(max_length=512, blank=True)
    phase = models.CharField(_("阶段"), max_length=64, blank=True)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    message = models.TextField(_("结果说明"), blank=True)
    # What was wrong, for the result page and API: reasons counted, the first bad cells (ID numbers
    # masked), how many bad rows the fix-up file holds (members.import_report.job_summary).
    summary = models.JSONField(default=dict, blank=True)
    # host:pid:start of the process running the job (jobs.liveness): a job whose process is gone is failed.
    runner = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.SUCCEEDED, self.State.FAILED)
