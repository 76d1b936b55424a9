from django.contrib import admin

from gonghui.accounts.admin import ReadOnlyAdmin, ScopedAdminMixin

from .models import DeadlinePolicy, RequestEvent, ServiceRequest


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    """Resolve limits per category and complexity (working days); absent rows use 5 / 15 / 30."""

    list_display = ("category", "complexity", "working_days")
    list_filter = ("category", "complexity")
    ordering = ("category", "complexity")

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    scope_path_field = "handling_org__path"
    list_display = ("reference", "category", "channel", "state", "handling_org", "created_at", "is_major_incident")
    list_filter = ("state", "category", "channel", "is_major_incident")
    search_fields = ("reference",)
    list_select_related = ("handling_org",)
    ordering = ("-id",)
    exclude = ("requester_phone",)


@admin.register(RequestEvent)
class RequestEventAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    scope_path_field = "request__handling_org__path"
    list_display = ("created_at", "request", "kind", "actor", "org")
    list_filter = ("kind",)
    search_fields = ("request__reference",)
    list_select_related = ("request", "actor", "org")
