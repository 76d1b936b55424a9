from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Value, When
from django.utils.translation import gettext_lazy as _

from gonghui.core.ethnicity import ETHNICITY_CHOICES
from gonghui.core.indexes import PrefixSearchIndex
from gonghui.core.treepath import STEP_LEN
from gonghui.orgs.models import Org

# The order of list pages: the id, as an expression no index but member_org_keyset provides.
KEYSET_ID = models.ExpressionWrapper(F("id") + 0, output_field=models.BigIntegerField())


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    HK_MO_TW_RESIDENCE = "hk_mo_tw_residence", _("港澳台居民居住证")
    FOREIGN_PERMANENT = "foreign_permanent", _("外国人永久居留身份证")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Education(models.TextChoices):
    PRIMARY = "primary", _("小学及以下")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中/中专/技校")
    JUNIOR_COLLEGE = "junior_college", _("大专")
    BACHELOR = "bachelor", _("本科")
    MASTER = "master", _("硕士研究生")
    DOCTOR = "doctor", _("博士研究生")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("会员")
    RETAINED = "retained", _("保留会籍")
    TRANSFERRED = "transferred", _("已转出")
    WITHDRAWN = "withdrawn", _("已退会")
    DECEASED = "deceased", _("已故")


# A person holds a membership while in one of these states; at most one such row per person.
CURRENT_STATUSES = (MemberStatus.ACTIVE, MemberStatus.RETAINED)


class NewEmploymentForm(models.TextChoices):
    NONE = "none", _("无")
    DELIVERY_RIDER = "delivery_rider", _("快递外卖骑手")
    RIDE_HAILING_DRIVER = "ride_hailing_driver", _("网约车司机")
    COURIER = "courier", _("快递员")
    TRUCK_DRIVER = "truck_driver", _("货车司机")
    DOMESTIC_WORKER = "domestic_worker", _("家政服务员")
    OTHER_PLATFORM = "other_platform", _("其他网络平台从业者")


TIER_DEPTHS = (2, 3)


def tier_ids(org: Org) -> tuple[int | None, int | None]:
    """`Member.tier2_id`, `tier3_id` for a member of `org`: its ancestors at depth 2 and 3."""
    wanted = {org.path[: d * STEP_LEN]: d for d in TIER_DEPTHS if d < org.depth}
    found = {org.depth: org.pk} if org.depth in TIER_DEPTHS else {}
    if wanted:
        for path, pk in Org.objects.filter(path__in=wanted).values_list("path", "id"):
            found[wanted[path]] = pk
    return found.get(2), found.get(3)


class Member(models.Model):
    """One membership record on the roll of one grassroots union (会员).

    A transfer closes this record as `transferred` and opens a new one at the receiving
    union (`transferred_from` links them), so every union's roll keeps its own history.
    """

    name = models.CharField(_("姓名"), max_length=64)
    # Pinyin initials by the surname's own reading (曾国藩 zgf), and the everyday reading where it
    # differs (cgf), else "": officers type either (members.search; core.pinyin.person_initials).
    name_initials = models.CharField(max_length=32, editable=False)
    name_initials_alt = models.CharField(max_length=32, blank=True, default="", editable=False)
    id_type = models.CharField(_("证件类型"), max_length=24, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number_encrypted = models.CharField(max_length=128, editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("证件号码"), max_length=24, editable=False)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices, editable=False)
    birth_date = models.DateField(_("出生日期"), editable=False)
    phone = models.CharField(_("手机号码"), max_length=11, blank=True)
    # The last four digits of the phone and of the ID number, for "…8038" searches: what the masked
    # display shows anyway (138****8038, 110105********8038), so kept in clear.
    phone_last4 = models.CharField(max_length=4, blank=True, default="", editable=False)
    id_last4 = models.CharField(max_length=4, blank=True, default="", editable=False)
    ethnicity = models.CharField(_("民族"), max_length=16, choices=ETHNICITY_CHOICES, default="汉族")
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices, blank=True)
    employer_name = models.CharField(_("工作单位"), max_length=128, blank=True)
    employer_uscc = models.CharField(_("单位统一社会信用代码"), max_length=18, blank=True)
    # No index of its own: the composite indexes below all lead with org_id and serve its lookups.
    org = models.ForeignKey(
        Org, verbose_name=_("所在工会"), on_delete=models.PROTECT, related_name="members", db_index=False
    )
    # The union's ancestors at tree depth 2 and 3 (the union itself at that depth; null above it):
    # a province and a city in the national tree. Copied from the tree (`set_tiers`, kept by
    # org_move) so a province or city lists its roll newest-first from one index, whatever its size.
    tier2_id = models.BigIntegerField(null=True, editable=False)
    tier3_id = models.BigIntegerField(null=True, editable=False)
    join_date = models.DateField(_("入会日期"))
    card_number = models.CharField(_("会员卡号"), max_length=20, editable=False)
    status = models.CharField(_("会籍状态"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.ACTIVE)
    is_migrant_worker = models.BooleanField(_("农民工"), default=False)
    new_employment_form = models.CharField(
        _("新就业形态"), max_length=24, choices=NewEmploymentForm.choices, default=NewEmploymentForm.NONE
    )
    # Unique where set (constraint member_transferred_from_unique): few records come from a
    # transfer, and a plain unique index would hold an entry for every other one too.
    transferred_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transferred_to",
        editable=False,
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("会员")
        verbose_name_plural = _("会员")
        indexes = [
            models.Index(fields=["org", "status", "id"], name="member_org_status_id"),
            # The same prefixes within a subtree: index-only range per union, only the matches read.
            PrefixSearchIndex(
                fields=["org", "name", "id"],
                name="member_org_name_prefix",
                opclasses=["int8_ops", "varchar_pattern_ops", "int8_ops"],
            ),
            PrefixSearchIndex(
                fields=["org", "name_initials", "id"],
                name="member_org_initials_prefix",
                opclasses=["int8_ops", "varchar_pattern_ops", "int8_ops"],
            ),
            # Exact-match lookups declared here, not as db_index/unique on the fields: on PostgreSQL
            # those add a second `_like` (pattern) index per field, ~40% of the roll's index size.
            # (ID number lookups use one_current_membership_per_person below, which leads with the hash.)
            models.Index(fields=["phone"], name="member_phone"),
            # A union's roll newest-first, in the keyset order `id + 0` (see members.selectors):
            # the primary key cannot provide that order, so PostgreSQL reads the union's rows from
            # here instead of walking the whole roll by id.
            models.Index(F("org"), KEYSET_ID, name="member_org_keyset"),
            # The same for a province's or a city's whole roll (see tier2_id).
            models.Index(F("tier2_id"), KEYSET_ID, name="member_tier2_keyset"),
            models.Index(F("tier3_id"), KEYSET_ID, name="member_tier3_keyset"),
            # Prefix searches within a city: a range of the city's matches, however common the
            # prefix (walking the city's roll newest-first reads 50 / share-of-matches rows).
            PrefixSearchIndex(
                fields=["tier3_id", "name", "id"],
                name="member_tier3_name_prefix",
                opclasses=["int8_ops", "varchar_pattern_ops", "int8_ops"],
            ),
            PrefixSearchIndex(
                fields=["tier3_id", "name_initials", "id"],
                name="member_tier3_initials_prefix",
                opclasses=["int8_ops", "varchar_pattern_ops", "int8_ops"],
            ),
            # Prefix search (LIKE 'x%'): PostgreSQL uses a btree for it only with the pattern
            # opclass (any collation other than "C"); on SQLite these are empty (PrefixSearchIndex).
            PrefixSearchIndex(
                fields=["name", "id"], name="member_name_prefix", opclasses=["varchar_pattern_ops", "int8_ops"]
            ),
            PrefixSearchIndex(
                fields=["name_initials", "id"],
                name="member_initials_prefix",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            # The everyday reading of polyphonic surnames: set on few rows, so only those are indexed.
            PrefixSearchIndex(
                fields=["name_initials_alt", "id"],
                name="member_initials_alt_prefix",
                opclasses=["varchar_pattern_ops", "int8_ops"],
                condition=~models.Q(name_initials_alt=""),
            ),
            # Last four digits: about one member in ten thousand per value, read and then scoped.
            models.Index(fields=["phone_last4"], name="member_phone_last4"),
            models.Index(fields=["id_last4"], name="member_id_last4"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["card_number"], name="member_card_number_unique"),
            models.UniqueConstraint(
                fields=["transferred_from"],
                condition=models.Q(transferred_from__isnull=False),
                name="member_transferred_from_unique",
            ),
            # One current record per person: unique over (hash, true) for current records, while a
            # closed record's second part is NULL, which never equals another. Unlike a partial
            # unique index it holds every record, so it also serves all lookups by ID number —
            # the roll keeps one index on the hash instead of two (an import wrote both per row).
            models.UniqueConstraint(
                F("id_number_hash"),
                Case(When(status__in=CURRENT_STATUSES, then=Value(True)), output_field=models.BooleanField()),
                name="one_current_membership_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.card_number}）"

    def save(self, *args, **kwargs) -> None:
        if self._state.adding:
            self.tier2_id, self.tier3_id = tier_ids(self.org)
        super().save(*args, **kwargs)

    @property
    def is_current(self) -> bool:
        return self.status in CURRENT_STATUSES


class MemberEvent(models.Model):
    """Every change to a membership record: who, when, before/after (masked where personal)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("登记入会")
        IMPORTED = "imported", _("批量导入")
        UPDATED = "updated", _("修改信息")
        STATUS_CHANGED = "status_changed", _("会籍变更")
        TRANSFERRED_OUT = "transferred_out", _("转出")
        TRANSFERRED_IN = "transferred_in", _("转入")
        ID_REVEALED = "id_revealed", _("查看完整证件号码")
        BINDING_REQUESTED = "binding_requested", _("申请绑定职工账号")
        ACCOUNT_BOUND = "account_bound", _("绑定职工账号")
        BINDING_REJECTED = "binding_rejected", _("驳回绑定职工账号")
        ACCOUNT_UNBOUND = "account_unbound", _("解除职工账号绑定")

    # Indexed by (member, -created_at) below, which also serves the plain member lookups.
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changes = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("会员变更记录")
        verbose_name_plural = _("会员变更记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["member", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.member_id} {self.get_kind_display()}"


class Transfer(models.Model):
    """会员接转: a membership moved from one union to another."""

    from_member = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="transfer_out")
    to_member = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="transfer_in")
    from_org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="transfers_out")
    to_org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="transfers_in")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("备注"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("会员接转")
        verbose_name_plural = _("会员接转")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.from_org} → {self.to_org}"


class CardNumberCounter(models.Model):
    """One row: the last member card sequence handed out (SQLite; PostgreSQL uses a sequence, see cards)."""

    last = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("会员卡号计数器")

    def __str__(self) -> str:
        return str(self.last)
