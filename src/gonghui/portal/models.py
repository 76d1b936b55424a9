from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerAccount(models.Model):
    """A worker's own account (职工账号): phone login, optionally bound to their real name.

    Real-name binding stores the ID number the way the roll does (encrypted, keyed hash, mask);
    the hash finds the person's current membership, whichever union's roll it is on now, so the
    link survives transfers (which open a new membership record).
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="worker")
    phone = models.CharField(_("手机号码"), max_length=11, unique=True)
    phone_verified_at = models.DateTimeField(_("手机验证时间"), null=True, blank=True)
    real_name = models.CharField(_("姓名"), max_length=64, blank=True)
    id_type = models.CharField(_("证件类型"), max_length=24, blank=True)
    id_number_encrypted = models.CharField(max_length=128, blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField(_("证件号码"), max_length=24, blank=True, editable=False)
    verified_at = models.DateTimeField(_("实名认证时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("职工账号")
        verbose_name_plural = _("职工账号")
        constraints = [
            # One account per real person.
            models.UniqueConstraint(
                fields=["id_number_hash"], condition=~models.Q(id_number_hash=""), name="one_account_per_person"
            ),
        ]

    def __str__(self) -> str:
        return self.real_name or self.phone

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def forget_identity(self) -> list[str]:
        """Clear the bound person (unbinding, account deletion); returns the fields to save."""
        self.real_name = self.id_type = self.id_number_encrypted = ""
        self.id_number_hash = self.id_number_masked = ""
        self.verified_at = None
        return ["real_name", "id_type", "id_number_encrypted", "id_number_hash", "id_number_masked", "verified_at"]


class CodePurpose(models.TextChoices):
    REGISTER = "register", _("注册")
    LOGIN = "login", _("登录")
    RESET_PASSWORD = "reset_password", _("重置密码")


class PhoneCode(models.Model):
    """One SMS verification code (短信验证码). Only a keyed hash of the code is kept.

    A code lives 10 minutes, dies after 5 wrong tries, and is used once. The rows also count
    requests for the rate limits (per phone, per client IP), so they are kept for a day at least.
    """

    phone = models.CharField(_("手机号码"), max_length=11)
    purpose = models.CharField(_("用途"), max_length=16, choices=CodePurpose.choices)
    code_hash = models.CharField(max_length=64, editable=False)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(_("发送时间"), db_index=True)
    expires_at = models.DateTimeField(_("过期时间"))
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [
            models.Index(fields=["phone", "created_at"], name="phonecode_phone_time"),
            models.Index(fields=["ip", "created_at"], name="phonecode_ip_time"),
        ]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.purpose}"


class BindingAttempt(models.Model):
    """A failed real-name binding try (limits probing ID numbers through an account)."""

    worker = models.ForeignKey(WorkerAccount, on_delete=models.CASCADE, related_name="binding_attempts")
    created_at = models.DateTimeField()
    reason = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("实名认证失败记录")
        verbose_name_plural = _("实名认证失败记录")
        indexes = [models.Index(fields=["worker", "created_at"], name="bindingattempt_worker_time")]

    def __str__(self) -> str:
        return f"{self.worker_id} {self.reason}"


class BindingRequest(models.Model):
    """A worker's request to bind their account to a person (实名认证), and its proof.

    Name + ID number alone prove nothing (both are printed on countless forms). A person on the
    roll proves it with a code texted to the phone the roll holds (`sms`), or, without one or
    when that phone changed, an officer of their union confirms it in the union's queue
    (`review`). A person not on any roll binds at once (`no_record`: there is no membership to
    take over, and a joining application is reviewed by the union anyway); so does a worker whose
    own verified phone is the roll's (`phone_match`). A `no_record` binding links no membership
    that appears later, unless the account's own join application produced it (`joined_online`,
    a confirmed request written when the union approves it) or the worker proves it afterwards
    with a code or the union's review (portal.selectors.linked_person_hash).
    """

    class Method(models.TextChoices):
        SMS = "sms", _("短信验证码（名册手机号）")
        REVIEW = "review", _("工会确认")
        PHONE_MATCH = "phone_match", _("注册手机号与名册一致")
        NO_RECORD = "no_record", _("名册中无此人")
        JOINED_ONLINE = "joined_online", _("本账号在线入会获批")

    class State(models.TextChoices):
        AWAITING_CODE = "awaiting_code", _("待输入验证码")
        PENDING = "pending", _("待工会确认")
        CONFIRMED = "confirmed", _("已绑定")
        REJECTED = "rejected", _("已驳回")
        CANCELLED = "cancelled", _("已取消")

    OPEN_STATES = (State.AWAITING_CODE, State.PENDING)

    worker = models.ForeignKey(WorkerAccount, on_delete=models.CASCADE, related_name="binding_requests")
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="binding_requests"
    )
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所在工会"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="binding_requests",
    )
    method = models.CharField(_("验证方式"), max_length=16, choices=Method.choices)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices)
    name = models.CharField(_("姓名"), max_length=64)
    id_type = models.CharField(_("证件类型"), max_length=24)
    id_number_encrypted = models.CharField(max_length=128, editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("证件号码"), max_length=24, editable=False)
    phone_masked = models.CharField(_("验证码接收手机"), max_length=16, blank=True)
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    reason = models.CharField(_("驳回理由"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("申请时间"))
    decided_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("实名认证申请")
        verbose_name_plural = _("实名认证申请")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "state", "created_at"], name="bindingrequest_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["worker"],
                condition=models.Q(state__in=["awaiting_code", "pending"]),
                name="one_open_binding_request_per_worker",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.get_state_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES
