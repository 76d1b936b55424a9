from gonghui.accounts.permissions import (
    can_access_assistance,
    can_manage_accounts,
    can_read,
    can_reveal_pii,
    can_write,
)


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
    return {"inbox_unread": unread_count(user)}
