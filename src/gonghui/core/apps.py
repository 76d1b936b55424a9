from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gonghui.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from .calendar_entry import register_workbench_item

        register_workbench_item()
