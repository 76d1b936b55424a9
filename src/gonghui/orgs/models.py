from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.treepath import depth_of

TERM_DUE_DAYS = 90


class OrgKind(models.TextChoices):
    FEDERATION = "federation", _("地方总工会")
    TOWNSHIP = "township", _("乡镇(街道)工会")
    INDUSTRY_FEDERATION = "industry_federation", _("行业工会联合会")
    REGIONAL_FEDERATION = "regional_federation", _("区域工会联合会")
    GRASSROOTS = "grassroots", _("基层工会")
    JOINT_GRASSROOTS = "joint_grassroots", _("联合基层工会")


# Members belong only to these kinds, and these kinds have no child unions.
MEMBER_HOLDING_KINDS = frozenset({OrgKind.GRASSROOTS, OrgKind.JOINT_GRASSROOTS})


class FederationLevel(models.TextChoices):
    NATIONAL = "national", _("全国")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


class Org(models.Model):
    """A node of the union tree (工会组织)."""

    name = models.CharField(_("名称"), max_length=128)
    code = models.CharField(_("组织代码"), max_length=32, unique=True)
    kind = models.CharField(_("类型"), max_length=32, choices=OrgKind.choices)
    federation_level = models.CharField(_("总工会层级"), max_length=16, choices=FederationLevel.choices, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级工会"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialized path (core.treepath): a subtree is one range scan on this index.
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=1, editable=False)
    child_seq = models.PositiveIntegerField(default=0, editable=False)
    region_code = models.CharField(_("行政区划代码"), max_length=6)
    uscc = models.CharField(_("工会法人统一社会信用代码"), max_length=18, blank=True)
    chair_name = models.CharField(_("工会主席"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    term_start = models.DateField(_("本届开始日期"), null=True, blank=True)
    term_end = models.DateField(_("换届日期"), null=True, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    # Active members held directly by this union; kept in step by members.services.
    member_count = models.PositiveIntegerField(_("会员数"), default=0)
    name_initials = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("工会组织")
        verbose_name_plural = _("工会组织")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["parent", "name"]),
            models.Index(fields=["kind", "path"]),
            models.Index(fields=["term_end"]),
            # Unions of a region (prefix of the GB/T 2260 code): joining's region search, request routing.
            models.Index(
                fields=["region_code", "kind"], name="org_region_kind", opclasses=["varchar_pattern_ops", "varchar_ops"]
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="federation") | ~models.Q(federation_level=""),
                name="federation_has_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def holds_members(self) -> bool:
        return self.kind in MEMBER_HOLDING_KINDS

    @property
    def term_overdue(self) -> bool:
        return self.term_end is not None and self.term_end < timezone.localdate()

    @property
    def term_due_soon(self) -> bool:
        if self.term_end is None:
            return False
        today = timezone.localdate()
        return today <= self.term_end <= today + dt.timedelta(days=TERM_DUE_DAYS)

    def computed_depth(self) -> int:
        return depth_of(self.path)


class OrgEvent(models.Model):
    """History of a union's record: who changed what, when."""

    class Kind(models.TextChoices):
        CREATED = "created", _("创建")
        UPDATED = "updated", _("修改")
        MOVED = "moved", _("调整上级")
        DEACTIVATED = "deactivated", _("撤销")

    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("组织变更记录")
        verbose_name_plural = _("组织变更记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.org} {self.get_kind_display()}"
