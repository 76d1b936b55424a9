from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsConfig(AppConfig):
    name = "gonghui.rights"
    label = "rights"
    verbose_name = _("维权服务")

    def ready(self) -> None:
        from gonghui.core.calendar_entry import register_deadline_recount

        from .services import deadlines_recount

        register_deadline_recount(deadlines_recount)

        from .workbench import register_items

        register_items()
