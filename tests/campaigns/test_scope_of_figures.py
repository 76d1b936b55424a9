"""Scope on every figure (issue 15, finding 4): a proposal tells nothing about people or money
outside the proposing officer's scope, and is only made for people in it (or non-members).

District A's union A2 holds a member, 周外人, who received 1,500 yuan this year through union A2.
The officer of union A1 (scope: union A1 only) must neither learn that figure nor propose a grant
for 周外人; a non-member helped by union A2 is refused at the cap without the amount.
"""

from __future__ import annotations

import pytest

from gonghui.assistance import services as assistance_services
from gonghui.assistance.models import HardshipFile
from gonghui.campaigns import services
from gonghui.campaigns.models import Grant
from gonghui.core.errors import Conflict, InvalidInput
from gonghui.members.services import member_create
from tests.assistance.support import file_data
from tests.conftest import id_number, member_data

from .support import NOW, allocate, make_campaign

pytestmark = pytest.mark.django_db

MEMBER_A2 = id_number(41)
NON_MEMBER = id_number(42)


@pytest.fixture
def helped_elsewhere(rights):
    """An open city campaign with a 1,500 yuan yearly cap; 1,500 approved for 周外人 (member at
    union A2) and for 钱非会 (non-member registered by union A2)."""
    campaign = make_campaign(rights.city_admin, rights.city, budget="10000", eligibility="open", yearly_cap="1500")
    allocate(rights.city_admin, rights.city_admin, campaign, rights.district_a, "5000")
    member = member_create(actor=rights.officer_a, data=member_data(rights.union_a2, seq=41, name="周外人"))
    for name, number in (("周外人", MEMBER_A2), ("钱非会", NON_MEMBER)):
        grant = services.grant_propose(
            actor=rights.officer_a,
            campaign=campaign,
            data={
                "person_name": name,
                "id_number": number,
                "org": rights.union_a2.pk,
                "reason": "重病",
                "amount": "1500",
            },
            now=NOW,
        )
        services.grant_approve(actor=rights.city_admin, grant=grant, now=NOW)
    other = make_campaign(
        rights.city_admin, rights.city, budget="10000", name="生活救助", type="living_relief", eligibility="open",
        yearly_cap="1500",
    )  # fmt: skip
    allocate(rights.city_admin, rights.city_admin, other, rights.district_a, "5000")
    return other, member


def application(rights, name: str, number: str, amount: str = "300") -> dict:
    return {"person_name": name, "id_number": number, "org": rights.union_a1.pk, "reason": "失业", "amount": amount}


def test_a_member_of_a_union_out_of_scope_cannot_be_proposed_and_nothing_is_told(rights, helped_elsewhere):
    campaign, _member = helped_elsewhere
    before = list(Grant.objects.values_list("pk", "state", "amount"))

    with pytest.raises(InvalidInput) as exc:
        services.grant_propose(
            actor=rights.officer_a1, campaign=campaign, data=application(rights, "周外人", MEMBER_A2)
        )

    assert exc.value.code == "member_out_of_scope"
    assert exc.value.fields == {"id_number": ["此人是其他工会的会员，请由其所在工会办理"]}
    assert "1500" not in exc.value.message and "望京" not in exc.value.message
    assert list(Grant.objects.values_list("pk", "state", "amount")) == before


def test_the_yearly_cap_refuses_without_the_amount_held_out_of_scope(rights, helped_elsewhere):
    campaign, _member = helped_elsewhere
    before = list(Grant.objects.values_list("pk", "state", "amount"))

    with pytest.raises(Conflict) as exc:
        services.grant_propose(
            actor=rights.officer_a1, campaign=campaign, data=application(rights, "钱非会", NON_MEMBER)
        )

    assert exc.value.code == "yearly_cap_exceeded"
    assert exc.value.message == "超过每人年度救助上限 1500.00 元：本次 300.00 元，加上此人本年度已获的救助将超过上限"
    assert "1500.00 元，本次" not in exc.value.message  # the amount held elsewhere is not told
    assert list(Grant.objects.values_list("pk", "state", "amount")) == before


def test_the_yearly_cap_names_the_amount_to_an_officer_who_sees_every_grant(rights, helped_elsewhere):
    campaign, _member = helped_elsewhere

    with pytest.raises(Conflict) as exc:
        services.grant_propose(
            actor=rights.officer_a,
            campaign=campaign,
            data={**application(rights, "钱非会", NON_MEMBER), "org": rights.union_a2.pk},
        )

    assert exc.value.message == "超过每人年度救助上限 1500.00 元：本年度已获救助 1500.00 元，本次 300.00 元"


def test_a_member_in_scope_and_a_non_member_can_still_be_proposed(rights, helped_elsewhere):
    campaign, _member = helped_elsewhere
    own = member_create(actor=rights.officer_a1, data=member_data(rights.union_a1, seq=43, name="孙本会"))

    for_member = services.grant_propose(
        actor=rights.officer_a1, campaign=campaign, data=application(rights, "孙本会", id_number(43))
    )
    for_non_member = services.grant_propose(
        actor=rights.officer_a1, campaign=campaign, data=application(rights, "李路人", id_number(44))
    )

    assert (for_member.member, for_member.org) == (own, rights.union_a1)
    assert (for_non_member.member, for_non_member.org) == (None, rights.union_a1)


def test_a_hardship_file_for_a_member_out_of_scope_is_refused_and_nothing_is_created(rights, helped_elsewhere):
    before = HardshipFile.objects.count()

    with pytest.raises(InvalidInput) as exc:
        assistance_services.file_create(actor=rights.officer_a1, data=file_data(rights.union_a1, 41, name="周外人"))

    assert exc.value.code == "member_out_of_scope"
    assert exc.value.fields == {"id_number": ["此人是其他工会的会员，请由其所在工会办理"]}
    assert HardshipFile.objects.count() == before


def test_a_hardship_file_for_a_member_in_scope_links_the_member(rights, helped_elsewhere):
    _campaign, member = helped_elsewhere

    file = assistance_services.file_create(actor=rights.officer_a, data=file_data(rights.union_a2, 41, name="周外人"))

    assert file.member == member
