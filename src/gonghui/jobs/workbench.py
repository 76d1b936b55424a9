"""Failed background jobs on the officer's workbench (registered from JobsConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gonghui.accounts.permissions import can_write
from gonghui.core.workbench import Item, link, register

from .models import Job
from .selectors import job_list_visible_to


def register_items() -> None:
    failed = Job.State.FAILED
    register(
        Item(
            key="jobs.failed",
            group=_("消息与任务"),
            label=_("导入未通过"),
            hint=_("7天内我发起、未通过的导入，请按错误报告改正后重新导入"),
            allowed=can_write,
            queryset=lambda actor: job_list_visible_to(actor=actor, state=failed, mine=True, recent=True),
            url=link("jobs:list", {"state": failed, "mine": "1", "recent": "1"}),
        ),
    )
