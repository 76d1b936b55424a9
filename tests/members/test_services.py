import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from gonghui.accounts.models import AuditLog
from gonghui.core import pii
from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gonghui.members.models import Member, MemberEvent, Transfer
from gonghui.members.selectors import member_history, subtree_stats
from gonghui.members.services import (
    member_change_status,
    member_create,
    member_reveal_id,
    member_transfer,
    member_update,
)
from gonghui.orgs.models import Org
from tests.conftest import id_number, member_data


def test_create_derives_birth_date_gender_and_encrypts_id(tree):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=123))

    member.refresh_from_db()
    number = id_number(123)
    assert member.birth_date == dt.date(1990, 5, 17)
    assert member.gender == "male"
    assert member.id_number_masked == number[:6] + "********" + number[-4:]
    assert number not in member.id_number_encrypted
    assert pii.decrypt(member.id_number_encrypted) == number
    assert member.id_number_hash == pii.keyed_hash(number)
    assert member.name_initials == "zs"
    assert len(member.card_number) == 13
    assert Org.objects.get(pk=tree.union_a1.pk).member_count == 1
    assert list(member.events.values_list("kind", flat=True)) == ["created"]


def test_second_current_membership_is_409_naming_union_in_scope(tree):
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=5))

    with pytest.raises(Conflict) as err:
        member_create(actor=tree.officer_a, data=member_data(tree.union_a2, seq=5))

    assert err.value.code == "duplicate_member"
    assert "望京科技公司工会" in err.value.message
    assert Member.objects.count() == 1


def test_duplicate_outside_scope_does_not_name_the_union(tree):
    member_create(actor=tree.officer_b, data=member_data(tree.union_b1, seq=5))

    with pytest.raises(Conflict) as err:
        member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=5))

    assert err.value.code == "duplicate_member"
    assert "中关村" not in err.value.message


def test_bad_input_names_every_field_and_changes_nothing(tree):
    bad = member_data(tree.union_a1, id_number="110105199005171230", phone="12345", ethnicity="火星族")
    with pytest.raises(InvalidInput) as err:
        member_create(actor=tree.officer_a, data=bad)
    assert set(err.value.fields) == {"id_number", "phone", "ethnicity"}
    assert Member.objects.count() == 0


def test_members_only_in_grassroots(tree):
    with pytest.raises(InvalidInput) as err:
        member_create(actor=tree.officer_a, data=member_data(tree.street_a))
    assert err.value.code == "org_not_grassroots"


def test_out_of_scope_union_is_not_found(tree):
    with pytest.raises(NotFound):
        member_create(actor=tree.officer_a, data=member_data(tree.union_b1))


def test_viewer_cannot_write(tree):
    with pytest.raises(Forbidden):
        member_create(actor=tree.viewer_a, data=member_data(tree.union_a1))
    assert Member.objects.count() == 0


def test_transfer_keeps_history_and_counts(tree):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))

    transfer = member_transfer(actor=tree.officer_a, member=member, to_org=tree.union_a2, note="工作调动")

    member.refresh_from_db()
    moved = transfer.to_member
    assert member.status == "transferred"
    assert moved.status == "active" and moved.org == tree.union_a2
    assert moved.transferred_from == member
    assert moved.card_number != member.card_number
    assert Org.objects.get(pk=tree.union_a1.pk).member_count == 0
    assert Org.objects.get(pk=tree.union_a2.pk).member_count == 1
    kinds = [e.kind for e in member_history(actor=tree.officer_a, member=moved)]
    assert kinds == ["transferred_in", "transferred_out", "created"]
    assert Transfer.objects.count() == 1


def test_a_record_is_the_source_of_at_most_one_transfer(tree):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    moved = member_transfer(actor=tree.officer_a, member=member, to_org=tree.union_a2).to_member
    assert list(member.transferred_to.all()) == [moved]

    # A second record claiming the same source breaks the (partial) unique constraint; records
    # that did not come from a transfer are many.
    copy = Member.objects.get(pk=moved.pk)
    copy.pk, copy.card_number, copy.status = None, "X" + moved.card_number[1:], "withdrawn"
    with pytest.raises(IntegrityError, match="transferred_from"), transaction.atomic():
        copy.save()
    assert Member.objects.filter(transferred_from__isnull=True).count() == 1


def test_the_database_keeps_one_current_record_per_person_and_any_number_of_closed_ones(tree):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))

    def copy(n: int, status: str) -> Member:
        record = Member.objects.get(pk=member.pk)
        record.pk, record.card_number, record.status = None, f"X{n:012d}", status
        return record

    # Written past the services (which check first), so only the unique index stands in the way.
    for n, status in enumerate(["withdrawn", "transferred", "withdrawn"]):
        copy(n, status).save()
    with pytest.raises(IntegrityError, match=r"one_current_membership_per_person|id_number_hash"), transaction.atomic():
        copy(9, "retained").save()
    member.status = "withdrawn"
    member.save()
    copy(10, "retained").save()  # the person's only current record now
    records = Member.objects.filter(id_number_hash=member.id_number_hash)
    assert sorted(records.values_list("status", flat=True)) == [
        "retained",
        "transferred",
        "withdrawn",
        "withdrawn",
        "withdrawn",
    ]


def test_transfer_to_union_outside_scope_is_not_found(tree):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    with pytest.raises(NotFound):
        member_transfer(actor=tree.officer_a, member=member, to_org=tree.union_b1)
    member.refresh_from_db()
    assert member.status == "active"


def test_status_changes_follow_the_rules(tree):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    member_change_status(actor=tree.officer_a, member=member, status="retained")
    assert Org.objects.get(pk=tree.union_a1.pk).member_count == 1
    member_change_status(actor=tree.officer_a, member=member, status="withdrawn")
    assert Org.objects.get(pk=tree.union_a1.pk).member_count == 0
    with pytest.raises(InvalidInput):
        member_change_status(actor=tree.officer_a, member=member, status="deceased")
    member.refresh_from_db()
    assert member.status == "withdrawn"


def test_update_records_before_after_with_masked_id(tree):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    member_update(actor=tree.officer_a, member=member, data={"phone": "13900139000", "id_number": id_number(7)})
    event = MemberEvent.objects.filter(member=member, kind="updated").get()
    assert event.changes["phone"] == ["13800138000", "13900139000"]
    old, new = event.changes["id_number_masked"]
    assert "*" in old and "*" in new and id_number(7) not in str(event.changes)


def test_reveal_needs_permission_and_is_audited(tree):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    with pytest.raises(Forbidden):
        member_reveal_id(actor=tree.viewer_a, member=member)
    assert AuditLog.objects.filter(action="reveal_id").count() == 0

    assert member_reveal_id(actor=tree.officer_a, member=member, ip="127.0.0.1") == id_number(1)
    log = AuditLog.objects.get(action="reveal_id")
    assert log.actor == tree.officer_a and log.target_id == str(member.pk)


def test_subtree_stats(tree):
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=1, is_migrant_worker=True))
    member_create(actor=tree.officer_a, data=member_data(tree.union_a2, seq=2, new_employment_form="delivery_rider"))
    member_create(actor=tree.officer_b, data=member_data(tree.union_b1, seq=3))

    stats = subtree_stats(org=tree.district_a)

    assert stats["members_by_status"]["active"] == 2
    assert stats["migrant_workers"] == 1
    assert stats["new_employment_by_category"]["delivery_rider"] == 1
    assert stats["unions_by_kind"] == {"federation": 1, "township": 1, "grassroots": 1, "joint_grassroots": 1}
    assert subtree_stats(org=tree.city)["members_by_status"]["active"] == 3


def test_labels_in_either_language_are_accepted(tree):
    member = member_create(
        actor=tree.officer_a,
        data=member_data(
            tree.union_a1, education="Bachelor", new_employment_form="courier", id_type="Resident ID card"
        ),
    )
    assert (member.education, member.new_employment_form, member.id_type) == ("bachelor", "courier", "resident_id")
    other = member_create(
        actor=tree.officer_a, data=member_data(tree.union_a2, seq=2, education="本科", new_employment_form="快递员")
    )
    assert (other.education, other.new_employment_form) == ("bachelor", "courier")
