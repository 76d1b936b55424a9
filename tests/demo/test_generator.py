import datetime as dt
import re
from collections import Counter

import pytest
from django.utils import timezone

from gonghui.core import pii
from gonghui.core.ethnicity import ETHNIC_GROUPS
from gonghui.core.idcard import mask_id_number, parse_id_number
from gonghui.core.phone import validate_mobile
from gonghui.core.regions import validate_region_code
from gonghui.core.treepath import STEP_LEN
from gonghui.core.uscc import validate_uscc
from gonghui.demo import generator
from gonghui.demo.generator import Planner, add_years, seed_dataset
from gonghui.members.models import CURRENT_STATUSES, Education, Member, MemberEvent, NewEmploymentForm
from gonghui.members.services import member_create
from gonghui.orgs.models import Org, OrgEvent, OrgKind
from tests.conftest import member_data

TODAY = dt.date(2026, 6, 1)
HOLDING = {OrgKind.GRASSROOTS, OrgKind.JOINT_GRASSROOTS}


def make_plan(seed, *, unions=30, members=400, run=1, city=None, today=TODAY):
    planner = Planner(seed=seed, unions=unions, members=members, run=run, city=city, today=today)
    orgs = planner.build()
    return orgs, list(planner.iter_members())


def org_facts(orgs):
    return [(o.name, o.code, o.kind, o.region_code, o.uscc, o.chair_name, o.term_end, o.size) for o in orgs]


# ----- the plan (no database) ----------------------------------------------------------------


def test_same_seed_gives_the_same_unions_and_people():
    orgs_1, members_1 = make_plan(7)
    orgs_2, members_2 = make_plan(7)

    assert org_facts(orgs_1) == org_facts(orgs_2)
    assert members_1 == members_2
    assert len(members_1) == 400


def test_another_seed_or_run_gives_other_people():
    _, members = make_plan(7, city="3301")
    _, other_seed = make_plan(8, city="3301")
    _, other_run = make_plan(7, city="3301", run=2)

    ids = {m.id_number for m in members}
    assert [m.name for m in members] != [m.name for m in other_seed]
    assert ids.isdisjoint({m.id_number for m in other_seed})
    assert [m.name for m in members] != [m.name for m in other_run]


def test_planned_unions_are_valid_and_form_a_tree():
    orgs, _ = make_plan(3, unions=60, members=0, city="3301")

    root = orgs[0]
    assert (root.name, root.code, root.kind, root.federation_level, root.region_code) == (
        "杭州市总工会",
        "HZ",
        OrgKind.FEDERATION,
        "city",
        "330100",
    )
    assert len({o.code for o in orgs}) == len(orgs)
    assert len({o.name for o in orgs}) == len(orgs)
    assert sum(1 for o in orgs if o.kind in HOLDING) == 60
    by_ref = {o.ref: o for o in orgs}
    for org in orgs:
        assert validate_region_code(org.region_code) == org.region_code
        if org.uscc:
            assert validate_uscc(org.uscc) == org.uscc
            assert org.uscc.startswith("81" + org.region_code)
        assert org.founded_on <= org.term_start < org.term_end
        assert re.fullmatch(r"0\d{2,3}-\d{8}|1[3-9]\d{9}", org.contact_phone)
        if org.parent_ref is not None:
            parent = by_ref[org.parent_ref]
            assert parent.kind not in HOLDING
            assert org.code.startswith(parent.code + "-")
        if org.kind == OrgKind.FEDERATION and org.parent_ref is not None:
            assert org.federation_level == "county"
            assert org.region_code.startswith("3301")
    kinds = Counter(o.kind for o in orgs)
    assert kinds[OrgKind.INDUSTRY_FEDERATION] >= 1
    assert kinds[OrgKind.REGIONAL_FEDERATION] >= 1
    assert kinds[OrgKind.TOWNSHIP] >= 1
    assert kinds[OrgKind.JOINT_GRASSROOTS] >= 1


def test_planned_people_have_valid_consistent_facts():
    orgs, members = make_plan(5, unions=40, members=1500)
    by_ref = {o.ref: o for o in orgs}

    assert len({m.id_number for m in members}) == len(members)
    for m in members:
        facts = parse_id_number(m.id_number, today=TODAY)
        assert (facts.birth_date, facts.gender) == (m.birth_date, m.gender)
        assert validate_region_code(m.id_number[:6]) == m.id_number[:6]
        assert 1960 <= m.birth_date.year <= 2006
        assert add_years(m.birth_date, 16) <= m.join_date <= TODAY
        if not m.is_migrant_worker:
            assert m.id_number[:6] == by_ref[m.org_ref].region_code
        if m.phone:
            assert validate_mobile(m.phone) == m.phone
        assert m.ethnicity in ETHNIC_GROUPS
        assert m.education in Education.values
        assert m.new_employment_form in NewEmploymentForm.values
        assert validate_uscc(m.employer_uscc) == m.employer_uscc
        assert m.employer_uscc[:2] in {"91", "92", "12"}
        assert m.employer_uscc[2:8] == by_ref[m.org_ref].region_code
        assert m.employer_name in {e.name for e in by_ref[m.org_ref].employers}
        assert by_ref[m.org_ref].kind in HOLDING


def test_demo_sized_plan_looks_like_a_real_city():
    orgs, members = make_plan(2026, unions=200, members=5000, city="3301")
    n = len(members)

    holders = [o for o in orgs if o.kind in HOLDING]
    sizes = sorted(o.size for o in holders)
    today = TODAY
    assert sum(sizes) == 5000
    assert sizes[-1] >= 20 * max(sizes[0], 1)  # a few large unions, many small ones
    assert 0.27 <= sum(m.is_migrant_worker for m in members) / n <= 0.33
    assert 0.06 <= sum(m.new_employment_form != "none" for m in members) / n <= 0.10
    assert set(Counter(m.new_employment_form for m in members)) == set(NewEmploymentForm.values)
    assert 0.01 <= sum(m.ethnicity != "汉族" for m in members) / n <= 0.08
    statuses = Counter(m.status for m in members)
    assert statuses["active"] / n >= 0.9
    assert statuses["retained"] > 0 and statuses["withdrawn"] > 0
    assert 0.4 <= sum(m.gender == "male" for m in members) / n <= 0.7
    assert any(o.term_end < today for o in orgs)
    assert any(today <= o.term_end <= today + dt.timedelta(days=90) for o in orgs)


# ----- writing -------------------------------------------------------------------------------


@pytest.fixture
def seeded(db):
    return seed_dataset(seed=11, unions=25, members=500, note="测试造数")


def test_seed_writes_exactly_the_plan(seeded):
    planner = Planner(seed=11, unions=25, members=500, run=1, today=timezone.localdate())
    planner.build()
    planned = sorted((m.name, m.id_number, m.join_date) for m in planner.iter_members())

    written = sorted(
        (m.name, pii.decrypt(m.id_number_encrypted), m.join_date)
        for m in Member.objects.only("name", "id_number_encrypted", "join_date")
    )
    assert written == planned
    assert seeded.members == 500
    assert seeded.holding_unions == 25
    assert Org.objects.count() == len(seeded.orgs)
    assert seeded.root.path == "0001"


def test_seeded_members_pass_the_validators(seeded):
    today = timezone.localdate()
    for m in Member.objects.select_related("org"):
        number = pii.decrypt(m.id_number_encrypted)
        facts = parse_id_number(number)
        assert (facts.birth_date, facts.gender) == (m.birth_date, m.gender)
        assert m.id_number_hash == pii.keyed_hash(number)
        assert m.id_number_masked == mask_id_number(number)
        assert validate_region_code(number[:6]) == number[:6]
        assert validate_uscc(m.employer_uscc) == m.employer_uscc
        assert add_years(m.birth_date, 16) <= m.join_date <= today
        assert m.org.kind in HOLDING
        assert len(m.card_number) == 13
    for org in Org.objects.all():
        assert validate_region_code(org.region_code) == org.region_code
        if org.uscc:
            assert validate_uscc(org.uscc) == org.uscc


def test_member_counts_equal_the_real_counts(seeded):
    real = Counter(Member.objects.filter(status__in=CURRENT_STATUSES).values_list("org_id", flat=True))

    assert {o.pk: o.member_count for o in Org.objects.all()} == {o.pk: real[o.pk] for o in Org.objects.all()}
    assert sum(real.values()) == seeded.current_members


def test_one_current_membership_per_person(seeded):
    hashes = list(Member.objects.values_list("id_number_hash", flat=True))

    assert len(hashes) == 500
    assert len(set(hashes)) == 500


def test_tree_paths_are_consistent(seeded):
    orgs = {o.pk: o for o in Org.objects.all()}
    children = Counter(o.parent_id for o in orgs.values())

    assert len({o.path for o in orgs.values()}) == len(orgs)
    for org in orgs.values():
        assert org.depth == len(org.path) // STEP_LEN
        assert org.child_seq == children[org.pk]
        if org.parent_id is None:
            assert org.path == "0001"
        else:
            parent = orgs[org.parent_id]
            assert org.path.startswith(parent.path)
            assert len(org.path) == len(parent.path) + STEP_LEN
            assert org.depth == parent.depth + 1
        if org.kind in HOLDING:
            assert children[org.pk] == 0


def test_history_rows_are_written(seeded):
    assert OrgEvent.objects.filter(kind="created").count() == Org.objects.count()
    assert MemberEvent.objects.filter(kind="imported", note="测试造数").count() == 500
    event = MemberEvent.objects.select_related("member").first()
    assert event.changes["name"] == [None, event.member.name]
    assert event.changes["id_number_masked"] == [None, event.member.id_number_masked]


def test_second_run_adds_a_new_tree_with_its_own_codes(seeded):
    second = seed_dataset(seed=11, unions=25, members=500)

    assert second.root.path == "0002"
    assert second.root.code != seeded.root.code
    assert not second.root.code.startswith(seeded.root.code + "-")
    assert Member.objects.count() == 1000
    assert len(set(Member.objects.values_list("id_number_hash", flat=True))) == 1000
    assert Org.objects.filter(parent=None).count() == 2


def test_person_already_on_the_roll_gets_another_number(tree):
    # tree's root takes path 0001, so the seed below is run 2: plan it to learn its first person.
    planner = Planner(seed=5, unions=5, members=40, run=2, today=timezone.localdate())
    planner.build()
    first = next(planner.iter_members())
    existing = member_create(
        actor=tree.superuser, data=member_data(tree.union_a1, id_number=first.id_number, join_date="2024-01-02")
    )

    seed_dataset(seed=5, unions=5, members=40)

    assert Member.objects.count() == 41
    assert Member.objects.filter(id_number_hash=existing.id_number_hash).count() == 1
    assert len(set(Member.objects.values_list("id_number_hash", flat=True))) == 41
    assert Member.objects.get(pk=existing.pk).org_id == tree.union_a1.pk


def test_seed_is_all_or_nothing(db, monkeypatch):
    calls = []
    real = generator.allocate_card_numbers

    def failing(count):
        calls.append(count)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(count)

    monkeypatch.setattr(generator, "allocate_card_numbers", failing)

    with pytest.raises(RuntimeError):
        seed_dataset(seed=1, unions=10, members=300, chunk_size=100)

    assert Org.objects.count() == 0
    assert Member.objects.count() == 0
    assert OrgEvent.objects.count() == 0


@pytest.mark.parametrize(("unions", "members"), [(1, 0), (1, 3), (7, 20)])
def test_tiny_seeds_still_make_a_whole_tree(db, unions, members):
    result = seed_dataset(seed=unions, unions=unions, members=members)

    assert Org.objects.filter(kind__in=HOLDING).count() == unions
    assert Member.objects.count() == members
    assert sum(o.member_count for o in Org.objects.all()) == result.current_members
    root = Org.objects.get(parent=None)
    assert (root.kind, root.federation_level) == ("federation", "city")
    assert Org.objects.filter(parent=root, kind="federation", federation_level="county").count() == 1
