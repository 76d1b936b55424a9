"""Personal-information protection (PIPL): the published user agreement and privacy notice, each
edit a new version; the consents workers gave, each with its time, text version, purpose and
address; and the record of accounts deleted at their holder's request."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyKind(models.TextChoices):
    AGREEMENT = "agreement", _("用户协议")
    PRIVACY = "privacy", _("个人信息保护规则")


class PolicyText(models.Model):
    """One published version of the agreement or the notice. Published versions are never edited:
    a change is a new version, so every consent points at the words the worker saw."""

    kind = models.CharField(_("文本"), max_length=16, choices=PolicyKind.choices)
    version = models.PositiveIntegerField(_("版本"))
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文（中文）"))
    body_en = models.TextField(_("正文（英文）"), blank=True)
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("协议与个人信息保护规则")
        verbose_name_plural = _("协议与个人信息保护规则")
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="policytext_one_version")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class ConsentPurpose(models.TextChoices):
    REGISTRATION = "registration", _("注册账号（用户协议与个人信息保护规则）")
    REAL_NAME = "real_name", _("实名认证（身份证件号码）")
    MEDICAL_AID = "medical_aid", _("医疗互助申请（健康医疗信息）")
    HARDSHIP = "hardship", _("困难帮扶申请（家庭经济与健康状况）")


class Consent(models.Model):
    """A consent a worker gave: to the agreement or notice at registration, or the separate
    consent to processing sensitive personal information for one purpose (PIPL art. 29)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("用途"), max_length=16, choices=ConsentPurpose.choices)
    text = models.ForeignKey(PolicyText, verbose_name=_("文本版本"), on_delete=models.PROTECT, related_name="+")
    statement = models.TextField(_("同意的内容"), blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(_("同意时间"))
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("个人信息处理同意记录")
        verbose_name_plural = _("个人信息处理同意记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "purpose"], name="consent_user_purpose")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.purpose} {self.created_at:%Y-%m-%d}"

    @property
    def withdrawable(self) -> bool:
        """The separate consents to sensitive data can be withdrawn (PIPL art. 15); the consent to the
        agreement and notice ends with the account (我的数据 → 注销账号)."""
        return self.withdrawn_at is None and self.purpose != ConsentPurpose.REGISTRATION


class AccountDeletion(models.Model):
    """An account deleted at its holder's request: when, from where, how it was confirmed. The
    user row stays (deactivated, anonymised) so that the union's records keep their links."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    deleted_at = models.DateTimeField(_("注销时间"))
    confirmed_by = models.CharField(_("确认方式"), max_length=16)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("账号注销记录")
        verbose_name_plural = _("账号注销记录")

    def __str__(self) -> str:
        return f"{self.user_id} {self.deleted_at:%Y-%m-%d}"
