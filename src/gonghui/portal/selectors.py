"""Reads for workers: everything is the worker's own (their membership, their history)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from gonghui.core.treepath import STEP_LEN
from gonghui.members.models import Member, Transfer
from gonghui.members.selectors import member_current_elsewhere
from gonghui.orgs.models import Org

from .models import WorkerAccount


def current_member(worker: WorkerAccount | None) -> Member | None:
    """The worker's current membership (active or retained), found by the bound ID number's hash."""
    if worker is None or not worker.id_number_hash:
        return None
    return member_current_elsewhere(id_number_hash=worker.id_number_hash)


def membership_records(worker: WorkerAccount) -> list[Member]:
    """Every membership record of the worker's person, newest first (transfers open new ones)."""
    if not worker.id_number_hash:
        return []
    return list(
        Member.objects.filter(id_number_hash=worker.id_number_hash).select_related("org").order_by("-join_date", "-id")
    )


def transfer_history(worker: WorkerAccount) -> list[Transfer]:
    """The person's completed transfers (会员接转), newest first."""
    if not worker.id_number_hash:
        return []
    return list(
        Transfer.objects.filter(
            Q(from_member__id_number_hash=worker.id_number_hash) | Q(to_member__id_number_hash=worker.id_number_hash)
        )
        .select_related("from_org", "to_org")
        .order_by("-created_at", "-id")
    )


def org_chain(org: Org) -> list[Org]:
    """The union and its parents, the union first (望京科技公司工会, 望京街道工会, …, 市总工会): one query."""
    prefixes = [org.path[:n] for n in range(STEP_LEN, len(org.path) + 1, STEP_LEN)]
    return list(Org.objects.filter(path__in=prefixes).order_by("-path"))


@dataclass(frozen=True)
class WorkerSummary:
    worker: WorkerAccount
    member: Member | None

    @property
    def is_member(self) -> bool:
        return self.member is not None


def worker_summary(worker: WorkerAccount) -> WorkerSummary:
    return WorkerSummary(worker=worker, member=current_member(worker))
