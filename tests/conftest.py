"""Shared fixtures. Data is set up through the real services, as users would create it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.utils import translation

from gonghui.accounts.models import User
from gonghui.accounts.services import officer_create
from gonghui.core.idcard import build_id_number
from gonghui.core.uscc import build_uscc
from gonghui.orgs.models import Org
from gonghui.orgs.services import org_create

PASSWORD = "Gonghui-test-2026"

# Browser fixtures (browser, new_page, shots_dir) for every app's Playwright tests.
pytest_plugins = ["tests.browser"]


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the default language (a request in English must not leak into the next test)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fresh_union_names():
    """The per-process union-name cache starts empty (a rolled-back test's union ids are reused)."""
    from gonghui.orgs.selectors import forget_union_name

    forget_union_name()


@pytest.fixture(autouse=True)
def sms_outbox():
    """Text messages sent during a test (core.sms.LocmemBackend), emptied before each test."""
    from gonghui.core import sms

    sms.outbox.clear()
    return sms.outbox


def id_number(seq: int = 1, region: str = "110105", birth: dt.date = dt.date(1990, 5, 17)) -> str:
    return build_id_number(region, birth, seq)


def uscc(body: str = "91110105MA01ABCD1") -> str:
    return build_uscc(body[:17])


def member_data(org: Org, seq: int = 1, **overrides) -> dict:
    data = {
        "name": "张三",
        "id_number": id_number(seq),
        "phone": "13800138000",
        "ethnicity": "汉族",
        "education": "bachelor",
        "employer_name": "北京某科技有限公司",
        "employer_uscc": uscc(),
        "org": org.pk,
        "join_date": "2020-03-01",
        "is_migrant_worker": False,
        "new_employment_form": "none",
    }
    data.update(overrides)
    return data


@dataclass
class Tree:
    """市总工会 → 甲区总工会 → 甲街道工会 → 甲一/甲二基层工会; 乙区总工会 → 乙一基层工会."""

    city: Org
    district_a: Org
    street_a: Org
    union_a1: Org
    union_a2: Org
    district_b: Org
    union_b1: Org
    superuser: User
    city_admin: User
    officer_a: User
    viewer_a: User
    officer_b: User
    officer_a1: User


@pytest.fixture
def tree(db) -> Tree:
    root = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    city = org_create(
        actor=root,
        parent=None,
        data={
            "name": "北京市总工会",
            "code": "BJ",
            "kind": "federation",
            "federation_level": "city",
            "region_code": "110000",
        },
    )
    district_a = org_create(
        actor=root,
        parent=city,
        data={
            "name": "朝阳区总工会",
            "code": "BJ-CY",
            "kind": "federation",
            "federation_level": "county",
            "region_code": "110105",
        },
    )
    street_a = org_create(
        actor=root,
        parent=district_a,
        data={"name": "望京街道工会", "code": "BJ-CY-WJ", "kind": "township", "region_code": "110105"},
    )
    union_a1 = org_create(
        actor=root,
        parent=street_a,
        data={"name": "望京科技公司工会", "code": "BJ-CY-WJ-01", "kind": "grassroots", "region_code": "110105"},
    )
    union_a2 = org_create(
        actor=root,
        parent=street_a,
        data={"name": "望京物流联合工会", "code": "BJ-CY-WJ-02", "kind": "joint_grassroots", "region_code": "110105"},
    )
    district_b = org_create(
        actor=root,
        parent=city,
        data={
            "name": "海淀区总工会",
            "code": "BJ-HD",
            "kind": "federation",
            "federation_level": "county",
            "region_code": "110108",
        },
    )
    union_b1 = org_create(
        actor=root,
        parent=district_b,
        data={"name": "中关村软件公司工会", "code": "BJ-HD-01", "kind": "grassroots", "region_code": "110108"},
    )

    def officer(name: str, org: Org, role: str) -> User:
        return officer_create(actor=root, username=name, password=PASSWORD, org=org, role=role)

    return Tree(
        city=city,
        district_a=district_a,
        street_a=street_a,
        union_a1=union_a1,
        union_a2=union_a2,
        district_b=district_b,
        union_b1=union_b1,
        superuser=root,
        city_admin=officer("city_admin", city, "admin"),
        officer_a=officer("officer_a", district_a, "officer"),
        viewer_a=officer("viewer_a", district_a, "viewer"),
        officer_b=officer("officer_b", district_b, "officer"),
        officer_a1=officer("officer_a1", union_a1, "officer"),
    )


def make_worker(phone: str = "13912345678", *, name: str = "", id_no: str = "", password: str = PASSWORD):
    """A worker account (portal), real-name bound when `name` and `id_no` are given.

    Built from the models so tests of other apps need not walk the registration flow; the
    portal's own tests cover registration and binding through the services.
    """
    from django.utils import timezone

    from gonghui.core.idcard import mask_id_number
    from gonghui.core.pii import encrypt, keyed_hash
    from gonghui.portal.models import WorkerAccount

    user = User.objects.create_user(f"w{phone}", password=password, display_name=name)
    worker = WorkerAccount(user=user, phone=phone, phone_verified_at=timezone.now())
    if name and id_no:
        worker.real_name = name
        worker.id_type = "resident_id"
        worker.id_number_encrypted = encrypt(id_no)
        worker.id_number_hash = keyed_hash(id_no)
        worker.id_number_masked = mask_id_number(id_no)
        worker.verified_at = timezone.now()
    worker.save()
    return worker


@pytest.fixture(autouse=True)
def fresh_schedule_known():
    """Whether a year's holiday schedule is known is cached; each test starts from the database."""
    from gonghui.core.workdays import forget_schedule

    for year in range(2020, 2036):
        forget_schedule(year)
