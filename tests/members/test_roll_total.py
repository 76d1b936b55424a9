"""The total above the roll: from the subtree counters when they answer exactly, else counted."""

from __future__ import annotations

import pytest

from gonghui.members.selectors import MemberFilters, member_total
from gonghui.members.services import member_create
from tests.conftest import member_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def roll(tree):
    for seq, (org, name) in enumerate(
        [(tree.union_a1, "张三"), (tree.union_a1, "张四"), (tree.union_a2, "李五"), (tree.union_b1, "王六")], 1
    ):
        member_create(actor=tree.superuser, data=member_data(org, seq=seq, name=name))
    return tree


def test_totals_by_scope_and_filter(roll):
    assert member_total(actor=roll.officer_a).n == 3
    assert member_total(actor=roll.officer_b).n == 1
    assert member_total(actor=roll.superuser).n == 4
    assert member_total(actor=roll.officer_a, filters=MemberFilters(status="active")).n == 3
    assert member_total(actor=roll.officer_a, filters=MemberFilters(status="retained")).n == 0
    assert member_total(actor=roll.officer_a, filters=MemberFilters(org_id=roll.union_a1.pk)).n == 2
    searched = member_total(actor=roll.officer_a, filters=MemberFilters(q="张"))
    assert (searched.n, searched.exact) == (2, True)
    assert member_total(actor=roll.officer_a1, filters=MemberFilters(q="李")).n == 0


def test_roll_page_shows_the_total(client, roll):
    client.force_login(roll.officer_a)
    assert 'data-testid="list-total">共 3 条<' in client.get("/members/").content.decode()
    assert 'data-testid="list-total">共 2 条<' in client.get("/members/", {"q": "张"}).content.decode()
