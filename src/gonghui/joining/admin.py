"""Read-only admin views of joining records (changes go through the services and the pages)."""

from django.contrib import admin

from gonghui.accounts.admin import ReadOnlyAdmin, ScopedAdminMixin

from .models import FoundingPrompt, JoinApplication, OnlineHome, OrgInvite, TransferRequest


@admin.register(JoinApplication)
class JoinApplicationAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    """Applications; the ID number only masked (never the ciphertext or the keyed hash)."""

    list_display = ("name", "id_number_masked", "org", "source", "state", "submitted_at", "due_at", "flagged_at")
    list_filter = ("state", "source", "new_employment_form")
    search_fields = ("name",)
    list_select_related = ("org",)
    ordering = ("-id",)
    fields = (
        "worker", "org", "source", "name", "id_type", "id_number_masked", "phone", "ethnicity", "education",
        "employer_name", "employer_uscc", "is_migrant_worker", "new_employment_form", "state", "reject_reason",
        "submitted_at", "due_at", "flagged_at", "decided_by", "decided_at", "member",
    )  # fmt: skip
    readonly_fields = ("id_number_masked",)


@admin.register(TransferRequest)
class TransferRequestAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    scope_path_field = "to_org__path"
    list_display = ("member", "from_org", "to_org", "channel", "state", "created_at", "decided_at")
    list_filter = ("state", "channel")
    list_select_related = ("member", "from_org", "to_org")
    ordering = ("-id",)


@admin.register(OrgInvite)
class OrgInviteAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    list_display = ("org", "token", "is_active", "created_at", "deactivated_at")
    list_filter = ("is_active",)
    list_select_related = ("org",)
    ordering = ("-id",)


@admin.register(OnlineHome)
class OnlineHomeAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    scope_path_field = "township__path"
    list_display = ("org", "township", "created_at")
    list_select_related = ("org", "township")


@admin.register(FoundingPrompt)
class FoundingPromptAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    scope_path_field = "township__path"
    list_display = ("employer_name", "employer_uscc", "member_count", "township", "state", "created_at")
    list_filter = ("state",)
    list_select_related = ("township",)
    ordering = ("-id",)
