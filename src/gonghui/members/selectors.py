"""Reads of the member roll, always limited to the actor's subtree."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import connection
from django.db.models import BooleanField, F, Func, QuerySet, Subquery
from django.utils.translation import gettext as _

from gonghui.accounts.personal_data import phone_for
from gonghui.accounts.scope import scope_q, scope_root_path
from gonghui.core import fastsql
from gonghui.core.errors import InvalidInput, NotFound
from gonghui.core.pagination import MAX_LIMIT, decode_cursor, encode_cursor
from gonghui.core.phone import mask_mobile
from gonghui.core.queues import Total, bounded_total
from gonghui.core.treepath import subtree_q, upper_bound
from gonghui.orgs.models import MEMBER_HOLDING_KINDS, Org, OrgKind
from gonghui.orgs.selectors import org_get_visible, union_names
from gonghui.stats.selectors import current_members, subtree_counts

from .models import CURRENT_STATUSES, KEYSET_ID, TIER_DEPTHS, Member, MemberEvent, MemberStatus, NewEmploymentForm
from .search import LAST4_ALONE_CAP, PREFIX_KINDS, SUFFIX_KINDS, prefix_count_q, search_kind, search_q


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


# The fields of the API's member out-schemas (members.api.MemberOut / MemberDetailOut), in order.
# `phone` is read once and leaves masked as phone_masked (and, for the detail, as the reader may see it).
_OUT_COLUMNS = (
    "id", "name", "id_type", "id_number_masked", "gender", "birth_date", "phone", "ethnicity", "education",
    "employer_name", "employer_uscc", "org_id", "join_date", "card_number", "status", "is_migrant_worker",
    "new_employment_form",
)  # fmt: skip
_ORG_AT = _OUT_COLUMNS.index("org_id")


def member_out(row: tuple | list, org_name: str, *, with_phone: bool) -> dict[str, Any]:
    """One member as the API's MemberOut (MemberDetailOut with_phone) from `_OUT_COLUMNS` values.

    Built by hand rather than by model instance + schema validation: the list serialises 50 rows
    per request and this is most of its Python time. tests/api checks it equals the schema's output.
    Dates stay as the database returns them (date objects; ISO text on SQLite): every encoder
    used here writes a date as its ISO text.
    """
    (pk, name, id_type, masked, gender, birth, phone, ethnicity, education, employer, uscc, org_id, join, card,
     status, migrant, nef) = row  # fmt: skip
    out = {
        "id": pk,
        "name": name,
        "id_type": id_type,
        "id_number_masked": masked,
        "gender": gender,
        "birth_date": birth,
        "phone_masked": mask_mobile(phone) if phone else "",
        "ethnicity": ethnicity,
        "education": education,
        "employer_name": employer,
        "employer_uscc": uscc,
        "org": org_id,
        "org_name": org_name,
        "join_date": join,
        "card_number": card,
        "status": status,
        "is_migrant_worker": bool(migrant),
        "new_employment_form": nef,
    }
    if with_phone:
        out["phone"] = phone
    return out


@functools.cache
def _detail_sql() -> str:
    member, org = Member._meta.db_table, Org._meta.db_table
    cols = ", ".join(f"m.{c}" for c in _OUT_COLUMNS)
    return (
        f"SELECT {cols}, o.name FROM {member} m INNER JOIN {org} o ON o.id = m.org_id "  # noqa: S608
        "WHERE m.id = %s"
    )


def member_out_visible(*, actor, member_id: int) -> dict[str, Any]:
    """The API's member detail (MemberDetailOut as a dict), scoped like member_get_visible; the phone
    in full only for an account with the reveal right (accounts.personal_data).

    One statement composed once per process (the detail is the API's hottest read).
    """
    root = scope_root_path(actor)
    sql = _detail_sql()
    params: list[Any] = [int(member_id)]
    if root is not None:
        sql += " AND o.path >= %s"
        params.append(root)
        upper = upper_bound(root)
        if upper is not None:
            sql += " AND o.path < %s"
            params.append(upper)
    row = fastsql.fetchone(sql, params)
    if row is None:
        raise NotFound(_("会员不存在"))
    out = member_out(row[:-1], row[-1], with_phone=True)
    out["phone"] = phone_for(actor, out["phone"])
    return out


def member_page_out(qs: QuerySet[Member], *, cursor: str | None, limit: int) -> dict[str, Any]:
    """One keyset page of `qs` in the API's MemberPage shape (`{"items": [...], "next_cursor"}`).

    The same rows, order and cursor as `core.pagination.keyset_page`, read as plain values
    (`_OUT_COLUMNS`) plus one query for the page's union names, and serialised by `member_out`.
    """
    limit = max(1, min(int(limit), MAX_LIMIT))
    qs = qs.prefetch_related(None)
    key = "keyset_id" if "keyset_id" in qs.query.annotations else "id"
    if cursor:
        qs = qs.filter(**{f"{key}__lt": decode_cursor(cursor)})
    ordered = qs.order_by(f"-{key}")
    if key == "keyset_id":
        # As keyset_page: the page's ids sorted narrow in a subquery, its rows by key alone in
        # the same statement.
        page_ids = ordered.values("id")[: limit + 1]
        fetched = Member.objects.filter(pk__in=page_ids).values_list(*_OUT_COLUMNS)
        rows = sorted(fetched, key=lambda row: row[0], reverse=True)
    else:
        rows = list(ordered.values_list(*_OUT_COLUMNS)[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    org_index = _OUT_COLUMNS.index("org_id")
    names = dict(Org.objects.filter(pk__in={r[org_index] for r in rows}).values_list("id", "name"))
    return {
        "items": [member_out(r, names[r[org_index]], with_phone=False) for r in rows],
        "next_cursor": encode_cursor(rows[-1][0]) if has_more and rows else None,
    }


@functools.cache
def _roll_page_sql(column: str, after: bool) -> str:
    """One page of a union's, a province's or a city's roll (`column` = org_id, tier2_id, tier3_id).

    Rows in `_OUT_COLUMNS` order, newest first from that column's (column, id + 0) index. The
    rows' union names come from `union_names` (looking them up here doubled a province's page).
    """
    member = Member._meta.db_table
    cols = ", ".join(f"m.{c}" for c in _OUT_COLUMNS)
    return (
        f"SELECT {cols} FROM {member} m WHERE m.{column} = %s"  # noqa: S608
        + (" AND (m.id + 0) < %s" if after else "")
        + " ORDER BY (m.id + 0) DESC LIMIT %s"
    )


def _tier_column(org: Org) -> str | None:
    """The member column holding `org` as a tier ancestor (tier2_id / tier3_id), if it is at a tier depth."""
    return f"tier{org.depth}_id" if org.depth in TIER_DEPTHS else None


def _roll_column(union: Org) -> str | None:
    """The member column a plain list of `union`'s whole subtree can be read by, newest first."""
    return "org_id" if union.holds_members else _tier_column(union)


def member_list_page_json(*, actor, filters: MemberFilters | None = None, cursor: str | None, limit: int) -> bytes:
    """One API page of the roll as the actor may list it, as JSON in the MemberPage shape.

    The most common lists — one union's, a province's or a city's roll, newest first, no other
    filter (what their officers see first) — are one prepared statement each over index
    member_org_keyset / member_tier*_keyset (same rows, order, cursor as the general path);
    everything else is `member_page_out(member_list_visible_to(...))`. Encoded by orjson: a
    third of the time of rendering the rows' JSON in PostgreSQL, a tenth of `json.dumps`.
    """
    filters = filters or MemberFilters()
    plain = filters == MemberFilters(org_id=filters.org_id)
    if plain and not actor.is_superuser and getattr(actor, "org", None) is not None:
        scope_root_path(actor)  # raises Forbidden for an account without read access
        union = actor.org if filters.org_id is None else org_get_visible(actor=actor, org_id=filters.org_id)
        column = _roll_column(union)
        if column is not None:
            limit = max(1, min(int(limit), MAX_LIMIT))
            if cursor:
                params: list[Any] = [union.pk, decode_cursor(cursor), limit + 1]
            else:
                params = [union.pk, limit + 1]
            rows = fastsql.fetchall(_roll_page_sql(column, bool(cursor)), params)
            more = len(rows) > limit
            rows = rows[:limit]
            if column == "org_id":
                items = [member_out(row, union.name, with_phone=False) for row in rows]
            else:
                names = union_names(row[_ORG_AT] for row in rows)
                items = [member_out(row, names[row[_ORG_AT]], with_phone=False) for row in rows]
            next_cursor = encode_cursor(rows[-1][0]) if more and rows else None
            return orjson.dumps({"items": items, "next_cursor": next_cursor})
    qs = member_list_visible_to(actor=actor, filters=filters)
    return orjson.dumps(member_page_out(qs, cursor=cursor, limit=limit))


# A subtree holding at most this many members is read union by union through the org_id
# indexes and its matching rows sorted (cost ∝ subtree); a larger one by walking the roll
# newest-first by primary key and keeping rows whose union is in the subtree (cost ∝ page / share).
SMALL_SUBTREE_MEMBERS = 200_000


class _AnyOfArray(Func):
    """`lhs = ANY(ARRAY(subquery))` (PostgreSQL): membership the planner cannot size up front."""

    arg_joiner = " = ANY(ARRAY"
    template = "%(expressions)s)"
    output_field = BooleanField()


def _subtree_size(org: Org) -> int:
    return sum(n for key, n in subtree_counts(org=org).items() if key.startswith("status:"))


def _subtree_filter(qs: QuerySet[Member], org: Org) -> QuerySet[Member]:
    """Limit qs to members of unions under `org`, in the plan that stays bounded for its size.

    PostgreSQL's planner assumes the subtree's members are spread evenly over the id range, so
    with ORDER BY id LIMIT 51 it likes to walk the primary key backwards and filter. Members are
    imported union by union, so that walk can read most of the roll. So:

    * a union at depth 2 or 3 (a province, a city): its tier key on the member row, read
      newest-first from index member_tier2/3_keyset (`keyset_id` ordering, id + 0, which the
      primary key does not provide) — one page read whatever the size;
    * a deeper subtree: `org_id = ANY(ARRAY(SELECT ...))` (the planner cannot size the array, so
      it goes union by union through the org_id indexes) and only its rows sorted by keyset_id.
      Above SMALL_SUBTREE_MEMBERS (a county with one huge union) the walk by id instead.
    """
    if org.parent_id is None and not Org.objects.filter(parent__isnull=True).exclude(pk=org.pk).exists():
        return qs  # the only root: its subtree is the whole roll, and the walk by id reads one page
    tier = _tier_column(org)
    if tier is not None:
        return qs.filter(**{tier: org.pk}).annotate(keyset_id=KEYSET_ID)
    if _subtree_size(org) > SMALL_SUBTREE_MEMBERS:
        return qs.filter(subtree_q(org.path, "org__path"))
    unions = Org.objects.filter(subtree_q(org.path), kind__in=MEMBER_HOLDING_KINDS).order_by()
    if connection.vendor == "postgresql":
        qs = qs.filter(_AnyOfArray(F("org_id"), Subquery(unions.values("id"))))
    else:
        qs = qs.filter(org_id__in=unions.values("id"))
    return qs.annotate(keyset_id=KEYSET_ID)


# A name or initials prefix matching at most this many members of the whole roll is read through
# its prefix index and sorted, whatever the subtree.
RARE_PREFIX_MATCHES = 20_000


def _is_rare_prefix(term: str) -> bool:
    """A prefix search over a subtree the planner would walk by primary key, with few matches.

    The planner estimates the walk from the prefix's and the subtree's shares as if independent;
    when the subtree's members are old rows the walk reads most of the roll before meeting 50
    matches. A bounded index-only count tells whether the prefix itself is selective enough to
    read all its matches instead (≤ RARE_PREFIX_MATCHES rows, then filter and top-N sort).
    """
    if search_kind(term) not in PREFIX_KINDS:
        return False
    matches = Member.objects.filter(prefix_count_q(term)).order_by().values("id")[: RARE_PREFIX_MATCHES + 1]
    return matches.count() <= RARE_PREFIX_MATCHES


def member_list_visible_to(*, actor, filters: MemberFilters | None = None) -> QuerySet[Member]:
    """The roll as the actor may list it; never counted (pages are keyset, see core.pagination)."""
    filters = filters or MemberFilters()
    scope_root_path(actor)  # raises Forbidden for an account without read access
    qs = Member.objects.all()
    subtree: Org | None = None if actor.is_superuser else actor.org
    if filters.org_id is not None:
        org = org_get_visible(actor=actor, org_id=filters.org_id)
        subtree = org
    if subtree is not None and subtree.holds_members:
        # One union: read newest-first straight from index member_org_keyset (org_id, id + 0).
        qs = qs.filter(org_id=subtree.pk).annotate(keyset_id=KEYSET_ID)
    elif subtree is not None:
        qs = _subtree_filter(qs, subtree)
    kind = search_kind(filters.q)
    if kind:
        qs = qs.filter(search_q(filters.q))
        # Without a subtree filter ids and names are independent and the walk by id is right.
        walks_by_id = subtree is not None and "keyset_id" not in qs.query.annotations
        if walks_by_id and (kind in SUFFIX_KINDS or _is_rare_prefix(filters.q)):
            # Read the few matches through their index and sort them (see _is_rare_prefix; a last-four
            # value matches about one member in ten thousand).
            qs = qs.annotate(keyset_id=KEYSET_ID)
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
    if kind == "last4":
        # Four digits alone: LAST4_ALONE_CAP matches only (members.search.search_notice), the first
        # the last-four indexes give: ordered by id, PostgreSQL would walk the roll by id instead.
        qs = qs.filter(pk__in=Subquery(qs.order_by().values("pk")[:LAST4_ALONE_CAP]))
    # The page's unions in a second query: a join here would run before the top-N sort, over
    # every matching row of the subtree.
    return qs.prefetch_related("org")


def _counter_keys(filters: MemberFilters) -> list[str] | None:
    """The subtree counters whose sum is exactly the filtered roll's size, or None when none are."""
    if filters.q.strip() or filters.join_date_from or filters.join_date_to:
        return None
    migrant, nef = filters.is_migrant_worker, filters.new_employment_form
    if migrant is None and not nef:
        return [f"status:{filters.status}"] if filters.status else [f"status:{s}" for s in MemberStatus.values]
    # "migrant" and "nef:*" count active members only (stats.services.member_keys).
    if filters.status == MemberStatus.ACTIVE and migrant is True and not nef:
        return ["migrant"]
    if filters.status == MemberStatus.ACTIVE and migrant is None and nef:
        return [f"nef:{nef}"]
    return None


def member_total(*, actor, filters: MemberFilters | None = None) -> Total:
    """How many members the roll list holds for these filters, for the line above the list.

    Read from the subtree counters (one indexed query, exact, at any scope) when the filters are
    ones the counters keep; otherwise counted: exactly within one union, and at most TOTAL_CAP
    rows deep above it ("超过 10,000 条"), so a province-wide search never counts millions.
    """
    filters = filters or MemberFilters()
    scope_root_path(actor)
    subtree: Org | None = None if actor.is_superuser else actor.org
    if filters.org_id is not None:
        subtree = org_get_visible(actor=actor, org_id=filters.org_id)
    keys = _counter_keys(filters)
    if keys is not None:
        roots = [subtree] if subtree is not None else list(Org.objects.filter(parent__isnull=True))
        return Total(sum(subtree_counts(org=org).get(key, 0) for org in roots for key in keys))
    qs = member_list_visible_to(actor=actor, filters=filters)
    if subtree is not None and subtree.holds_members:
        return Total(qs.order_by().count())
    return bounded_total(qs)


def member_current_by_number(*, actor, term: str) -> Member | None:
    """The current record, in the actor's scope, of the person with this member card number or
    ID number; None for anything else (a name is not unique enough to act on)."""
    if search_kind(term) not in ("card_number", "id_number"):
        return None
    qs = member_list_visible_to(actor=actor, filters=MemberFilters(q=term))
    return qs.filter(status__in=CURRENT_STATUSES).order_by().first()


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
    """Counts for the subtree under org: by status, migrant workers, new-employment categories, unions.

    Read from the subtree counters (gonghui.stats), kept exact by the services in the same
    transaction as every write: one indexed query whatever the size of the subtree.
    """
    counts = subtree_counts(org=org)
    return {
        "members_by_status": {s: counts.get(f"status:{s}", 0) for s in MemberStatus.values},
        "current_members": current_members(counts),  # 在册: 会员 and 保留会籍
        "migrant_workers": counts.get("migrant", 0),
        "new_employment_by_category": {
            f: counts.get(f"nef:{f}", 0) for f in NewEmploymentForm.values if f != NewEmploymentForm.NONE
        },
        # Active unions of each kind, the union itself included; kinds with none are left out.
        "unions_by_kind": {k: n for k in OrgKind.values if (n := counts.get(f"kind:{k}", 0))},
    }


def member_current_elsewhere(*, id_number_hash: str, exclude_pk: int | None = None) -> Member | None:
    qs = Member.objects.filter(id_number_hash=id_number_hash, status__in=CURRENT_STATUSES).select_related("org")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def person_membership_for(*, actor, id_number_hash: str, field: str = "id_number") -> Member | None:
    """The current membership of a person the actor is about to act for (a grant, a hardship file).

    None for a non-member (any union may register one). A member of a union outside the actor's
    scope is refused: their own union acts for them. The answer says no more than the member
    roll's duplicate_member does (a membership exists elsewhere), never which union, nor the id.
    """
    member = member_current_elsewhere(id_number_hash=id_number_hash)
    root = scope_root_path(actor)
    if member is not None and root is not None and not member.org.path.startswith(root):
        message = _("此人是其他工会的会员，请由其所在工会办理")
        raise InvalidInput(message, code="member_out_of_scope", fields={field: [message]})
    return member
