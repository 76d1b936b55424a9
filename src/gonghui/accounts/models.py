from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
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
    # Officers: the phone that receives sign-in codes (a locked account can still sign in by SMS).
    phone = models.CharField(_("手机号码"), max_length=11, blank=True, help_text=_("用于短信验证码登录"))
    failed_login_count = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Bumped to sign the account out of every session at once (role, union or rights changed,
    # deactivated, second factor reset): it is part of the session's auth hash.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

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

    def _get_session_auth_hash(self, secret=None) -> str:
        """Django's hash of the password, with the session epoch mixed in once it has been bumped
        (epoch 0 keeps Django's own hash, so sessions begun before the field existed stay valid)."""
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]  # not in the stubs
        key_salt = "gonghui.accounts.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=64, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

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
        LOGIN_AWAITING_2FA = "login_awaiting_2fa", _("密码正确，待两步验证")
        LOCKED = "locked", _("账号锁定")
        LOGIN_CODE_SENT = "login_code_sent", _("发送登录验证码")
        REVEAL_ID = "reveal_id", _("查看完整证件号码")
        ACCOUNT_CREATED = "account_created", _("创建账号")
        ACCOUNT_UPDATED = "account_updated", _("修改账号")
        TOKEN_ISSUED = "token_issued", _("签发令牌")
        TOKEN_REVOKED = "token_revoked", _("撤销令牌")
        PASSWORD_CHANGED = "password_changed", _("修改密码")
        TWO_FACTOR_ENABLED = "two_factor_enabled", _("启用两步验证")
        TWO_FACTOR_FAILED = "two_factor_failed", _("两步验证失败")
        TWO_FACTOR_RECOVERY_USED = "two_factor_recovery_used", _("使用恢复码登录")
        TWO_FACTOR_CODES_REGENERATED = "two_factor_codes_regenerated", _("重新生成恢复码")
        TWO_FACTOR_DISABLED = "two_factor_disabled", _("关闭两步验证")
        TWO_FACTOR_RESET = "two_factor_reset", _("重置两步验证")
        EXPORT = "export", _("导出")
        VIEW_ASSISTANCE = "view_assistance", _("查看帮扶个人信息")
        WORKER_REGISTERED = "worker_registered", _("职工注册")
        WORKER_PASSWORD_RESET = "worker_password_reset", _("职工重置密码")
        WORKER_PASSWORD_CHANGED = "worker_password_changed", _("职工修改密码")
        WORKER_IDENTITY_BOUND = "worker_identity_bound", _("职工实名认证")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("撤回个人信息处理同意")
        WORKER_IDENTITY_REFUSED = "worker_identity_refused", _("职工实名认证未通过")
        WORKER_IDENTITY_REQUESTED = "worker_identity_requested", _("职工申请实名认证")
        WORKER_IDENTITY_UNBOUND = "worker_identity_unbound", _("解除职工实名认证")
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


class LoginCode(models.Model):
    """A sign-in code texted to an officer's phone (only its keyed hash is kept).

    Lives GONGHUI_SMS_CODE_TTL_MINUTES, dies after GONGHUI_SMS_CODE_MAX_ATTEMPTS tries (each taken
    before the code is compared), is used once; only the account's latest code counts.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_codes")
    code_hash = models.CharField(max_length=64, editable=False)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(_("发送时间"), db_index=True)
    expires_at = models.DateTimeField(_("过期时间"))
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录验证码")
        verbose_name_plural = _("登录验证码")
        indexes = [models.Index(fields=["user", "-created_at"], name="logincode_user_time")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"
