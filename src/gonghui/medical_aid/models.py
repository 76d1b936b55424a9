"""Mutual medical aid (职工医疗互助): yearly plans, enrolment of members, claims and payouts.

A federation runs a plan for its subtree each year: members enrol (usually union by union, from
the roll) and pay a contribution; an enrolled member who was treated files a claim, and the
payout follows the plan's benefit rules (`rules.py`): a deductible (起付线, per claim or per
year), tiered reimbursement ratios over the eligible amount above it, a per-claim cap and a
yearly cap per member. Money is Decimal with two places throughout.
"""

from __future__ import annotations

import secrets
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.members.models import Member
from gonghui.orgs.models import Org


def money(label, **kwargs) -> models.DecimalField:
    """An amount in yuan, to the fen (Decimal, never float)."""
    return models.DecimalField(label, max_digits=12, decimal_places=2, **kwargs)


class Category(models.TextChoices):
    """Diagnosis categories a plan may cover (受理范围)."""

    INPATIENT = "inpatient", _("住院")
    SERIOUS_OUTPATIENT = "serious_outpatient", _("门诊大病/特殊病")
    ACCIDENT = "accident", _("意外伤害")
    MATERNITY = "maternity", _("生育")


class DeductibleBasis(models.TextChoices):
    PER_CLAIM = "per_claim", _("每次就诊")
    PER_YEAR = "per_year", _("年度累计")


class PlanState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("实施中")
    CLOSED = "closed", _("已结束")


class MedicalAidPlan(models.Model):
    """One year's mutual-aid plan of a federation, applying to every union in its subtree."""

    organiser = models.ForeignKey(
        Org, verbose_name=_("主办工会"), on_delete=models.PROTECT, related_name="medical_aid_plans"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=128)
    contribution = money(_("每人每年缴费（元）"))
    enrol_start = models.DateField(_("参保登记开始"))
    enrol_end = models.DateField(_("参保登记截止"))
    cover_start = models.DateField(_("保障期开始"))
    cover_end = models.DateField(_("保障期结束"))
    deductible = money(_("起付线（元）"), default=0)
    deductible_basis = models.CharField(
        _("起付线计算方式"), max_length=16, choices=DeductibleBasis.choices, default=DeductibleBasis.PER_CLAIM
    )
    # [{"up_to": "10000.00" | null, "percent": "50.00"}, ...]: each tier runs from the previous
    # tier's upper bound (0 for the first) to its own; the last is open (null). See rules.py.
    tiers = models.JSONField(_("分段补助比例"), default=list)
    per_claim_cap = money(_("单次最高补助（元）"))
    yearly_cap = money(_("年度最高补助（元）"))
    categories = models.JSONField(_("受理范围"), default=list)
    description = models.TextField(_("说明"), blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=PlanState.choices, default=PlanState.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("医疗互助计划")
        verbose_name_plural = _("医疗互助计划")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organiser", "year", "name"], name="medicalaidplan_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    def category_labels(self) -> list[str]:
        return [str(Category(c).label) for c in self.categories if c in Category.values]


class EnrolmentState(models.TextChoices):
    ACTIVE = "active", _("有效")
    CANCELLED = "cancelled", _("已退出")


class Enrolment(models.Model):
    """A member enrolled in a plan (参保). One row per person and plan (by the ID number's hash).

    `member` is the membership record current when the person enrolled and `union` its union
    then: the union that collected the contribution and handles the person's claims.
    """

    plan = models.ForeignKey(MedicalAidPlan, on_delete=models.PROTECT, related_name="enrolments")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="medical_aid_enrolments")
    person_hash = models.CharField(max_length=64, editable=False)
    union = models.ForeignKey(Org, verbose_name=_("参保工会"), on_delete=models.PROTECT, related_name="+")
    contribution = money(_("缴费金额（元）"))
    paid_on = models.DateField(_("缴费日期"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=EnrolmentState.choices, default=EnrolmentState.ACTIVE)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("退出原因"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("参保登记")
        verbose_name_plural = _("参保登记")
        constraints = [
            models.UniqueConstraint(fields=["plan", "person_hash"], name="enrolment_one_per_person_plan"),
        ]
        indexes = [
            models.Index(fields=["plan", "union", "state"], name="enrolment_plan_union"),
            models.Index(fields=["person_hash"], name="enrolment_person"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.member_id}"


class ClaimState(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    UNDER_REVIEW = "under_review", _("审核中")
    RETURNED = "returned", _("退回补充材料")
    APPROVED = "approved", _("已核准")
    REJECTED = "rejected", _("不予补助")
    PAID = "paid", _("已发放")


# Claims whose payout counts against the member's yearly cap (and per-year deductible).
COUNTED_STATES = (ClaimState.APPROVED, ClaimState.PAID)
OPEN_STATES = (ClaimState.SUBMITTED, ClaimState.UNDER_REVIEW, ClaimState.RETURNED)


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("银行转账")
    CASH = "cash", _("现金")


class Claim(models.Model):
    """A claim for one treatment (一次住院或门诊) by an enrolled member."""

    reference = models.CharField(_("编号"), max_length=24, unique=True)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="claims")
    plan = models.ForeignKey(MedicalAidPlan, on_delete=models.PROTECT, related_name="claims")
    union = models.ForeignKey(Org, verbose_name=_("参保工会"), on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("类别"), max_length=24, choices=Category.choices)
    hospital = models.CharField(_("医院"), max_length=128)
    diagnosis = models.CharField(_("诊断"), max_length=255)
    admission_date = models.DateField(_("入院（就诊）日期"))
    discharge_date = models.DateField(_("出院日期"), null=True, blank=True)
    total_cost = money(_("医疗总费用（元）"))
    insurance_paid = money(_("基本医保报销（元）"), default=0)
    other_paid = money(_("其他报销（元）"), default=0)
    self_paid = money(_("个人自付（元）"), editable=False)
    excluded_amount = money(_("不予补助部分（元）"), default=0)
    eligible_amount = money(_("可补助金额（元）"), editable=False)
    payout = money(_("核定补助（元）"), null=True, blank=True)
    # Of the deductible, how much this claim used (counts against a per-year deductible).
    deductible_applied = money(_("本次起付线"), default=0)
    breakdown = models.JSONField(_("计算明细"), default=dict, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=ClaimState.choices, default=ClaimState.SUBMITTED)
    by_worker = models.BooleanField(_("职工本人提交"), default=False)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    payment_method = models.CharField(_("发放方式"), max_length=16, choices=PaymentMethod.choices, blank=True)
    paid_on = models.DateField(_("发放日期"), null=True, blank=True)
    paid_amount = money(_("发放金额（元）"), null=True, blank=True)
    voucher_no = models.CharField(_("凭证号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("医疗互助申请")
        verbose_name_plural = _("医疗互助申请")
        indexes = [
            models.Index(fields=["union", "state", "id"], name="claim_union_state"),
            models.Index(fields=["enrolment", "state"], name="claim_enrolment_state"),
            models.Index(fields=["plan", "state"], name="claim_plan_state"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(self_paid__gte=0), name="claim_self_paid_not_negative"),
            models.CheckConstraint(condition=models.Q(eligible_amount__gte=0), name="claim_eligible_not_negative"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_counted(self) -> bool:
        return self.state in COUNTED_STATES


class ClaimEvent(models.Model):
    """One step of a claim: filed, review started, returned, resubmitted, approved, rejected, paid."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("提交申请")
        REVIEW_STARTED = "review_started", _("开始审核")
        RETURNED = "returned", _("退回补充材料")
        RESUBMITTED = "resubmitted", _("重新提交")
        APPROVED = "approved", _("核准补助")
        REJECTED = "rejected", _("不予补助")
        PAID = "paid", _("发放补助")
        ATTACHMENT = "attachment", _("上传附件")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    by_worker = models.BooleanField(default=False)
    note = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("申请办理记录")
        verbose_name_plural = _("申请办理记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.kind}"


class AttachmentKind(models.TextChoices):
    INVOICE = "invoice", _("医疗费用发票")
    DISCHARGE_SUMMARY = "discharge_summary", _("出院小结/诊断证明")
    SETTLEMENT = "settlement", _("医保结算单")
    VOUCHER = "voucher", _("发放凭证")
    OTHER = "other", _("其他材料")


def attachment_path(instance: ClaimAttachment, filename: str) -> str:
    """medical_aid/2026/11/<random>.<ext>: never the uploaded name (kept apart, for display)."""
    ext = PurePosixPath(filename).suffix.lower()
    return f"medical_aid/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}{ext}"


class ClaimAttachment(models.Model):
    """A supporting document, served only through views that check the right and the scope."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("材料类型"), max_length=24, choices=AttachmentKind.choices)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name
