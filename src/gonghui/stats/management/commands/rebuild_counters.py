"""gonghui rebuild-counters: recompute the subtree statistics from the member roll and the union tree."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from gonghui.stats.models import SubtreeCounter
from gonghui.stats.services import rebuild_counters


class Command(BaseCommand):
    help = "按会员名单和组织树重新计算各工会的下级统计计数（造数后或修复时使用；计算期间暂停其他写入）。"

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        rebuild_counters()
        self.stdout.write(
            self.style.SUCCESS(
                _("已重新计算统计计数：%(rows)d 行，用时 %(seconds).1f 秒")
                % {"rows": SubtreeCounter.objects.count(), "seconds": time.perf_counter() - started}
            )
        )
