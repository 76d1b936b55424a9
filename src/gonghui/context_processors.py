from django.utils.translation import gettext as _

from gonghui.accounts.permissions import (
    can_access_assistance,
    can_manage_accounts,
    can_read,
    can_reveal_pii,
    can_write,
)
from gonghui.nav import inbox_unread, nav_for


def permissions(request):
    user = getattr(request, "user", None)
    return {
        "can_write": can_write(user),
        "can_reveal_pii": can_reveal_pii(user),
        "can_manage_accounts": can_manage_accounts(user),
        "can_access_assistance": can_access_assistance(user),
    }


def portal(request):
    """Unread messages: the workers' tab bar on /m/ pages (`portal_unread`), the officers' navbar
    elsewhere (`inbox_unread`, None for accounts without the officers' pages). One indexed count,
    and only for signed-in accounts."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    from gonghui.notifications.selectors import unread_count

    if request.path.startswith("/m/"):
        return {"portal_unread": unread_count(user)}
    if not can_read(user):
        return {}
    return {"inbox_unread": inbox_unread(request)}


def navigation(request):
    """The officers' header: the groups of pages this account may use, the current page and its
    breadcrumb trail (gonghui.nav), the union and role shown beside the account's name."""
    user = getattr(request, "user", None)
    if user is None or request.path.startswith("/m/") or not can_read(user):
        return {}
    context = nav_for(request)
    if user.org_id:
        context["nav_union"] = user.org.name
    context["nav_role"] = _("超级管理员") if user.is_superuser and not user.role else user.get_role_display()
    return context
