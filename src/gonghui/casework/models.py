"""Casework on a request: legal aid, mediation, follow-up (回访) and the worker's rating.

They refer to the request by the string "rights.ServiceRequest". Writes go through
casework.services; reads for the pages and the reports through casework.selectors.

The tables keep the names they had when these models belonged to the `rights` app (db_table),
so moving them here (migration casework 0001 / rights 0003) moved no data.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "AidType",
    "FollowUp",
    "FollowUpMethod",
    "LegalAidCase",
    "LegalAidOutcome",
    "LegalAidStage",
    "Mediation",
    "MediationResult",
    "MediationSession",
    "Rating",
    "RatingSource",
]

NON_NEGATIVE = MinValueValidator(Decimal("0"), message=_("金额不能为负数"))
# A rating at or above this score counts as satisfied (满意); at or below LOW_SCORE offers reopening.
SATISFIED_SCORE = 4
LOW_SCORE = 2


class AidType(models.TextChoices):
    CONSULTATION = "consultation", _("法律咨询")
    REPRESENTATION = "representation", _("代理诉讼/仲裁")
    DOCUMENT_DRAFTING = "document_drafting", _("代写法律文书")


class LegalAidStage(models.TextChoices):
    """Where the dispute stands (劳动争议“一裁两审”，然后执行)."""

    ARBITRATION = "arbitration", _("劳动仲裁")
    FIRST_INSTANCE = "first_instance", _("一审")
    SECOND_INSTANCE = "second_instance", _("二审")
    ENFORCEMENT = "enforcement", _("执行")
    SETTLED = "settled", _("已结案")


class LegalAidOutcome(models.TextChoices):
    PENDING = "pending", _("未结")
    WON = "won", _("胜诉")
    PARTLY_WON = "partly_won", _("部分胜诉")
    LOST = "lost", _("败诉")
    SETTLED = "settled", _("和解/调解结案")
    WITHDRAWN = "withdrawn", _("撤诉/撤回")


class LegalAidCase(models.Model):
    """Legal aid given on a request (法律援助): who helps, at which stage, with what result.

    Usually one per request; several are allowed (e.g. a wage claim and a separate injury claim).
    Stage and outcome changes are written on the request's timeline by the services.
    """

    request = models.ForeignKey(
        "rights.ServiceRequest", verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="legal_aid_cases"
    )
    aid_type = models.CharField(_("援助方式"), max_length=24, choices=AidType.choices)
    lawyer_name = models.CharField(_("承办律师/法律工作者"), max_length=64)
    agency_name = models.CharField(_("律师事务所/援助机构"), max_length=128)
    lawyer_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    stage = models.CharField(_("所处阶段"), max_length=24, choices=LegalAidStage.choices)
    case_number = models.CharField(_("案号"), max_length=64, blank=True)
    opened_on = models.DateField(_("援助开始日期"))
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    outcome = models.CharField(
        _("结果"), max_length=16, choices=LegalAidOutcome.choices, default=LegalAidOutcome.PENDING
    )
    amount_claimed = models.DecimalField(
        _("主张金额（元）"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[NON_NEGATIVE]
    )
    amount_recovered = models.DecimalField(
        _("挽回金额（元）"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[NON_NEGATIVE]
    )
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "rights_legalaidcase"
        verbose_name = _("法律援助案件")
        verbose_name_plural = _("法律援助案件")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_claimed__gte=0) & models.Q(amount_recovered__gte=0),
                name="legal_aid_amounts_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_aid_type_display()} {self.case_number or self.lawyer_name}"

    @property
    def is_open(self) -> bool:
        return self.outcome == LegalAidOutcome.PENDING


class MediationResult(models.TextChoices):
    PENDING = "pending", _("调解中")
    AGREED = "agreed", _("达成协议")
    NOT_AGREED = "not_agreed", _("未达成协议")


class Mediation(models.Model):
    """A labour-dispute mediation (劳动争议调解) on a request: parties, mediator, sessions, agreement."""

    request = models.ForeignKey(
        "rights.ServiceRequest", verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="mediations"
    )
    worker_party = models.CharField(_("职工一方"), max_length=255)
    employer_name = models.CharField(_("用人单位"), max_length=128)
    employer_uscc = models.CharField(_("用人单位统一社会信用代码"), max_length=18, blank=True)
    employer_representative = models.CharField(_("用人单位代表"), max_length=64, blank=True)
    mediator_name = models.CharField(_("调解员"), max_length=64)
    mediator_org = models.CharField(_("调解组织"), max_length=128)
    started_on = models.DateField(_("开始调解日期"))
    result = models.CharField(_("调解结果"), max_length=16, choices=MediationResult.choices, default="pending")
    agreement_amount = models.DecimalField(
        _("协议金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True, validators=[NON_NEGATIVE]
    )
    agreement_date = models.DateField(_("协议日期"), null=True, blank=True)
    performed = models.BooleanField(_("协议已履行"), null=True, blank=True)
    performed_on = models.DateField(_("履行日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "rights_mediation"
        verbose_name = _("劳动争议调解")
        verbose_name_plural = _("劳动争议调解")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agreement_amount__isnull=True) | models.Q(agreement_amount__gte=0),
                name="mediation_amount_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker_party} / {self.employer_name}"


class MediationSession(models.Model):
    """One sitting of a mediation (调解记录)."""

    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("调解日期"))
    place = models.CharField(_("地点"), max_length=128)
    attendees = models.CharField(_("参加人员"), max_length=255)
    summary = models.TextField(_("调解情况"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "rights_mediationsession"
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.place}"


class FollowUpMethod(models.TextChoices):
    PHONE = "phone", _("电话回访")
    VISIT = "visit", _("上门回访")
    ONLINE = "online", _("网上回访")


class FollowUp(models.Model):
    """The officer's follow-up call (回访) before a request closes; one per request, re-recorded on a retry."""

    request = models.OneToOneField(
        "rights.ServiceRequest", verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="follow_up"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("回访人")
    )
    followed_at = models.DateTimeField(_("回访时间"))
    method = models.CharField(_("回访方式"), max_length=16, choices=FollowUpMethod.choices)
    contacted = models.BooleanField(_("联系上职工"))
    answer = models.TextField(_("职工反馈"), blank=True)
    satisfied = models.BooleanField(_("职工表示满意"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("回访次数"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "rights_followup"
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.followed_at:%Y-%m-%d}"


class RatingSource(models.TextChoices):
    ONLINE = "online", _("职工网上评价")
    PHONE = "phone", _("回访时代为记录")


class Rating(models.Model):
    """The worker's rating of how the union served them (满意度评价), once per request."""

    request = models.OneToOneField(
        "rights.ServiceRequest", verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="rating"
    )
    score = models.PositiveSmallIntegerField(
        _("评分"),
        validators=[
            MinValueValidator(1, message=_("评分应为1至5分")),
            MaxValueValidator(5, message=_("评分应为1至5分")),
        ],
    )
    comment = models.TextField(_("评价内容"), blank=True)
    source = models.CharField(_("评价来源"), max_length=16, choices=RatingSource.choices)
    worker = models.ForeignKey(
        "portal.WorkerAccount", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rated_at = models.DateTimeField(_("评价时间"))

    class Meta:
        db_table = "rights_rating"
        verbose_name = _("满意度评价")
        verbose_name_plural = _("满意度评价")
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=1) & models.Q(score__lte=5), name="rating_score_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.score}"

    @property
    def is_satisfied(self) -> bool:
        return self.score >= SATISFIED_SCORE

    @property
    def is_low(self) -> bool:
        return self.score <= LOW_SCORE
