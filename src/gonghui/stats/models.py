from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubtreeCounter(models.Model):
    """One part of a count over a union's whole subtree (the union itself and everything below).

    Keys: ``status:<status>`` (members in that status), ``migrant`` (active migrant workers),
    ``nef:<category>`` (active members of a new-employment category), ``kind:<kind>`` (active
    unions of that kind). The count is the SUM over the slots: shallow unions (the root, the
    provinces, the cities) spread their updates over several slots, so concurrent writes in
    different parts of the country rarely wait for the same row.
    Kept in step by gonghui.stats.services in the transaction of every write.
    """

    # No database FK constraint nor separate org_id index: the unique index below leads with org_id,
    # and a per-row FK check would double the time of a full rebuild (derived data; unions are
    # never deleted, and the ORM still cascades if one is).
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    key = models.CharField(max_length=48)
    slot = models.SmallIntegerField(default=0)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("下级统计计数")
        verbose_name_plural = _("下级统计计数")
        constraints = [
            models.UniqueConstraint(fields=["org", "key", "slot"], name="subtree_counter_org_key_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.key}[{self.slot}]={self.value}"
