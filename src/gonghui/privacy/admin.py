"""The agreement and the notice are edited in the system back office (superusers only): saving
publishes a new version, prefilled from the current one; published versions stay as they were."""

from __future__ import annotations

from django.contrib import admin

from gonghui.accounts.admin import ReadOnlyAdmin

from . import services
from .models import AccountDeletion, Consent, PolicyKind, PolicyText
from .selectors import policy_current


@admin.register(PolicyText)
class PolicyTextAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "version", "published_at", "published_by")
    list_filter = ("kind",)
    ordering = ("kind", "-version")
    fields = ("kind", "title", "body", "body_en")

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a change is a new version (add), so every consent keeps its words

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_changeform_initial_data(self, request):
        kind = request.GET.get("kind", PolicyKind.PRIVACY)
        if kind not in PolicyKind.values:
            kind = PolicyKind.PRIVACY
        current = policy_current(kind)
        return {"kind": kind, "title": current.title, "body": current.body, "body_en": current.body_en}

    def save_model(self, request, obj, form, change) -> None:
        published = services.policy_publish(
            kind=obj.kind, title=obj.title, body=obj.body, body_en=obj.body_en, actor=request.user
        )
        obj.pk = published.pk
        obj.version = published.version


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ("user", "purpose", "text", "ip", "created_at")
    list_filter = ("purpose",)
    ordering = ("-created_at",)


@admin.register(AccountDeletion)
class AccountDeletionAdmin(ReadOnlyAdmin):
    list_display = ("user", "deleted_at", "confirmed_by", "ip")
    ordering = ("-deleted_at",)
