from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "gonghui.members"
    label = "members"
    verbose_name = "会员"

    def ready(self) -> None:
        # Registers the member_import job handler with jobs.runner.
        from . import imports  # noqa: F401
