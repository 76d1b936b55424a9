"""The pure part: which counters a change of one membership record moves."""

from __future__ import annotations

from gonghui.members.models import MemberStatus, NewEmploymentForm
from gonghui.stats.services import (
    ACTIVE,
    NEF_NONE,
    MemberState,
    member_batch_deltas,
    member_deltas,
    member_group_deltas,
)


def test_vocabulary_matches_the_member_roll():
    assert ACTIVE == MemberStatus.ACTIVE
    assert NEF_NONE == NewEmploymentForm.NONE


def test_a_new_active_member_counts_status_migrant_and_category():
    after = MemberState(status="active", is_migrant_worker=True, new_employment_form="courier")

    assert member_deltas(None, after) == {"status:active": 1, "migrant": 1, "nef:courier": 1}


def test_a_plain_new_member_counts_only_the_status():
    assert member_deltas(None, MemberState(status="active")) == {"status:active": 1}


def test_leaving_active_drops_migrant_and_category_but_keeps_the_record_counted():
    before = MemberState(status="active", is_migrant_worker=True, new_employment_form="delivery_rider")
    after = MemberState(status="retained", is_migrant_worker=True, new_employment_form="delivery_rider")

    assert member_deltas(before, after) == {
        "status:active": -1,
        "status:retained": 1,
        "migrant": -1,
        "nef:delivery_rider": -1,
    }


def test_reinstating_counts_migrant_and_category_again():
    before = MemberState(status="withdrawn", is_migrant_worker=True, new_employment_form="courier")
    after = MemberState(status="active", is_migrant_worker=True, new_employment_form="courier")

    assert member_deltas(before, after) == {"status:withdrawn": -1, "status:active": 1, "migrant": 1, "nef:courier": 1}


def test_changing_category_of_an_active_member_moves_one_count():
    before = MemberState(status="active", new_employment_form="courier")
    after = MemberState(status="active", new_employment_form="truck_driver")

    assert member_deltas(before, after) == {"nef:courier": -1, "nef:truck_driver": 1}


def test_changing_migrant_flag_of_a_retained_member_changes_nothing():
    before = MemberState(status="retained", is_migrant_worker=False)
    after = MemberState(status="retained", is_migrant_worker=True)

    assert member_deltas(before, after) == {}


def test_no_change_is_no_delta():
    state = MemberState(status="active", is_migrant_worker=True, new_employment_form="courier")

    assert member_deltas(state, state) == {}
    assert member_deltas(None, None) == {}


def test_removing_a_record_is_the_negative_of_adding_it():
    state = MemberState(status="active", is_migrant_worker=True, new_employment_form="courier")

    assert member_deltas(state, None) == {k: -v for k, v in member_deltas(None, state).items()}


def test_a_batch_sums_its_records():
    states = [
        MemberState(status="active", is_migrant_worker=True, new_employment_form="courier"),
        MemberState(status="active", is_migrant_worker=True),
        MemberState(status="active", new_employment_form="courier"),
    ]

    assert member_batch_deltas(states) == {"status:active": 3, "migrant": 2, "nef:courier": 2}


def test_state_of_a_record_reads_its_fields():
    class Record:
        status = MemberStatus.RETAINED
        is_migrant_worker = 1
        new_employment_form = NewEmploymentForm.COURIER

    assert MemberState.of(Record()) == MemberState(
        status="retained", is_migrant_worker=True, new_employment_form="courier"
    )


def test_groups_of_records_count_each_group_n_times():
    groups = {
        MemberState(status="active", is_migrant_worker=True, new_employment_form="courier"): 3,
        MemberState(status="active"): 2,
    }

    assert member_group_deltas(groups) == {"status:active": 5, "migrant": 3, "nef:courier": 3}
