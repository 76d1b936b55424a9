from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "gonghui.assistance"
    label = "assistance"
    verbose_name = _("困难职工帮扶")

    def ready(self) -> None:
        from gonghui.core.calendar_entry import register_deadline_recount

        from .services import deadlines_recount

        register_deadline_recount(deadlines_recount)

        from .workbench import register_items

        register_items()
