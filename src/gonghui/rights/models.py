"""Rights and service requests (维权服务). The casework on a request (legal aid, mediation,
follow-up, rating) is the `casework` app's.

One queue for every channel: a request filed by a worker online, a 12351 hotline call or a
walk-in recorded by an officer is the same `ServiceRequest`, held by one union at a time
(`handling_org`). Every step is a `RequestEvent` row written by the services (the timeline);
messages between the worker and the officers are events too.
"""

from __future__ import annotations

import secrets
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.phone import mask_mobile
from gonghui.core.regions import region_label
from gonghui.orgs.models import Org


class Category(models.TextChoices):
    # Rights (维权)
    WAGE_ARREARS = "wage_arrears", _("欠薪")
    LABOUR_CONTRACT = "labour_contract", _("劳动合同")
    SOCIAL_INSURANCE = "social_insurance", _("社会保险")
    WORK_INJURY = "work_injury", _("工伤")
    OCCUPATIONAL_SAFETY = "occupational_safety", _("职业安全卫生")
    DISMISSAL = "dismissal", _("解除劳动关系")
    WORKING_HOURS = "working_hours", _("工时与休假")
    OTHER_RIGHTS = "other_rights", _("其他权益")
    # Services (服务)
    LEGAL_CONSULTATION = "legal_consultation", _("法律咨询")
    PSYCHOLOGICAL_COUNSELLING = "psychological_counselling", _("心理咨询")
    EMPLOYMENT_HELP = "employment_help", _("就业帮扶")
    HARDSHIP_HELP = "hardship_help", _("困难帮扶")


RIGHTS_CATEGORIES = (
    Category.WAGE_ARREARS,
    Category.LABOUR_CONTRACT,
    Category.SOCIAL_INSURANCE,
    Category.WORK_INJURY,
    Category.OCCUPATIONAL_SAFETY,
    Category.DISMISSAL,
    Category.WORKING_HOURS,
    Category.OTHER_RIGHTS,
)
SERVICE_CATEGORIES = (
    Category.LEGAL_CONSULTATION,
    Category.PSYCHOLOGICAL_COUNSELLING,
    Category.EMPLOYMENT_HELP,
    Category.HARDSHIP_HELP,
)

# Plain explanations shown beside the category picker (worker and officer forms).
CATEGORY_HELP: dict[str, Any] = {
    Category.WAGE_ARREARS: _("单位拖欠、克扣工资或加班费，包工头欠薪"),
    Category.LABOUR_CONTRACT: _("不签劳动合同、合同条款不公平、试用期问题"),
    Category.SOCIAL_INSURANCE: _("单位不缴或少缴养老、医疗、失业、工伤、生育保险或公积金"),
    Category.WORK_INJURY: _("工作中受伤或得了职业病，工伤认定和赔偿"),
    Category.OCCUPATIONAL_SAFETY: _("工作环境危险、缺少劳动保护用品、有毒有害作业"),
    Category.DISMISSAL: _("被辞退、被迫离职、经济补偿金"),
    Category.WORKING_HOURS: _("加班过多、不让休息、年假和产假等休假问题"),
    Category.OTHER_RIGHTS: _("其他劳动权益受到侵害的情况"),
    Category.LEGAL_CONSULTATION: _("想了解劳动法律政策，请律师或工会干部解答"),
    Category.PSYCHOLOGICAL_COUNSELLING: _("工作或生活压力大，需要心理疏导"),
    Category.EMPLOYMENT_HELP: _("找工作、技能培训、再就业帮助"),
    Category.HARDSHIP_HELP: _("生活困难，需要工会帮扶救助"),
}


class Channel(models.TextChoices):
    PORTAL = "portal", _("网上")
    HOTLINE = "hotline", _("12351热线")
    WALK_IN = "walk_in", _("来访")


class Complexity(models.TextChoices):
    ORDINARY = "ordinary", _("一般")
    DIFFICULT = "difficult", _("疑难")
    MAJOR_COMPLEX = "major_complex", _("重大复杂")


# Working days to resolve, counted from acceptance, when no DeadlinePolicy row says otherwise.
DEFAULT_RESOLVE_DAYS = {
    Complexity.ORDINARY: 5,
    Complexity.DIFFICULT: 15,
    Complexity.MAJOR_COMPLEX: 30,
}
ACCEPT_WITHIN_DAYS = 1
REOPEN_WITHIN_DAYS = 15  # calendar days after resolution (or closing)
MAJOR_INCIDENT_WORKERS = 10


class State(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已办结")
    CLOSED = "closed", _("已关闭")
    REJECTED = "rejected", _("不予受理")
    TRANSFERRED = "transferred", _("已转办")
    REOPENED = "reopened", _("重新办理")


# Waiting to be accepted (accept_due_at runs) / being handled (resolve_due_at runs).
AWAITING_ACCEPTANCE = (State.SUBMITTED, State.TRANSFERRED, State.REOPENED)
BEING_HANDLED = (State.ACCEPTED, State.IN_PROGRESS)
OPEN_STATES = (*AWAITING_ACCEPTANCE, *BEING_HANDLED)


class ServiceRequest(models.Model):
    """A worker's request for help (维权诉求 / 服务申请)."""

    reference = models.CharField(_("编号"), max_length=32, unique=True)
    category = models.CharField(_("类别"), max_length=32, choices=Category.choices)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    requester = models.ForeignKey(
        "portal.WorkerAccount",
        verbose_name=_("职工账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    # The name the caller or worker gave; "" when a worker without real-name binding gave none
    # (pages then show 未实名 and the masked phone: `requester_display`).
    requester_name = models.CharField(_("求助人姓名"), max_length=64, blank=True)
    requester_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("会员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_requests",
    )
    employer_name = models.CharField(_("用人单位"), max_length=128, blank=True)
    region_code = models.CharField(_("所在地区"), max_length=6, blank=True)
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("情况说明"))
    workers_involved = models.PositiveIntegerField(_("涉及职工人数"), default=1)
    is_major_incident = models.BooleanField(_("重大劳动事件"), default=False)
    complexity = models.CharField(_("复杂程度"), max_length=16, choices=Complexity.choices, default=Complexity.ORDINARY)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.SUBMITTED)
    handling_org = models.ForeignKey(
        Org, verbose_name=_("承办工会"), on_delete=models.PROTECT, related_name="service_requests"
    )
    # The union that handed the request over (transfer), until the receiving union accepts.
    transferred_from = models.ForeignKey(
        Org, verbose_name=_("转出工会"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    # When the union got the request: the call or visit (typed in later by an officer), or the
    # online filing. The first acceptance deadline counts from it.
    received_at = models.DateTimeField(_("来电来访时间"), default=timezone.now)
    # Where the acceptance deadline running now counts from (receipt, transfer or reopening).
    accept_due_from = models.DateTimeField(_("受理期限起算"), null=True, blank=True)
    # 12351 hotline: the officer who took the call, its start and end, the recording's id in the
    # call-centre system, and the union the call was taken for (told of a major incident).
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接线员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    call_started_at = models.DateTimeField(_("通话开始"), null=True, blank=True)
    call_ended_at = models.DateTimeField(_("通话结束"), null=True, blank=True)
    recording_ref = models.CharField(_("录音编号"), max_length=64, blank=True)
    taken_by_org = models.ForeignKey(
        Org, verbose_name=_("接听工会"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The category's figures (rights.facts): amount owed, months, USCC, subcontractor, ...
    facts = models.JSONField(_("诉求要素"), default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    accept_due_at = models.DateTimeField(_("受理期限"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("办结期限"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("重新办理时间"), null=True, blank=True)
    resolution = models.TextField(_("办理结果"), blank=True)
    reject_reason = models.TextField(_("不予受理理由"), blank=True)
    # Escalation of an overdue request (rights.tasks.escalate_overdue): how many levels above
    # the handling union it has been raised, and to which union.
    escalation_level = models.PositiveSmallIntegerField(_("督办层级"), default=0)
    escalated_to = models.ForeignKey(
        Org, verbose_name=_("督办工会"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    # Federation told about a major labour incident (set once).
    major_notified_org = models.ForeignKey(
        Org, verbose_name=_("重大事件报告工会"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("维权服务申请")
        verbose_name_plural = _("维权服务申请")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["handling_org", "state"], name="request_org_state"),
            models.Index(fields=["state", "accept_due_at"], name="request_accept_due"),
            models.Index(fields=["state", "resolve_due_at"], name="request_resolve_due"),
            models.Index(fields=["requester", "id"], name="request_requester"),
            models.Index(fields=["requester_phone"], name="request_phone"),
            models.Index(fields=["requester_name"], name="request_name"),
            models.Index(fields=["escalated_to", "state"], name="request_escalated"),
            # The satisfaction report's date range.
            models.Index(fields=["created_at"], name="request_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(workers_involved__gte=1), name="request_workers_at_least_one"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def requester_display(self) -> str:
        """The requester as pages show them: the name given, else 未实名 and the masked phone."""
        if self.requester_name:
            return self.requester_name
        masked = mask_mobile(self.requester_phone) if self.requester_phone else ""
        return f"{_('未实名')} {masked}".strip()

    @property
    def region_label(self) -> str:
        return region_label(self.region_code)

    @property
    def resolve_due_from(self):
        """The resolve deadline counts from acceptance."""
        return self.accepted_at if self.resolve_due_at else None

    def is_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        if self.state in AWAITING_ACCEPTANCE and self.accept_due_at and self.accept_due_at < now:
            return True
        return bool(self.state in BEING_HANDLED and self.resolve_due_at and self.resolve_due_at < now)

    @property
    def is_service(self) -> bool:
        return self.category in SERVICE_CATEGORIES

    @property
    def category_help(self) -> str:
        return str(CATEGORY_HELP.get(self.category, ""))


class DeadlinePolicy(models.Model):
    """Working days to resolve a request of one category and complexity (overrides the defaults)."""

    category = models.CharField(_("类别"), max_length=32, choices=Category.choices)
    complexity = models.CharField(_("复杂程度"), max_length=16, choices=Complexity.choices)
    working_days = models.PositiveSmallIntegerField(_("办结时限（工作日）"))

    class Meta:
        verbose_name = _("办结时限")
        verbose_name_plural = _("办结时限")
        constraints = [
            models.UniqueConstraint(fields=["category", "complexity"], name="one_policy_per_category_complexity"),
            models.CheckConstraint(condition=models.Q(working_days__gte=1), name="policy_days_at_least_one"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} / {self.get_complexity_display()}: {self.working_days}"


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("提交申请")
    RECORDED = "recorded", _("登记来电来访")
    ROUTED = "routed", _("分派承办工会")
    ACCEPTED = "accepted", _("受理")
    STARTED = "started", _("开始办理")
    TRANSFERRED = "transferred", _("转办")
    DISPATCHED = "dispatched", _("交办下级")
    REPORTED = "reported", _("上报办理结果")
    RESOLVED = "resolved", _("办结")
    REJECTED = "rejected", _("不予受理")
    CLOSED = "closed", _("关闭")
    WITHDRAWN = "withdrawn", _("职工撤回")
    REOPENED = "reopened", _("重新办理")
    MESSAGE = "message", _("留言")
    ATTACHMENT = "attachment", _("上传附件")
    ESCALATED = "escalated", _("超期督办")
    MAJOR_INCIDENT = "major_incident", _("重大劳动事件报告")
    DEADLINE_RECOUNTED = "deadline_recounted", _("按节假日安排重算期限")
    # Casework (the casework app records these through rights.events.record_event).
    LEGAL_AID = "legal_aid", _("法律援助")
    MEDIATION = "mediation", _("劳动争议调解")
    FOLLOW_UP = "follow_up", _("回访")
    RATED = "rated", _("满意度评价")


class RequestEvent(models.Model):
    """One step on a request's timeline: who did what, when, with a note."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事项"), max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The union the actor acted for (None for the worker and the system).
    org = models.ForeignKey(Org, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Internal steps (escalation, dispatch instructions) are for officers only.
    visible_to_worker = models.BooleanField(default=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"], name="requestevent_request_time")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.get_kind_display()}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """rights/2026/11/<random>.<ext>: never the uploaded name (kept apart, for display only)."""
    ext = PurePosixPath(filename).suffix.lower()
    now = timezone.now()
    return f"rights/{now:%Y/%m}/{secrets.token_urlsafe(24)}{ext}"


class Attachment(models.Model):
    """A file on a request (evidence, contracts, pay slips), served only through a checked view."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class Dispatch(models.Model):
    """A federation hands a request down one level with an instruction (交办); the lower union
    reports its result back up (逐级反馈)."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="dispatches")
    from_org = models.ForeignKey(Org, verbose_name=_("交办工会"), on_delete=models.PROTECT, related_name="+")
    to_org = models.ForeignKey(Org, verbose_name=_("承办工会"), on_delete=models.PROTECT, related_name="+")
    instruction = models.TextField(_("交办意见"))
    due_at = models.DateTimeField(_("反馈期限"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    report = models.TextField(_("办理结果报告"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("交办")
        verbose_name_plural = _("交办")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["to_org", "reported_at"], name="dispatch_to_open")]
        constraints = [
            # At most one open dispatch per request and target.
            models.UniqueConstraint(
                fields=["request", "to_org"], condition=models.Q(reported_at__isnull=True), name="one_open_dispatch"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_org} → {self.to_org}"

    @property
    def is_open(self) -> bool:
        return self.reported_at is None
