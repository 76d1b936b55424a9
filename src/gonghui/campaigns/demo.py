"""Demo campaigns, made through the services by the demo officers (after the assistance demo):

* 2026 送温暖 (the city): a budget allocated down the demo tree (districts approved and one still
  waiting, the demo district passing part on to the demo union), grants to filed hardship workers
  in every state — proposed, approved, paid (bank transfer, cash, in kind), rejected, cancelled;
* 2026 金秋助学 (the demo district): amounts by education stage, children at different stages;
* 2026 医疗救助 (the demo district, open to applications): costs, insurance, self-paid part and
  the grant, for applicants as well as filed workers.
"""

from __future__ import annotations

import random
from decimal import Decimal
from itertools import cycle

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.accounts.models import User
from gonghui.assistance.models import HardshipFile
from gonghui.core.idcard import build_id_number
from gonghui.core.treepath import subtree_q
from gonghui.orgs.models import Org, OrgKind

from . import services
from .models import BudgetAllocation, Grant

YEAR = 2026
SCHOOLS = (
    ("primary", "实验小学"),
    ("junior", "第二中学"),
    ("senior", "第一高级中学"),
    ("college", "职业技术学院"),
    ("university", "首都师范大学"),
)
CHILDREN = ("小明", "小红", "小刚", "小雨", "小杰")
APPLICANTS = ("李桂芳", "王德胜", "张秀兰", "刘永强", "陈玉梅", "杨志刚")
ILLNESS = ("肺癌化疗", "尿毒症透析", "心脏搭桥手术", "白血病治疗", "脑梗康复治疗", "骨折手术")


def _officer(username: str, fallback: User) -> User:
    return User.objects.filter(username=username, is_active=True).first() or fallback


def load_demo(*, places: dict, admin, rng: random.Random) -> dict[str, int]:
    city, district, union = places["city"], places["district"], places["union"]
    city_admin = _officer("city_admin", admin)
    district_officer = _officer("district_officer", admin)
    union_officer = _officer("union_officer", admin)
    files = list(
        HardshipFile.objects.filed().filter(subtree_q(district.path, "org__path")).select_related("org").order_by("id")
    )
    counts = {"campaigns": 0, "allocations": 0, "grants": 0}

    # ---- 送温暖 (city) ------------------------------------------------------------------------
    warmth = services.campaign_create(
        actor=city_admin,
        organiser=city,
        data={
            "type": "spring_warmth",
            "name": _("%(year)s年元旦春节送温暖") % {"year": YEAR},
            "year": YEAR,
            "starts_on": f"{YEAR}-01-05",
            "ends_on": f"{YEAR}-02-28",
            "eligibility": "filed_only",
            "yearly_cap": "6000",
            "standards": {"default": "500", "levels": {"deep": "1000", "relative": "800", "accident": "800"}},
            "description": _("走访慰问深度困难、相对困难和意外致困职工，送去节日慰问金。"),
        },
        budget="300000",
    )
    warmth = services.campaign_open(actor=city_admin, campaign=warmth)
    counts["campaigns"] += 1
    districts = list(
        Org.objects.filter(parent=city, kind=OrgKind.FEDERATION, is_active=True)
        .exclude(pk=district.pk)
        .order_by("path")[:3]
    )
    services.allocation_approve(
        actor=city_admin,
        allocation=services.allocation_create(actor=city_admin, campaign=warmth, org=district, amount="80000"),
    )
    counts["allocations"] += 2
    for i, other in enumerate(districts):
        allocation = services.allocation_create(
            actor=city_admin, campaign=warmth, org=other, amount=str(40000 - 5000 * i), note=_("按困难职工人数分配")
        )
        if i < len(districts) - 1:  # the last one still waits for approval
            services.allocation_approve(actor=city_admin, allocation=allocation)
        counts["allocations"] += 1
    if union.path.startswith(district.path) and union.pk != district.pk:
        services.allocation_approve(
            actor=district_officer,
            allocation=services.allocation_create(
                actor=district_officer, campaign=warmth, org=union, amount="10000", note=_("基层工会自主发放")
            ),
        )
        counts["allocations"] += 1
    states = cycle(("paid", "paid", "approved", "proposed", "paid", "rejected", "cancelled", "approved", "paid"))
    methods = cycle(("bank_transfer", "cash", "in_kind"))
    for n, file in enumerate(files[:18]):
        actor = union_officer if file.org_id == union.pk else district_officer
        grant = services.grant_propose(actor=actor, campaign=warmth, data={"hardship_file": file.pk})
        counts["grants"] += 1
        # Four eyes: a grant the district proposed itself is decided by the city.
        decider = city_admin if actor == district_officer else district_officer
        _walk(grant, next(states), decider, actor, next(methods), day=f"{YEAR}-01-{15 + n % 12:02d}")

    # ---- 金秋助学 (district) ------------------------------------------------------------------
    education = services.campaign_create(
        actor=district_officer,
        organiser=district,
        data={
            "type": "education_aid",
            "name": _("%(year)s年金秋助学") % {"year": YEAR},
            "year": YEAR,
            "starts_on": f"{YEAR}-08-01",
            "ends_on": f"{YEAR}-09-30",
            "eligibility": "filed_only",
            "standards": {
                "stages": {
                    "primary": "1000",
                    "junior": "1500",
                    "senior": "2000",
                    "college": "3000",
                    "university": "5000",
                    "graduate": "6000",
                }
            },
            "description": _("资助困难职工子女完成学业，按学段标准发放。"),
        },
        budget="60000",
    )
    education = services.campaign_open(actor=district_officer, campaign=education)
    counts["campaigns"] += 1
    counts["allocations"] += 1
    edu_states = cycle(("paid", "approved", "proposed", "paid", "rejected"))
    for n, file in enumerate(files[:8]):
        stage, school = SCHOOLS[n % len(SCHOOLS)]
        grant = services.grant_propose(
            actor=district_officer,
            campaign=education,
            data={
                "hardship_file": file.pk,
                "child_name": file.name[0] + CHILDREN[n % len(CHILDREN)],
                "school": school,
                "stage": stage,
            },
        )
        counts["grants"] += 1
        _walk(grant, next(edu_states), city_admin, district_officer, "bank_transfer", day=f"{YEAR}-09-{10 + n:02d}")

    # ---- 医疗救助 (district, open to applications) --------------------------------------------
    medical = services.campaign_create(
        actor=district_officer,
        organiser=district,
        data={
            "type": "medical_relief",
            "name": _("%(year)s年大病医疗救助") % {"year": YEAR},
            "year": YEAR,
            "starts_on": f"{YEAR}-03-01",
            "ends_on": f"{YEAR}-12-31",
            "eligibility": "open",
            "yearly_cap": "20000",
            "description": _("对医保报销后个人自付部分较高的职工给予救助，最高不超过自付部分。"),
        },
        budget="100000",
    )
    medical = services.campaign_open(actor=district_officer, campaign=medical)
    counts["campaigns"] += 1
    counts["allocations"] += 1
    med_states = cycle(("paid", "approved", "proposed", "rejected", "cancelled", "paid"))
    for n, name in enumerate(APPLICANTS):
        total = Decimal(rng.randrange(20000, 120000, 500))
        reimbursed = (total * Decimal(rng.choice(("0.55", "0.6", "0.7")))).quantize(Decimal("1"))
        grant = services.grant_propose(
            actor=district_officer,
            campaign=medical,
            data={
                "person_name": name,
                "id_number": build_id_number(district.region_code or "110105", _birth(rng), 600 + n),
                "org": union.pk,
                "reason": ILLNESS[n % len(ILLNESS)],
                "medical_total": str(total),
                "medical_reimbursed": str(reimbursed),
                "amount": str(min(Decimal(8000), ((total - reimbursed) / 2).quantize(Decimal("1")))),
            },
        )
        counts["grants"] += 1
        _walk(grant, next(med_states), city_admin, district_officer, "bank_transfer", day=f"{YEAR}-0{4 + n % 5}-18")
    counts["allocations"] = BudgetAllocation.objects.filter(campaign__in=(warmth, education, medical)).count()
    counts["grants"] = Grant.objects.filter(campaign__in=(warmth, education, medical)).count()
    return counts


def _birth(rng: random.Random):
    import datetime as dt

    return dt.date(rng.randrange(1966, 1992), rng.randrange(1, 13), rng.randrange(1, 28))


def _walk(grant: Grant, state: str, decider: User, payer: User, method: str, *, day: str) -> None:
    """Move a proposed grant on to `state` through the services (skipping what the budget refuses)."""
    from gonghui.core.errors import Conflict

    try:
        if state == "rejected":
            # A filed hardship worker's income was checked at filing: what stops the grant is news.
            reason = (
                _("经入户核实，家庭收入已明显改善，暂缓救助并启动档案复核")
                if grant.hardship_file_id
                else _("家庭人均收入已超过低收入标准")
            )
            services.grant_reject(actor=decider, grant=grant, reason=reason)
            return
        if state == "cancelled":
            services.grant_cancel(actor=payer, grant=grant, reason=_("职工已在其他活动中获得救助，撤回申报"))
            return
        if state in ("approved", "paid"):
            services.grant_approve(actor=decider, grant=grant, note=_("同意"))
        if state == "paid":
            services.grant_pay(
                actor=payer,
                grant=grant,
                method=method,
                paid_on=day,
                payer=str(payer),
                voucher=_voucher(grant, method, day),
            )
    except Conflict:
        # The yearly cap or the budget stops this one: it stays where it is, as it would in real life.
        return


VOUCHER_TITLES = {
    "bank_transfer": gettext_lazy("银行转账回单"),
    "cash": gettext_lazy("现金领取签收单"),
    "in_kind": gettext_lazy("实物发放签收单"),
}


def _voucher(grant: Grant, method: str, day: str):
    """The paper a paid grant is filed with (a demo PDF): the bank's receipt or the signed slip."""
    from gonghui.demo.paperwork import paper

    return paper(
        str(VOUCHER_TITLES.get(method, _("发放凭证"))),
        [
            (_("救助项目"), grant.campaign.name),
            (_("领取人"), grant.person_name),
            (_("证件号码"), grant.id_number_masked),
            (_("金额（元）"), grant.amount),
            (_("发放日期"), day),
            (_("领取人签字"), grant.person_name if method != "bank_transfer" else ""),
        ],
        filename=f"voucher-{grant.pk}.pdf",
    )
