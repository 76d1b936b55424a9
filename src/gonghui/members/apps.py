from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "gonghui.members"
    label = "members"
    verbose_name = _("会员")

    def ready(self) -> None:
        # Registers the member_import job handler with jobs.runner.
        from . import imports  # noqa: F401
