"""Demo requests (维权服务): about 60 requests in every category, channel and state, made through
the services by the demo workers and officers, with the clock set back where the story needs it
(overdue and escalated requests, a major labour incident, requests dispatched down the tree and
reported back up, closed requests with follow-up and rating).

The portal demo's workers (phones 138 0000 …) file the online requests; when they are missing a
few workers are opened through the portal services. Officers: the demo's city, district and union
accounts, plus one officer for each union between the district and the demo union (for the
dispatch chain), created here when missing.
"""

from __future__ import annotations

import datetime as dt
import random
from itertools import cycle
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import Role, User
from gonghui.accounts.services import officer_create
from gonghui.core.treepath import STEP_LEN
from gonghui.core.uscc import build_uscc
from gonghui.orgs.models import Org
from gonghui.portal.models import WorkerAccount

from . import services
from .models import Category, ServiceRequest, State

DEMO_PASSWORD = "gonghui-demo"  # noqa: S105 - the demo's printed password

STORIES: dict[str, tuple[str, str]] = {
    Category.WAGE_ARREARS: ("项目完工后工资一直未结清", "在工地干了四个月，包工头说等甲方付款，至今拖欠工资两万余元。"),
    Category.LABOUR_CONTRACT: ("入职半年未签劳动合同", "公司一直以试用期为由不签合同，要求签一份空白合同。"),
    Category.SOCIAL_INSURANCE: ("单位没有缴纳社会保险", "入职两年，查询社保记录发现公司从未缴纳养老和医疗保险。"),
    Category.WORK_INJURY: ("工作中受伤，单位不申报工伤", "搬运货物时摔伤腰部，单位只给了两千元，不肯申报工伤认定。"),
    Category.OCCUPATIONAL_SAFETY: ("车间粉尘大，没有防护口罩", "打磨车间粉尘很大，公司不发防尘口罩，多名工友咳嗽。"),
    Category.DISMISSAL: ("被口头辞退，没有经济补偿", "主管电话通知明天不用来了，没有书面通知，也不给补偿金。"),
    Category.WORKING_HOURS: ("每天加班四小时，没有加班费", "旺季每天工作12小时，每月只休两天，加班费一直没发。"),
    Category.OTHER_RIGHTS: ("公司扣押身份证", "入职时公司收走身份证原件，离职时不归还。"),
    Category.LEGAL_CONSULTATION: (
        "咨询劳务派遣同工同酬",
        "我是派遣工，和正式工干一样的活，工资差一半，想了解法律规定。",
    ),
    Category.PSYCHOLOGICAL_COUNSELLING: ("工作压力大，长期失眠", "连续加班几个月，最近情绪低落、失眠，想找人聊聊。"),
    Category.EMPLOYMENT_HELP: ("失业后想参加技能培训", "工厂关停后一直没找到工作，想参加电工培训。"),
    Category.HARDSHIP_HELP: ("家人重病，生活困难", "爱人患病住院，医药费负担很重，孩子还在上学。"),
}
# What resolving a request of each category looks like: wages recovered for arrears, a contract
# signed for a contract dispute, sessions with a counsellor for counselling, and so on.
RESOLUTIONS: dict[str, str] = {
    Category.WAGE_ARREARS: "经工会协调，用人单位已全额补发拖欠工资两万一千元。",
    Category.LABOUR_CONTRACT: "经工会协调，公司已与职工补签书面劳动合同，并支付未签合同期间的二倍工资差额。",
    Category.SOCIAL_INSURANCE: "已约谈用人单位，单位已为职工补缴入职以来的养老和医疗保险。",
    Category.WORK_INJURY: "已协助职工申请工伤认定并获认定，单位按规定支付停工留薪期工资和医疗费用。",
    Category.OCCUPATIONAL_SAFETY: "工会劳动保护监督检查员现场检查后，公司已为车间配发防尘口罩并加装除尘设备。",
    Category.DISMISSAL: "经调解双方达成一致，公司支付违法解除劳动合同的赔偿金，分两期付清。",
    Category.WORKING_HOURS: "已约谈用人单位，单位调整排班、保证每周休息一天，并补发加班费。",
    Category.OTHER_RIGHTS: "经工会协调，公司已归还职工身份证原件并承诺不再扣押证件。",
    Category.LEGAL_CONSULTATION: "工会法律顾问已解答同工同酬的法律规定，告知职工可向用工单位和派遣单位主张权利。",
    Category.PSYCHOLOGICAL_COUNSELLING: "已安排心理咨询师进行三次疏导，职工睡眠和情绪明显好转。",
    Category.EMPLOYMENT_HELP: "已推荐职工参加职工技能培训中心电工培训班，并推送三个招聘岗位。",
    Category.HARDSHIP_HELP: "已协助职工建立困难职工档案，发放生活救助金并安排结对帮扶。",
}
PROMISED = "经工会协调，用人单位书面承诺两周内支付全部款项。"
# Requests turned away: matters outside the union's remit (the story and the reason agree).
REJECTED_STORY = ("网购电动车质量有问题", "在网上买的电动车骑了一周就坏了，商家不给退货，想请工会帮忙。")
REJECTED_REASON = "属于消费纠纷，不属于工会受理范围，已告知职工向市场监管部门（12315）反映"
# The categories whose requests are about an employer's conduct (reopened over unpaid money, or
# handled by talking to the employer).
MONEY_CATEGORIES = (Category.WAGE_ARREARS, Category.DISMISSAL, Category.WORKING_HOURS)
EMPLOYER_CATEGORIES = (
    Category.WAGE_ARREARS,
    Category.LABOUR_CONTRACT,
    Category.SOCIAL_INSURANCE,
    Category.WORK_INJURY,
    Category.OCCUPATIONAL_SAFETY,
    Category.DISMISSAL,
    Category.WORKING_HOURS,
    Category.OTHER_RIGHTS,
)
NAMES = ("陈建国", "刘秀英", "杨伟", "黄丽", "赵强", "周敏", "吴军", "徐静", "孙磊", "马超", "朱红", "胡涛")
PROJECTS = ("城东安置房二期", "科创园配套道路", "滨江学校改扩建", "物流园仓储中心")
SUBCONTRACTORS = ("钱某", "孙某", "李某", "周某")
EMPLOYERS = ("某建筑工程有限公司", "某物流配送站", "某电子厂", "某餐饮管理公司", "某家政服务公司", "某外卖站点")


class _Demo:
    def __init__(self, *, places: dict, admin, rng: random.Random) -> None:
        self.rng = rng
        self.now = timezone.now()
        self.city: Org = places["city"]
        self.district: Org = places["district"]
        self.union: Org = places["union"]
        self.admin = admin
        self.counts: dict[str, int] = {}
        self.calls = 0
        self.categories = cycle(list(Category))
        self.names = cycle(NAMES)
        self.city_officer = self._officer(self.city, "city_admin")
        self.district_officer = self._officer(self.district, "district_officer")
        self.union_officer = self._officer(self.union, "union_officer")
        # Unions between the district and the demo union (a street or township), each with an officer.
        prefixes = [
            self.union.path[:n] for n in range(len(self.district.path) + STEP_LEN, len(self.union.path), STEP_LEN)
        ]
        self.between = list(Org.objects.filter(path__in=prefixes).order_by("depth"))
        self.between_officers = [self._officer(org, f"rights_officer_{org.code}") for org in self.between]
        self.members, self.others = self._workers()

    # ---- people -------------------------------------------------------------------------------

    def _officer(self, org: Org, username: str) -> User:
        existing = (
            User.objects.filter(org=org, role__in=[Role.ADMIN, Role.OFFICER], is_active=True).order_by("id").first()
        )
        if existing is not None:
            return existing
        return officer_create(
            actor=self.admin,
            username=username[:150],
            password=DEMO_PASSWORD,
            org=org,
            role=Role.OFFICER,
            display_name=_("%(org)s工作人员（演示）") % {"org": org.name},
        )

    def _workers(self) -> tuple[list[WorkerAccount], list[WorkerAccount]]:
        from gonghui.portal.selectors import current_member

        workers = list(WorkerAccount.objects.select_related("user").order_by("phone"))
        if not workers:
            from gonghui.portal.services import worker_create

            password_hash = make_password(DEMO_PASSWORD)
            workers = [worker_create(phone=f"1389000{seq:04d}", password_hash=password_hash) for seq in range(1, 6)]
        members = [w for w in workers if w.is_verified and current_member(w) is not None]
        others = [w for w in workers if w not in members]
        return members or workers, others or workers

    # ---- helpers ------------------------------------------------------------------------------

    def ago(self, days: float, hours: float = 0) -> dt.datetime:
        return self.now - dt.timedelta(days=days, hours=hours)

    def bump(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def facts(
        self, category: str | None = None, workers: int = 1, story: tuple[str, str] | None = None
    ) -> dict[str, Any]:
        category = category or next(self.categories)
        title, description = story or STORIES[category]
        return {
            "category": category,
            "title": title,
            "description": description,
            "employer_name": self.rng.choice(EMPLOYERS),
            "region_code": self.district.region_code,
            "workers_involved": workers,
        }

    def officer_for(self, request: ServiceRequest) -> User:
        org = request.handling_org
        if org.pk == self.city.pk:
            return self.city_officer
        if org.pk == self.union.pk:
            return self.union_officer
        for between, officer in zip(self.between, self.between_officers, strict=True):
            if org.pk == between.pk:
                return officer
        if org.path.startswith(self.district.path):
            return self.district_officer
        return self.city_officer

    def online(self, when: dt.datetime, *, member: bool = True, **kw: Any) -> ServiceRequest:
        pool = self.members if member else self.others
        worker = self.rng.choice(pool)
        data = self.facts(**kw)
        if not worker.is_verified and not data["region_code"]:
            data["region_code"] = self.district.region_code
        request = services.request_file(worker=worker, data=data, now=when)
        self.bump("requests")
        self.bump("channel_portal")
        return request

    def wage_figures(self, workers: int) -> dict[str, Any]:
        """欠薪要素 of a demo call: amount, months, the employer's USCC, project and subcontractor."""
        months = self.rng.randint(2, 6)
        return {
            "amount_owed": str(workers * months * self.rng.choice((4800, 5600, 6200, 7500))),
            "months_owed": months,
            "employer_uscc": build_uscc(f"91{self.district.region_code}{self.rng.randrange(10**9):09d}"),
            "project_name": self.rng.choice(PROJECTS),
            "subcontractor_name": self.rng.choice(SUBCONTRACTORS),
            "subcontractor_phone": f"1370000{self.rng.randrange(10000):04d}",
        }

    def offline(
        self,
        when: dt.datetime,
        *,
        channel: str = "hotline",
        org: Org | None = None,
        typed_later: dt.timedelta | None = None,
        street: Org | None = None,
        **kw: Any,
    ):
        """A call or visit recorded at `when` (received `typed_later` earlier when it was typed in
        afterwards); calls carry the operator, the call's start and end and the recording."""
        actor = self.city_officer if org is None or org.pk == self.city.pk else self.district_officer
        data = self.facts(**kw)
        received = when - (typed_later or dt.timedelta(minutes=10))
        self.calls += 1
        data.update(
            channel=channel,
            requester_name=next(self.names),
            requester_phone=f"1390000{self.rng.randrange(10000):04d}",
            handling_org=org.pk if org is not None else None,
            street_org=street.pk if street is not None else None,
        )
        if channel == "hotline":
            data.update(
                call_started_at=received,
                call_ended_at=received + dt.timedelta(minutes=self.rng.randint(3, 9)),
                recording_ref=f"12351-{timezone.localtime(received):%Y%m%d}-{self.calls:04d}",
            )
        else:
            data["received_at"] = received
        if data["category"] == Category.WAGE_ARREARS:
            data["facts"] = self.wage_figures(int(data["workers_involved"]))
        request = services.request_record_call(actor=actor, data=data, now=when)
        self.bump("requests")
        self.bump(f"channel_{channel}")
        return request

    def any_channel(self, when: dt.datetime, i: int, **kw: Any) -> ServiceRequest:
        kind = i % 4
        if kind in (0, 1):
            return self.online(when, member=kind == 0, **kw)
        return self.offline(when, channel="hotline" if kind == 2 else "walk_in", **kw)

    def accept(self, request, when, complexity: str = "ordinary"):
        return services.request_accept(
            actor=self.officer_for(request), request=request, complexity=complexity, now=when
        )

    def start(self, request, when):
        return services.request_start(actor=self.officer_for(request), request=request, now=when)

    def resolve(self, request, when, resolution: str = ""):
        return services.request_resolve(
            actor=self.officer_for(request),
            request=request,
            resolution=resolution or RESOLUTIONS[request.category],
            now=when,
        )

    def close(self, request, when, *, reached: bool = True):
        from gonghui.casework.services import follow_up_record, rating_submit

        officer = self.officer_for(request)
        score = self.rng.choice((5, 5, 5, 4, 4, 3))
        if reached and request.requester_id:
            rating_submit(worker=request.requester, request=request, score=score, comment=_("感谢工会的帮助"), now=when)
            follow_up_record(
                actor=officer,
                request=request,
                data={"method": "phone", "contacted": True, "satisfied": score >= 4, "answer": _("职工表示问题已解决")},
                now=when + dt.timedelta(hours=1),
            )
        elif reached:
            follow_up_record(
                actor=officer,
                request=request,
                data={"method": "phone", "contacted": True, "satisfied": score >= 4, "answer": _("职工表示问题已解决")},
                score=score,
                comment=_("电话回访时评价"),
                now=when + dt.timedelta(hours=1),
            )
        else:
            follow_up_record(
                actor=officer,
                request=request,
                data={"method": "phone", "contacted": False, "answer": _("三次拨打均未接通")},
                now=when + dt.timedelta(hours=1),
            )
        return services.request_close(actor=officer, request=request, now=when + dt.timedelta(hours=2))

    # ---- the story ----------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        i = 0
        # Fresh, waiting to be accepted (within the deadline).
        for k in range(6):
            self.any_channel(self.ago(0, 2 + k), i)
            i += 1
        # Waiting too long: overdue, escalated by the task at the end.
        for k in range(4):
            self.any_channel(self.ago(4 + 3 * k), i)
            i += 1
        # Accepted, in progress (some overdue).
        for k in range(6):
            r = self.any_channel(self.ago(3 + k), i)
            self.accept(r, self.ago(3 + k, -3), complexity=("ordinary", "difficult")[k % 2])
            i += 1
        for k in range(8):
            days = 2 + 4 * k
            r = self.any_channel(self.ago(days), i)
            r = self.accept(r, self.ago(days, -2))
            self.start(r, self.ago(days, -4))
            i += 1
        # Resolved, waiting for follow-up and rating.
        for k in range(8):
            days = 6 + k
            r = self.any_channel(self.ago(days), i)
            r = self.accept(r, self.ago(days, -2))
            r = self.start(r, self.ago(days, -3))
            self.resolve(r, self.ago(days - 3))
            i += 1
        # Closed after follow-up and rating (two could not be reached).
        for k in range(10):
            days = 20 + 2 * k
            r = self.any_channel(self.ago(days), i)
            r = self.accept(r, self.ago(days, -2))
            r = self.start(r, self.ago(days, -5))
            r = self.resolve(r, self.ago(days - 4))
            self.close(r, self.ago(days - 5), reached=k not in (3, 7))
            i += 1
        # Rejected with a reason.
        for k in range(4):
            r = self.any_channel(self.ago(5 + k), i, category=Category.OTHER_RIGHTS, story=REJECTED_STORY)
            services.request_reject(
                actor=self.officer_for(r), request=r, reason=REJECTED_REASON, now=self.ago(5 + k, -3)
            )
            i += 1
        # Transferred up, waiting for the receiving union.
        for k in range(3):
            r = self.online(self.ago(1, 5 + k), member=True)
            target = r.handling_org.parent
            if target is not None:
                services.request_transfer(
                    actor=self.officer_for(r),
                    request=r,
                    to_org=target,
                    note=_("涉及多家单位，请上级工会统筹协调"),
                    now=self.ago(0, 20 - k),
                )
            i += 1
        # Reopened by the worker, unsatisfied.
        for k in range(3):
            r = self.online(self.ago(12 + k), member=True, category=MONEY_CATEGORIES[k % len(MONEY_CATEGORIES)])
            worker = r.requester
            r = self.accept(r, self.ago(12 + k, -2))
            # Resolved on the employer's promise, which it did not keep.
            r = self.resolve(r, self.ago(8 + k), resolution=PROMISED)
            services.request_reopen(worker=worker, request=r, reason=_("单位承诺的款项至今未到账"), now=self.ago(1 + k))
            i += 1
        # Withdrawn by the worker.
        for k in range(2):
            r = self.online(self.ago(2 + k), member=False)
            services.request_withdraw(
                worker=r.requester, request=r, reason=_("问题已经自行解决，不再需要帮助"), now=self.ago(1 + k)
            )
        # A major labour incident: 36 workers' wages.
        major = self.offline(
            self.ago(0, 6), channel="hotline", category=Category.WAGE_ARREARS, workers=36, org=self.district
        )
        self.accept(major, self.ago(0, 5), complexity="major_complex")
        self.bump("major_incidents")
        # Dispatched down the tree level by level, each level reporting back up.
        self.counts["dispatched"] = self._dispatch_chains()
        # Messages between workers and officers.
        for r in ServiceRequest.objects.filter(
            requester__isnull=False, state__in=[State.ACCEPTED, State.IN_PROGRESS], category__in=EMPLOYER_CATEGORIES
        )[:6]:
            services.request_message_worker(worker=r.requester, request=r, text=_("请问现在进展如何？"))
            services.request_message_officer(
                actor=self.officer_for(r), request=r, text=_("已联系用人单位，正在核实情况，请保持电话畅通。")
            )
            self.bump("messages", 2)
        self._hotline_wage_tickets()
        self.counts["escalated"] = services.escalate_overdue(now=self.now)
        self.counts["requests"] = ServiceRequest.objects.count()
        return self.counts

    def _hotline_wage_tickets(self) -> None:
        """12351 wage-arrears calls with their figures, one in each state an officer moves a call
        through; one typed in two days after the call (its acceptance deadline counts from the
        call), one routed to the street union the operator picked."""
        wage = Category.WAGE_ARREARS
        street = self.between[0] if self.between else None
        self.offline(self.ago(0, 1), workers=4, street=street, category=wage)
        self.offline(self.ago(0, 3), typed_later=dt.timedelta(days=2), workers=2, category=wage)
        self.accept(self.offline(self.ago(2), workers=6, category=wage), self.ago(2, -1))
        self.start(self.accept(self.offline(self.ago(4), workers=3, category=wage), self.ago(4, -1)), self.ago(3))
        resolved = self.accept(self.offline(self.ago(9), workers=5, category=wage), self.ago(9, -1))
        self.resolve(self.start(resolved, self.ago(8)), self.ago(6))
        closed = self.accept(self.offline(self.ago(25), workers=8, category=wage), self.ago(25, -1))
        closed = self.resolve(self.start(closed, self.ago(24)), self.ago(20))
        self.close(closed, self.ago(19))
        rejected = self.offline(self.ago(3), workers=1, category=wage)
        services.request_reject(
            actor=self.officer_for(rejected),
            request=rejected,
            reason=_("已进入劳动仲裁程序，请按仲裁结果执行"),
            now=self.ago(3, -2),
        )
        moved = self.offline(self.ago(1), workers=2, category=wage)
        services.request_transfer(
            actor=self.officer_for(moved),
            request=moved,
            to_org=self.city,
            note=_("涉及跨区工程项目，请市总工会统筹"),
            now=self.ago(0, 18),
        )
        self.bump("hotline_wage_tickets", 8)

    def _dispatch_chains(self) -> int:
        chain = [self.district, *self.between, self.union]  # below the city, one level at a time
        done = 0
        for stage in range(4):
            days = 10 - 2 * stage
            # Reported back up as 单位同意补发: wages owed.
            r = self.offline(self.ago(days), channel="hotline", org=self.city, category=Category.WAGE_ARREARS)
            r = self.accept(r, self.ago(days, -1), complexity="difficult")
            for level, org in enumerate(chain):
                r.refresh_from_db()
                services.request_dispatch(
                    actor=self.officer_for(r),
                    request=r,
                    to_org=org,
                    instruction=_("请核实情况，依法依规办理，%(n)s个工作日内反馈") % {"n": 5},
                    due_days=5,
                    now=self.ago(days, -2 - level),
                )
                r.refresh_from_db()
            done += 1
            # Stage 0: still at the bottom; 1: reported up one level; 2: back at the district; 3: resolved.
            steps = {0: 0, 1: 1, 2: len(chain) - 1, 3: len(chain)}[stage]
            for k in range(steps):
                r.refresh_from_db()
                services.request_report(
                    actor=self.officer_for(r),
                    request=r,
                    report=_("已约谈用人单位，单位同意补发，已落实。"),
                    now=self.ago(days - 2, -k),
                )
            if stage == 3:
                r.refresh_from_db()
                self.resolve(r, self.ago(days - 3))
        return done


def load_demo(*, places: dict, admin, rng: random.Random) -> dict[str, int]:
    return _Demo(places=places, admin=admin, rng=rng).run()
