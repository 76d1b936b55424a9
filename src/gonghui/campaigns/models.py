"""Assistance campaigns (送温暖, 金秋助学, 医疗救助 …): budgets allocated down the union tree and grants.

A campaign is organised by a federation and lives in its subtree. Its money is a tree of
`BudgetAllocation` rows: the organiser's root allocation (the campaign's total budget, approved
when the campaign opens) and allocations to unions below, each approved by an officer of the
allocating level before anything is granted under it.

Budget rule, per allocation: `allocated_amount` (the sum of its child allocations, draft or
approved) + `committed_amount` (its own approved and paid grants; a paid grant at the amount
paid) ≤ `amount`. Both counters change only under a row lock on the allocation
(`select_for_update`) with `F()` updates inside the writing transaction, so concurrent approvals
cannot overspend (tested with parallel threads on PostgreSQL).

A `Grant` is one beneficiary's assistance: from a filed hardship file (assistance.HardshipFile) or
from an application (name + ID number, stored encrypted with a keyed hash and a masked form).
One live grant per person per campaign is a partial unique index on (campaign, id_number_hash).
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.orgs.models import Org

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class CampaignType(models.TextChoices):
    SPRING_WARMTH = "spring_warmth", _("送温暖")
    EDUCATION_AID = "education_aid", _("金秋助学")
    MEDICAL_RELIEF = "medical_relief", _("医疗救助")
    LIVING_RELIEF = "living_relief", _("生活救助")
    SPECIAL_HARDSHIP = "special_hardship", _("一次性特殊困难补助")
    HOSPITAL_VISIT = "hospital_visit", _("大病住院慰问")


class Eligibility(models.TextChoices):
    FILED_ONLY = "filed_only", _("仅限已建档困难职工")
    OPEN = "open", _("建档职工及个人申请")


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class Stage(models.TextChoices):
    """Education stage of the child (金秋助学)."""

    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中（中职）")
    COLLEGE = "college", _("大专（高职）")
    UNIVERSITY = "university", _("本科")
    GRADUATE = "graduate", _("研究生")


class AssistanceCampaign(models.Model):
    """An assistance programme with a period, eligibility rules, standards and a budget."""

    type = models.CharField(_("类型"), max_length=24, choices=CampaignType.choices)
    name = models.CharField(_("名称"), max_length=120)
    year = models.PositiveSmallIntegerField(_("年度"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    organiser = models.ForeignKey(Org, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+")
    eligibility = models.CharField(
        _("救助对象"), max_length=16, choices=Eligibility.choices, default=Eligibility.FILED_ONLY
    )
    # Per person, across all campaigns of the same year (approved + paid grants); null = no cap.
    yearly_cap = models.DecimalField(_("每人年度救助上限（元）"), null=True, blank=True, **MONEY)
    # Standard amounts in yuan (strings): {"default": "800", "levels": {<hardship level>: "1000"},
    # "stages": {<Stage>: "1500"}}; the service fills a grant's amount from them.
    standards = models.JSONField(_("救助标准"), default=dict, blank=True)
    description = models.TextField(_("说明"), blank=True)
    state = models.CharField(_("状态"), max_length=8, choices=CampaignState.choices, default=CampaignState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    opened_at = models.DateTimeField(_("启动时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("帮扶救助活动")
        verbose_name_plural = _("帮扶救助活动")
        ordering = ["-year", "-id"]
        indexes = [models.Index(fields=["organiser", "year"], name="campaign_org_year")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="campaign_period"),
            models.CheckConstraint(
                condition=models.Q(yearly_cap__isnull=True) | models.Q(yearly_cap__gt=0), name="campaign_cap_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    @property
    def is_education(self) -> bool:
        return self.type == CampaignType.EDUCATION_AID

    @property
    def is_medical(self) -> bool:
        return self.type == CampaignType.MEDICAL_RELIEF


class AllocationState(models.TextChoices):
    DRAFT = "draft", _("待批准")
    APPROVED = "approved", _("已批准")


class BudgetAllocation(models.Model):
    """Money of a campaign held by one union; the root row (no parent) is the organiser's budget."""

    campaign = models.ForeignKey(
        AssistanceCampaign, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="allocations"
    )
    org = models.ForeignKey(Org, verbose_name=_("工会"), on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self", verbose_name=_("上级分配"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    amount = models.DecimalField(_("分配金额（元）"), **MONEY)
    # Kept by the services under a row lock: sum of child allocations; own approved+paid grants; own paid.
    allocated_amount = models.DecimalField(_("已下拨"), default=ZERO, **MONEY)
    committed_amount = models.DecimalField(_("已批准"), default=ZERO, **MONEY)
    paid_amount = models.DecimalField(_("已发放"), default=ZERO, **MONEY)
    state = models.CharField(_("状态"), max_length=8, choices=AllocationState.choices, default=AllocationState.DRAFT)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("预算分配")
        verbose_name_plural = _("预算分配")
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "org"], name="allocation_one_per_union"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="allocation_amount_nonnegative"),
            models.CheckConstraint(
                condition=models.Q(allocated_amount__gte=0, committed_amount__gte=0, paid_amount__gte=0),
                name="allocation_counters_nonnegative",
            ),
            # The budget rule, also held by the database: never more out than in.
            models.CheckConstraint(
                condition=models.Q(amount__gte=models.F("allocated_amount") + models.F("committed_amount")),
                name="allocation_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.org_id} {self.amount}"

    @property
    def available(self) -> Decimal:
        """What can still be granted or allocated further down."""
        return self.amount - self.allocated_amount - self.committed_amount

    @property
    def is_root(self) -> bool:
        return self.parent_id is None


class GrantState(models.TextChoices):
    PROPOSED = "proposed", _("待审批")
    APPROVED = "approved", _("已批准")
    PAID = "paid", _("已发放")
    REJECTED = "rejected", _("未批准")
    CANCELLED = "cancelled", _("已撤销")


# Grants that hold budget (and count against the yearly cap).
COMMITTED_STATES = (GrantState.APPROVED, GrantState.PAID)
LIVE_STATES = (GrantState.PROPOSED, GrantState.APPROVED, GrantState.PAID)


class GrantSource(models.TextChoices):
    HARDSHIP_FILE = "hardship_file", _("困难职工档案")
    APPLICATION = "application", _("个人申请")


class PayMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("银行转账")
    CASH = "cash", _("现金")
    IN_KIND = "in_kind", _("实物")


def voucher_path(instance: Grant, filename: str) -> str:
    ext = PurePosixPath(filename).suffix.lower()[:8]
    return f"campaigns/vouchers/{instance.campaign_id}/{secrets.token_hex(16)}{ext}"


class Grant(models.Model):
    """One person's assistance in a campaign: proposed → approved → paid (or rejected / cancelled)."""

    campaign = models.ForeignKey(
        AssistanceCampaign, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="grants"
    )
    allocation = models.ForeignKey(
        BudgetAllocation, verbose_name=_("使用预算"), on_delete=models.PROTECT, related_name="grants"
    )
    # The beneficiary's union (the file's union, or the union the application came through): scope.
    org = models.ForeignKey(Org, verbose_name=_("所在工会"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    source = models.CharField(_("来源"), max_length=16, choices=GrantSource.choices)
    hardship_file = models.ForeignKey(
        "assistance.HardshipFile",
        verbose_name=_("困难职工档案"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants",
    )
    member = models.ForeignKey(
        "members.Member", verbose_name=_("会员"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person_name = models.CharField(_("姓名"), max_length=64)
    id_number_encrypted = models.CharField(max_length=128, editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("证件号码"), max_length=24, editable=False)
    level = models.CharField(_("困难类别"), max_length=24, blank=True)
    reason = models.TextField(_("救助事由"), blank=True)
    amount = models.DecimalField(_("救助金额（元）"), **MONEY)
    # 金秋助学
    child_name = models.CharField(_("子女姓名"), max_length=64, blank=True)
    school = models.CharField(_("就读学校"), max_length=128, blank=True)
    stage = models.CharField(_("学段"), max_length=16, choices=Stage.choices, blank=True)
    # 医疗救助
    medical_total = models.DecimalField(_("医疗费用总额（元）"), null=True, blank=True, **MONEY)
    medical_reimbursed = models.DecimalField(_("医保等已报销（元）"), null=True, blank=True, **MONEY)
    medical_self_paid = models.DecimalField(_("个人自付（元）"), null=True, blank=True, **MONEY)

    state = models.CharField(_("状态"), max_length=12, choices=GrantState.choices, default=GrantState.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    proposed_at = models.DateTimeField(_("申报时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    reject_reason = models.TextField(_("不批准理由"), blank=True)
    pay_method = models.CharField(_("发放方式"), max_length=16, choices=PayMethod.choices, blank=True)
    paid_on = models.DateField(_("发放日期"), null=True, blank=True)
    paid_amount = models.DecimalField(_("实发金额（元）"), null=True, blank=True, **MONEY)
    payer = models.CharField(_("经办人"), max_length=64, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_recorded_at = models.DateTimeField(_("登记发放时间"), null=True, blank=True)
    voucher = models.FileField(_("发放凭证"), upload_to=voucher_path, blank=True, max_length=200)
    voucher_name = models.CharField(max_length=200, blank=True)
    voucher_type = models.CharField(max_length=100, blank=True)
    voucher_size = models.PositiveIntegerField(default=0)
    cancel_reason = models.TextField(_("撤销原因"), blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("救助发放")
        verbose_name_plural = _("救助发放")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["campaign", "state"], name="grant_campaign_state"),
            models.Index(fields=["org", "campaign"], name="grant_org_campaign"),
            models.Index(fields=["id_number_hash", "year"], name="grant_person_year"),
        ]
        constraints = [
            # One grant per person per campaign (a rejected or cancelled one may be proposed again).
            models.UniqueConstraint(
                fields=["campaign", "id_number_hash"],
                condition=models.Q(state__in=["proposed", "approved", "paid"]),
                name="grant_one_per_person_per_campaign",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="grant_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.person_name} {self.amount}"

    @property
    def committed(self) -> Decimal:
        """What this grant holds of its allocation now."""
        if self.state == GrantState.PAID:
            return self.paid_amount or ZERO
        if self.state == GrantState.APPROVED:
            return self.amount
        return ZERO


class GrantEvent(models.Model):
    """One step in a grant's history (written by the services)."""

    class Kind(models.TextChoices):
        PROPOSED = "proposed", _("申报")
        APPROVED = "approved", _("批准")
        REJECTED = "rejected", _("不批准")
        PAID = "paid", _("发放")
        CANCELLED = "cancelled", _("撤销")

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事项"), max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("救助发放记录")
        verbose_name_plural = _("救助发放记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.grant_id} {self.kind}"
