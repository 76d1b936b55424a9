from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "gonghui.jobs"
    label = "jobs"
    verbose_name = _("后台任务")

    def ready(self) -> None:
        from .workbench import register_items

        register_items()
