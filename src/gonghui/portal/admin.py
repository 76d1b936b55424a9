from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.admin import ReadOnlyAdmin
from gonghui.core.phone import mask_mobile

from .models import WorkerAccount


@admin.register(WorkerAccount)
class WorkerAccountAdmin(ReadOnlyAdmin):
    """Workers' accounts for the system administrator (superuser only; phones masked in the list)."""

    list_display = ("phone_masked", "real_name", "id_number_masked", "verified_at", "created_at")
    list_filter = (("verified_at", admin.EmptyFieldListFilter),)
    search_fields = ("=phone", "real_name")
    ordering = ("-id",)
    fields = ("phone", "real_name", "id_type", "id_number_masked", "phone_verified_at", "verified_at", "created_at")
    readonly_fields = fields

    @admin.display(description=_("手机号码"))
    def phone_masked(self, obj: WorkerAccount) -> str:
        return mask_mobile(obj.phone)

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
