from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    OFFICER = "officer", _("工作人员")
    VIEWER = "viewer", _("只读")


class User(AbstractUser):
    """An account. Officers are bound to one node of the union tree with a role."""

    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所属工会"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, blank=True)
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    # Hardship and health data (帮扶、医疗互助) are seen only by officers given this right.
    assistance_access = models.BooleanField(
        _("帮扶数据权限"), default=False, help_text=_("可查看和办理困难职工档案、帮扶救助和医疗互助中的个人信息")
    )
    failed_login_count = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(org__isnull=True, role="") | models.Q(org__isnull=False) & ~models.Q(role=""),
                name="officer_has_org_and_role",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_officer(self) -> bool:
        return self.org_id is not None and bool(self.role)


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=64, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class AuditLog(models.Model):
    """Security-relevant actions: logins, lockouts, ID reveals, account and token changes."""

    class Action(models.TextChoices):
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKED = "locked", _("账号锁定")
        REVEAL_ID = "reveal_id", _("查看完整证件号码")
        ACCOUNT_CREATED = "account_created", _("创建账号")
        ACCOUNT_UPDATED = "account_updated", _("修改账号")
        TOKEN_ISSUED = "token_issued", _("签发令牌")
        EXPORT = "export", _("导出")
        VIEW_ASSISTANCE = "view_assistance", _("查看帮扶个人信息")
        WORKER_REGISTERED = "worker_registered", _("职工注册")
        WORKER_PASSWORD_RESET = "worker_password_reset", _("职工重置密码")
        WORKER_PASSWORD_CHANGED = "worker_password_changed", _("职工修改密码")
        WORKER_IDENTITY_BOUND = "worker_identity_bound", _("职工实名认证")
        WORKER_IDENTITY_REFUSED = "worker_identity_refused", _("职工实名认证未通过")
        WORKER_DATA_EXPORTED = "worker_data_exported", _("职工下载本人数据")
        WORKER_ACCOUNT_DELETED = "worker_account_deleted", _("职工注销账号")
        POLICY_PUBLISHED = "policy_published", _("发布协议或个人信息保护规则")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=32, choices=Action.choices)
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    org = models.ForeignKey("orgs.Org", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()}"
