"""Joining online (网上入会), online members' homes, founding prompts and transfer requests.

Applications hold the member-roll fields the way the roll does (the ID number encrypted, with
a keyed hash and a mask), so approval can create the member without asking the worker again.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.ethnicity import ETHNICITY_CHOICES
from gonghui.members.models import Education, IdType, Member, NewEmploymentForm, Transfer
from gonghui.orgs.models import Org
from gonghui.portal.models import WorkerAccount


class OrgInvite(models.Model):
    """A union's invite code (入会邀请码): the link and QR code workers scan to apply.

    Regenerating deactivates the old code, so a leaked link stops working; one active code per union.
    """

    org = models.ForeignKey(Org, verbose_name=_("工会"), on_delete=models.CASCADE, related_name="invites")
    token = models.CharField(_("邀请码"), max_length=32, unique=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    deactivated_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("入会邀请码")
        verbose_name_plural = _("入会邀请码")
        constraints = [
            models.UniqueConstraint(
                fields=["org"], condition=models.Q(is_active=True), name="one_active_invite_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.token}"


class JoinSource(models.TextChoices):
    INVITE = "invite", _("邀请链接/二维码")
    SEARCH = "search", _("查找工会")
    ONLINE_HOME = "online_home", _("网上会员之家")


class JoinState(models.TextChoices):
    SUBMITTED = "submitted", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")
    WITHDRAWN = "withdrawn", _("已撤回")


class JoinApplication(models.Model):
    """入会申请: a worker asks a grassroots union (or a township's online home) to take them in."""

    worker = models.ForeignKey(WorkerAccount, on_delete=models.PROTECT, related_name="join_applications")
    # The union applied to: a grassroots/joint union, or a township union (its online members' home,
    # created on approval when it does not exist yet).
    org = models.ForeignKey(Org, verbose_name=_("申请加入的工会"), on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("来源"), max_length=16, choices=JoinSource.choices, default=JoinSource.SEARCH)
    name = models.CharField(_("姓名"), max_length=64)
    id_type = models.CharField(_("证件类型"), max_length=24, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number_encrypted = models.CharField(max_length=128, editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False, db_index=True)
    id_number_masked = models.CharField(_("证件号码"), max_length=24, editable=False)
    phone = models.CharField(_("手机号码"), max_length=11, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=16, choices=ETHNICITY_CHOICES, default="汉族")
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices, blank=True)
    employer_name = models.CharField(_("工作单位"), max_length=128, blank=True)
    employer_uscc = models.CharField(_("单位统一社会信用代码"), max_length=18, blank=True)
    is_migrant_worker = models.BooleanField(_("农民工"), default=False)
    new_employment_form = models.CharField(
        _("新就业形态"), max_length=24, choices=NewEmploymentForm.choices, default=NewEmploymentForm.NONE
    )
    state = models.CharField(_("状态"), max_length=16, choices=JoinState.choices, default=JoinState.SUBMITTED)
    reject_reason = models.CharField(_("未批准原因"), max_length=255, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"))
    due_at = models.DateTimeField(_("办理期限"))
    flagged_at = models.DateTimeField(_("超期提醒时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    member = models.ForeignKey(
        Member, verbose_name=_("会员记录"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("入会申请")
        verbose_name_plural = _("入会申请")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["org", "state", "id"], name="joinapp_org_state"),
            models.Index(fields=["state", "due_at"], name="joinapp_state_due"),
            models.Index(fields=["worker", "-id"], name="joinapp_worker"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["worker"], condition=models.Q(state="submitted"), name="one_pending_application_per_worker"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.org}"

    @property
    def is_pending(self) -> bool:
        return self.state == JoinState.SUBMITTED

    @property
    def due_day(self) -> dt.date:
        """The last working day to decide (due_at is the end of that day, local time)."""
        return timezone.localdate(self.due_at - dt.timedelta(microseconds=1))


class OnlineHome(models.Model):
    """网上会员之家: a township union's joint union for workers whose employer has no union yet."""

    township = models.OneToOneField(Org, on_delete=models.PROTECT, related_name="online_home")
    org = models.OneToOneField(Org, on_delete=models.PROTECT, related_name="online_home_of")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("网上会员之家")
        verbose_name_plural = _("网上会员之家")

    def __str__(self) -> str:
        return str(self.org)


class PromptState(models.TextChoices):
    OPEN = "open", _("待建会")
    FOUNDED = "founded", _("已建会")
    DISMISSED = "dismissed", _("不予建会")


class FoundingPrompt(models.Model):
    """建会提示: several online-home members share an employer that has no union of its own."""

    township = models.ForeignKey(Org, verbose_name=_("乡镇(街道)工会"), on_delete=models.PROTECT, related_name="+")
    home = models.ForeignKey(OnlineHome, on_delete=models.PROTECT, related_name="prompts")
    # USCC when the members gave one, otherwise the normalized employer name.
    employer_key = models.CharField(max_length=128)
    employer_name = models.CharField(_("工作单位"), max_length=128)
    employer_uscc = models.CharField(_("单位统一社会信用代码"), max_length=18, blank=True)
    member_count = models.PositiveIntegerField(_("会员人数"), default=0)
    state = models.CharField(_("状态"), max_length=16, choices=PromptState.choices, default=PromptState.OPEN)
    founded_org = models.ForeignKey(
        Org, verbose_name=_("新建的工会"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("备注"), max_length=255, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("提示时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("建会提示")
        verbose_name_plural = _("建会提示")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["home", "employer_key"], name="one_prompt_per_employer_per_home")
        ]

    def __str__(self) -> str:
        return f"{self.township} {self.employer_name}"


class TransferState(models.TextChoices):
    PENDING = "pending", _("待转入工会审批")
    APPROVED = "approved", _("已转入")
    REJECTED = "rejected", _("未批准")
    CANCELLED = "cancelled", _("已撤回")


class TransferChannel(models.TextChoices):
    WORKER = "worker", _("会员本人申请")
    OFFICER = "officer", _("转出工会发起")


class TransferRequest(models.Model):
    """会员接转申请: a move to a union the requester cannot act for, approved by the receiving union."""

    member = models.ForeignKey(Member, verbose_name=_("会员记录"), on_delete=models.PROTECT, related_name="+")
    from_org = models.ForeignKey(Org, verbose_name=_("转出工会"), on_delete=models.PROTECT, related_name="+")
    to_org = models.ForeignKey(Org, verbose_name=_("转入工会"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("接转原因"), max_length=255, blank=True)
    channel = models.CharField(_("发起方"), max_length=16, choices=TransferChannel.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("申请人")
    )
    state = models.CharField(_("状态"), max_length=16, choices=TransferState.choices, default=TransferState.PENDING)
    reject_reason = models.CharField(_("未批准原因"), max_length=255, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    transfer = models.OneToOneField(
        Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="request", verbose_name=_("接转记录")
    )
    created_at = models.DateTimeField(_("申请时间"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("会员接转申请")
        verbose_name_plural = _("会员接转申请")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["to_org", "state", "id"], name="transferreq_to_state"),
            models.Index(fields=["from_org", "state", "id"], name="transferreq_from_state"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(state="pending"), name="one_pending_transfer_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_org} → {self.to_org}"

    @property
    def is_pending(self) -> bool:
        return self.state == TransferState.PENDING


class JoiningEvent(models.Model):
    """History of an application or a transfer request: every step, who took it, when."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("提交申请")
        APPROVED = "approved", _("批准")
        REJECTED = "rejected", _("不予批准")
        WITHDRAWN = "withdrawn", _("撤回")
        FLAGGED = "flagged", _("超期提醒")
        DEADLINE_RECOUNTED = "deadline_recount", _("按节假日安排重算期限")

    application = models.ForeignKey(
        JoinApplication, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    transfer_request = models.ForeignKey(
        TransferRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("入会与接转记录")
        verbose_name_plural = _("入会与接转记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()
