from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.admin import ReadOnlyAdmin, ScopedAdminMixin
from gonghui.core.regions import region_full_name

from .models import Org, OrgEvent


@admin.register(Org)
class OrgAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    scope_path_field = "path"
    list_display = ("name", "code", "kind", "parent", "region_code", "member_count", "term_end", "is_active")
    list_filter = ("kind", "is_active", "federation_level")
    search_fields = ("name", "code", "name_initials")
    list_select_related = ("parent",)
    readonly_fields = ("region_name", "path", "depth")
    ordering = ("path",)

    @admin.display(description=_("行政区划"))
    def region_name(self, obj: Org) -> str:
        return region_full_name(obj.region_code)


@admin.register(OrgEvent)
class OrgEventAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    list_display = ("created_at", "org", "kind", "actor")
    list_filter = ("kind",)
    search_fields = ("org__name", "org__code", "actor__username")
    list_select_related = ("org", "actor")
    date_hierarchy = "created_at"
