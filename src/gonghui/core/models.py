from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """An official day off or make-up workday entered by an administrator (节假日调休).

    chinese-calendar ships the State Council's schedule up to the year it was released; a later
    year's notice (published each November/December) is entered here. An entry also overrides
    the library for a year it knows, should a schedule change.
    """

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"), help_text=_("勾选：调休上班日；不勾选：放假日"))
    name = models.CharField(_("名称"), max_length=32, blank=True, help_text=_("如：春节、国庆节调休"))
    # Who entered the year's notice on the 节假日安排 page, and when (blank for a day added in the admin).
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    entered_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class RateCounter(models.Model):
    """A fixed-window counter of core.ratelimit, kept in the database when Redis is not there.

    `expires_ms` is the end of the window in Unix milliseconds (one number both databases compare
    the same way inside the single upsert that counts a hit).
    """

    key = models.CharField(max_length=191, unique=True)
    hits = models.PositiveIntegerField(default=0)
    expires_ms = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = _("限流计数")
        verbose_name_plural = _("限流计数")

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"
