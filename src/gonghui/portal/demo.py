"""Demo workers' accounts: phones 138 0000 0001…, password "gonghui-demo".

Most are real-name bound to members of the demo union and its sibling unions (so they have a
member card), a few are bound but not members (they can try joining online), a few are not bound.
Accounts are opened and bound through the services, as a worker's registration would.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _

from gonghui.core import pii
from gonghui.core.idcard import build_id_number
from gonghui.members.models import CURRENT_STATUSES, Member
from gonghui.notifications.services import notify
from gonghui.orgs.models import Org

from .binding import binding_request_confirm, worker_bind_identity
from .models import WorkerAccount
from .selectors import current_member
from .services import worker_create

DEMO_WORKER_PASSWORD = "gonghui-demo"  # noqa: S105 - printed on purpose, for a local demo
PHONE_PREFIX = "1380000"
MEMBERS_OF_UNION = 20  # bound to members of places["union"]
MEMBERS_NEARBY = 4  # bound to members of other unions in the same district
NON_MEMBERS = 3  # bound, not on any roll
UNBOUND = 3  # registered only
PENDING_BINDINGS = 1  # asked to bind to a member of places["union"]; waiting in the union's queue
NON_MEMBER_NAMES = ("林小满", "马骁", "何佳怡", "黄志强", "郭丽")


def _phone(seq: int) -> str:
    return f"{PHONE_PREFIX}{seq:04d}"


def load_demo(*, places: dict, admin, rng: random.Random) -> dict[str, int]:
    union: Org = places["union"]
    district: Org = places["district"]
    password_hash = make_password(DEMO_WORKER_PASSWORD)  # hashed once: the demo has ~30 accounts

    current = Member.objects.filter(status__in=CURRENT_STATUSES)
    in_union = list(current.filter(org=union).order_by("id").values_list("pk", flat=True)[:400])
    nearby = list(
        current.filter(org__path__startswith=district.path)
        .exclude(org=union)
        .order_by("id")
        .values_list("pk", flat=True)[:400]
    )
    picked = rng.sample(in_union, min(MEMBERS_OF_UNION + PENDING_BINDINGS, len(in_union)))
    waiting = picked[MEMBERS_OF_UNION:]
    picked = picked[:MEMBERS_OF_UNION] + rng.sample(nearby, min(MEMBERS_NEARBY, len(nearby)))
    members = Member.objects.in_bulk(picked + waiting)

    counts = {
        "worker_accounts": 0,
        "bound_members": 0,
        "bound_non_members": 0,
        "unbound": 0,
        "pending_bindings": 0,
        "notifications": 0,
    }
    seq = 0
    for pk in picked:
        member = members[pk]
        seq += 1
        worker = worker_create(phone=_phone(seq), password_hash=password_hash)
        # The demo's phones are not the roll's: each worker says so, and the union confirms.
        request = worker_bind_identity(
            worker=worker,
            name=member.name,
            id_type=member.id_type,
            id_number=pii.decrypt(member.id_number_encrypted),
            phone_changed=True,
            note=_("名册中的手机号已不用"),
        )
        binding_request_confirm(actor=admin, request_id=request.pk)
        counts["worker_accounts"] += 1
        counts["bound_members"] += 1
    for i in range(NON_MEMBERS):
        seq += 1
        worker = worker_create(phone=_phone(seq), password_hash=password_hash)
        region = district.region_code[:6] if len(district.region_code or "") >= 6 else "330106"
        for attempt in range(20):
            number = build_id_number(region, dt.date(1995 + i, 3 + i, 9 + attempt), 500 + rng.randrange(400))
            if not Member.objects.filter(id_number_hash=pii.keyed_hash(number)).exists():
                break
        worker_bind_identity(worker=worker, name=NON_MEMBER_NAMES[i], id_type="resident_id", id_number=number)
        counts["worker_accounts"] += 1
        counts["bound_non_members"] += 1
    for pk in waiting:
        member = members[pk]
        seq += 1
        worker = worker_create(phone=_phone(seq), password_hash=password_hash)
        worker_bind_identity(
            worker=worker,
            name=member.name,
            id_type=member.id_type,
            id_number=pii.decrypt(member.id_number_encrypted),
            phone_changed=True,
            note=_("手机号已更换为本机号码"),
        )
        counts["worker_accounts"] += 1
        counts["pending_bindings"] += 1
    for _i in range(UNBOUND):
        seq += 1
        worker_create(phone=_phone(seq), password_hash=password_hash)
        counts["worker_accounts"] += 1
        counts["unbound"] += 1

    workers = list(WorkerAccount.objects.filter(phone__startswith=PHONE_PREFIX).select_related("user"))
    welcome = [w.user for w in workers if w.is_verified]
    counts["notifications"] += len(
        notify(
            welcome,
            topic="portal.welcome",
            title=_("欢迎使用职工之家"),
            body=_("在这里可以查看会籍、出示电子会员卡、提交维权和服务诉求，24小时在线。"),
            url="/m/",
            email=False,
        )
    )
    unbound = [w.user for w in workers if not w.is_verified]
    counts["notifications"] += len(
        notify(
            unbound,
            topic="portal.verify",
            title=_("请完成实名认证"),
            body=_("完成实名认证后即可查看会籍、申请入会和使用电子会员卡。"),
            url="/m/verify/",
            email=False,
        )
    )
    return counts


@dataclass(frozen=True)
class DemoWorkerLogin:
    phone: str
    password: str
    description: str


def demo_worker_logins() -> list[DemoWorkerLogin]:
    """Two or three demo workers to print after `gonghui demo`: a member, a non-member, an unbound one."""
    workers = list(WorkerAccount.objects.filter(phone__startswith=PHONE_PREFIX).order_by("phone"))
    chosen: list[DemoWorkerLogin] = []
    member = next((w for w in workers if w.is_verified and current_member(w) is not None), None)
    if member is not None:
        held = current_member(member)
        chosen.append(
            DemoWorkerLogin(
                member.phone,
                DEMO_WORKER_PASSWORD,
                _("会员 %(name)s（%(org)s），有电子会员卡")
                % {"name": member.real_name, "org": held.org.name if held else ""},
            )
        )
    non_member = next((w for w in workers if w.is_verified and current_member(w) is None), None)
    if non_member is not None:
        chosen.append(
            DemoWorkerLogin(
                non_member.phone,
                DEMO_WORKER_PASSWORD,
                _("已实名认证、尚未入会的职工 %(name)s（可演示网上入会）") % {"name": non_member.real_name},
            )
        )
    unbound = next((w for w in workers if not w.is_verified), None)
    if unbound is not None:
        chosen.append(DemoWorkerLogin(unbound.phone, DEMO_WORKER_PASSWORD, _("刚注册、未实名认证的职工")))
    return chosen
