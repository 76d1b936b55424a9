"""How personal contact data leaves the platform, by who asks: one rule for pages, API and exports.

A phone number is shown in full only to accounts with the reveal right (`can_reveal_pii`: admins
and officers, the accounts that also reveal ID numbers); every other reader (a read-only viewer,
an account without the right) sees it masked, ``138****1234``. Lists mask it for everyone.
Showing a full phone on a detail is not audited one by one (an officer calls the people whose
requests they handle; the detail views that are audited stay so); an export records whether its
phones were full (AuditLog EXPORT, ``full_phone``).
"""

from __future__ import annotations

from collections.abc import Callable

from gonghui.core.phone import mask_mobile

from .permissions import can_reveal_pii

# The API's description of every phone field that follows this rule.
PHONE_HELP = "手机号码：有查看权限的账号（管理员、工作人员）为明文，其他账号为脱敏号码，如 138****8000；未填为空字符串"


def phone_revealed_to(actor) -> bool:
    return can_reveal_pii(actor)


def phone_for(actor, phone: str | None) -> str:
    """The phone as `actor` may read it: in full with the reveal right, else masked; "" for none."""
    return phone_shown_by(actor)(phone)


def _as_is(phone: str | None) -> str:
    return phone or ""


def _masked(phone: str | None) -> str:
    return mask_mobile(phone) if phone else ""


def phone_shown_by(actor) -> Callable[[str | None], str]:
    """`phone_for` with the right checked once, for a long run of rows (exports, lists)."""
    return _as_is if phone_revealed_to(actor) else _masked


def changes_for(actor, changes: dict | None) -> dict:
    """A history row's changes (``{field: [before, after]}``) with the phone values as `actor` may
    read them (member history records the phone itself)."""
    changes = dict(changes or {})
    if "phone" in changes:
        show = phone_shown_by(actor)
        pair = changes["phone"]
        changes["phone"] = [show(v) for v in pair] if isinstance(pair, list) else show(pair)
    return changes


def phone_for_context(context: dict | None, phone: str | None) -> str:
    """`phone_for` inside an API schema's resolver (`resolve_phone(obj, context)`): the reader is the
    request's authenticated account; without one (a schema built outside a request) it is masked."""
    return phone_for(_reader(context), phone)


def _reader(context: dict | None):
    request = (context or {}).get("request")
    return getattr(request, "auth", None)


def changes_for_context(context: dict | None, changes: dict | None) -> dict:
    """`changes_for` inside an API schema's resolver."""
    return changes_for(_reader(context), changes)
