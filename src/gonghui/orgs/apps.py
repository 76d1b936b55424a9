from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "gonghui.orgs"
    label = "orgs"
    verbose_name = _("工会组织")

    def ready(self) -> None:
        from .workbench import register_items

        register_items()
