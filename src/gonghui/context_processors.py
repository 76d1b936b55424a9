from gonghui.accounts.permissions import can_manage_accounts, can_reveal_pii, can_write


def permissions(request):
    user = getattr(request, "user", None)
    return {
        "can_write": can_write(user),
        "can_reveal_pii": can_reveal_pii(user),
        "can_manage_accounts": can_manage_accounts(user),
    }


def portal(request):
    """Unread messages for the workers' tab bar (only on /m/ pages, one indexed count)."""
    if not request.path.startswith("/m/") or not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    from gonghui.notifications.selectors import unread_count

    return {"portal_unread": unread_count(request.user)}
