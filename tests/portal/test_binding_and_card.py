"""Real-name binding against the roll, the current membership, and the member card token."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from gonghui.accounts.models import AuditLog
from gonghui.core import pii
from gonghui.core.errors import Conflict, Forbidden, InvalidInput
from gonghui.members.services import member_change_status, member_create, member_transfer
from gonghui.portal.models import BindingAttempt
from gonghui.portal.selectors import current_member, membership_records, org_chain, transfer_history
from gonghui.portal.services import (
    CardState,
    Throttled,
    card_check,
    card_token,
    mask_card_number,
    mask_name,
    require_member,
    worker_bind_identity,
)
from tests.conftest import id_number, make_worker, member_data


@pytest.fixture
def member(tree):
    return member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=7, name="李四"))


@pytest.fixture
def worker(db):
    return make_worker("13912345670")


def test_binding_to_a_member_links_the_membership(tree, member, worker):
    bound = worker_bind_identity(worker=worker, name=" 李四 ", id_type="resident_id", id_number=id_number(7).lower())

    bound.refresh_from_db()
    assert bound.is_verified and bound.real_name == "李四"
    assert bound.id_number_hash == pii.keyed_hash(id_number(7))
    assert pii.decrypt(bound.id_number_encrypted) == id_number(7)
    assert bound.id_number_masked == member.id_number_masked
    assert bound.user.display_name == "李四"
    found = current_member(bound)
    assert found == member and found.org == tree.union_a1
    log = AuditLog.objects.get(action="worker_identity_bound")
    assert log.actor == worker.user and log.org == tree.union_a1 and log.detail["member"] == member.pk


def test_name_mismatch_is_refused_without_naming_the_record(tree, member, worker):
    with pytest.raises(InvalidInput) as exc:
        worker_bind_identity(worker=worker, name="王五", id_type="resident_id", id_number=id_number(7))

    assert exc.value.code == "identity_mismatch"
    assert "李四" not in exc.value.message and "望京" not in exc.value.message
    worker.refresh_from_db()
    assert not worker.is_verified and worker.id_number_hash == ""
    assert BindingAttempt.objects.filter(worker=worker, reason="name_mismatch").count() == 1


def test_binding_without_membership_is_allowed(tree, worker):
    bound = worker_bind_identity(worker=worker, name="赵六", id_type="resident_id", id_number=id_number(99))
    assert bound.is_verified and current_member(bound) is None
    with pytest.raises(Forbidden) as exc:
        require_member(bound)
    assert exc.value.code == "not_member"


def test_other_id_types_are_accepted(db, worker):
    from gonghui.core.idcard import build_id_number

    number = build_id_number("810000", dt.date(1988, 1, 2), 11)
    bound = worker_bind_identity(worker=worker, name="陈大文", id_type="hk_mo_tw_residence", id_number=number)
    assert bound.id_type == "hk_mo_tw_residence"
    other = make_worker("13912345671")
    with pytest.raises(InvalidInput) as exc:
        worker_bind_identity(worker=other, name="Tom", id_type="foreign_permanent", id_number=id_number(5))
    assert exc.value.fields["id_number"]


def test_bad_id_numbers_and_types_are_refused(db, worker):
    good = id_number(7)
    wrong_check = good[:-1] + ("1" if good[-1] != "1" else "2")
    with pytest.raises(InvalidInput) as exc:
        worker_bind_identity(worker=worker, name="李四", id_type="resident_id", id_number=wrong_check)
    assert "校验位" in exc.value.message
    with pytest.raises(InvalidInput):
        worker_bind_identity(worker=worker, name="李四", id_type="passport", id_number=id_number(7))
    with pytest.raises(InvalidInput):
        worker_bind_identity(worker=worker, name="  ", id_type="resident_id", id_number=id_number(7))


def test_one_account_per_person(tree, member, worker):
    worker_bind_identity(worker=worker, name="李四", id_type="resident_id", id_number=id_number(7))
    other = make_worker("13912345672")
    with pytest.raises(Conflict) as exc:
        worker_bind_identity(worker=other, name="李四", id_type="resident_id", id_number=id_number(7))
    assert exc.value.status == 409 and exc.value.code == "identity_taken"
    other.refresh_from_db()
    assert not other.is_verified


def test_binding_twice_is_refused(db, worker):
    worker_bind_identity(worker=worker, name="赵六", id_type="resident_id", id_number=id_number(99))
    with pytest.raises(Conflict):
        worker_bind_identity(worker=worker, name="赵六", id_type="resident_id", id_number=id_number(98))


def test_five_failed_bindings_a_day_then_refused(tree, member, worker):
    now = timezone.now()
    for i in range(5):
        with pytest.raises(InvalidInput):
            worker_bind_identity(
                worker=worker,
                name="王五",
                id_type="resident_id",
                id_number=id_number(7),
                now=now + dt.timedelta(minutes=i),
            )
    with pytest.raises(Throttled) as exc:
        # Even the right name is refused now: the limit stops probing.
        worker_bind_identity(
            worker=worker, name="李四", id_type="resident_id", id_number=id_number(7), now=now + dt.timedelta(hours=1)
        )
    assert exc.value.status == 429 and exc.value.code == "binding_throttled"
    worker.refresh_from_db()
    assert not worker.is_verified
    bound = worker_bind_identity(
        worker=worker,
        name="李四",
        id_type="resident_id",
        id_number=id_number(7),
        now=now + dt.timedelta(days=1, hours=1),
    )
    assert bound.is_verified


@override_settings(GONGHUI_BINDING_MAX_FAILURES_PER_DAY=1)
def test_binding_limit_is_a_setting(tree, member, worker):
    with pytest.raises(InvalidInput):
        worker_bind_identity(worker=worker, name="王五", id_type="resident_id", id_number=id_number(7))
    with pytest.raises(Throttled):
        worker_bind_identity(worker=worker, name="李四", id_type="resident_id", id_number=id_number(7))


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
