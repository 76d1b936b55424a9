"""Reads of the member roll, always limited to the actor's subtree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from gonghui.accounts.scope import scope_q
from gonghui.core.errors import NotFound
from gonghui.core.treepath import subtree_q
from gonghui.orgs.models import Org
from gonghui.orgs.selectors import org_get_visible, org_subtree_kind_counts

from .models import CURRENT_STATUSES, Member, MemberEvent, MemberStatus, NewEmploymentForm
from .search import search_q


@dataclass(frozen=True)
class MemberFilters:
    q: str = ""
    org_id: int | None = None  # that union and its whole subtree
    status: str = ""
    is_migrant_worker: bool | None = None
    new_employment_form: str = ""
    join_date_from: dt.date | None = None
    join_date_to: dt.date | None = None


def member_qs_visible_to(*, actor) -> QuerySet[Member]:
    return Member.objects.filter(scope_q(actor, "org__path"))


def member_get_visible(*, actor, member_id: int | str) -> Member:
    try:
        return member_qs_visible_to(actor=actor).select_related("org").get(pk=int(member_id))
    except (Member.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("会员不存在")) from None


def member_list_visible_to(*, actor, filters: MemberFilters | None = None) -> QuerySet[Member]:
    filters = filters or MemberFilters()
    qs = member_qs_visible_to(actor=actor)
    if filters.org_id is not None:
        org = org_get_visible(actor=actor, org_id=filters.org_id)
        qs = qs.filter(org_id=org.pk) if org.holds_members else qs.filter(subtree_q(org.path, "org__path"))
    if filters.q:
        qs = qs.filter(search_q(filters.q))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.is_migrant_worker is not None:
        qs = qs.filter(is_migrant_worker=filters.is_migrant_worker)
    if filters.new_employment_form:
        qs = qs.filter(new_employment_form=filters.new_employment_form)
    if filters.join_date_from:
        qs = qs.filter(join_date__gte=filters.join_date_from)
    if filters.join_date_to:
        qs = qs.filter(join_date__lte=filters.join_date_to)
    return qs.select_related("org")


def member_history(*, actor, member: Member) -> QuerySet[MemberEvent]:
    """Events of this membership and of the records it was transferred from or to, in scope."""
    chain = [member.pk]
    cursor = member
    while cursor.transferred_from_id:
        chain.append(cursor.transferred_from_id)
        cursor = Member.objects.only("id", "transferred_from_id").get(pk=cursor.transferred_from_id)
    cursor = member
    while True:
        nxt = Member.objects.filter(transferred_from_id=cursor.pk).only("id").first()
        if nxt is None:
            break
        chain.append(nxt.pk)
        cursor = nxt
    visible = member_qs_visible_to(actor=actor).filter(pk__in=chain).values("pk")
    return MemberEvent.objects.filter(member_id__in=visible).select_related("actor", "member__org")


def subtree_stats(*, org: Org) -> dict:
    """Counts for the subtree under org: by status, migrant workers, new-employment categories."""
    members = Member.objects.filter(subtree_q(org.path, "org__path"))
    by_status = dict.fromkeys(MemberStatus.values, 0)
    for status_row in members.values("status").annotate(n=Count("id")):
        by_status[status_row["status"]] = status_row["n"]
    active = members.filter(status=MemberStatus.ACTIVE)
    by_form = {f: 0 for f in NewEmploymentForm.values if f != NewEmploymentForm.NONE}
    for row in (
        active.exclude(new_employment_form=NewEmploymentForm.NONE).values("new_employment_form").annotate(n=Count("id"))
    ):
        by_form[row["new_employment_form"]] = row["n"]
    return {
        "members_by_status": by_status,
        "migrant_workers": active.filter(is_migrant_worker=True).count(),
        "new_employment_by_category": by_form,
        "unions_by_kind": org_subtree_kind_counts(org=org),
    }


def member_current_elsewhere(*, id_number_hash: str, exclude_pk: int | None = None) -> Member | None:
    qs = Member.objects.filter(id_number_hash=id_number_hash, status__in=CURRENT_STATUSES).select_related("org")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()
