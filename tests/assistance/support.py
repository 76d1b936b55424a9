"""Helpers for the assistance tests: rights, living standards and files made through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gonghui.accounts.services import officer_create, officer_update
from gonghui.assistance import services
from gonghui.assistance.models import LivingStandard
from tests.conftest import PASSWORD, id_number

# Monday 2026-03-02 10:00 Beijing (a plain working week).
MONDAY = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def grant(tree, *users):
    for user in users:
        officer_update(actor=tree.superuser, user=user, data={"assistance_access": True})
        user.refresh_from_db()


def rights_for_all(tree):
    """The usual cast with the assistance right; viewer_a gets it too (reads only)."""
    grant(tree, tree.city_admin, tree.officer_a, tree.viewer_a, tree.officer_b, tree.officer_a1)


def no_right_officer(tree, org=None, name="plain_a1"):
    return officer_create(actor=tree.superuser, username=name, password=PASSWORD, org=org or tree.union_a1,
                          role="officer")  # fmt: skip


def standard(region="110000", year=2026, minimum="1395", low="2093", days=None):
    return LivingStandard.objects.create(
        region_code=region, year=year, minimum_living=Decimal(minimum), low_income=Decimal(low),
        notice_working_days=days,
    )  # fmt: skip


def file_data(org, seq=1, **overrides):
    data = {
        "org": org.pk,
        "name": "王困难",
        "id_number": id_number(seq),
        "phone": "13800138001",
        "employer_name": "望京科技公司",
        "address": "北京市朝阳区望京街道1号",
        "household": [
            {"name": "王困难", "relation": "本人", "birth_year": 1980, "health": "serious_illness",
             "work_status": "flexible", "monthly_income": "1200"},
            {"name": "李某", "relation": "配偶", "birth_year": 1982, "health": "healthy",
             "work_status": "unemployed", "monthly_income": "0"},
            {"name": "王小", "relation": "子女", "birth_year": 2012, "health": "healthy",
             "work_status": "student", "monthly_income": "0"},
        ],
        "causes": ["serious_illness", "schooling"],
        "housing": "rented",
        "level": "deep",
    }  # fmt: skip
    data.update(overrides)
    return data


def visit(actor, file, when=None, now=None):
    return services.home_visit_add(
        actor=actor,
        file=file,
        now=now,
        data={
            "visit_date": (when or timezone.localdate()).isoformat(),
            "visitors": "赵主席、钱干事",
            "findings": "家中困难属实",
        },
    )


def submitted_file(tree, seq=1, org=None, actor=None, now=MONDAY, **overrides):
    actor = actor or tree.officer_a1
    file = services.file_create(actor=actor, data=file_data(org or tree.union_a1, seq, **overrides), now=now)
    visit(actor, file, when=now.date(), now=now)
    return services.file_submit(actor=actor, file=file, now=now)


def filed_file(tree, seq=1, now=MONDAY, **overrides):
    file = submitted_file(tree, seq, now=now, **overrides)
    file = services.file_verify(actor=tree.officer_a, file=file, now=now)
    services.finish_notices(now=file.notice_ends_at)
    file.refresh_from_db()
    return file


def png(name="photo.png", size=100):
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"0" * size, content_type="image/png")


def member_worker(tree, org, seq=50, name="王五"):
    """A real-name bound worker who is a current member of `org`."""
    from gonghui.members.services import member_create
    from tests.conftest import make_worker, member_data

    number = id_number(seq)
    member = member_create(
        actor=tree.superuser, data=member_data(org, seq=seq, name=name, id_number=number, phone=f"139{seq:08d}")
    )
    return make_worker(f"136{seq:08d}", name=name, id_no=number), member


APPLY_BODY = {
    "address": "北京市朝阳区某小区",
    "household": [
        {"name": "王五", "relation": "本人", "birth_year": 1985, "health": "disabled", "monthly_income": "900"},
        {"name": "王小五", "relation": "子女", "birth_year": 2015, "health": "healthy", "work_status": "student"},
    ],
    "causes": ["disability", "single_parent"],
}
