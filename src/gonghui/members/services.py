"""Writes to the member roll. One function per business operation; each takes the acting user,
checks permission and scope, validates, saves, and records a MemberEvent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from gonghui.accounts.models import AuditLog
from gonghui.accounts.permissions import require_reveal, require_write
from gonghui.accounts.services import audit
from gonghui.core import pii
from gonghui.core.errors import Conflict, InvalidInput
from gonghui.core.idcard import mask_id_number
from gonghui.core.treepath import STEP_LEN, subtree_q
from gonghui.orgs.models import Org
from gonghui.orgs.selectors import org_get_visible
from gonghui.stats.services import MemberState, apply_deltas, apply_many, member_deltas

from .cards import allocate_card_numbers
from .models import CURRENT_STATUSES, TIER_DEPTHS, Member, MemberEvent, MemberStatus, Transfer
from .search import search_keys
from .selectors import member_current_elsewhere, member_get_visible
from .validation import clean_member_input

# Fields shown in history; the ID number appears there only masked.
TRACKED_FIELDS = (
    "name",
    "id_type",
    "id_number_masked",
    "phone",
    "ethnicity",
    "education",
    "employer_name",
    "employer_uscc",
    "join_date",
    "is_migrant_worker",
    "new_employment_form",
    "status",
)

# Status changes an officer may make directly; transfers go through member_transfer.
ALLOWED_STATUS_CHANGES: dict[str, set[str]] = {
    MemberStatus.ACTIVE: {MemberStatus.RETAINED, MemberStatus.WITHDRAWN, MemberStatus.DECEASED},
    MemberStatus.RETAINED: {MemberStatus.ACTIVE, MemberStatus.WITHDRAWN, MemberStatus.DECEASED},
    MemberStatus.WITHDRAWN: {MemberStatus.ACTIVE},
    MemberStatus.TRANSFERRED: set(),
    MemberStatus.DECEASED: set(),
}


def _raise_if_invalid(errors: dict[str, list[str]]) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(_("输入有误：%(detail)s") % {"detail": first}, fields=errors)


def _member_holding_org(*, actor, org_id: Any) -> Org:
    org = org_get_visible(actor=actor, org_id=org_id)
    if not org.holds_members:
        raise InvalidInput(
            _("会员只能登记在基层工会或联合基层工会"), code="org_not_grassroots", fields={"org": [_("请选择基层工会")]}
        )
    if not org.is_active:
        raise InvalidInput(_("该工会已撤销"), code="org_inactive", fields={"org": [_("该工会已撤销")]})
    return org


def duplicate_member_error(*, actor, holder: Member) -> Conflict:
    """409 duplicate_member, naming the holding union only when the actor may see it."""
    from .selectors import member_qs_visible_to

    if member_qs_visible_to(actor=actor).filter(pk=holder.pk).exists():
        message = _("此人已是%(org)s的会员（会员卡号 %(card)s）") % {"org": holder.org.name, "card": holder.card_number}
    else:
        message = _("此人已在其他工会登记为会员，请办理会员接转")
    return Conflict(message, code="duplicate_member", fields={"id_number": [message]})


def apply_id_number(member: Member, cleaned: dict[str, Any]) -> None:
    number = cleaned["id_number"]
    member.id_number_encrypted = pii.encrypt(number)
    member.id_number_hash = pii.keyed_hash(number)
    member.id_number_masked = mask_id_number(number)
    member.birth_date = cleaned["birth_date"]
    member.gender = cleaned["gender"]


def _set_search_keys(member: Member) -> None:
    for field, value in search_keys(
        name=member.name, phone=member.phone, id_number_masked=member.id_number_masked
    ).items():
        setattr(member, field, value)


def _snapshot(member: Member) -> dict[str, Any]:
    return {f: getattr(member, f) for f in TRACKED_FIELDS}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    def j(v: Any) -> Any:
        return v.isoformat() if isinstance(v, dt.date) else v

    return {f: [j(before.get(f)), j(after[f])] for f in TRACKED_FIELDS if before.get(f) != after[f]}


def _bump_count(org_id: int, delta: int) -> None:
    if delta:
        Org.objects.filter(pk=org_id).update(member_count=F("member_count") + delta)


def member_create(*, actor, data: dict[str, Any]) -> Member:
    """Register a member (登记入会) in a grassroots union in the actor's scope."""
    require_write(actor)
    org = _member_holding_org(actor=actor, org_id=data.get("org"))
    cleaned, errors = clean_member_input(data)
    _raise_if_invalid(errors)
    member = Member(org=org, status=MemberStatus.ACTIVE)
    for field, value in cleaned.items():
        if field not in ("id_number", "birth_date", "gender"):
            setattr(member, field, value)
    apply_id_number(member, cleaned)
    _set_search_keys(member)
    holder = member_current_elsewhere(id_number_hash=member.id_number_hash)
    if holder:
        raise duplicate_member_error(actor=actor, holder=holder)
    member.card_number = allocate_card_numbers(1)[0]
    try:
        with transaction.atomic():
            member.save()
            _bump_count(org.pk, 1)
            MemberEvent.objects.create(
                member=member, kind=MemberEvent.Kind.CREATED, actor=actor, changes=_diff({}, _snapshot(member))
            )
            apply_deltas(org=org, deltas=member_deltas(None, MemberState.of(member)))
    except IntegrityError:
        # Someone registered the same person between our check and the insert.
        holder = member_current_elsewhere(id_number_hash=member.id_number_hash)
        if holder:
            raise duplicate_member_error(actor=actor, holder=holder) from None
        raise
    return member


def member_update(*, actor, member: Member, data: dict[str, Any]) -> Member:
    """Edit a member's details. The union changes only through a transfer."""
    require_write(actor)
    member = member_get_visible(actor=actor, member_id=member.pk)
    if "org" in data and data["org"] is not None and int(data["org"]) != member.org_id:
        raise InvalidInput(_("调整所在工会请办理会员接转"), code="use_transfer", fields={"org": [_("请使用会员接转")]})
    payload = {k: v for k, v in data.items() if k != "org"}
    if "id_number" in payload and "id_type" not in payload:
        payload["id_type"] = member.id_type
    cleaned, errors = clean_member_input(payload, partial=True)
    _raise_if_invalid(errors)
    before = _snapshot(member)
    counted_before = MemberState.of(member)
    for field, value in cleaned.items():
        if field not in ("id_number", "birth_date", "gender"):
            setattr(member, field, value)
    if "id_number" in cleaned:
        apply_id_number(member, cleaned)
        if member.is_current:
            holder = member_current_elsewhere(id_number_hash=member.id_number_hash, exclude_pk=member.pk)
            if holder:
                raise duplicate_member_error(actor=actor, holder=holder)
    join_date = member.join_date
    if join_date <= member.birth_date:
        raise InvalidInput(_("入会日期应晚于出生日期"), fields={"join_date": [_("入会日期应晚于出生日期")]})
    _set_search_keys(member)
    changes = _diff(before, _snapshot(member))
    if not changes and "id_number" not in cleaned:
        return member
    try:
        with transaction.atomic():
            member.save()
            MemberEvent.objects.create(member=member, kind=MemberEvent.Kind.UPDATED, actor=actor, changes=changes)
            apply_deltas(org=member.org, deltas=member_deltas(counted_before, MemberState.of(member)))
    except IntegrityError:
        holder = member_current_elsewhere(id_number_hash=member.id_number_hash, exclude_pk=member.pk)
        if holder:
            raise duplicate_member_error(actor=actor, holder=holder) from None
        raise
    return member


def member_change_status(*, actor, member: Member, status: str, note: str = "") -> Member:
    """Retain, withdraw, record death, or reinstate a membership."""
    require_write(actor)
    member = member_get_visible(actor=actor, member_id=member.pk)
    if status not in MemberStatus.values:
        raise InvalidInput(_("会籍状态无效"), fields={"status": [_("会籍状态无效")]})
    with transaction.atomic():
        member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
        if status == member.status:
            return member
        if status not in ALLOWED_STATUS_CHANGES[member.status]:
            raise InvalidInput(
                _("不能从“%(old)s”变更为“%(new)s”")
                % {"old": member.get_status_display(), "new": MemberStatus(status).label},
                code="bad_status_change",
                fields={"status": [_("不允许的会籍变更")]},
            )
        if status in CURRENT_STATUSES and not member.is_current:
            holder = member_current_elsewhere(id_number_hash=member.id_number_hash, exclude_pk=member.pk)
            if holder:
                raise duplicate_member_error(actor=actor, holder=holder)
        old = member.status
        counted_before = MemberState.of(member)
        member.status = status
        member.save(update_fields=["status", "updated_at"])
        _bump_count(member.org_id, int(status in CURRENT_STATUSES) - int(old in CURRENT_STATUSES))
        MemberEvent.objects.create(
            member=member,
            kind=MemberEvent.Kind.STATUS_CHANGED,
            actor=actor,
            changes={"status": [old, status]},
            note=note,
        )
        apply_deltas(org=member.org, deltas=member_deltas(counted_before, MemberState.of(member)))
    return member


def member_transfer(*, actor, member: Member, to_org: Org | int, note: str = "") -> Transfer:
    """会员接转: close this membership as transferred and open it at the receiving union."""
    require_write(actor)
    member = member_get_visible(actor=actor, member_id=member.pk)
    target = _member_holding_org(actor=actor, org_id=getattr(to_org, "pk", to_org))
    return _execute_transfer(actor=actor, member=member, target=target, note=note)


def member_transfer_receive(*, actor, member: Member, to_org: Org | int, note: str = "") -> Transfer:
    """A transfer approved by the receiving union (接转审批): the actor's scope covers `to_org`.

    The member may sit outside the actor's scope: the caller (joining.services, for a pending
    transfer request it has checked) vouches for the move; the sending union asked or agreed.
    """
    require_write(actor)
    target = _member_holding_org(actor=actor, org_id=getattr(to_org, "pk", to_org))
    member = Member.objects.select_related("org").get(pk=member.pk)
    return _execute_transfer(actor=actor, member=member, target=target, note=note)


def _execute_transfer(*, actor, member: Member, target: Org, note: str) -> Transfer:
    if target.pk == member.org_id:
        raise InvalidInput(_("转入工会与当前工会相同"), code="same_org", fields={"to_org": [_("请选择其他工会")]})
    # Reserved before the transaction so the card counter's row lock is not held through it.
    card_number = allocate_card_numbers(1)[0]
    with transaction.atomic():
        source = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
        if not source.is_current:
            raise InvalidInput(
                _("只有会员或保留会籍的人员可以办理接转"),
                code="bad_status_change",
                fields={"status": [_("当前会籍状态不能接转")]},
            )
        old_status = source.status
        counted_before = MemberState.of(source)
        source.status = MemberStatus.TRANSFERRED
        source.save(update_fields=["status", "updated_at"])
        # Both unions' counters in id order, so opposite transfers cannot deadlock.
        for org_id, delta in sorted([(source.org_id, -1), (target.pk, 1)]):
            _bump_count(org_id, delta)
        moved = Member(
            **{
                f.attname: getattr(source, f.attname)
                for f in Member._meta.concrete_fields
                if f.name not in ("id", "created_at", "updated_at", "card_number", "transferred_from")
            },
        )
        moved.org = target
        moved.status = old_status
        moved.transferred_from = source
        moved.card_number = card_number
        moved.save()
        transfer = Transfer.objects.create(
            from_member=source, to_member=moved, from_org=source.org, to_org=target, actor=actor, note=note
        )
        org_change = {"org": [source.org.name, target.name]}
        MemberEvent.objects.create(
            member=source,
            kind=MemberEvent.Kind.TRANSFERRED_OUT,
            actor=actor,
            changes={**org_change, "status": [old_status, MemberStatus.TRANSFERRED]},
            note=note,
        )
        MemberEvent.objects.create(
            member=moved,
            kind=MemberEvent.Kind.TRANSFERRED_IN,
            actor=actor,
            changes={**org_change, "card_number": [source.card_number, moved.card_number]},
            note=note,
        )
        apply_many(
            changes=[
                (source.org_id, member_deltas(counted_before, MemberState.of(source))),
                (target.pk, member_deltas(None, MemberState.of(moved))),
            ]
        )
    return transfer


def member_reveal_id(*, actor, member: Member, ip: str | None = None) -> str:
    """The full ID number; needs the reveal permission and leaves an audit record."""
    require_reveal(actor)
    member = member_get_visible(actor=actor, member_id=member.pk)
    number = pii.decrypt(member.id_number_encrypted)
    with transaction.atomic():
        audit(actor=actor, action=AuditLog.Action.REVEAL_ID, target=member, org=member.org, ip=ip)
        MemberEvent.objects.create(member=member, kind=MemberEvent.Kind.ID_REVEALED, actor=actor)
    return number


def refresh_member_tiers(*, org: Org) -> int:
    """Recompute `tier2_id`/`tier3_id` of every record under `org` after its subtree moved.

    One UPDATE (the ancestors looked up by path prefix, as the 0003 migration fills them); must
    run in the move's transaction, after the paths are rewritten. Returns the rows written.
    """
    member_table, org_table = Member._meta.db_table, Org._meta.db_table
    tiers = ", ".join(
        f"tier{d}_id = (SELECT a.id FROM {org_table} o JOIN {org_table} a "  # noqa: S608 (names, numbers)
        f"ON a.path = substr(o.path, 1, {d * STEP_LEN}) WHERE o.id = {member_table}.org_id AND o.depth >= {d})"
        for d in TIER_DEPTHS
    )
    unions = Org.objects.filter(subtree_q(org.path)).values("id")
    inner, params = unions.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {member_table} SET {tiers} WHERE org_id IN ({inner})", params)  # noqa: S608
        return cur.rowcount
