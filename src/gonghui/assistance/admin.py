"""Django admin: living standards only. Hardship files hold personal data and are read and changed
only through the audited pages and API (assistance.selectors / services), never here."""

from django.contrib import admin

from .models import LivingStandard


@admin.register(LivingStandard)
class LivingStandardAdmin(admin.ModelAdmin):
    """低保 and low-income lines per region and year (the most specific region applies)."""

    list_display = ("region_code", "year", "minimum_living", "low_income", "notice_working_days", "updated_at")
    list_filter = ("year",)
    search_fields = ("region_code",)
    ordering = ("-year", "region_code")
    readonly_fields = ("updated_by", "updated_at")

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

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
