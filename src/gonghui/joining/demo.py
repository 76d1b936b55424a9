"""Demo joining data: invites, applications in every state (some overdue and flagged), a township's
online members' home with enough riders of one platform to raise a founding prompt, and transfer
requests pending / approved / rejected / cancelled. All made through the services, by demo workers
(phones 138 0001 …, password "gonghui-demo") and the demo's officers, with the clock set back
where the story needs it.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from gonghui.accounts.models import Role, User
from gonghui.accounts.scope import scope_q
from gonghui.core import pii
from gonghui.core.idcard import build_id_number
from gonghui.members.models import Member
from gonghui.members.services import member_create
from gonghui.orgs.models import MEMBER_HOLDING_KINDS, Org, OrgKind
from gonghui.orgs.services import org_create
from gonghui.portal.binding import binding_request_confirm, worker_bind_identity
from gonghui.portal.models import BindingRequest, WorkerAccount
from gonghui.portal.services import worker_create

from . import services
from .models import TransferRequest

DEMO_PASSWORD = "gonghui-demo"  # noqa: S105 - the demo's printed password
PHONE_PREFIX = "1380001"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "志强",
)
PLATFORM = "杭州快送网络科技有限公司"


class _Demo:
    def __init__(self, *, places: dict, admin, rng: random.Random) -> None:
        self.places = places
        self.admin = admin
        self.rng = rng
        self.seq = 0
        self.password_hash = make_password(DEMO_PASSWORD)
        self.now = timezone.now()
        self.counts: dict[str, int] = {}

    def bump(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def officer_of(self, org: Org) -> User:
        """An officer (write rights) whose scope covers org: its own, a parent's, or the superuser."""
        prefixes = [org.path[:i] for i in range(4, len(org.path) + 1, 4)]
        officer = (
            User.objects.filter(org__path__in=prefixes, role__in=[Role.ADMIN, Role.OFFICER], is_active=True)
            .order_by("-org__depth", "id")
            .first()
        )
        return officer or self.admin

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def id_number(self) -> str:
        region = self.places["district"].region_code or "330106"
        while True:
            birth = dt.date(1975 + self.rng.randrange(30), 1 + self.rng.randrange(12), 1 + self.rng.randrange(28))
            number = build_id_number(region, birth, 100 + self.rng.randrange(800))
            digest = pii.keyed_hash(number)
            taken = Member.objects.filter(id_number_hash=digest).exists()
            if not taken and not WorkerAccount.objects.filter(id_number_hash=digest).exists():
                return number

    def worker(self, name: str | None = None, number: str | None = None) -> WorkerAccount:
        """A real-name bound demo worker (not on any roll unless `number` is a member's)."""
        self.seq += 1
        account = worker_create(phone=f"{PHONE_PREFIX}{self.seq:04d}", password_hash=self.password_hash)
        self.bump("worker_accounts")
        request = worker_bind_identity(
            worker=account, name=name or self.name(), id_type="resident_id", id_number=number or self.id_number()
        )
        if request.state == BindingRequest.State.PENDING and request.org is not None:
            # On the roll without a phone: the union's officer confirms, as the real flow asks.
            binding_request_confirm(actor=self.officer_of(request.org), request_id=request.pk)
        account.refresh_from_db()
        return account

    def member_worker(self, org: Org) -> tuple[Member, WorkerAccount]:
        """A new member of org (registered by an officer) with a bound worker account."""
        name, number = self.name(), self.id_number()
        member = member_create(
            actor=self.officer_of(org),
            data={"org": org.pk, "name": name, "id_number": number, "join_date": "2021-06-01", "phone": ""},
        )
        self.bump("members")
        return member, self.worker(name, number)

    def apply(self, worker: WorkerAccount, org: Org, *, days_ago: float = 0, source: str = "search", **data: Any):
        when = self.now - dt.timedelta(days=days_ago)
        fields = {"employer_name": data.pop("employer_name", "杭州某制造有限公司"), **data}
        application = services.application_submit(worker=worker, org=org, data=fields, source=source, now=when)
        self.bump("applications")
        return application


def _township(district: Org, admin) -> Org:
    township = (
        Org.objects.filter(kind=OrgKind.TOWNSHIP, is_active=True, path__startswith=district.path)
        .order_by("path")
        .first()
    )
    if township is not None:
        return township
    return org_create(
        actor=admin,
        parent=district,
        data={
            "name": "演示街道工会",
            "code": f"DEMO-ST-{district.pk}",
            "kind": OrgKind.TOWNSHIP,
            "region_code": district.region_code,
        },
    )


def _holding(qs) -> Org | None:
    return qs.filter(kind__in=sorted(MEMBER_HOLDING_KINDS), is_active=True).order_by("path").first()


def load_demo(*, places: dict, admin, rng: random.Random) -> dict[str, int]:
    demo = _Demo(places=places, admin=admin, rng=rng)
    union: Org = places["union"]
    district: Org = places["district"]
    city: Org = places["city"]
    township = _township(district, admin)
    sibling = _holding(Org.objects.filter(path__startswith=district.path).exclude(pk=union.pk)) or union
    elsewhere = _holding(Org.objects.filter(path__startswith=city.path).exclude(path__startswith=district.path))
    union_officer = demo.officer_of(union)
    township_officer = demo.officer_of(township)

    # Invites: the demo union, a sibling union and the township (its online home).
    for org in {union, sibling, township}:
        services.invite_ensure(actor=demo.officer_of(org), org=org)
        demo.bump("invites")

    # Applications to the demo union in every state.
    for _i in range(3):
        demo.apply(demo.worker(), union, days_ago=rng.random())  # submitted, within the deadline
    for days in (9, 12):
        demo.apply(demo.worker(), union, days_ago=days)  # overdue: flagged below
    for _i in range(2):
        app = demo.apply(demo.worker(), union, days_ago=3, source="invite")
        services.application_approve(actor=union_officer, application=app)
        demo.bump("approved")
    rejected = demo.apply(demo.worker(), union, days_ago=4, employer_name="")
    services.application_reject(
        actor=union_officer, application=rejected, reason="未在本单位就业，请向所在街道网上会员之家申请"
    )
    withdrawn = demo.apply(demo.worker(), sibling, days_ago=2)
    services.application_withdraw(worker=withdrawn.worker, application=withdrawn)
    demo.bump("flagged", services.application_flag_overdue(now=demo.now))

    # The township's online members' home: riders of one platform → a founding prompt.
    for _i in range(services.founding_threshold() + 1):
        app = demo.apply(
            demo.worker(), township, days_ago=2, employer_name=PLATFORM, new_employment_form="delivery_rider"
        )
        services.application_approve(actor=township_officer, application=app)
        demo.bump("online_home_members")
    demo.apply(demo.worker(), township, days_ago=1, employer_name="个体家政服务", new_employment_form="domestic_worker")
    demo.bump("founding_prompts", township.online_home.prompts.count())

    # Transfer requests: pending (to a union outside the district), approved, rejected, cancelled.
    before = TransferRequest.objects.count()
    _member, mover = demo.member_worker(union)
    services.transfer_request_by_worker(worker=mover, to_org=elsewhere or sibling, reason="到新单位工作")
    _member, mover = demo.member_worker(union)
    moved = services.transfer_request_by_worker(worker=mover, to_org=sibling, reason="调动到兄弟单位")
    services.transfer_request_approve(actor=demo.officer_of(sibling), request=moved)
    _member, mover = demo.member_worker(union)
    refused = services.transfer_request_by_worker(worker=mover, to_org=sibling, reason="想换个工会")
    services.transfer_request_reject(actor=demo.officer_of(sibling), request=refused, reason="未在本单位就业")
    _member, mover = demo.member_worker(union)
    changed_mind = services.transfer_request_by_worker(worker=mover, to_org=sibling)
    services.transfer_request_cancel_by_worker(worker=mover, request=changed_mind)
    # The district's officer asks a union in another district to take a member (pending).
    district_officer = demo.officer_of(district)
    if elsewhere is not None and not Org.objects.filter(scope_q(district_officer), pk=elsewhere.pk).exists():
        member, _worker = demo.member_worker(union)
        services.transfer_request_by_officer(
            actor=district_officer, member=member, to_org=elsewhere, reason="单位整体迁至外区"
        )
    demo.bump("transfer_requests", TransferRequest.objects.count() - before)
    return demo.counts
