"""Hardship-worker files (困难职工档案), home visits, living standards and pairing (结对帮扶).

Contract used by other apps (campaigns reads it; keep it stable):

``HardshipFile``
    person: ``name``, ``id_type`` (members.IdType values), ``id_number_encrypted`` /
    ``id_number_hash`` (core.pii keyed hash, indexed) / ``id_number_masked``, ``gender`` and
    ``birth_date`` derived from the ID number; ``member`` (FK members.Member, null for
    non-members), ``phone``, ``employer_name``.
    ``org``: the filing grassroots union (FK orgs.Org); scope a queryset with
    ``accounts.scope.scope_q(user, path_field="org__path")``. ``region_code`` (GB/T 2260, the
    union's region by default) chooses the living standard.
    ``level``: ``HardshipLevel`` deep 深度困难 / relative 相对困难 / accident 意外致困 ('' until
    decided); ``suggested_level`` is what assistance.rules computed (may be ``not_eligible``).
    ``state``: ``FileState`` draft → submitted → verified → in_notice → filed → exited;
    returned (back to the union, editable, resubmittable); declined (a worker's application the
    union did not take up). ``is_open`` ⇔ state in ``OPEN_STATES`` (submitted, verified,
    in_notice, filed): at most one open file per person nationwide (partial unique index
    ``one_open_hardship_file_per_person`` + a service check answering 409).
    Use ``HardshipFile.objects.filed()`` for beneficiaries (state filed).
    income: ``monthly_household_income``, ``household_size``, ``per_capita_income`` (Decimal,
    computed = income / size, 2 places, by the services). ``causes``: a JSON list of
    ``HardshipCause`` values (several at once; filter with ``causes__icontains='"<value>"'``,
    which works on SQLite and PostgreSQL). ``filed_at`` (datetime the file became filed),
    ``next_review_due`` (date; filed date + 1 year, moved on by each re-verification).
    All writes go through assistance.services; all reads through assistance.selectors.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gonghui.core.phone import mask_mobile
from gonghui.orgs.models import Org

DEFAULT_NOTICE_WORKING_DAYS = 5
REVIEW_REMINDER_DAYS = 30


class HardshipLevel(models.TextChoices):
    DEEP = "deep", _("深度困难")
    RELATIVE = "relative", _("相对困难")
    ACCIDENT = "accident", _("意外致困")


NOT_ELIGIBLE = "not_eligible"


class HardshipCause(models.TextChoices):
    SERIOUS_ILLNESS = "serious_illness", _("大病")
    DISABILITY = "disability", _("残疾")
    DISASTER_ACCIDENT = "disaster_accident", _("灾害或意外")
    UNEMPLOYMENT = "unemployment", _("失业")
    SCHOOLING = "schooling", _("子女就学")
    SINGLE_PARENT = "single_parent", _("单亲")
    OTHER = "other", _("其他")


class FileState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    VERIFIED = "verified", _("已审核待公示")
    IN_NOTICE = "in_notice", _("公示中")
    FILED = "filed", _("已建档")
    RETURNED = "returned", _("退回")
    EXITED = "exited", _("已解困脱困")
    DECLINED = "declined", _("不予建档")


OPEN_STATES = (FileState.SUBMITTED, FileState.VERIFIED, FileState.IN_NOTICE, FileState.FILED)
EDITABLE_STATES = (FileState.DRAFT, FileState.RETURNED)


class HousingSituation(models.TextChoices):
    OWNED = "owned", _("自有住房")
    RENTED = "rented", _("租住")
    PUBLIC_RENTAL = "public_rental", _("公租房/廉租房")
    WITH_RELATIVES = "with_relatives", _("借住亲友")
    DORMITORY = "dormitory", _("单位宿舍")
    NONE = "none", _("无固定住所")


class FileSource(models.TextChoices):
    OFFICER = "officer", _("工会建档")
    WORKER = "worker", _("职工申请")


class ExitReason(models.TextChoices):
    INCOME_ABOVE_LINE = "income_above_line", _("收入超过标准")
    EMPLOYED = "employed", _("实现就业")
    OTHER = "other", _("其他")


class LivingStandard(models.Model):
    """低保 and low-income lines (monthly yuan per person) for a region and year.

    The most specific region applies: county code, then its city (``xxxx00``), then its
    province (``xx0000``). ``notice_working_days`` is the public-notice period for files of
    that region (null = the default of 5 working days).
    """

    region_code = models.CharField(_("行政区划代码"), max_length=6)
    year = models.PositiveSmallIntegerField(_("年度"))
    minimum_living = models.DecimalField(_("最低生活保障标准（元/人·月）"), max_digits=8, decimal_places=2)
    low_income = models.DecimalField(_("低收入标准（元/人·月）"), max_digits=8, decimal_places=2)
    notice_working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=255, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("生活保障标准")
        verbose_name_plural = _("生活保障标准")
        ordering = ["-year", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "year"], name="living_standard_region_year"),
            models.CheckConstraint(
                condition=models.Q(low_income__gte=models.F("minimum_living")), name="low_income_not_below_minimum"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year}"


class HardshipFileQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def filed(self):
        return self.filter(state=FileState.FILED)


class HardshipFile(models.Model):
    """困难职工档案: one person's hardship file at one grassroots union (see the module docstring)."""

    name = models.CharField(_("姓名"), max_length=64)
    id_type = models.CharField(_("证件类型"), max_length=24, default="resident_id")
    id_number_encrypted = models.CharField(max_length=128, editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("证件号码"), max_length=24, editable=False)
    gender = models.CharField(_("性别"), max_length=8, editable=False)
    birth_date = models.DateField(_("出生日期"), editable=False)
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("会员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hardship_files",
    )
    worker = models.ForeignKey(
        "portal.WorkerAccount",
        verbose_name=_("申请职工账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hardship_files",
    )
    source = models.CharField(_("来源"), max_length=16, choices=FileSource.choices, default=FileSource.OFFICER)
    phone = models.CharField(_("手机号码"), max_length=11, blank=True)
    employer_name = models.CharField(_("工作单位"), max_length=128, blank=True)
    address = models.CharField(_("家庭住址"), max_length=200, blank=True)
    org = models.ForeignKey(Org, verbose_name=_("建档工会"), on_delete=models.PROTECT, related_name="hardship_files")
    region_code = models.CharField(_("行政区划代码"), max_length=6)
    level = models.CharField(_("困难类别"), max_length=16, choices=HardshipLevel.choices, blank=True)
    suggested_level = models.CharField(_("系统建议类别"), max_length=16, blank=True)
    level_reason = models.CharField(_("类别认定理由"), max_length=255, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=FileState.choices, default=FileState.DRAFT)
    monthly_household_income = models.DecimalField(
        _("家庭月收入（元）"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    other_monthly_income = models.DecimalField(
        _("其他月收入（元）"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    household_size = models.PositiveSmallIntegerField(_("家庭人口"), default=1)
    per_capita_income = models.DecimalField(
        _("家庭人均月收入（元）"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    causes = models.JSONField(_("致困原因"), default=list, blank=True)
    cause_note = models.CharField(_("致困情况说明"), max_length=500, blank=True)
    sudden_loss = models.BooleanField(_("因灾害或意外造成突发损失"), default=False)
    housing = models.CharField(_("住房情况"), max_length=16, choices=HousingSituation.choices, blank=True)
    housing_note = models.CharField(_("住房情况说明"), max_length=255, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verifying_org = models.ForeignKey(
        Org, verbose_name=_("审核工会"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notice_started_at = models.DateTimeField(_("公示开始"), null=True, blank=True)
    notice_ends_at = models.DateTimeField(_("公示结束"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=255, blank=True)
    filed_at = models.DateTimeField(_("建档时间"), null=True, blank=True)
    next_review_due = models.DateField(_("下次复核日期"), null=True, blank=True)
    last_reviewed_on = models.DateField(_("上次复核日期"), null=True, blank=True)
    exit_reason = models.CharField(_("脱困原因"), max_length=24, choices=ExitReason.choices, blank=True)
    exit_date = models.DateField(_("脱困日期"), null=True, blank=True)
    exit_note = models.CharField(_("脱困说明"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HardshipFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("困难职工档案")
        verbose_name_plural = _("困难职工档案")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["id_number_hash"], name="hardship_id_hash"),
            models.Index(fields=["org", "state"], name="hardship_org_state"),
            models.Index(fields=["state", "next_review_due"], name="hardship_state_review"),
            models.Index(fields=["state", "notice_ends_at"], name="hardship_state_notice"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=models.Q(state__in=["submitted", "verified", "in_notice", "filed"]),
                name="one_open_hardship_file_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_state_display()}）"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def phone_masked(self) -> str:
        return mask_mobile(self.phone) if self.phone else ""

    def cause_labels(self) -> list[str]:
        labels = dict(HardshipCause.choices)
        return [str(labels.get(c, c)) for c in self.causes or []]

    def suggested_level_label(self) -> str:
        if self.suggested_level == NOT_ELIGIBLE:
            return str(_("不符合建档条件"))
        return str(dict(HardshipLevel.choices).get(self.suggested_level, ""))


class HealthStatus(models.TextChoices):
    HEALTHY = "healthy", _("健康")
    CHRONIC = "chronic", _("慢性病")
    SERIOUS_ILLNESS = "serious_illness", _("大病")
    DISABLED = "disabled", _("残疾")


class WorkStatus(models.TextChoices):
    EMPLOYED = "employed", _("在岗")
    FLEXIBLE = "flexible", _("灵活就业")
    UNEMPLOYED = "unemployed", _("失业")
    RETIRED = "retired", _("退休")
    STUDENT = "student", _("在校学生")
    UNABLE = "unable", _("无劳动能力")
    CHILD = "child", _("学龄前儿童")


class HouseholdMember(models.Model):
    """A person of the household (家庭成员), the file's person included (relation 本人)."""

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="household")
    name = models.CharField(_("姓名"), max_length=64)
    relation = models.CharField(_("与本人关系"), max_length=16)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    health = models.CharField(_("健康状况"), max_length=16, choices=HealthStatus.choices, default=HealthStatus.HEALTHY)
    work_status = models.CharField(_("就业状况"), max_length=16, choices=WorkStatus.choices, blank=True)
    monthly_income = models.DecimalField(_("月收入（元）"), max_digits=10, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.relation}）"


class HomeVisit(models.Model):
    """入户走访记录: a union's home visit to the household."""

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="visits")
    visit_date = models.DateField(_("走访日期"))
    visitors = models.CharField(_("走访人员"), max_length=200)
    findings = models.TextField(_("走访情况"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("入户走访记录")
        verbose_name_plural = _("入户走访记录")
        ordering = ["-visit_date", "-id"]

    def __str__(self) -> str:
        return f"{self.file_id} {self.visit_date}"


def visit_photo_path(instance: VisitPhoto, filename: str) -> str:
    return f"assistance/visits/{instance.visit_id}/{instance.stored_name}"


class VisitPhoto(models.Model):
    """A photo or scan attached to a home visit (jpg/png/pdf, at most 5 MB)."""

    visit = models.ForeignKey(HomeVisit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=visit_photo_path, max_length=200)
    stored_name = models.CharField(max_length=64, editable=False)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("走访附件")
        verbose_name_plural = _("走访附件")

    def __str__(self) -> str:
        return self.original_name


class FileEvent(models.Model):
    """The file's timeline: every step, who, when, what changed (personal data masked)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("建立档案")
        APPLIED = "applied", _("职工提交申请")
        UPDATED = "updated", _("修改档案")
        VISITED = "visited", _("入户走访")
        SUBMITTED = "submitted", _("提交审核")
        VERIFIED = "verified", _("审核通过")
        RETURNED = "returned", _("退回")
        NOTICE_STARTED = "notice_started", _("开始公示")
        OBJECTION = "objection", _("公示期异议")
        FILED = "filed", _("公示期满建档")
        REVIEWED = "reviewed", _("年度复核")
        EXITED = "exited", _("解困脱困")
        DECLINED = "declined", _("不予建档")
        PAIRED = "paired", _("结对帮扶")
        UNPAIRED = "unpaired", _("结束结对")
        PAIRING_VISIT = "pairing_visit", _("帮扶走访")
        DEADLINE_RECOUNTED = "deadline_recounted", _("按节假日安排重算期限")

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("档案记录")
        verbose_name_plural = _("档案记录")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["file", "created_at"])]

    def __str__(self) -> str:
        return f"{self.file_id} {self.get_kind_display()}"


class ReviewReminder(models.Model):
    """A re-verification reminder already sent (so the periodic task never sends it twice)."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("即将到期")
        OVERDUE = "overdue", _("已逾期")

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    due_date = models.DateField()
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("复核提醒")
        verbose_name_plural = _("复核提醒")
        constraints = [
            models.UniqueConstraint(fields=["file", "kind", "due_date"], name="one_reminder_per_due"),
        ]

    def __str__(self) -> str:
        return f"{self.file_id} {self.kind} {self.due_date}"


class Pairing(models.Model):
    """结对帮扶: an officer account paired with a hardship family."""

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="pairings")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("帮扶责任人"), on_delete=models.PROTECT, related_name="pairings"
    )
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    is_active = models.BooleanField(_("进行中"), default=True)
    note = models.CharField(_("备注"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("结对帮扶")
        verbose_name_plural = _("结对帮扶")
        ordering = ["-is_active", "-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["file", "officer"], condition=models.Q(is_active=True), name="one_active_pairing_per_officer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.officer} ↔ {self.file.name}"


class HelpType(models.TextChoices):
    NONE = "none", _("看望慰问")
    MONEY = "money", _("资金")
    GOODS = "goods", _("物资")
    SERVICE = "service", _("服务")


class PairingVisit(models.Model):
    """A visit of the paired officer: what was done, help given (type and value), next steps."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="visits")
    visit_date = models.DateField(_("走访日期"))
    content = models.TextField(_("帮扶内容"))
    help_type = models.CharField(_("帮扶形式"), max_length=16, choices=HelpType.choices, default=HelpType.NONE)
    help_value = models.DecimalField(_("折合金额（元）"), max_digits=10, decimal_places=2, default=Decimal("0"))
    next_steps = models.CharField(_("下一步计划"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("帮扶走访")
        verbose_name_plural = _("帮扶走访")
        ordering = ["-visit_date", "-id"]

    def __str__(self) -> str:
        return f"{self.pairing_id} {self.visit_date}"
