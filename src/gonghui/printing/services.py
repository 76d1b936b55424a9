"""The writes a print leaves behind: the audit rows. A printed form is a read like a page view or
an export, and is recorded the same way (AuditLog REVEAL_ID for a full ID number, EXPORT for a
payment sheet)."""

from __future__ import annotations

from gonghui.accounts.models import AuditLog
from gonghui.accounts.permissions import can_reveal_pii
from gonghui.accounts.services import audit
from gonghui.core import pii
from gonghui.members.models import Member
from gonghui.members.services import member_reveal_id


def id_number_for_print(*, actor, record, org, form: str, ip: str | None = None) -> str:
    """The ID number as the printed form shows it: in full for an account with the reveal right
    (and then audited, as revealing it on a page is: REVEAL_ID, plus the member's history for a
    member record), else masked (110105********1234)."""
    if not can_reveal_pii(actor):
        return record.id_number_masked
    if isinstance(record, Member):
        return member_reveal_id(actor=actor, member=record, ip=ip)
    number = pii.decrypt(record.id_number_encrypted)
    audit(
        actor=actor,
        action=AuditLog.Action.REVEAL_ID,
        target=record,
        org=org,
        ip=ip,
        detail={"via": "print", "form": form},
    )
    return number


def record_sheet_printed(*, actor, target, org, ip: str | None, detail: dict) -> None:
    """A list of people printed (a payment sheet): audited as an export."""
    audit(actor=actor, action=AuditLog.Action.EXPORT, target=target, org=org, ip=ip, detail={"via": "print", **detail})
