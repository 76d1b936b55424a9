"""Fast writes for large seeds: millions of members with COPY (PostgreSQL) or executemany (SQLite).

The people are generated chunk by chunk in a pool of worker processes (generation, AES-GCM
encryption and the keyed hash are the costly part), each chunk from its own seeded random
stream, so the same seed gives the same people whatever the number of workers. The main
process streams the rows into the database:

* PostgreSQL: one `COPY ... FROM STDIN` (psycopg 3), secondary indexes and foreign keys of
  the member tables dropped before and rebuilt after when the table is small next to the load
  (rebuilding once is much cheaper than maintaining them row by row), all in the caller's
  transaction, so a failure leaves nothing behind;
* SQLite: `executemany` in the caller's transaction.

History rows (one `imported` event per member, with the same before/after payload as the
slow path) are written by one INSERT ... SELECT in SQL. Member counters are computed from the
written rows by one aggregate UPDATE, so they are exact by construction.

ID numbers stay unique without a shared allocator: chunk k uses only sequence slot k (of the
499 per county, birth date and sex), and inside a chunk a repeated (county, birth date, sex)
moves the birth date by a day, as the slow path does. When the roll already holds people, rows
go through a staging table and anyone already holding a current membership is written as
withdrawn (an old record of the same person), so the one-current-membership rule holds.
"""

# Table and column names in the SQL below come from model metadata, never from input.
# ruff: noqa: S608

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import multiprocessing
import os
import random
import time
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import connection, models
from django.db.models import F
from django.utils import timezone

from gonghui.core import pii
from gonghui.core.idcard import build_id_number, mask_id_number
from gonghui.core.pinyin import person_initials
from gonghui.core.treepath import STEP_LEN
from gonghui.members.cards import card_number_for, reserve_card_sequence
from gonghui.members.models import TIER_DEPTHS, Member, MemberEvent, MemberStatus
from gonghui.members.services import TRACKED_FIELDS
from gonghui.orgs.models import Org

from . import data

# Seconds per phase of the last write_members_fast (printed by `seed -v 2`).
TIMINGS: dict[str, float] = {}

# From this many members on, `seed_dataset` writes through this module.
FAST_MEMBERS = 50_000
_SLOTS = 499  # sequence slots per (county, birth date, sex), as in generator.IdAllocator
_MIN_CHUNK = 20_000

MEMBER_COLUMNS = (
    "id",
    "name",
    "name_initials",
    "id_type",
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
    "gender",
    "birth_date",
    "phone",
    "ethnicity",
    "education",
    "employer_name",
    "employer_uscc",
    "org_id",
    "tier2_id",
    "tier3_id",
    "join_date",
    "card_number",
    "status",
    "is_migrant_worker",
    "new_employment_form",
    "transferred_from_id",
    "created_at",
    "updated_at",
    "name_initials_alt",
    "phone_last4",
    "id_last4",
)


@dataclass(frozen=True)
class HolderSpec:
    org_id: int
    tier_values: tuple[int | None, ...]  # the members' tier2_id, tier3_id
    region: str
    industry: str
    employers: tuple[tuple[str, str], ...]
    founded_on: dt.date | None
    p_mig: float
    p_nef: float

    @property
    def tiers(self) -> str:
        """`tier_values` as COPY text."""
        return "\t".join("\\N" if t is None else str(t) for t in self.tier_values)


@dataclass(frozen=True)
class ChunkTask:
    index: int
    base: str
    parts: tuple[tuple[HolderSpec, int], ...]
    first_id: int
    first_card: int
    today: dt.date
    minority_share: float
    now: str
    text: bool  # COPY text lines (PostgreSQL) or tuples (SQLite)
    extra: tuple[Any, ...]  # values of model columns this module does not know (their defaults)

    @property
    def size(self) -> int:
        return sum(n for _, n in self.parts)


@lru_cache(maxsize=1)
def _surnames() -> tuple[tuple[str, ...], list[float]]:
    """Faker's zh_CN surnames with their frequencies (王 7.17 %, 李 7.0 %, ...)."""
    from faker.providers.person.zh_CN import Provider

    names = tuple(Provider.last_names)
    return names, list(itertools.accumulate(Provider.last_names[n] for n in names))


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28) + dt.timedelta(days=1)


_INITIALS: dict[str, tuple[str, str]] = {}  # per worker process, across chunks: names repeat a lot


def generate_chunk(task: ChunkTask) -> tuple[int, Any, dict[int, int]]:
    """The rows of one chunk (run in a worker process): people planned as the slow path plans them.

    Returns the chunk's index, its rows (COPY text or tuples) and its current members per union.
    """
    from .generator import _BIRTH_YEAR_CUM, BIRTH_YEARS, _counties, _given_names

    rng = random.Random(f"{task.base}:members:{task.index}")
    rand, choice = rng.random, rng.choice
    surnames, surname_cum = _surnames()
    surname_total = surname_cum[-1]
    male_given, female_given = _given_names()
    minority_cum = list(itertools.accumulate(w for _, w in data.MINORITIES))
    edu_cum = {k: list(itertools.accumulate(v)) for k, v in data.EDUCATION_PROFILES.items()}
    migrant_homes = [p for p, _ in data.MIGRANT_PROVINCES]
    migrant_cum = list(itertools.accumulate(w for _, w in data.MIGRANT_PROVINCES))
    year_total = _BIRTH_YEAR_CUM[-1]
    today = task.today
    slot = task.index % _SLOTS
    used: set[tuple[str, int, bool]] = set()
    initials = _INITIALS
    out: list[Any] = []
    current: dict[int, int] = {}  # current members per union
    mid, card = task.first_id, task.first_card
    now = task.now
    extra_text = "".join("\t" + ("\\N" if v is None else str(v)) for v in task.extra)
    for spec, count in task.parts:
        industry = data.INDUSTRIES[spec.industry]
        forms = industry.new_employment_forms
        forms_cum = list(itertools.accumulate(w for _, w in forms))
        province = spec.region[:2]
        tiers, tier_values = spec.tiers, spec.tier_values
        held = 0
        employers = spec.employers
        male_share = industry.male_share
        edu_profile = industry.education
        for _ in range(count):
            migrant = rand() < spec.p_mig
            male = rand() < male_share
            year = BIRTH_YEARS[bisect.bisect_right(_BIRTH_YEAR_CUM, rand() * year_total)]
            ordinal = dt.date(year, 1, 1).toordinal() + rng.randrange(366 if year % 4 == 0 else 365)
            if migrant:
                home = (
                    province
                    if rand() < 0.25
                    else migrant_homes[bisect.bisect_right(migrant_cum, rand() * migrant_cum[-1])]
                )
                region = choice(_counties(home))
            else:
                region = spec.region
            while (region, ordinal, male) in used:
                ordinal += 1
            used.add((region, ordinal, male))
            birth = dt.date.fromordinal(ordinal)
            number = build_id_number(region, birth, 2 * slot + 1 if male else 2 * slot + 2)
            age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
            r = rand()
            if age >= 60:
                status = "retained" if r < 0.65 else "withdrawn" if r < 0.7 else "active"
            else:
                status = "withdrawn" if r < 0.03 else "retained" if r < 0.055 else "active"
            if status != "withdrawn":
                held += 1
            lo = _add_years(birth, 16)
            if spec.founded_on and spec.founded_on > lo:
                lo = spec.founded_on
            lo = min(lo, today)
            join = lo + dt.timedelta(days=int((today - lo).days * rand() ** 0.7))
            if rand() < 0.55:
                given = choice(male_given if male else female_given)
            else:
                chars = data.GIVEN_CHARS_MALE if male else data.GIVEN_CHARS_FEMALE
                given = choice(chars) + choice(chars) if rand() < 0.8 else choice(chars)
            name = surnames[bisect.bisect_right(surname_cum, rand() * surname_total)] + given
            if rand() < task.minority_share * (1.6 if migrant else 0.8):
                ethnicity = data.MINORITIES[bisect.bisect_right(minority_cum, rand() * minority_cum[-1])][0]
            else:
                ethnicity = "汉族"
            profile = edu_profile
            if migrant:
                profile = "mid" if profile in ("high", "state") else "low"
            cum = edu_cum[profile]
            education = data.EDUCATION_LEVELS[bisect.bisect_right(cum, rand() * cum[-1])]
            employer_name, employer_uscc = employers[0] if len(employers) == 1 else choice(employers)
            form = "none"
            if rand() < spec.p_nef:
                form = forms[bisect.bisect_right(forms_cum, rand() * forms_cum[-1])][0]
            phone = choice(data.MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}" if rand() < 0.97 else ""
            readings = initials.get(name)
            if readings is None:
                readings = initials[name] = person_initials(name)
            ini, ini_alt = readings
            phone4, id4 = phone[-4:], number[-4:]
            mid += 1
            card_number = card_number_for(card)
            card += 1
            encrypted, hashed, masked = pii.encrypt(number), pii.keyed_hash(number), mask_id_number(number)
            gender = "male" if male else "female"
            if task.text:
                out.append(
                    f"{mid}\t{name}\t{ini}\tresident_id\t{encrypted}\t{hashed}\t{masked}\t{gender}\t{birth}\t{phone}\t"
                    f"{ethnicity}\t{education}\t{employer_name}\t{employer_uscc}\t{spec.org_id}\t{tiers}\t{join}\t"
                    f"{card_number}\t{status}\t{'t' if migrant else 'f'}\t{form}\t\\N\t{now}\t{now}\t{ini_alt}\t{phone4}\t{id4}"
                    f"{extra_text}\n"
                )
            else:
                out.append(
                    (
                        mid, name, ini, "resident_id", encrypted, hashed, masked, gender, birth.isoformat(), phone,
                        ethnicity, education, employer_name, employer_uscc, spec.org_id, *tier_values, join.isoformat(),
                        card_number, status, migrant, form, None, now, now, ini_alt, phone4, id4, *task.extra,
                    )
                )  # fmt: skip
        if held:
            current[spec.org_id] = current.get(spec.org_id, 0) + held
    if task.text:
        return task.index, "".join(out).encode(), current
    return task.index, out, current


def _holder_specs(planner, plans, orgs, *, tier_orgs: dict[str, int] | None = None) -> list[tuple[HolderSpec, int]]:
    from .generator import MIGRANT_SHARE, NEW_EMPLOYMENT_SHARE, _calibrate

    holders = [(p, o) for p, o in zip(plans, orgs, strict=True) if p.holds_members and p.size]
    if tier_orgs is None:  # path → id of the unions members are tiered by
        tier_orgs = dict(Org.objects.filter(depth__in=TIER_DEPTHS).values_list("path", "id"))
    sizes = [p.size for p, _ in holders]
    mig = [data.INDUSTRIES[p.industry].migrant_weight for p, _ in holders]
    nef = [data.INDUSTRIES[p.industry].new_employment_weight for p, _ in holders]
    c_mig = _calibrate(sizes, mig, MIGRANT_SHARE, 0.92)
    c_nef = _calibrate(sizes, nef, NEW_EMPLOYMENT_SHARE, 0.9)
    return [
        (
            HolderSpec(
                org_id=o.pk,
                tier_values=_tiers(o, tier_orgs),
                region=p.region_code,
                industry=p.industry,
                employers=tuple((e.name, e.uscc) for e in p.employers),
                founded_on=p.founded_on,
                p_mig=min(0.92, c_mig * mw),
                p_nef=min(0.9, c_nef * nw),
            ),
            p.size,
        )
        for (p, o), mw, nw in zip(holders, mig, nef, strict=True)
    ]


def _tiers(org, tier_orgs: dict[str, int]) -> tuple[int | None, ...]:
    """`Member.tier2_id`, `tier3_id` of a member of `org` (as `members.models.tier_ids`, from a map)."""
    return tuple(tier_orgs.get(org.path[: d * STEP_LEN]) if org.depth >= d else None for d in TIER_DEPTHS)


def _chunks(
    specs: list[tuple[HolderSpec, int]], total: int, *, minimum: int | None = None
) -> Iterator[tuple[tuple[HolderSpec, int], ...]]:
    """Consecutive runs of about `target` members; a large union may span chunks.

    At most _SLOTS chunks (each owns one ID sequence slot), so large rolls get larger chunks.
    """
    target = max(minimum or _MIN_CHUNK, math.ceil(total / (_SLOTS - 19)))
    parts: list[tuple[HolderSpec, int]] = []
    room = target
    for spec, size in specs:
        while size:
            take = min(size, room)
            parts.append((spec, take))
            size -= take
            room -= take
            if room == 0:
                yield tuple(parts)
                parts, room = [], target
    if parts:
        yield tuple(parts)


def _extra_defaults(model, known: Sequence[str]) -> tuple[list[str], tuple[Any, ...]]:
    """Columns of `model` the fast path does not fill, with their defaults (e.g. added by another app)."""
    cols, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in known:
            continue
        value = field.get_db_prep_save(field.get_default(), connection)
        if isinstance(value, bool) and connection.vendor == "postgresql":
            value = "t" if value else "f"
        cols.append(field.column)
        values.append(value)
    return cols, tuple(values)


def _reserve(count: int) -> tuple[int, int]:
    """The last member id in use and the first card sequence of a block of `count`."""
    table = Member._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        last_id = cur.fetchone()[0]
    return last_id, reserve_card_sequence(count)


class _Indexes:
    """Secondary indexes and unique/foreign-key constraints of some tables, dropped and rebuilt (PostgreSQL)."""

    def __init__(self, tables: Sequence[str]) -> None:
        self.tables = tables
        self.saved: list[tuple[str, str, str, str]] = []  # kind, table, name, definition

    def drop(self) -> None:
        with connection.cursor() as cur:
            # Check the deferred foreign keys of rows written so far (the unions): a table with
            # pending trigger events cannot be altered.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in self.tables:
                cur.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY conname",
                    [table],
                )
                constraints = cur.fetchall()
                cur.execute(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                    "AND i.tablename = %s AND i.indexname NOT IN "
                    "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) ORDER BY i.indexname",
                    [table, table],
                )
                indexes = cur.fetchall()
                for name, definition in constraints:
                    cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                    self.saved.append(("constraint", table, name, definition))
                for name, definition in indexes:
                    cur.execute(f'DROP INDEX "{name}"')
                    self.saved.append(("index", table, name, definition))

    def rebuild(self) -> None:
        with connection.cursor() as cur:
            cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
            for kind, table, name, definition in sorted(self.saved, key=lambda s: s[0] == "constraint"):
                if kind == "index":
                    cur.execute(definition)
                else:
                    cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        self.saved.clear()


_PLAIN_FIELDS = (models.CharField, models.IntegerField, models.BooleanField, models.DateField, models.ForeignKey)


def insert_new_objects(objs: Sequence[Any]) -> None:
    """Insert unsaved model instances of one model: COPY on PostgreSQL, `bulk_create` elsewhere.

    Ids are taken from the table's own sequence in one call and set on the instances first, so
    the caller can point later rows (children, history) at them before anything is written;
    `auto_now`/`auto_now_add` fields get their value as in `bulk_create`. For hundreds of
    thousands of rows this is several times cheaper than a multi-row INSERT, whose parameters
    psycopg quotes one by one in Python.
    """
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=500)
        return
    table, pk_column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', '{pk_column}')) FROM generate_series(1, %s)",
            [len(objs)],
        )
        for obj, (pk,) in zip(objs, cur.fetchall(), strict=True):
            obj.pk = pk
        fields = model._meta.concrete_fields
        columns = ", ".join(f.column for f in fields)
        # psycopg writes str, int, bool, date and datetime as they are; only other fields (JSON)
        # need Django's conversion, which costs more than the whole COPY for the rest.
        plain = [isinstance(f, _PLAIN_FIELDS) for f in fields]
        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row(
                    [
                        f.pre_save(obj, True) if is_plain else f.get_db_prep_save(f.pre_save(obj, True), connection)
                        for f, is_plain in zip(fields, plain, strict=True)
                    ]
                )
        for obj in objs:
            obj._state.adding, obj._state.db = False, connection.alias


def _events_sql(first_id: int, note: str, last_id: int | None = None) -> tuple[str, list[Any]]:
    """One `imported` history row per member with id in (first_id, last_id], its payload built in SQL
    as the slow path builds it."""
    member, event = Member._meta.db_table, MemberEvent._meta.db_table
    extra_cols, extra_values = _extra_defaults(
        MemberEvent, ("id", "member_id", "kind", "actor_id", "changes", "note", "created_at")
    )
    db_columns = {f.name: f.column for f in Member._meta.concrete_fields}
    if connection.vendor == "postgresql":
        pairs = []
        for f in TRACKED_FIELDS:
            column = db_columns[f]
            value = f"to_char({column}, 'YYYY-MM-DD')" if f == "join_date" else column
            pairs.append(f"'{f}', jsonb_build_array(NULL, {value})")
        changes = f"jsonb_build_object({', '.join(pairs)})"
    else:
        pairs = []
        for f in TRACKED_FIELDS:
            column = db_columns[f]
            value = f"json(CASE WHEN {column} THEN 'true' ELSE 'false' END)" if f == "is_migrant_worker" else column
            pairs.append(f"'{f}', json_array(NULL, {value})")
        changes = f"json_object({', '.join(pairs)})"
    cols = ", ".join(["member_id", "kind", "actor_id", "changes", "note", "created_at", *extra_cols])
    extra = "".join(", %s" for _ in extra_cols)
    sql = (
        f"INSERT INTO {event} ({cols}) SELECT id, 'imported', NULL, {changes}, %s, created_at{extra} "
        f"FROM {member} WHERE id > %s{' AND id <= %s' if last_id is not None else ''} ORDER BY id"
    )
    return sql, [note, *extra_values, first_id, *([last_id] if last_id is not None else [])]


def write_members_fast(planner, plans, orgs, *, note: str, workers: int | None = None) -> int:
    """Write the planned members of `plans` (already written as `orgs`); returns how many are current.

    Must run inside the caller's transaction (all or nothing).
    """
    TIMINGS.clear()
    specs = _holder_specs(planner, plans, orgs)
    total = sum(n for _, n in specs)
    if total == 0:
        return 0
    pg = connection.vendor == "postgresql"
    member_table, event_table = Member._meta.db_table, MemberEvent._meta.db_table
    roll_before = Member.objects.count()
    last_id, first_card = _reserve(total)
    extra_cols, extra_values = _extra_defaults(Member, MEMBER_COLUMNS)
    columns = ", ".join([*MEMBER_COLUMNS, *extra_cols])
    now = timezone.now().isoformat()
    tasks: list[ChunkTask] = []
    offset = 0
    minority = getattr(planner.city, "minority_share", 0.04)
    for index, parts in enumerate(_chunks(specs, total)):
        task = ChunkTask(
            index=index,
            base=planner._base,
            parts=parts,
            first_id=last_id + offset,
            first_card=first_card + offset,
            today=planner.today,
            minority_share=minority,
            now=now,
            text=pg,
            extra=extra_values,
        )
        tasks.append(task)
        offset += task.size
    staged = roll_before > 0
    target = "seed_stage" if staged else member_table
    indexes = _Indexes([member_table, event_table]) if pg and roll_before < total else None
    with connection.cursor() as cur:
        if staged:
            if pg:
                cur.execute(f"CREATE TEMP TABLE seed_stage (LIKE {member_table} INCLUDING DEFAULTS) ON COMMIT DROP")
            else:
                cur.execute(f"CREATE TEMP TABLE seed_stage AS SELECT * FROM {member_table} WHERE 0")
        if indexes:
            indexes.drop()
        clock = time.perf_counter()
        current_by_org: Counter[int] = Counter()
        for index, payload, current_counts in _run(tasks, workers):
            if pg:
                with cur.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
                    copy.write(payload)
            else:
                marks = ", ".join(["%s"] * (len(MEMBER_COLUMNS) + len(extra_cols)))
                cur.executemany(f"INSERT INTO {target} ({columns}) VALUES ({marks})", payload)
            current_by_org.update(current_counts)
            if not staged:
                # The chunk's history rows now: the database builds them while the workers are
                # still generating the next chunks (one pass at the end left a core idle).
                task = tasks[index]
                cur.execute(*_events_sql(task.first_id, note, task.first_id + task.size))
        if staged:
            cur.execute(
                "UPDATE seed_stage SET status = %s WHERE status IN ('active', 'retained') AND EXISTS "
                f"(SELECT 1 FROM {member_table} m WHERE m.id_number_hash = seed_stage.id_number_hash "
                "AND m.status IN ('active', 'retained'))",
                [MemberStatus.WITHDRAWN],
            )
            cur.execute(f"INSERT INTO {member_table} ({columns}) SELECT {columns} FROM seed_stage ORDER BY id")
            cur.execute("DROP TABLE seed_stage")
        clock = _lap("members", clock)
        if staged:
            cur.execute(*_events_sql(last_id, note))
            clock = _lap("events", clock)
        if indexes:
            indexes.rebuild()
            clock = _lap("indexes", clock)
        if pg:
            for table in (member_table, event_table):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        if staged:
            # Some planned members were written as withdrawn (already current elsewhere): count rows.
            cur.execute(
                f"SELECT org_id, COUNT(*) FROM {member_table} WHERE id > %s AND status IN ('active', 'retained') "
                "GROUP BY org_id",
                [last_id],
            )
            current_by_org = Counter(dict(cur.fetchall()))
        # A new union's counter is its members here (the seed writes new unions only).
        by_count: dict[int, list[int]] = {}
        for org_id, n in current_by_org.items():
            by_count.setdefault(n, []).append(org_id)
        for n, org_ids in by_count.items():
            for start in range(0, len(org_ids), 5000):
                Org.objects.filter(pk__in=org_ids[start : start + 5000]).update(member_count=F("member_count") + n)
        current = sum(current_by_org.values())
        clock = _lap("counts", clock)
        # Fresh planner statistics for the tables that just grew (inside the transaction: they
        # become visible with the rows).
        if pg:
            cur.execute(f"ANALYZE {member_table}, {event_table}, orgs_org")
        else:
            cur.execute("ANALYZE")
        _lap("analyze", clock)
        return current


def _lap(name: str, since: float) -> float:
    now = time.perf_counter()
    TIMINGS[name] = now - since
    return now


def _run(tasks: list[ChunkTask], workers: int | None) -> Iterator[tuple[int, Any]]:
    """The chunks in order, generated by a pool of worker processes (fork) when there are several."""
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    if workers <= 1 or len(tasks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(generate_chunk, tasks)
        return
    ctx = multiprocessing.get_context("fork")
    # The children inherit the parent's database socket but never touch the database, and the
    # pool ends them with os._exit/SIGTERM, so nothing is sent on it from their side. At most a
    # few chunks wait in memory when the database is slower than the workers.
    with ctx.Pool(workers) as pool:
        pending: deque = deque()
        queue = iter(tasks)
        for task in itertools.islice(queue, 2 * workers):
            pending.append(pool.apply_async(generate_chunk, (task,)))
        while pending:
            result = pending.popleft().get()
            for task in itertools.islice(queue, 1):
                pending.append(pool.apply_async(generate_chunk, (task,)))
            yield result
