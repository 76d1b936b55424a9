"""Member.tier2_id / tier3_id: every way onto the roll copies them from the tree, a move rewrites
them, and the lists that read by them return exactly the subtree, newest first."""

import json

import pytest

from gonghui.members.imports import import_members_file
from gonghui.members.models import Member, tier_ids
from gonghui.members.selectors import MemberFilters, member_list_page_json, member_list_visible_to
from gonghui.members.services import member_create, member_transfer
from gonghui.orgs.models import Org
from gonghui.orgs.services import org_create, org_move
from tests.conftest import member_data
from tests.members.importfiles import person, write_csv


def tiers_of(member: Member) -> tuple[int | None, int | None]:
    member.refresh_from_db()
    return member.tier2_id, member.tier3_id


def test_a_union_four_levels_down_is_tiered_by_its_district_and_street(tree):
    # 市 (1) → 区 (2) → 街道 (3) → 基层 (4)
    assert tier_ids(tree.union_a1) == (tree.district_a.pk, tree.street_a.pk)
    assert tier_ids(tree.union_b1) == (tree.district_b.pk, tree.union_b1.pk)  # itself at depth 3
    assert tier_ids(tree.district_a) == (tree.district_a.pk, None)
    assert tier_ids(tree.city) == (None, None)


def test_registration_and_transfer_copy_the_unions_tiers(tree):
    member = member_create(actor=tree.city_admin, data=member_data(tree.union_a1))
    assert tiers_of(member) == (tree.district_a.pk, tree.street_a.pk)

    transfer = member_transfer(actor=tree.city_admin, member=member, to_org=tree.union_b1)

    assert tiers_of(transfer.to_member) == (tree.district_b.pk, tree.union_b1.pk)
    assert tiers_of(transfer.from_member) == (tree.district_a.pk, tree.street_a.pk)


def test_an_import_copies_the_unions_tiers(tree, tmp_path):
    path = write_csv(tmp_path / "roll.csv", [person(i) for i in range(1, 4)])

    result = import_members_file(actor=tree.officer_a, org=tree.union_a2, path=path, skip_invalid=False)

    assert result.created == 3
    rows = set(Member.objects.filter(org=tree.union_a2).values_list("tier2_id", "tier3_id"))
    assert rows == {(tree.district_a.pk, tree.street_a.pk)}


def test_a_move_rewrites_the_tiers_of_the_whole_moved_subtree_only(tree):
    # given members in both branches
    a1 = member_create(actor=tree.city_admin, data=member_data(tree.union_a1, 1))
    a2 = member_create(actor=tree.city_admin, data=member_data(tree.union_a2, 2))
    b1 = member_create(actor=tree.city_admin, data=member_data(tree.union_b1, 3))

    # when the street moves from district A to district B
    org_move(actor=tree.city_admin, org=tree.street_a, new_parent=tree.district_b)

    # then its members now belong to district B's tier, the street still being their tier 3
    assert tiers_of(a1) == tiers_of(a2) == (tree.district_b.pk, tree.street_a.pk)
    assert tiers_of(b1) == (tree.district_b.pk, tree.union_b1.pk)

    # and when district B (with the street) moves under a new district two levels down
    holder = org_create(
        actor=tree.city_admin,
        parent=tree.district_a,
        data={"name": "甲区直属街道", "code": "BJ-CY-ZS", "kind": "township", "region_code": "110105"},
    )
    org_move(actor=tree.city_admin, org=tree.district_b, new_parent=holder)

    # then district A is everyone's tier 2 and district B has become tier 4 (the lists read it by union)
    assert tiers_of(a1) == (tree.district_a.pk, holder.pk)
    assert tiers_of(b1) == (tree.district_a.pk, holder.pk)


def roll_by_hand(org: Org) -> list[int]:
    """The subtree's records, newest first, from the tree paths (ground truth)."""
    return list(Member.objects.filter(org__path__startswith=org.path).order_by("-id").values_list("id", flat=True))


@pytest.mark.parametrize("page_size", [2, 50])
def test_lists_by_tier_are_exactly_the_subtree_newest_first(tree, page_size):
    # given members all over the tree, interleaved, some moved
    seq = 0
    for _ in range(3):
        for union in (tree.union_a1, tree.union_b1, tree.union_a2):
            seq += 1
            member_create(actor=tree.city_admin, data=member_data(union, seq))
    org_move(actor=tree.city_admin, org=tree.union_a2, new_parent=tree.district_b)

    for org in Org.objects.all():
        expected = roll_by_hand(org)
        # the selector (pages, exports) ...
        qs = member_list_visible_to(actor=tree.superuser, filters=MemberFilters(org_id=org.pk))
        assert list(qs.order_by("-id").values_list("id", flat=True)) == expected, org.name
        # ... and the API's page by page, with the cursor
        seen, cursor = [], None
        while True:
            page = json.loads(
                member_list_page_json(
                    actor=tree.city_admin, filters=MemberFilters(org_id=org.pk), cursor=cursor, limit=page_size
                )
            )
            seen += [item["id"] for item in page["items"]]
            assert all(item["org_name"] for item in page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == expected, org.name
