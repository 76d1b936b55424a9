"""Django admin, for superusers only: a read-mostly window on the data, scoped like every page.

Writes to the roll and the tree go through the services (history, counters, paths), so those
models are read-only here; accounts may be switched on/off and get new passwords.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, AuditLog, User
from .scope import scope_q
from .services import sign_out_everywhere


def _superuser_only(request) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def _login(request, extra_context=None):
    """The admin signs in through the platform's own login (with its lockout)."""
    if request.user.is_authenticated:
        raise PermissionDenied(_("系统后台仅限超级管理员使用"))
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"), reverse("accounts:login"))


admin.site.has_permission = _superuser_only  # type: ignore[method-assign]
admin.site.login = _login  # type: ignore[method-assign]
admin.site.site_header = _("工会网上工作平台 · 系统后台")
admin.site.site_title = _("系统后台")
admin.site.index_title = _("数据管理")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows rows; changes happen through the platform's services only."""

    show_full_result_count = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ScopedAdminMixin:
    """get_queryset through the data scope (scope_q on `scope_path_field`), like every selector.

    Superusers get an empty scope filter, so they see every row, including rows bound to no union.
    """

    scope_path_field = "org__path"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(scope_q(request.user, self.scope_path_field))  # type: ignore[misc]


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    list_display = ("username", "display_name", "org", "role", "is_active", "is_superuser", "last_login")
    list_filter = ("role", "is_active", "is_superuser")
    search_fields = ("username", "display_name", "org__name", "org__code")
    list_select_related = ("org",)
    readonly_fields = ("org", "role", "failed_login_count", "locked_until", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("工会账号"), {"fields": ("display_name", "org", "role")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("登录"), {"fields": ("last_login", "date_joined", "failed_login_count", "locked_until")}),
    )
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change and set(form.changed_data) & {"is_active", "is_staff", "is_superuser"}:
            sign_out_everywhere(user=obj)  # as a change on the platform's own account pages

    def user_change_password(self, request, id, form_url=""):
        """A new password set here ends the account's tokens and other sessions, as everywhere else."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            sign_out_everywhere(user=user)
            if user.pk == request.user.pk:
                update_session_auth_hash(request, user)
        return response


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    scope_path_field = "user__org__path"
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "user__username", "name")
    list_select_related = ("user",)
    exclude = ("digest",)


@admin.register(AuditLog)
class AuditLogAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    list_display = ("created_at", "action", "actor", "target_type", "target_id", "org", "ip")
    list_filter = ("action", "target_type")
    search_fields = ("actor__username", "target_id", "org__name")
    list_select_related = ("actor", "org")
    date_hierarchy = "created_at"
