"""Set-up helpers for the medical-aid tests: everything through the real services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gonghui.accounts.services import officer_update
from gonghui.medical_aid import services
from gonghui.medical_aid.models import Enrolment, MedicalAidPlan
from gonghui.members.services import member_create
from tests.conftest import member_data

TODAY = dt.date(2026, 3, 10)
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

TIERS = [
    {"up_to": "10000", "percent": "50"},
    {"up_to": "50000", "percent": "60"},
    {"up_to": None, "percent": "70"},
]


def grant(tree, *users) -> None:
    """Give officers the assistance right (as an account admin would)."""
    for user in users:
        officer_update(actor=tree.superuser, user=user, data={"assistance_access": True})
        user.refresh_from_db()


def plan_data(org, **overrides: Any) -> dict[str, Any]:
    data = {
        "organiser": org.pk,
        "year": 2026,
        "name": "2026年度职工住院医疗互助",
        "contribution": "60.00",
        "enrol_start": "2026-01-01",
        "enrol_end": "2026-06-30",
        "cover_start": "2026-01-01",
        "cover_end": "2026-12-31",
        "deductible": "1000",
        "deductible_basis": "per_claim",
        "tiers": TIERS,
        "per_claim_cap": "30000",
        "yearly_cap": "50000",
        "categories": ["inpatient", "serious_outpatient", "accident"],
    }
    data.update(overrides)
    return data


def open_plan(tree, org=None, **overrides: Any) -> MedicalAidPlan:
    actor = tree.superuser
    plan = services.plan_create(actor=actor, data=plan_data(org or tree.district_a, **overrides))
    return services.plan_open(actor=actor, plan=plan)


def add_member(tree, org, seq: int, **overrides: Any):
    return member_create(actor=tree.superuser, data=member_data(org, seq=seq, **overrides))


def enrol(tree, plan, member, actor=None) -> Enrolment:
    return services.enrolment_create(actor=actor or tree.superuser, plan=plan, member=member, today=TODAY)


def claim_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "category": "inpatient",
        "hospital": "北京朝阳医院",
        "diagnosis": "急性阑尾炎",
        "admission_date": "2026-02-01",
        "discharge_date": "2026-02-08",
        "total_cost": "20000.00",
        "insurance_paid": "12000.00",
        "other_paid": "0",
    }
    data.update(overrides)
    return data


def clerk(tree):
    """A second superuser who types claims in, so the default reviewer (tree.superuser) may approve them."""
    from gonghui.accounts.models import User

    return User.objects.filter(username="clerk").first() or User.objects.create_superuser("clerk", "", "x")


def file_claim(tree, enrolment, actor=None, **overrides: Any):
    return services.claim_create(
        actor=actor or clerk(tree), enrolment=enrolment, data=claim_data(**overrides), today=TODAY
    )


def approve(tree, claim, actor=None, **kwargs: Any):
    actor = actor or tree.superuser
    claim = services.claim_start_review(actor=actor, claim=claim)
    return services.claim_approve(actor=actor, claim=claim, **kwargs)
