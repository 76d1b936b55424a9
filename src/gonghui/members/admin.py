from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.admin import ReadOnlyAdmin, ScopedAdminMixin
from gonghui.core.phone import mask_mobile

from .models import Member, MemberEvent, Transfer
from .search import search_q


@admin.register(Member)
class MemberAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    """The roll; ID numbers only masked (the ciphertext and keyed hash are never shown)."""

    list_display = ("name", "card_number", "id_number_masked", "phone_masked", "org", "status", "join_date")
    list_filter = ("status", "new_employment_form", "is_migrant_worker", "id_type")
    search_fields = ("name",)  # replaced by the platform's one search box, see get_search_results
    search_help_text = _("姓名、拼音首字母、手机号、完整证件号码或会员卡号")
    list_select_related = ("org",)
    ordering = ("-id",)
    fields = (
        "name",
        "id_type",
        "id_number_masked",
        "gender",
        "birth_date",
        "phone",
        "ethnicity",
        "education",
        "employer_name",
        "employer_uscc",
        "org",
        "join_date",
        "card_number",
        "status",
        "is_migrant_worker",
        "new_employment_form",
        "transferred_from",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    @admin.display(description=_("手机号码"))
    def phone_masked(self, obj: Member) -> str:
        return mask_mobile(obj.phone) if obj.phone else ""

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        return queryset.filter(search_q(term)), False


@admin.register(MemberEvent)
class MemberEventAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    scope_path_field = "member__org__path"
    list_display = ("created_at", "member", "kind", "actor", "note")
    list_filter = ("kind",)
    search_fields = ("member__name", "member__card_number", "actor__username")
    list_select_related = ("member", "actor")
    date_hierarchy = "created_at"


@admin.register(Transfer)
class TransferAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    scope_path_field = "from_org__path"
    list_display = ("created_at", "from_member", "from_org", "to_org", "actor")
    search_fields = ("from_member__name", "from_org__name", "to_org__name")
    list_select_related = ("from_member", "from_org", "to_org", "actor")
    date_hierarchy = "created_at"
