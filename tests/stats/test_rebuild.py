"""rebuild_counters: the full recompute equals the kept counters, and repairs broken ones."""

from __future__ import annotations

from django.core.management import call_command

from gonghui.members.selectors import subtree_stats
from gonghui.members.services import member_change_status, member_create, member_transfer
from gonghui.orgs.models import Org
from gonghui.orgs.services import org_move
from gonghui.stats.models import SubtreeCounter
from gonghui.stats.services import rebuild_counters
from tests.conftest import member_data

from .truth import mismatches


def _all_stats() -> dict[str, dict]:
    return {org.code: subtree_stats(org=org) for org in Org.objects.order_by("path")}


def _populate(tree) -> None:
    actor = tree.superuser
    first = member_create(actor=actor, data=member_data(tree.union_a1, seq=1, is_migrant_worker=True))
    second = member_create(actor=actor, data=member_data(tree.union_a1, seq=2, new_employment_form="courier"))
    member_create(actor=actor, data=member_data(tree.union_a2, seq=3, new_employment_form="delivery_rider"))
    member_create(actor=actor, data=member_data(tree.union_b1, seq=4, is_migrant_worker=True))
    member_change_status(actor=actor, member=first, status="retained")
    member_transfer(actor=actor, member=second, to_org=tree.union_b1)
    org_move(actor=actor, org=tree.street_a, new_parent=tree.district_b)


def test_rebuild_gives_the_same_figures_as_the_incremental_counters(tree):
    # given counters kept in step by a series of writes
    _populate(tree)
    kept = _all_stats()

    # when they are recomputed from scratch
    rebuild_counters()

    # then every union shows the same figures, and they are the truth
    assert _all_stats() == kept
    assert mismatches() == {}
    assert kept["BJ"]["members_by_status"] == {
        "active": 3,
        "retained": 1,
        "transferred": 1,
        "withdrawn": 0,
        "deceased": 0,
    }
    # and the recompute wrote one row per union and key, in slot 0
    assert set(SubtreeCounter.objects.values_list("slot", flat=True)) == {0}


def test_rebuild_command_repairs_lost_and_wrong_counters(tree, capsys):
    # given counters that were damaged (rows lost, a value wrong)
    _populate(tree)
    expected = _all_stats()
    SubtreeCounter.objects.filter(key__startswith="status:").delete()
    SubtreeCounter.objects.filter(key="migrant").update(value=99)
    assert mismatches() != {}

    # when the command runs
    call_command("rebuild_counters")

    # then the figures are right again
    assert _all_stats() == expected
    assert mismatches() == {}
    assert "已重新计算统计计数" in capsys.readouterr().out


def test_rebuild_of_an_empty_roll_leaves_only_union_counts(tree):
    rebuild_counters()

    assert set(SubtreeCounter.objects.values_list("key", flat=True)) == {
        "kind:federation",
        "kind:township",
        "kind:grassroots",
        "kind:joint_grassroots",
    }
    assert subtree_stats(org=tree.city)["unions_by_kind"] == {
        "federation": 3,
        "township": 1,
        "grassroots": 2,
        "joint_grassroots": 1,
    }
