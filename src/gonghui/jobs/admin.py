from django.contrib import admin

from gonghui.accounts.admin import ReadOnlyAdmin, ScopedAdminMixin

from .models import Job


@admin.register(Job)
class JobAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "state",
        "org",
        "created_by",
        "input_name",
        "created_count",
        "error_count",
        "created_at",
    )
    list_filter = ("kind", "state")
    search_fields = ("input_name", "org__name", "created_by__username")
    list_select_related = ("org", "created_by")
    exclude = ("input_path", "report_path")
    date_hierarchy = "created_at"
