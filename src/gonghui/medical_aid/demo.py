"""Demo mutual medical aid: the city's 2026 plan (open) and a 2027 draft, the demo union and two
of its siblings enrolled from the roll, and claims in every state with realistic amounts — filed
by demo workers from their phones and by union officers, reviewed, approved, paid — all through
the services, so timelines, notifications and the yearly caps are real.

The demo officers (city_admin, district_officer, union_officer) hold the assistance right (the
lead's demo loader grants it). Enrolment and claims are dated inside the 2026 plan's windows:
the services take the day as `today=`, clamped into the plan year when the demo is loaded later.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import User
from gonghui.demo.paperwork import paper
from gonghui.members.models import CURRENT_STATUSES
from gonghui.orgs.models import MEMBER_HOLDING_KINDS, Org
from gonghui.portal.models import WorkerAccount

from . import services
from .enrolment import enrol_bulk
from .models import AttachmentKind, Claim, Enrolment, PaymentMethod

YEAR = 2026
HOSPITALS = ("市第一人民医院", "市中心医院", "市中医医院", "区人民医院", "市肿瘤医院", "市骨科医院", "市妇幼保健院")
CASES = (
    # (category, diagnosis, cost range, insurance share range)
    ("inpatient", "社区获得性肺炎", (6000, 15000), (0.60, 0.72)),
    ("inpatient", "腰椎间盘突出症（手术）", (38000, 62000), (0.55, 0.68)),
    ("inpatient", "冠心病（支架植入）", (55000, 90000), (0.55, 0.65)),
    ("inpatient", "急性阑尾炎", (12000, 20000), (0.62, 0.75)),
    ("accident", "胫腓骨骨折", (25000, 48000), (0.50, 0.65)),
    ("serious_outpatient", "乳腺癌术后化疗", (18000, 36000), (0.50, 0.62)),
    ("serious_outpatient", "慢性肾衰竭血液透析", (9000, 16000), (0.70, 0.85)),
    ("inpatient", "胆囊结石（腹腔镜手术）", (16000, 26000), (0.58, 0.70)),
)
# The states the demo's claims end in, in order (every state at least once).
STATES = (
    "paid", "paid", "paid", "approved", "approved", "under_review", "under_review",
    "submitted", "submitted", "returned", "rejected", "paid",
)  # fmt: skip
WORKER_CLAIMS = 4  # the first claims come from demo workers' phones


def _officer(username: str, fallback: User) -> User:
    return User.objects.filter(username=username).first() or fallback


def _demo_day(today: dt.date) -> dt.date:
    """The day the demo acts on: today inside 2026, else a day in spring 2026."""
    return today if today.year == YEAR else dt.date(YEAR, 4, 20)


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def load_demo(*, places: dict, admin, rng: random.Random) -> dict[str, int]:
    city: Org = places["city"]
    union: Org = places["union"]
    city_admin = _officer("city_admin", admin)
    district_officer = _officer("district_officer", admin)
    union_officer = _officer("union_officer", admin)
    day = _demo_day(timezone.localdate())

    plan = services.plan_create(
        actor=city_admin,
        data={
            "organiser": city.pk,
            "year": YEAR,
            "name": _("%(year)s年度职工住院医疗互助") % {"year": YEAR},
            "contribution": "60.00",
            "enrol_start": f"{YEAR}-01-01",
            "enrol_end": f"{YEAR}-12-31",
            "cover_start": f"{YEAR}-01-01",
            "cover_end": f"{YEAR}-12-31",
            "deductible": "1000",
            "deductible_basis": "per_year",
            "tiers": [
                {"up_to": "10000", "percent": "50"},
                {"up_to": "50000", "percent": "60"},
                {"up_to": None, "percent": "70"},
            ],
            "per_claim_cap": "30000",
            "yearly_cap": "50000",
            "categories": ["inpatient", "serious_outpatient", "accident"],
            "description": _(
                "在职会员自愿参加，每人每年缴费60元，由所在工会统一办理。住院、门诊大病和意外伤害"
                "医疗费用经基本医保报销后的个人自付部分，超过年度起付线的按分段比例补助。"
            ),
        },
    )
    plan = services.plan_open(actor=city_admin, plan=plan)
    draft = services.plan_create(
        actor=city_admin,
        data={
            "organiser": city.pk,
            "year": YEAR + 1,
            "name": _("%(year)s年度职工住院医疗互助") % {"year": YEAR + 1},
            "contribution": "80.00",
            "enrol_start": f"{YEAR + 1}-01-01",
            "enrol_end": f"{YEAR + 1}-03-31",
            "cover_start": f"{YEAR + 1}-01-01",
            "cover_end": f"{YEAR + 1}-12-31",
            "deductible": "800",
            "deductible_basis": "per_year",
            "tiers": [
                {"up_to": "10000", "percent": "55"},
                {"up_to": "50000", "percent": "65"},
                {"up_to": None, "percent": "75"},
            ],
            "per_claim_cap": "40000",
            "yearly_cap": "60000",
            "categories": ["inpatient", "serious_outpatient", "accident", "maternity"],
        },
    )

    # The demo union and two of its siblings (in the demo district) enrol their whole roll, contributions paid in January.
    siblings = list(
        Org.objects.filter(parent_id=union.parent_id, kind__in=MEMBER_HOLDING_KINDS, is_active=True)
        .exclude(pk=union.pk)
        .order_by("-member_count", "pk")[:2]
    )
    paid_on = dt.date(YEAR, 1, 15)
    enrol_bulk(actor=union_officer, plan=plan, org=union, paid_on=paid_on, today=day, background=False)
    for sibling in siblings:
        enrol_bulk(actor=district_officer, plan=plan, org=sibling, paid_on=paid_on, today=day, background=False)
    enrolled = Enrolment.objects.filter(plan=plan).count()

    # Claims: workers with accounts first (filed from the phone), then members picked from the rolls.
    hashes = set(Enrolment.objects.filter(plan=plan, union=union).values_list("person_hash", flat=True))
    workers = list(
        WorkerAccount.objects.filter(id_number_hash__in=hashes, verified_at__isnull=False).order_by("phone")[
            :WORKER_CLAIMS
        ]
    )
    by_worker = {w.id_number_hash: w for w in workers}
    chosen = [Enrolment.objects.get(plan=plan, person_hash=w.id_number_hash) for w in workers]
    others = list(
        Enrolment.objects.filter(plan=plan, member__status__in=CURRENT_STATUSES)
        .exclude(person_hash__in=by_worker)
        .order_by("id")
        .values_list("pk", flat=True)[:400]
    )
    for pk in rng.sample(others, min(len(STATES) - len(chosen), len(others))):
        chosen.append(Enrolment.objects.select_related("plan", "union").get(pk=pk))

    claims = 0
    for n, (enrolment, state) in enumerate(zip(chosen, STATES, strict=False)):
        category, diagnosis, (low, high), (share_low, share_high) = CASES[n % len(CASES)]
        total = _money(rng.uniform(low, high))
        insurance = _money(float(total) * rng.uniform(share_low, share_high))
        other = _money(float(total - insurance) * 0.1) if n % 4 == 3 else Decimal("0.00")
        span = max(1, (day - dt.date(YEAR, 1, 5)).days - 14)  # admitted at least two weeks before `day`
        admitted = dt.date(YEAR, 1, 5) + dt.timedelta(days=rng.randrange(span))
        discharged = admitted + dt.timedelta(days=rng.randint(3, 14)) if category != "serious_outpatient" else None
        if discharged and discharged > day:
            discharged = day
        data = {
            "category": category,
            "hospital": rng.choice(HOSPITALS),
            "diagnosis": diagnosis,
            "admission_date": admitted,
            "discharge_date": discharged,
            "total_cost": total,
            "insurance_paid": insurance,
            "other_paid": other,
        }
        if state == "rejected":
            # The rejection says cosmetic surgery: so is the claim.
            data.update(category="inpatient", hospital="某医疗美容诊所", diagnosis=_("双眼皮整形手术（美容项目）"))
        officer = union_officer if enrolment.union_id == union.pk else district_officer
        worker = by_worker.get(enrolment.person_hash)
        # The papers a claim is filed with: the invoice always; the settlement statement and the
        # discharge summary (or diagnosis) too, except on the claim returned for lacking them.
        uploads = _papers(enrolment, data, n, complete=state != "returned")
        if worker is not None:
            claim = services.claim_file_worker(
                worker=worker, enrolment=enrolment, data=data, uploads=uploads, today=day
            )
        else:
            claim = services.claim_create(actor=officer, enrolment=enrolment, data=data, uploads=uploads, today=day)
        claims += 1
        # The officer who typed a claim in does not approve it (four eyes): the level above reviews those.
        reviewer = officer if worker is not None else (district_officer if officer is union_officer else city_admin)
        _advance(claim, state, officer=reviewer, rng=rng)
    return {
        "medical_aid_plans": len([p for p in (plan, draft) if p.pk]),
        "medical_aid_enrolments": enrolled,
        "medical_aid_claims": claims,
    }


def _papers(enrolment: Enrolment, data: dict, n: int, *, complete: bool) -> list[tuple[str, Any]]:
    """Demo PDFs of the hospital's invoice, the medical-insurance settlement and the discharge summary."""
    name = enrolment.member.name
    total, insurance = data["total_cost"], data["insurance_paid"]
    papers = [
        (
            AttachmentKind.INVOICE,
            paper(
                _("医疗费用发票"),
                [(_("患者"), name), (_("医院"), data["hospital"]), (_("就诊日期"), data["admission_date"]),
                 (_("金额合计（元）"), total), (_("票据号码"), f"FP{YEAR}{n + 1:08d}")],
                filename=f"invoice-{n + 1}.pdf",
            ),
        ),
    ]  # fmt: skip
    if complete:
        papers.append(
            (
                AttachmentKind.SETTLEMENT,
                paper(
                    _("基本医疗保险结算单"),
                    [(_("参保人"), name), (_("医疗费用总额（元）"), total), (_("医保统筹支付（元）"), insurance),
                     (_("个人自付（元）"), total - insurance - data["other_paid"])],
                    filename=f"settlement-{n + 1}.pdf",
                ),
            )
        )  # fmt: skip
        discharged = data["discharge_date"]
        papers.append(
            (
                AttachmentKind.DISCHARGE_SUMMARY,
                paper(
                    _("出院小结") if discharged else _("诊断证明书"),
                    [(_("姓名"), name), (_("医院"), data["hospital"]), (_("诊断"), data["diagnosis"]),
                     (_("入院（就诊）日期"), data["admission_date"]), (_("出院日期"), discharged or "")],
                    filename=f"summary-{n + 1}.pdf",
                ),
            )
        )  # fmt: skip
    return [(kind, upload) for kind, upload in papers if upload is not None]


def _advance(claim: Claim, state: str, *, officer: User, rng: random.Random) -> None:
    """Walk a filed claim to `state` through the review services."""
    if state == "submitted":
        return
    if state == "returned":
        services.claim_return(actor=officer, claim=claim, reason=_("请补充出院小结和医保结算单"))
        return
    if state == "rejected":
        services.claim_reject(actor=officer, claim=claim, reason=_("就诊项目属于美容整形，不在互助受理范围内"))
        return
    claim = services.claim_start_review(actor=officer, claim=claim)
    if state == "under_review":
        return
    excluded = _money(float(claim.self_paid) * rng.uniform(0.02, 0.08)) if rng.random() < 0.5 else None
    claim = services.claim_approve(
        actor=officer, claim=claim, excluded_amount=excluded, note=_("材料齐全，同意补助") if excluded is None else
        _("扣除自费药品后核定")
    )  # fmt: skip
    if state == "approved":
        return
    today = timezone.localdate()
    services.claim_pay(
        actor=officer,
        claim=claim,
        method=PaymentMethod.BANK_TRANSFER,
        paid_on=today,
        amount=claim.payout,
        voucher_no=f"YLHZ{claim.pk:06d}",
        voucher=paper(
            _("医疗互助补助发放凭证"),
            [(_("申请编号"), claim.reference), (_("收款人"), claim.enrolment.member.name),
             (_("发放方式"), PaymentMethod(PaymentMethod.BANK_TRANSFER).label), (_("金额（元）"), claim.payout),
             (_("凭证号"), f"YLHZ{claim.pk:06d}"), (_("发放日期"), today)],
            filename=f"voucher-{claim.reference}.pdf",
        ),
        today=today,
    )  # fmt: skip
