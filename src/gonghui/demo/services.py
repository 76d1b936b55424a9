"""The demo: a city federation with its member roll, and accounts at each level of the tree."""

from __future__ import annotations

import base64
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import import_module

from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from gonghui.accounts.models import Role, User
from gonghui.accounts.services import officer_create
from gonghui.orgs.models import Org, OrgKind

from .generator import HOLDING_KINDS, SeedResult, seed_dataset

DEMO_SEED = 2026
DEMO_CITY = "3301"  # 杭州市: urban districts with streets, counties with towns
DEMO_UNIONS = 200
DEMO_MEMBERS = 5000
# Fixed so that the README and `make demo` can print them; for a local demo only.
DEMO_PASSWORD = "gonghui-demo"  # noqa: S105 - printed on purpose, for a local demo
SUPERUSER = "admin"
# Every demo account signs in with a second factor from this one authenticator key (printed by
# `gonghui demo`; `gonghui demo-code` shows its current code for those without an authenticator app).
DEMO_TOTP_SECRET = "GONGHUIDEMOTOTPSECRETKEYFORLOCAL"  # noqa: S105 - printed on purpose, for a local demo


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str  # Chinese label
    org_name: str


@dataclass(frozen=True)
class DemoOutcome:
    loaded: bool
    result: SeedResult | None
    accounts: list[DemoAccount]
    # What each app's demo added, e.g. {"rights": {"requests": 60}}.
    extras: dict[str, dict[str, int]] = field(default_factory=dict)


# Each app's own demo records, loaded in this order after the tree, the roll and the accounts:
# `load_demo(*, places, admin, rng) -> counts`, writing through the app's services.
DEMO_EXTENSIONS = (
    "gonghui.portal.demo",
    "gonghui.joining.demo",
    "gonghui.rights.demo",
    "gonghui.casework.demo",
    "gonghui.assistance.demo",
    "gonghui.campaigns.demo",
    "gonghui.medical_aid.demo",
)


# username, role, where ("city" / "district" / "union"), display name
DEMO_OFFICERS = (
    ("city_admin", Role.ADMIN, "city", gettext_lazy("市总工会管理员（演示）")),
    ("district_officer", Role.OFFICER, "district", gettext_lazy("区总工会工作人员（演示）")),
    ("union_officer", Role.OFFICER, "union", gettext_lazy("基层工会工作人员（演示）")),
    ("city_viewer", Role.VIEWER, "city", gettext_lazy("市总工会只读账号（演示）")),
)


def demo_load() -> DemoOutcome:
    """Load the demo when the database has no unions; otherwise change nothing."""
    with transaction.atomic():
        if Org.objects.exists():
            return DemoOutcome(loaded=False, result=None, accounts=demo_accounts())
        admin = User.objects.create_superuser(SUPERUSER, "", DEMO_PASSWORD, display_name=_("系统管理员"))
        result = seed_dataset(
            seed=DEMO_SEED,
            unions=DEMO_UNIONS,
            members=DEMO_MEMBERS,
            city=DEMO_CITY,
            actor=admin,
            note=_("演示数据"),
        )
        places = _demo_places(result)
        for username, role, where, display_name in DEMO_OFFICERS:
            officer_create(
                actor=admin,
                username=username,
                password=DEMO_PASSWORD,
                org=places[where],
                role=role,
                display_name=str(display_name),
                # The demo shows the hardship and mutual-aid pages to every demo officer.
                assistance_access=True,
            )
        for user in User.objects.filter(username__in=[SUPERUSER, *(officer[0] for officer in DEMO_OFFICERS)]):
            _demo_second_factor(user)
        extras = {}
        for offset, module in enumerate(DEMO_EXTENSIONS):
            load = import_module(module).load_demo
            extras[module.split(".", 1)[1]] = load(places=places, admin=admin, rng=random.Random(DEMO_SEED + offset))
    return DemoOutcome(loaded=True, result=result, accounts=demo_accounts(verify=False), extras=extras)


def _demo_places(result: SeedResult) -> dict[str, Org]:
    """The city, its district with the most members, and that district's largest union."""
    root = result.root
    districts = [o for o in result.orgs if o.parent_id == root.pk and o.kind == OrgKind.FEDERATION]

    def members_under(org: Org) -> int:
        return sum(o.member_count for o in result.orgs if o.path.startswith(org.path))

    district = max(districts, key=lambda d: (members_under(d), -d.pk))
    unions = [o for o in result.orgs if o.kind in HOLDING_KINDS and o.path.startswith(district.path)]
    union = max(unions, key=lambda o: (o.member_count, -o.pk))
    return {"city": root, "district": district, "union": union}


def demo_accounts(*, verify: bool = True) -> list[DemoAccount]:
    """The demo accounts that exist and still have the demo password (known when just created)."""
    names = [SUPERUSER, *(officer[0] for officer in DEMO_OFFICERS)]
    found = {u.username: u for u in User.objects.filter(username__in=names).select_related("org")}
    users = [found[name] for name in names if name in found]
    # Password hashing is slow by design and releases the GIL: check the accounts side by side.
    if verify:
        with ThreadPoolExecutor(max_workers=4) as pool:
            valid = list(pool.map(lambda u: check_password(DEMO_PASSWORD, u.password), users))
    else:
        valid = [True] * len(users)
    accounts = []
    for user, ok in zip(users, valid, strict=True):
        if not ok:
            continue
        if user.is_superuser:
            role, org_name = _("超级管理员"), _("全部工会组织")
        else:
            role, org_name = str(Role(user.role).label) if user.role else "", user.org.name if user.org else ""
        accounts.append(DemoAccount(username=user.username, password=DEMO_PASSWORD, role=str(role), org_name=org_name))
    return accounts


def _demo_second_factor(user: User) -> None:
    """An authenticator with the demo key and ten recovery codes, as if the account had set them up."""
    TOTPDevice.objects.create(user=user, name="authenticator", key=demo_totp_key_hex(), confirmed=True)
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=StaticToken.random_token()) for _ in range(10)])


def demo_totp_key_hex() -> str:
    return base64.b32decode(DEMO_TOTP_SECRET).hex()


def demo_totp_code() -> str:
    """The demo key's code now, as an authenticator app would show it."""
    return f"{TOTP(bytes.fromhex(demo_totp_key_hex())).token():06d}"


def demo_second_factor() -> tuple[list[str], list[str]]:
    """Demo accounts still using the demo key, and the superuser's unused recovery codes."""
    names = [SUPERUSER, *(officer[0] for officer in DEMO_OFFICERS)]
    using = set(
        TOTPDevice.objects.filter(user__username__in=names, key=demo_totp_key_hex(), confirmed=True).values_list(
            "user__username", flat=True
        )
    )
    codes = list(
        StaticToken.objects.filter(device__user__username=SUPERUSER, device__confirmed=True)
        .order_by("pk")
        .values_list("token", flat=True)
    )
    return [name for name in names if name in using], codes if SUPERUSER in using else []
