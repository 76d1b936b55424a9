from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "gonghui.campaigns"
    label = "campaigns"
    verbose_name = _("帮扶救助活动")

    def ready(self) -> None:
        from .workbench import register_items

        register_items()
