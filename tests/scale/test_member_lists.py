"""Member list pages and searches as the roll grows: keyset pages in every plan, scoped searches,
and the indexes that keep them bounded."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gonghui.core.pagination import keyset_page
from gonghui.members import selectors
from gonghui.members.models import KEYSET_ID, Member
from gonghui.members.selectors import MemberFilters, member_list_visible_to
from gonghui.members.services import member_create
from gonghui.orgs.services import org_create
from tests.conftest import id_number, member_data

NAMES = ["张三", "张伟", "李四", "王五", "赵六"]


@pytest.fixture
def roll(tree):
    """Members spread over three grassroots unions: a1 and a2 under district A, b1 under district B."""
    created = {"a1": [], "a2": [], "b1": []}
    seq = 1
    for key, org in (("a1", tree.union_a1), ("a2", tree.union_a2), ("b1", tree.union_b1)):
        for i, name in enumerate(NAMES):
            phone = f"1390000{seq:04d}"
            member = member_create(
                actor=tree.superuser,
                data=member_data(org, seq=seq, name=name, phone=phone, id_number=id_number(seq)),
            )
            created[key].append(member)
            seq += 1
            assert i < len(NAMES)
    return created


def _all_pages(qs, limit: int = 2) -> list[int]:
    ids, cursor = [], None
    while True:
        rows, cursor = keyset_page(qs, cursor=cursor, limit=limit)
        ids += [r.pk for r in rows]
        if cursor is None:
            return ids


def _ids(members) -> list[int]:
    return sorted((m.pk for m in members), reverse=True)


def test_pages_of_one_grassroots_union_walk_its_roll_newest_first(tree, roll):
    qs = member_list_visible_to(actor=tree.officer_a1, filters=MemberFilters())
    assert "keyset_id" in qs.query.annotations
    assert _all_pages(qs) == _ids(roll["a1"])


def test_pages_of_a_district_or_street_read_its_tier_key_newest_first(tree, roll):
    for actor, column in ((tree.officer_a, "tier2_id"), (tree.superuser, "tier3_id")):
        org_id = None if actor is tree.officer_a else tree.street_a.pk
        qs = member_list_visible_to(actor=actor, filters=MemberFilters(org_id=org_id))
        assert "keyset_id" in qs.query.annotations
        assert column in str(qs.query)
        assert _all_pages(qs) == _ids(roll["a1"] + roll["a2"])


def test_a_searched_page_reads_its_rows_by_key_alone(tree, roll):
    # given a district's search for a prefix (ids sorted from the district's tier key)
    qs = member_list_visible_to(actor=tree.officer_a, filters=MemberFilters(q="张"))

    # when one page is read: the ids and the rows in one statement, the unions in a second
    with CaptureQueriesContext(connection) as queries:
        rows, cursor = keyset_page(qs, cursor=None, limit=2)

    # then the rows are the newest matches of the district, with their unions
    expected = _ids(m for m in roll["a1"] + roll["a2"] if m.name.startswith("张"))
    assert [r.pk for r in rows] == expected[:2] and cursor is not None
    assert all(r.org.pk in (tree.union_a1.pk, tree.union_a2.pk) for r in rows)
    # and outside the subquery of ids only the key is compared: with the name prefix repeated
    # there, PostgreSQL judged the prefix rare and read all its matches in the roll (10 M: 20 ms).
    (rows_sql,) = [q["sql"] for q in queries.captured_queries if "members_member" in q["sql"]]
    outer_where = rows_sql.split(" WHERE ", 1)[1]
    assert outer_where.startswith('"members_member"."id" IN (SELECT')
    assert outer_where.rsplit(")", 1)[1].strip() == ""


def test_a_keyset_page_keeps_the_related_rows_its_queryset_asked_for(tree, roll, django_assert_num_queries):
    base = Member.objects.filter(org__in=[tree.union_a1, tree.union_a2]).annotate(keyset_id=KEYSET_ID)
    for qs, queries in ((base.select_related("org"), 1), (base.prefetch_related("org"), 2)):
        with django_assert_num_queries(queries):
            rows, _ = keyset_page(qs, cursor=None, limit=3)
            names = [r.org.name for r in rows]
        assert [r.pk for r in rows] == _ids(roll["a1"] + roll["a2"])[:3]
        assert set(names) <= {tree.union_a1.name, tree.union_a2.name}


def test_pages_of_a_small_subtree_read_union_by_union(tree, roll, monkeypatch):
    monkeypatch.setattr(selectors, "TIER_DEPTHS", ())  # as for a subtree below the tiers (county, street)
    qs = member_list_visible_to(actor=tree.officer_a, filters=MemberFilters())
    assert "keyset_id" in qs.query.annotations
    assert _all_pages(qs) == _ids(roll["a1"] + roll["a2"])


def test_pages_of_a_large_subtree_walk_the_roll_by_id(tree, roll, monkeypatch):
    monkeypatch.setattr(selectors, "TIER_DEPTHS", ())  # as for a subtree below the tiers (county, street)
    monkeypatch.setattr(selectors, "SMALL_SUBTREE_MEMBERS", 3)
    qs = member_list_visible_to(actor=tree.city_admin, filters=MemberFilters(org_id=tree.district_a.pk))
    assert "keyset_id" not in qs.query.annotations
    assert _all_pages(qs) == _ids(roll["a1"] + roll["a2"])


def test_the_superuser_pages_through_the_whole_roll(tree, roll):
    qs = member_list_visible_to(actor=tree.superuser, filters=MemberFilters())
    assert _all_pages(qs, limit=4) == _ids(roll["a1"] + roll["a2"] + roll["b1"])


def test_a_page_carries_its_union_without_a_count(tree, roll, django_assert_max_num_queries):
    qs = member_list_visible_to(actor=tree.officer_a, filters=MemberFilters())
    with django_assert_max_num_queries(3) as captured:
        rows, _ = keyset_page(qs, cursor=None, limit=50)
        names = {r.org.name for r in rows}
    assert names == {tree.union_a1.name, tree.union_a2.name}
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)


@pytest.mark.parametrize(
    ("tiers", "small_subtree_limit", "rare_prefix_limit"),
    [(True, 50_000, 20_000), (False, 50_000, 20_000), (False, 0, 20_000), (False, 0, 0)],
    ids=["tier-key", "union-by-union", "prefix-index", "walk-by-id"],
)
def test_every_kind_of_search_stays_inside_the_subtree(
    tree, roll, monkeypatch, tiers, small_subtree_limit, rare_prefix_limit
):
    if not tiers:
        monkeypatch.setattr(selectors, "TIER_DEPTHS", ())
    monkeypatch.setattr(selectors, "SMALL_SUBTREE_MEMBERS", small_subtree_limit)
    monkeypatch.setattr(selectors, "RARE_PREFIX_MATCHES", rare_prefix_limit)
    wei = roll["a2"][1]  # 张伟 in union a2; another 张伟 is in b1, outside district A

    def found(term: str) -> list[int]:
        qs = member_list_visible_to(actor=tree.officer_a, filters=MemberFilters(q=term))
        return _all_pages(qs)

    assert found("张") == _ids([roll["a1"][0], roll["a1"][1], roll["a2"][0], wei])
    assert found("zw") == _ids([roll["a1"][1], wei])
    assert found(wei.phone) == [wei.pk]
    assert found(id_number(7)) == [wei.pk]
    assert found(wei.card_number) == [wei.pk]
    outside = roll["b1"][1]
    assert found(outside.phone) == []
    assert found(outside.card_number) == []


def test_search_within_one_union_by_org_filter(tree, roll):
    qs = member_list_visible_to(actor=tree.officer_a, filters=MemberFilters(q="张", org_id=tree.union_a1.pk))
    assert _all_pages(qs) == _ids(roll["a1"][:2])


def _index_sql(name: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [name])
        row = cursor.fetchone()
    return row[0].replace('"', "") if row else ""


@pytest.mark.django_db
def test_prefix_and_keyset_indexes_exist():
    name_index = _index_sql("member_name_prefix")
    initials_index = _index_sql("member_initials_prefix")
    keyset_index = _index_sql("member_org_keyset")
    one_current = _index_sql("one_current_membership_per_person")
    assert "UNIQUE" in one_current.upper()
    assert "id_number_hash" in one_current
    assert "(name" in name_index
    assert "(name_initials" in initials_index
    assert "org_id" in keyset_index
    assert "id + 0" in keyset_index
    for column in ("name", "name_initials"):  # a city's matches as one range, see test below
        assert f"(tier3_id, {column}" in _index_sql(f"member_tier3_{column.replace('name_', '')}_prefix")
    prefix_indexes = [
        _index_sql(f"member_{scope}{column}_prefix")
        for scope in ("", "org_", "tier3_")
        for column in ("name", "initials")
    ]
    if connection.vendor == "postgresql":
        # LIKE 'x%' can use a btree only with the pattern opclass under a non-"C" collation.
        assert all("varchar_pattern_ops" in sql and "WHERE" not in sql for sql in prefix_indexes)
        # Fine histograms for the prefix estimates (migration members.0005).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attname, attstattarget FROM pg_attribute WHERE attrelid = 'members_member'::regclass "
                "AND attname IN ('name', 'name_initials') ORDER BY attname"
            )
            assert cursor.fetchall() == [("name", 1000), ("name_initials", 1000)]
    else:
        # SQLite cannot serve Django's LIKE ... ESCAPE from them (the plans below never read one):
        # created empty, free on insert (gonghui.core.indexes.PrefixSearchIndex).
        assert all(sql.endswith(" WHERE 0") for sql in prefix_indexes)
        for lookup in ({"name__startswith": "张"}, {"name_initials__startswith": "zs"}):
            sql, params = Member.objects.filter(**lookup).order_by("-id")[:51].query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "prefix" not in plan, plan


def test_the_only_roots_officer_lists_the_whole_roll_without_a_subtree_filter(tree):
    # given members in both districts and an officer at the tree's only root
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=1))
    member_create(actor=tree.officer_b, data=member_data(tree.union_b1, seq=2))

    qs = member_list_visible_to(actor=tree.city_admin, filters=MemberFilters())

    # then the query is the plain roll (a walk by id reads one page) and holds everyone
    assert "orgs_org" not in str(qs.query)
    assert qs.count() == 2
    # while a second root makes the same officer's view a real subtree again
    org_create(
        actor=tree.superuser,
        parent=None,
        data={
            "name": "上海市总工会",
            "code": "SH",
            "kind": "federation",
            "federation_level": "city",
            "region_code": "310000",
        },
    )
    assert "orgs_org" in str(member_list_visible_to(actor=tree.city_admin, filters=MemberFilters()).query)
