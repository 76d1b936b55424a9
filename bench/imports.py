"""Bulk import (issue 3, part 2): the real importer against raw COPY and a naive ORM loop.

A CSV of K new people (valid ID numbers that the seed never hands out: sequence 999/000) is
imported with `members.imports.import_members_file` into the largest grassroots union of the
seeded roll, inside a transaction that is rolled back afterwards, so the dataset keeps its
size. Same-run baselines on the same rows and table, also rolled back:

* raw COPY (PostgreSQL) or executemany (SQLite) of the rows already prepared (encrypted,
  hashed, masked) into the member table: the floor for getting these rows in;
* a naive ORM loop, `Member(...).save()` per row, on a 2,000-row sample, extrapolated.

Peak memory is the process's resident high-water mark (ru_maxrss) after the import, an upper
bound of what the import needed. At 10m an XLSX of 200,000 rows is imported as well.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import os
import resource
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from pathlib import Path

from django.db import connection, transaction

from gonghui.members.imports import IMPORT_HEADERS

from .harness import Context, Result

ROWS = {"smoke": 500, "small": 200_000, "1m": 200_000, "10m": 1_000_000}
XLSX_ROWS = {"smoke": 200, "10m": 200_000}
NAIVE_SAMPLE = {"smoke": 200}
NAIVE_DEFAULT = 2_000
HEADERS = IMPORT_HEADERS  # the importer's own columns
_EDUCATION = ("初中", "高中/中专/技校", "大专", "本科", "硕士研究生")
_FORMS = ("无",) * 12 + ("快递外卖骑手", "网约车司机", "快递员")


class _Rollback(Exception):
    pass


def _people(count: int) -> Iterator[tuple[str, ...]]:
    """`count` distinct people (cells as the import file has them), none of them on the seeded roll."""
    import random

    from gonghui.core.idcard import build_id_number
    from gonghui.core.regions import all_region_codes
    from gonghui.core.uscc import build_uscc
    from gonghui.demo.bulk import _surnames
    from gonghui.demo.data import GIVEN_CHARS_FEMALE, GIVEN_CHARS_MALE

    rng = random.Random(2026)
    regions = [c for c in all_region_codes() if not c.endswith("00") and c[:2] not in ("71", "81", "82")]
    surnames, cum = _surnames()
    employers = [
        (f"基准测试{i}号有限公司", build_uscc(f"91{regions[i]}{'ABCDFGHJK'[i % 9]}{i:08d}")) for i in range(50)
    ]
    start = dt.date(1970, 1, 1)
    for i in range(count):
        male = i % 2 == 0
        region = regions[(i // 2) % len(regions)]
        birth = start + dt.timedelta(days=(i // (2 * len(regions))) * 7 + (i % 7))
        # Sequence 999 (male) / 000 (female): the seed only uses 001-998.
        number = build_id_number(region, birth, 999 if male else 1000)
        chars = GIVEN_CHARS_MALE if male else GIVEN_CHARS_FEMALE
        name = rng.choices(surnames, cum_weights=cum)[0] + rng.choice(chars) + rng.choice(chars)
        employer = employers[i % len(employers)]
        yield (
            name,
            "居民身份证",
            number,
            f"139{rng.randrange(100_000_000):08d}",
            "汉族",
            rng.choice(_EDUCATION),
            employer[0],
            employer[1],
            (dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3000))).isoformat(),
            "是" if rng.random() < 0.3 else "否",
            rng.choice(_FORMS),
        )  # birth dates stay unique per (region, sex): 7 days a step, one per remainder


def _write_csv(rows: Iterable[tuple[str, ...]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        writer.writerows(rows)


def _write_xlsx(rows: Iterable[tuple[str, ...]], path: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = wb.add_worksheet()
    sheet.write_row(0, 0, HEADERS)
    for i, row in enumerate(rows, start=1):
        for j, cell in enumerate(row):
            sheet.write_string(i, j, cell)
    wb.close()


def _prepared(rows: Iterable[tuple[str, ...]], org_id: int) -> tuple[list[str], list[tuple]]:
    """The rows as the member table stores them (what a raw load has to write)."""
    from django.utils import timezone

    from gonghui.core import pii
    from gonghui.core.idcard import mask_id_number, parse_id_number
    from gonghui.members.search import search_keys

    education = {"初中": "junior", "高中/中专/技校": "senior", "大专": "junior_college", "本科": "bachelor"}
    education["硕士研究生"] = "master"
    forms = {"无": "none", "快递外卖骑手": "delivery_rider", "网约车司机": "ride_hailing_driver", "快递员": "courier"}
    now = timezone.now().isoformat()
    columns = [
        "name", "name_initials", "name_initials_alt", "phone_last4", "id_last4", "id_type", "id_number_encrypted", "id_number_hash", "id_number_masked", "gender",
        "birth_date", "phone", "ethnicity", "education", "employer_name", "employer_uscc", "org_id", "join_date",
        "card_number", "status", "is_migrant_worker", "new_employment_form", "created_at", "updated_at",
    ]  # fmt: skip
    out = []
    for i, r in enumerate(rows):
        facts = parse_id_number(r[2])
        masked = mask_id_number(r[2])
        keys = search_keys(name=r[0], phone=r[3], id_number_masked=masked)
        out.append(
            (
                r[0], keys["name_initials"], keys["name_initials_alt"], keys["phone_last4"], keys["id_last4"],
                "resident_id", pii.encrypt(r[2]), pii.keyed_hash(r[2]),
                masked, facts.gender, facts.birth_date.isoformat(), r[3], r[4], education[r[5]], r[6],
                r[7], org_id, r[8], f"B{i:015d}", "active", r[9] == "是", forms[r[10]], now, now,
            )
        )  # fmt: skip
    return columns, out


def _raw_load_seconds(
    columns: list[str], prepared: list[tuple], *, importer_cache: bool = False, before: Sequence[str] = ()
) -> float:
    """Seconds for a raw load of the prepared rows (rolled back); with importer_cache on SQLite,
    under the page cache the importer sets for its own write (`_sqlite_bulk_cache`). The `before`
    statements run first in the same transaction (and are rolled back with it), untimed."""
    from gonghui.members.imports import _sqlite_bulk_cache
    from gonghui.members.models import Member

    table = Member._meta.db_table
    cols = ", ".join(columns)
    started = time.perf_counter()
    try:
        with (
            transaction.atomic(),
            connection.cursor() as cur,
            _sqlite_bulk_cache() if importer_cache else nullcontext(),
        ):
            for statement in before:
                cur.execute(statement)
            started = time.perf_counter()
            if connection.vendor == "postgresql":
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in prepared:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", prepared)
            seconds = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return seconds


def _naive_rows_per_second(rows: list[tuple[str, ...]], org) -> float:
    """Member(...).save() per row, as a first attempt would do it."""
    from gonghui.core.idcard import parse_id_number
    from gonghui.core.pinyin import name_initials
    from gonghui.members.cards import card_number_for
    from gonghui.members.models import Member
    from gonghui.members.services import apply_id_number

    started = time.perf_counter()
    try:
        with transaction.atomic():
            for i, r in enumerate(rows):
                facts = parse_id_number(r[2])
                member = Member(
                    name=r[0],
                    name_initials=name_initials(r[0]),
                    phone=r[3],
                    employer_name=r[6],
                    employer_uscc=r[7],
                    org=org,
                    join_date=dt.date.fromisoformat(r[8]),
                    card_number="N" + card_number_for(i),
                    is_migrant_worker=r[9] == "是",
                )
                apply_id_number(member, {"id_number": r[2], "birth_date": facts.birth_date, "gender": facts.gender})
                member.save()
            seconds = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return len(rows) / seconds


def _import(path: Path, org, actor) -> tuple[float, int, int]:
    """Seconds, rows created, peak RSS (MiB) of the real importer; rolled back afterwards."""
    from gonghui.members.imports import import_members_file

    started = time.perf_counter()
    try:
        with transaction.atomic():
            result = import_members_file(actor=actor, org=org, path=path, skip_invalid=False, note="基准测试导入")
            seconds = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    if not result.accepted:
        raise RuntimeError(f"benchmark import rejected: {result.message} {result.errors[:5]}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return seconds, result.created, peak


def _read_csv(path: Path, limit: int | None = None) -> list[tuple[str, ...]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        return [tuple(r) for r in itertools.islice(reader, limit)]


def run(ctx: Context) -> None:
    from .dataset import sample_orgs, superuser

    # GONGHUI_BENCH_IMPORT_ROWS overrides the file size (e.g. 1,000,000 on the small dataset).
    k = int(os.environ.get("GONGHUI_BENCH_IMPORT_ROWS") or ROWS[ctx.scale])
    org = sample_orgs()["grassroots"]
    actor = superuser()
    pg = ctx.vendor == "postgresql"
    base_name = "raw COPY, same rows" if pg else "raw executemany, same rows"
    target = "≥ 50,000 rows/s" if pg else "≥ 20,000 rows/s"
    with tempfile.TemporaryDirectory(prefix="gonghui-bench-import-") as tmp:
        # The file is written streaming, and the importer runs first, so the process's memory
        # high-water mark afterwards is the importer's (plus the small process baseline).
        csv_path = Path(tmp) / "members.csv"
        _write_csv(_people(k), csv_path)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        seconds, created, peak = _import(csv_path, org, actor)
        assert created == k, (created, k)
        x = XLSX_ROWS.get(ctx.scale)
        if x:
            xlsx_path = Path(tmp) / "members.xlsx"
            _write_xlsx(_people(x), xlsx_path)
            xs, xcreated, xpeak = _import(xlsx_path, org, actor)
            assert xcreated == x, (xcreated, x)
        people = _read_csv(csv_path)
        columns, prepared = _prepared(people, org.pk)
        raw_seconds = _raw_load_seconds(columns, prepared)
        cached_seconds = None if pg else _raw_load_seconds(columns, prepared, importer_cache=True)
        del prepared
        naive = _naive_rows_per_second(people[: NAIVE_SAMPLE.get(ctx.scale, NAIVE_DEFAULT)], org)
        del people
    if pg:
        # The rolled-back rows are dead tuples in the member table and its indexes (all under the
        # sample union): vacuum them so the benches run after this one see the dataset as it was.
        from gonghui.members.models import Member, MemberEvent

        with connection.cursor() as cur:
            for model in (Member, MemberEvent):
                cur.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    rate, raw_rate = k / seconds, k / raw_seconds
    ctx.add(Result("imports", f"CSV import {k:,} rows", rate, "rows/s", base_name, raw_rate, target))
    ctx.add(Result("imports", f"CSV import {k:,} rows, time", seconds, "s", base_name, raw_seconds, "≤ 3.00× (PG)"))
    if cached_seconds:
        ctx.add(
            Result(
                "imports",
                f"CSV import {k:,} rows (vs raw, same cache)",
                rate,
                "rows/s",
                "raw executemany, importer's cache",
                k / cached_seconds,
                target,
                note="raw executemany under the page cache the importer sets for its write",
            )
        )
    ctx.add(
        Result(
            "imports",
            "CSV import peak RSS (process high-water)",
            peak,
            "MiB",
            target="< 1,024 MiB",
            note=f"process before the import: {rss_before} MiB",
        )
    )
    ctx.add(
        Result(
            "imports",
            "CSV import vs naive ORM save() loop",
            rate,
            "rows/s",
            "naive save() loop (sample)",
            naive,
            note=f"naive figure from a {NAIVE_SAMPLE.get(ctx.scale, NAIVE_DEFAULT):,}-row sample",
        )
    )
    if x:
        ctx.add(Result("imports", f"XLSX import {x:,} rows", x / xs, "rows/s", base_name, raw_rate, note=f"{xs:.1f} s"))
        ctx.add(Result("imports", "XLSX import peak RSS (process high-water)", xpeak, "MiB", target="< 1,024 MiB"))
