"""Demo casework for the demo requests (run after rights.demo): legal aid at various stages with
amounts recovered, mediations with sessions and agreements, follow-ups and ratings (mostly 4–5,
some low), so the casework panels and the satisfaction page show real figures.

Everything goes through casework.services (and rights' request_close), acting as an officer of
the union holding each request (or the one nearest above it), and as the requester for online
ratings, so the timelines and notifications are the real ones.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from gonghui.accounts.models import Role, User
from gonghui.core.errors import DomainError
from gonghui.core.treepath import STEP_LEN, subtree_q
from gonghui.orgs.models import Org
from gonghui.rights.models import ServiceRequest
from gonghui.rights.services import request_close

from . import services
from .models import FollowUp, LegalAidCase, Mediation, Rating

CASEWORK_CATEGORIES = (
    "wage_arrears",
    "other_rights",
    "occupational_safety",
    "labour_contract",
    "social_insurance",
    "work_injury",
    "dismissal",
    "working_hours",
)
LAW_FIRMS = (
    ("王建国", "浙江之江律师事务所"),
    ("李敏", "杭州市法律援助中心"),
    ("陈晓东", "浙江天册律师事务所"),
    ("周丽华", "区职工法律援助工作站"),
    ("吴志强", "浙江金道律师事务所"),
)
MEDIATORS = (
    ("赵德明", "区劳动人事争议调解中心"),
    ("孙秀英", "街道劳动争议调解委员会"),
    ("钱卫东", "区总工会劳动争议调解室"),
)
# What workers say at the follow-up call: the general answers, and those that fit only one category.
ANSWERS_HAPPY = ("问题解决了，很满意", "工作人员很耐心", "事情办好了，谢谢工会")
ANSWERS_UNHAPPY = ("处理太慢了", "问题只解决了一部分")
ANSWERS_BY_CATEGORY = {
    "wage_arrears": (("工资已经全部到账，谢谢工会",), ("只补发了一部分工资，还在等",)),
    "labour_contract": (("单位已补签合同",), ("合同签了，差额还没给",)),
    "social_insurance": (("社保已经补缴上了",), ("单位还是没有缴社保",)),
}
COMMENTS = {
    5: ("非常感谢工会的帮助！", "办事效率高，态度好", ""),
    4: ("总体满意", "解决了问题，就是时间长了点", ""),
    3: ("一般吧", ""),
    2: ("问题没有完全解决", "等了很久才有回复"),
    1: ("没有解决我的问题", "很失望"),
}


def _score(rng: random.Random) -> int:
    return rng.choices((5, 4, 3, 2, 1), weights=(55, 30, 8, 4, 3))[0]


class _Officers:
    """The acting officer for a union: one of its own, else one of the nearest union above."""

    def __init__(self, admin) -> None:
        self.admin = admin
        self.by_org: dict[int, User] = {}
        for user in User.objects.filter(role__in=[Role.ADMIN, Role.OFFICER], is_active=True, org__isnull=False):
            if user.org_id is not None:
                self.by_org.setdefault(user.org_id, user)
        self.cache: dict[int, User] = {}

    def for_org(self, org: Org) -> User:
        if org.pk in self.cache:
            return self.cache[org.pk]
        found = self.by_org.get(org.pk)
        if found is None:
            prefixes = [org.path[:n] for n in range(len(org.path) - STEP_LEN, 0, -STEP_LEN)]
            above = dict(Org.objects.filter(path__in=prefixes).values_list("path", "id"))
            for prefix in prefixes:
                user = self.by_org.get(above.get(prefix, -1))
                if user is not None:
                    found = user
                    break
        self.cache[org.pk] = found or self.admin
        return self.cache[org.pk]


def _date(moment: dt.datetime | None, days: int = 0) -> dt.date:
    base = timezone.localtime(moment) if moment else timezone.localtime()
    return min(base.date() + dt.timedelta(days=days), timezone.localdate())


def _after(moment: dt.datetime | None, rng: random.Random, *, hours: tuple[int, int] = (20, 96)) -> dt.datetime:
    now = timezone.now()
    base = moment or now
    return min(base + dt.timedelta(hours=rng.randint(*hours)), now)


def _legal_aid(request: ServiceRequest, actor, rng: random.Random, *, finished: bool) -> tuple[int, int]:
    lawyer, firm = rng.choice(LAW_FIRMS)
    claimed = Decimal(rng.randrange(8_000, 180_000, 500))
    opened = _date(request.accepted_at or request.created_at, rng.randint(1, 5))
    case = services.legal_aid_open(
        actor=actor,
        request=request,
        data={
            "aid_type": rng.choice(("representation", "representation", "consultation", "document_drafting")),
            "lawyer_name": lawyer,
            "agency_name": firm,
            "lawyer_phone": f"0571-8{rng.randrange(1000000, 9999999)}",
            "stage": "arbitration",
            "case_number": f"杭劳人仲案字〔{opened.year}〕第{rng.randint(100, 2999)}号",
            "opened_on": opened,
            "amount_claimed": claimed,
        },
    )
    changes = 0
    path = ("first_instance", "second_instance", "enforcement")
    for stage in path[: rng.randint(0, 2)]:
        services.legal_aid_update(actor=actor, case=case, data={"stage": stage})
        changes += 1
    if finished:
        if request.state == "resolved":
            # The request's resolution reports the matter settled for the worker: so did the case.
            outcome = rng.choices(("won", "partly_won", "settled"), weights=(40, 25, 25))[0]
        else:
            outcome = rng.choices(("won", "partly_won", "settled", "lost", "withdrawn"), weights=(40, 25, 25, 6, 4))[0]
        share: dict[str, Decimal] = {
            "won": Decimal(1), "partly_won": Decimal("0.6"), "settled": Decimal("0.75"),
            "lost": Decimal(0), "withdrawn": Decimal(0),
        }  # fmt: skip
        recovered = (claimed * share[outcome]).quantize(Decimal("1"))
        services.legal_aid_update(
            actor=actor,
            case=case,
            data={"stage": "settled", "outcome": outcome, "amount_recovered": recovered, "closed_on": None},
        )
        changes += 1
    return 1, changes


def _mediation(request: ServiceRequest, actor, rng: random.Random, *, finished: bool, agree: bool = False) -> int:
    mediator, organisation = rng.choice(MEDIATORS)
    started = _date(request.accepted_at or request.created_at, rng.randint(0, 3))
    mediation = services.mediation_open(
        actor=actor,
        request=request,
        data={
            "worker_party": request.requester_name
            + (f"等{request.workers_involved}人" if request.workers_involved > 1 else ""),
            "employer_name": request.employer_name or "用人单位",
            "employer_representative": rng.choice(("人事经理", "法务专员", "行政主管")),
            "mediator_name": mediator,
            "mediator_org": organisation,
            "started_on": started,
        },
    )
    sessions = rng.randint(1, 3)
    for n in range(sessions):
        services.mediation_add_session(
            actor=actor,
            mediation=mediation,
            data={
                "held_on": min(started + dt.timedelta(days=3 * n), timezone.localdate()),
                "place": rng.choice(("街道调解室", "区总工会三楼调解室", "企业会议室")),
                "attendees": f"{request.requester_name}、单位代表、调解员{mediator}",
                "summary": ("双方陈述事实，单位认可部分诉求", "就支付金额和期限进行协商", "双方同意签订调解协议")[
                    min(n, 2)
                ],
            },
        )
    if finished:
        agreed = agree or request.state == "resolved" or rng.random() < 0.8
        agreement_date = min(started + dt.timedelta(days=3 * (sessions - 1)), timezone.localdate())
        performed = agreed and (request.state == "resolved" or rng.random() < 0.8)
        services.mediation_record_result(
            actor=actor,
            mediation=mediation,
            data={
                "result": "agreed" if agreed else "not_agreed",
                "agreement_amount": Decimal(rng.randrange(5_000, 90_000, 100)) if agreed else None,
                "agreement_date": agreement_date if agreed else None,
                "performed": True if performed else (False if agreed else None),
                "performed_on": min(agreement_date + dt.timedelta(days=7), timezone.localdate()) if performed else None,
            },
        )
    return sessions


def load_demo(*, places: dict, admin, rng: random.Random) -> dict[str, int]:
    """Casework on the demo requests under places["city"]; returns counts of what was created."""
    counts = dict.fromkeys(
        ("legal_aid_cases", "legal_aid_steps", "mediations", "mediation_sessions", "follow_ups", "ratings", "closed"),
        0,
    )
    officers = _Officers(admin)
    requests = list(
        ServiceRequest.objects.filter(subtree_q(places["city"].path, "handling_org__path"))
        .select_related("handling_org", "requester__user")
        .order_by("id")
    )
    done_ids = set(FollowUp.objects.values_list("request_id", flat=True)) | set(
        Rating.objects.values_list("request_id", flat=True)
    )
    with_casework = set(LegalAidCase.objects.values_list("request_id", flat=True)) | set(
        Mediation.objects.values_list("request_id", flat=True)
    )
    eligible = 0
    for request in requests:
        actor = officers.for_org(request.handling_org)
        handling = request.state in ("accepted", "in_progress", "resolved")
        try:
            if handling and request.category in CASEWORK_CATEGORIES and request.pk not in with_casework:
                # Every third eligible request gets legal aid, the next one a mediation. Resolved requests
                # have their casework concluded; so has every other one still in hand (a mediation or a
                # case often ends before the request itself is resolved).
                kind, round_ = eligible % 3, eligible // 3
                finished = request.state == "resolved" or round_ % 2 == 1
                eligible += 1
                if kind == 0:
                    cases, steps = _legal_aid(request, actor, rng, finished=finished)
                    counts["legal_aid_cases"] += cases
                    counts["legal_aid_steps"] += steps
                elif kind == 1:
                    first = counts["mediations"] == 0
                    counts["mediation_sessions"] += _mediation(request, actor, rng, finished=finished, agree=first)
                    counts["mediations"] += 1
            if request.state != "resolved" or request.pk in done_ids:
                continue
            _follow_up_and_rating(request, actor, rng, counts)
        except DomainError:
            # A demo request the lifecycle demo left in a shape casework refuses: skip it.
            continue
    return counts


def _answer(request: ServiceRequest, rng: random.Random, *, happy: bool) -> str:
    happy_own, unhappy_own = ANSWERS_BY_CATEGORY.get(request.category, ((), ()))
    return rng.choice((*ANSWERS_HAPPY, *happy_own) if happy else (*ANSWERS_UNHAPPY, *unhappy_own))


def _follow_up_and_rating(request: ServiceRequest, actor, rng: random.Random, counts: dict[str, int]) -> None:
    if rng.random() < 0.1:
        return  # awaiting the follow-up
    # The first one is a low score (a complaint the union is alerted to); then mostly 4–5.
    score = 2 if counts["ratings"] == 0 else _score(rng)
    online = request.requester is not None and rng.random() < 0.5
    if online:
        services.rating_submit(
            worker=request.requester,
            request=request,
            score=score,
            comment=rng.choice(COMMENTS[score]),
            now=_after(request.resolved_at, rng, hours=(2, 48)),
        )
        counts["ratings"] += 1
    contacted = online or rng.random() < 0.9
    services.follow_up_record(
        actor=actor,
        request=request,
        data={
            "method": rng.choices(("phone", "visit", "online"), weights=(80, 10, 10))[0],
            "contacted": contacted,
            "satisfied": (score >= 4) if contacted else None,
            "answer": _answer(request, rng, happy=score >= 4) if contacted else "电话无人接听",
        },
        score=None if online or not contacted else score,
        comment="" if online or not contacted else rng.choice(COMMENTS[score]),
        now=_after(request.resolved_at, rng, hours=(50, 120)),
    )
    counts["follow_ups"] += 1
    if contacted and not online:
        counts["ratings"] += 1
    if rng.random() < 0.7 and score > 2:
        request_close(actor=actor, request=request, note="回访完成，关闭")
        counts["closed"] += 1
