"""The statistics equal a ground-truth COUNT after every kind of write, in any order.

Random sequences of real service calls — registrations, edits, status changes, transfers,
imports, new unions, moves, kind changes, deactivations — and after each step every union's
statistics are compared with counts taken straight from the tables.
"""

from __future__ import annotations

import random

import pytest

from gonghui.core.errors import DomainError
from gonghui.members.imports import import_members_file
from gonghui.members.models import CURRENT_STATUSES, Member, NewEmploymentForm
from gonghui.members.services import (
    ALLOWED_STATUS_CHANGES,
    member_change_status,
    member_create,
    member_transfer,
    member_update,
)
from gonghui.orgs.models import MEMBER_HOLDING_KINDS, Org, OrgKind
from gonghui.orgs.services import org_create, org_deactivate, org_move, org_update
from gonghui.stats.services import rebuild_counters
from tests.conftest import member_data
from tests.members.importfiles import person, write_csv

from .truth import mismatches, person_id

CATEGORIES = NewEmploymentForm.values


class Scenario:
    def __init__(self, tree, tmp_path, seed: int) -> None:
        self.tree = tree
        self.actor = tree.superuser
        self.rng = random.Random(seed)
        self.tmp_path = tmp_path
        self.seq = seed * 10_000
        self.codes = 0

    # -- picking ---------------------------------------------------------------------------

    def holders(self) -> list[Org]:
        return list(Org.objects.filter(kind__in=MEMBER_HOLDING_KINDS, is_active=True).order_by("pk"))

    def branches(self) -> list[Org]:
        return list(Org.objects.exclude(kind__in=MEMBER_HOLDING_KINDS).filter(is_active=True).order_by("pk"))

    def members(self, current: bool = False) -> list[Member]:
        qs = Member.objects.order_by("pk")
        return list(qs.filter(status__in=CURRENT_STATUSES) if current else qs)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def profile(self) -> dict:
        return {
            "is_migrant_worker": self.rng.random() < 0.4,
            "new_employment_form": self.rng.choice(CATEGORIES),
        }

    # -- steps -----------------------------------------------------------------------------

    def create(self) -> None:
        org = self.rng.choice(self.holders())
        data = member_data(org, **self.profile())
        data["id_number"] = person_id(self.next_seq())
        member_create(actor=self.actor, data=data)

    def update(self) -> None:
        members = self.members()
        if members:
            member_update(actor=self.actor, member=self.rng.choice(members), data=self.profile())

    def change_status(self) -> None:
        members = [m for m in self.members() if ALLOWED_STATUS_CHANGES[m.status]]
        if members:
            member = self.rng.choice(members)
            status = self.rng.choice(sorted(ALLOWED_STATUS_CHANGES[member.status]))
            member_change_status(actor=self.actor, member=member, status=status)

    def transfer(self) -> None:
        members = self.members(current=True)
        if members:
            member = self.rng.choice(members)
            targets = [o for o in self.holders() if o.pk != member.org_id]
            if targets:
                member_transfer(actor=self.actor, member=member, to_org=self.rng.choice(targets))

    def import_file(self) -> None:
        org = self.rng.choice(self.holders())
        rows = []
        for _ in range(self.rng.randint(1, 4)):
            profile = self.profile()
            rows.append(
                person(
                    1,
                    证件号码=person_id(self.next_seq()),
                    是否农民工="是" if profile["is_migrant_worker"] else "否",
                    新就业形态=str(NewEmploymentForm(profile["new_employment_form"]).label),
                )
            )
        path = write_csv(self.tmp_path / f"import-{self.seq}.csv", rows)
        result = import_members_file(actor=self.actor, org=org, path=path, skip_invalid=False)
        assert result.accepted, result.errors

    def create_org(self) -> None:
        parent = self.rng.choice(self.branches())
        self.codes += 1
        kind = self.rng.choice([OrgKind.GRASSROOTS, OrgKind.JOINT_GRASSROOTS, OrgKind.TOWNSHIP])
        data = {"name": f"新建工会{self.codes}", "code": f"NEW-{self.codes}", "kind": kind, "region_code": "110105"}
        org_create(actor=self.actor, parent=parent, data=data)

    def move_org(self) -> None:
        movable = [o for o in self.branches() if o.parent_id is not None]
        if not movable:
            return
        org = self.rng.choice(movable)
        targets = [p for p in self.branches() if not p.path.startswith(org.path) and p.pk != org.parent_id]
        if targets:
            org_move(actor=self.actor, org=org, new_parent=self.rng.choice(targets))

    def change_kind(self) -> None:
        swaps = {
            OrgKind.GRASSROOTS: OrgKind.JOINT_GRASSROOTS,
            OrgKind.JOINT_GRASSROOTS: OrgKind.GRASSROOTS,
            OrgKind.TOWNSHIP: OrgKind.REGIONAL_FEDERATION,
            OrgKind.REGIONAL_FEDERATION: OrgKind.TOWNSHIP,
        }
        candidates = list(Org.objects.filter(kind__in=list(swaps), is_active=True).order_by("pk"))
        if candidates:
            org = self.rng.choice(candidates)
            org_update(actor=self.actor, org=org, data={"kind": swaps[OrgKind(org.kind)]})

    def deactivate(self) -> None:
        empty = [
            o
            for o in Org.objects.filter(is_active=True, parent__isnull=False).order_by("pk")
            if not o.children.filter(is_active=True).exists()
            and not o.members.filter(status__in=CURRENT_STATUSES).exists()
        ]
        if empty:
            org_deactivate(actor=self.actor, org=self.rng.choice(empty))

    def step(self, name: str | None = None) -> str:
        steps = {
            "create": (self.create, 5),
            "update": (self.update, 3),
            "change_status": (self.change_status, 4),
            "transfer": (self.transfer, 4),
            "import_file": (self.import_file, 2),
            "create_org": (self.create_org, 2),
            "move_org": (self.move_org, 2),
            "change_kind": (self.change_kind, 1),
            "deactivate": (self.deactivate, 1),
        }
        if name is None:
            name = self.rng.choices(list(steps), weights=[w for _, w in steps.values()])[0]
        try:
            steps[name][0]()
        except DomainError:
            return "refused"  # a refused step changes nothing, and the comparison checks that too
        return name


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_statistics_equal_the_ground_truth_after_every_step(tree, tmp_path, seed):
    # given the standard tree and a random sequence of real writes
    scenario = Scenario(tree, tmp_path, seed)
    every_kind = ["create", "create", "create", "import_file", "update", "change_status", "transfer"]
    every_kind += ["create_org", "move_org", "change_kind", "deactivate"]
    done = []
    for name in every_kind + [None] * 40:
        # when one more write commits
        done.append(scenario.step(name))

        # then every union's statistics equal the counted truth
        assert mismatches() == {}, done
    # and the run exercised every kind of write
    assert set(every_kind) <= set(done)

    # and a full recompute gives the same figures as the kept counters
    rebuild_counters()
    assert mismatches() == {}
