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
