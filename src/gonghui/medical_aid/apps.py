from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedicalAidConfig(AppConfig):
    name = "gonghui.medical_aid"
    label = "medical_aid"
    verbose_name = _("职工医疗互助")

    def ready(self) -> None:
        # Registers the bulk-enrolment job handler with jobs.runner.
        from . import enrolment  # noqa: F401
        from .workbench import register_items

        register_items()
