"""Demo hardship files (困难职工档案): every state and level, household members, home visits,
living standards for the demo city (2025 and 2026), pairings with visits, files due (and overdue)
for re-verification, and online applications from the portal demo's workers.

Everything is written through the services by the demo officers (union_officer files, the county
federation's district_officer verifies), with the clock set back where the story needs it.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.core import pii
from gonghui.members.models import Member, MemberStatus
from gonghui.members.selectors import member_current_elsewhere
from gonghui.orgs.models import MEMBER_HOLDING_KINDS, Org
from gonghui.portal.models import WorkerAccount

from . import services
from .models import HardshipFile, LivingStandard
from .selectors import in_scope, verifying_org_for

DAY = dt.timedelta(days=1)
CAUSES = (
    (["serious_illness"], "爱人患尿毒症，每周透析三次，自付医药费负担重。"),
    (["disability", "unemployment"], "本人因工伤致残，丧失部分劳动能力，现无固定工作。"),
    (["schooling", "single_parent"], "单亲家庭，独自抚养两个孩子上学。"),
    (["unemployment"], "企业关停后失业，家庭仅靠低保和零工收入。"),
    (["disaster_accident"], "家中房屋因暴雨受损，家庭财产损失严重。"),
    (["serious_illness", "schooling"], "本人患癌症化疗中，孩子正读大学。"),
    (["other"], "父母年迈多病，需长期照料。"),
)
HOUSING = ("rented", "owned", "public_rental", "with_relatives")
VISITORS = ("工会主席、女职工委员", "工会主席、经审委员", "工会副主席、车间主任")


class _Demo:
    def __init__(self, *, places: dict, admin, rng: random.Random) -> None:
        self.places = places
        self.admin = admin
        self.rng = rng
        self.now = timezone.now()
        self.counts = {"files": 0, "visits": 0, "pairings": 0, "pairing_visits": 0, "applications": 0, "standards": 0}
        self.union_officer = User.objects.filter(username="union_officer").first() or admin
        self.district_officer = User.objects.filter(username="district_officer").first() or admin

    # ---- setup ----

    def standards(self) -> None:
        city: Org = self.places["city"]
        district: Org = self.places["district"]
        year = timezone.localdate().year
        rows = [
            (city.region_code, year - 1, "1320", "1980", None),
            (city.region_code, year, "1395", "2093", None),
            (district.region_code, year, "1420", "2130", 7),
        ]
        for region, y, minimum, low, days in rows:
            if LivingStandard.objects.filter(region_code=region, year=y).exists():
                continue
            services.living_standard_save(
                actor=self.admin,
                data={
                    "region_code": region,
                    "year": y,
                    "minimum_living": minimum,
                    "low_income": low,
                    "notice_working_days": days,
                    "note": "演示数据",
                },
            )
            self.counts["standards"] += 1

    def unions(self) -> list[Org]:
        district: Org = self.places["district"]
        others = list(
            Org.objects.filter(path__startswith=district.path, kind__in=MEMBER_HOLDING_KINDS, is_active=True)
            .exclude(pk=self.places["union"].pk)
            .order_by("-member_count", "pk")[:3]
        )
        return [self.places["union"], *others]

    def people(self, org: Org, n: int) -> list[dict[str, Any]]:
        members = list(Member.objects.filter(org=org, status=MemberStatus.ACTIVE).order_by("id")[: n * 3])
        self.rng.shuffle(members)
        out = []
        for m in members:
            if HardshipFile.objects.filter(id_number_hash=m.id_number_hash).exists():
                continue
            if WorkerAccount.objects.filter(id_number_hash=m.id_number_hash).exists():
                continue  # the portal demo's workers apply themselves
            out.append(
                {
                    "name": m.name,
                    "id_number": pii.decrypt(m.id_number_encrypted),
                    "phone": m.phone,
                    "employer_name": m.employer_name,
                }
            )
            if len(out) == n:
                break
        return out

    # ---- one file ----

    def household(self, name: str, per_capita: int, size: int) -> list[dict[str, Any]]:
        rows = [{"name": name, "relation": "本人", "birth_year": self.rng.randint(1968, 1992), "health": "healthy"}]
        relations = [("配偶", "flexible"), ("子女", "student"), ("父亲", "retired"), ("子女", "child")]
        for i in range(size - 1):
            relation, work = relations[i]
            rows.append(
                {
                    "name": name[0] + self.rng.choice("小丽强华军敏"),
                    "relation": relation,
                    "birth_year": 2012 if relation == "子女" else self.rng.randint(1950, 1990),
                    "health": "healthy",
                    "work_status": work,
                }
            )
        total = per_capita * size
        rows[0]["monthly_income"] = str(total * 2 // 3)
        if size > 1:
            rows[1]["monthly_income"] = str(total - total * 2 // 3)
        return rows

    def create(self, org: Org, person: dict, story: int, per_capita: int, at: dt.datetime) -> HardshipFile:
        causes, note = CAUSES[story % len(CAUSES)]
        size = self.rng.randint(2, 4)
        household = self.household(person["name"], per_capita, size)
        if "serious_illness" in causes:
            household[0]["health"] = "serious_illness"
        if "disability" in causes:
            household[0]["health"] = "disabled"
        data = {
            "org": org.pk,
            **person,
            "address": f"{org.name}附近{self.rng.randint(1, 30)}号楼",
            "household": household,
            "causes": causes,
            "cause_note": note,
            "sudden_loss": "disaster_accident" in causes,
            "housing": self.rng.choice(HOUSING),
        }
        file = services.file_create(actor=self.filer(org), data=data, now=at)
        level = file.suggested_level if file.suggested_level not in ("", "not_eligible") else "relative"
        reason = "" if level == file.suggested_level else "经入户走访，家庭实际困难程度较重"
        file = services.file_update(
            actor=self.filer(file.org), file=file, data={"level": level, "level_reason": reason}, now=at
        )
        self.counts["files"] += 1
        return file

    def visit(self, file: HardshipFile, at: dt.datetime) -> None:
        services.home_visit_add(
            actor=self.filer(file.org),
            file=file,
            data={
                "visit_date": timezone.localtime(at).date(),
                "visitors": self.rng.choice(VISITORS),
                "findings": "入户核实家庭成员、收入和住房情况，与申报一致。",
            },
            now=at,
        )
        self.counts["visits"] += 1

    def to_filed(self, file: HardshipFile, at: dt.datetime) -> HardshipFile:
        self.visit(file, at)
        services.file_submit(actor=self.filer(file.org), file=file, now=at)
        file = services.file_verify(actor=self.verifier(file), file=file, note="情况属实", now=at + DAY)
        services.finish_notices(now=file.notice_ends_at)
        file.refresh_from_db()
        return file

    def filer(self, org: Org):
        """The union's own demo officer for the demo union; the district officer for its other unions."""
        for officer in (self.union_officer, self.district_officer):
            if officer.org_id and in_scope(officer, org):
                return officer
        return self.admin

    def verifier(self, file: HardshipFile):
        """The district officer when the verifying federation is in their scope, else the admin."""
        org = verifying_org_for(file.org)
        officer = self.district_officer
        if org is not None and officer.org_id and in_scope(officer, org):
            return officer
        return self.admin

    def pair(self, file: HardshipFile, at: dt.datetime) -> None:
        officer = self.union_officer if file.org_id == self.places["union"].pk else self.district_officer
        pairing = services.pairing_create(
            actor=self.admin, file=file, officer_id=officer.pk, start_date=timezone.localtime(at).date(), now=at
        )
        self.counts["pairings"] += 1
        for k, (help_type, value, content) in enumerate(
            [
                ("goods", "300", "送去米、面、油等生活物资"),
                ("money", "1000", "送去春节慰问金"),
                ("service", "0", "帮助联系社区办理临时救助"),
                ("none", "0", "看望慰问，了解孩子学习情况"),
            ][: self.rng.randint(1, 4)]
        ):
            when = min(at + dt.timedelta(days=20 + 35 * k), self.now)
            services.pairing_visit_add(
                actor=officer,
                pairing=pairing,
                data={
                    "visit_date": timezone.localtime(when).date(),
                    "content": content,
                    "help_type": help_type,
                    "help_value": value if help_type != "service" else "200",
                    "next_steps": "下月再次走访",
                },
                now=when,
            )
            self.counts["pairing_visits"] += 1

    # ---- the story ----

    def run(self) -> dict[str, int]:
        self.standards()
        now = self.now
        story = 0
        for index, org in enumerate(self.unions()):
            people = self.people(org, 12 if index == 0 else 4)
            # (state, per-capita income, days ago)
            plan = [
                ("filed", 900, 60),
                ("filed_due", 1300, 345),
                ("filed_overdue", 1800, 400),
                ("in_notice", 1100, 1),
                ("submitted", 2000, 2),
                ("draft", 1500, 0),
                ("returned", 2600, 10),
                ("verified_objection", 1700, 3),
                ("exited", 1200, 420),
                ("filed", 3000, 120),
                ("filed_accident", 4000, 90),
                ("declined", 5200, 15),
            ][: len(people)]
            for (state, income, days_ago), person in zip(plan, people, strict=False):
                at = now - dt.timedelta(days=days_ago)
                if state == "filed_accident":
                    story = 4  # disaster or accident
                file = self.create(org, person, story, income, at)
                story += 1
                self.step(file, state, at)
        self.applications()
        return self.counts

    def step(self, file: HardshipFile, state: str, at: dt.datetime) -> None:
        if state == "draft":
            return
        if state == "declined":
            services.file_decline(actor=self.filer(file.org), file=file, reason="家庭人均收入高于低收入标准", now=at)
            return
        if state in ("filed", "filed_due", "filed_overdue", "filed_accident", "exited"):
            file = self.to_filed(file, at)
            if state in ("filed", "filed_due", "filed_accident"):
                self.pair(file, file.filed_at or at)
            if state == "exited":
                services.file_exit(
                    actor=self.filer(file.org), file=file, reason="employed", note="", now=at + dt.timedelta(days=300)
                )
            return
        self.visit(file, at)
        services.file_submit(actor=self.filer(file.org), file=file, now=at)
        if state == "submitted":
            return
        if state == "returned":
            services.file_return(actor=self.verifier(file), file=file, reason="请补充家庭成员收入证明", now=at + DAY)
            return
        file = services.file_verify(actor=self.verifier(file), file=file, note="情况属实", now=at)
        if state == "verified_objection":
            services.file_record_objection(
                actor=self.filer(file.org), file=file, content="公示期有职工反映其家庭另有经营收入", now=at + DAY
            )

    def applications(self) -> None:
        """Online applications from the portal demo's verified workers who are members."""
        workers = WorkerAccount.objects.filter(verified_at__isnull=False).order_by("id")[:20]
        made = 0
        for worker in workers:
            member = member_current_elsewhere(id_number_hash=worker.id_number_hash)
            if member is None or HardshipFile.objects.filter(id_number_hash=worker.id_number_hash).exists():
                continue
            services.worker_apply(
                worker=worker,
                data={
                    "address": "演示小区3号楼",
                    "household": [
                        {"name": worker.real_name, "relation": "本人", "health": "chronic", "monthly_income": "2400"},
                        {"name": worker.real_name[0] + "小", "relation": "子女", "work_status": "student"},
                        {"name": "配偶", "relation": "配偶", "health": "serious_illness", "work_status": "unable"},
                    ],
                    "causes": ["serious_illness", "schooling"],
                    "cause_note": "配偶患病长期住院，孩子上学开销大。",
                },
                now=self.now - dt.timedelta(days=made),
            )
            made += 1
            self.counts["applications"] += 1
            if made == 3:
                break


def load_demo(*, places: dict, admin, rng: random.Random) -> dict[str, int]:
    return _Demo(places=places, admin=admin, rng=rng).run()
