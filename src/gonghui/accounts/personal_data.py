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
