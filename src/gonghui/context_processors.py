from gonghui.accounts.permissions import can_manage_accounts, can_reveal_pii, can_write


def permissions(request):
    user = getattr(request, "user", None)
    return {
        "can_write": can_write(user),
        "can_reveal_pii": can_reveal_pii(user),
        "can_manage_accounts": can_manage_accounts(user),
    }
