"""The current membership of a bound worker, and the member card token (binding: test_binding.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from gonghui.members.services import member_change_status, member_create, member_transfer
from gonghui.portal.selectors import current_member, membership_records, org_chain, transfer_history
from gonghui.portal.services import (
    CardState,
    card_check,
    card_token,
    mask_card_number,
    mask_name,
)
from tests.conftest import id_number, make_worker, member_data


@pytest.fixture
def member(tree):
    return member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=7, name="李四"))


@pytest.fixture
def worker(db):
    return make_worker("13912345670")


def test_membership_follows_transfers(tree, member):
    worker = make_worker("13912345673", name="李四", id_no=id_number(7))
    transfer = member_transfer(actor=tree.superuser, member=member, to_org=tree.union_b1, note="调动")

    now_member = current_member(worker)
    assert now_member == transfer.to_member and now_member.org == tree.union_b1
    assert [t.pk for t in transfer_history(worker)] == [transfer.pk]
    assert {m.pk for m in membership_records(worker)} == {member.pk, transfer.to_member.pk}
    assert [o.name for o in org_chain(tree.union_a1)] == [
        "望京科技公司工会",
        "望京街道工会",
        "朝阳区总工会",
        "北京市总工会",
    ]


# --- card -------------------------------------------------------------------------------------


def test_card_token_valid(tree, member):
    check = card_check(token=card_token(member=member))
    assert check.state == CardState.VALID and check.is_valid
    assert check.union_name == "望京科技公司工会"
    assert check.masked_name == "李*"
    assert check.masked_card_number == mask_card_number(member.card_number)
    assert member.card_number not in check.masked_card_number


def test_card_token_tampered_is_invalid(tree, member):
    token = card_token(member=member)
    other = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=8, name="孙七"))
    forged = card_token(member=other).split(":")[0] + ":" + ":".join(token.split(":")[1:])
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, "garbage", "a:b:c", ""):
        check = card_check(token=bad)
        assert check.state == CardState.INVALID and check.union_name == "" and check.masked_name == ""


def test_card_token_signed_with_another_salt_is_invalid(tree, member):
    from django.core import signing

    token = signing.TimestampSigner(salt="other").sign_object({"m": member.pk, "c": member.card_number})
    assert card_check(token=token).state == CardState.INVALID


def test_card_token_expires_after_five_minutes(tree, member):
    issued = timezone.now()
    token = card_token(member=member, now=issued)
    assert card_check(token=token, now=issued + dt.timedelta(minutes=4, seconds=59)).state == CardState.VALID
    expired = card_check(token=token, now=issued + dt.timedelta(minutes=5, seconds=2))
    assert expired.state == CardState.EXPIRED and expired.union_name == ""


@override_settings(GONGHUI_CARD_TOKEN_MAX_AGE_SECONDS=30)
def test_card_token_lifetime_is_a_setting(tree, member):
    issued = timezone.now()
    token = card_token(member=member, now=issued)
    assert card_check(token=token, now=issued + dt.timedelta(seconds=31)).state == CardState.EXPIRED


def test_card_of_an_ended_membership(tree, member):
    token = card_token(member=member)
    member_change_status(actor=tree.officer_a, member=member, status="withdrawn", note="退会")
    check = card_check(token=token)
    assert check.state == CardState.ENDED and check.union_name == ""


def test_card_of_a_transferred_membership_is_ended(tree, member):
    token = card_token(member=member)
    member_transfer(actor=tree.superuser, member=member, to_org=tree.union_b1)
    assert card_check(token=token).state == CardState.ENDED


def test_masks():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("王") == "王*"
    assert mask_card_number("1234567890123") == "1234*****0123"
