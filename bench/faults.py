"""Mixed load through faults: `python -m bench.faults [--smoke] [--orgs N --members M] [--seconds S]`.

30 concurrent clients (threads, a new HTTP connection per request, as gunicorn's sync workers
close them) send token-authenticated API requests to gunicorn (2 workers) running as in
production: PostgreSQL, REDIS_URL set (cache, token copies over pub/sub, Celery broker). The mix:
member list, member search, member detail, union statistics, and two officer queues (joining
applications, rights requests). Each run has a quiet stretch, a fault, and a stretch after it:

* `redis-kill`: redis-server killed (connections refused) for FAULT seconds, then started again;
* `redis-freeze`: redis-server frozen with SIGSTOP (connections open, no answer), then SIGCONT;
* `postgres-restart`: PostgreSQL stopped (fast shutdown: clients cut) and started again.

Redis and PostgreSQL are private servers on free ports (bench.servers): an initdb cluster in a
temporary directory, seeded with `gonghui seed`; the shared servers are never touched. Figures
per run: p50 and p95 latency and errors (any answer but 200, or no answer) for requests of the
quiet stretch (ended before the fault), of the fault (running when it began, or started before
2 s after its end) and after; the ratios are the
fault's p95 against the same run's quiet p95.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .servers import HOST, PostgresServer, RedisServer

CLIENTS = 30
GRACE = 2.0  # seconds after a fault ends still counted as "during"


@dataclass
class Sample:
    started: float
    ms: float
    status: int  # 0: no answer (refused, reset, timed out)
    kind: str


@dataclass
class Window:
    name: str
    samples: list[Sample] = field(default_factory=list)

    def p(self, q: int) -> float:
        ms = sorted(s.ms for s in self.samples)
        if not ms:
            return float("nan")
        if len(ms) < 2:
            return ms[0]
        return statistics.quantiles(ms, n=100, method="inclusive")[q - 1]

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if s.status != 200)

    def error_kinds(self) -> dict[str, int]:
        kinds: dict[str, int] = {}
        for s in self.samples:
            if s.status != 200:
                key = str(s.status or "no answer")
                kinds[key] = kinds.get(key, 0) + 1
        return kinds


def _load(port: int, requests: list[tuple[str, str, dict[str, str]]], stop: threading.Event) -> list[Sample]:
    samples: list[Sample] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        rng = random.Random(i)
        mine: list[Sample] = []
        while not stop.is_set():
            kind, path, headers = rng.choice(requests)
            started = time.monotonic()
            status = 0
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except OSError:
                time.sleep(0.05)  # refused while gunicorn restarts a worker: do not spin
            finally:
                conn.close()
            mine.append(Sample(started, (time.monotonic() - started) * 1000, status, kind))
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples


def _run(name, port, requests, *, quiet: float, fault: float, after: float, begin, end) -> dict:
    stop = threading.Event()
    result: list[Sample] = []
    loader = threading.Thread(target=lambda: result.extend(_load(port, requests, stop)))
    t0 = time.monotonic()
    loader.start()
    time.sleep(quiet)
    fault_start = time.monotonic()
    begin()
    time.sleep(fault)
    end()
    fault_end = time.monotonic()
    time.sleep(after)
    stop.set()
    loader.join()
    windows = {w: Window(w) for w in ("quiet", "fault", "after")}
    for s in result:
        if s.started < t0 + 1.0:  # the first second warms both workers
            continue
        # A request still running when the fault began is the fault's (it may fail because of it).
        ended = s.started + s.ms / 1000
        w = "quiet" if ended < fault_start else "fault" if s.started < fault_end + GRACE else "after"
        windows[w].samples.append(s)
    quiet_p95 = windows["quiet"].p(95)
    return {
        "run": name,
        "fault_seconds": round(fault_end - fault_start, 2),
        "windows": {
            w.name: {
                "requests": len(w.samples),
                "p50_ms": round(w.p(50), 1),
                "p95_ms": round(w.p(95), 1),
                "p95_ratio_to_quiet": round(w.p(95) / quiet_p95, 2) if quiet_p95 else None,
                "errors": w.errors,
                "error_kinds": w.error_kinds(),
            }
            for w in windows.values()
        },
    }


def _prepare(pg: PostgresServer, redis: RedisServer, orgs: int, members: int) -> tuple[list, Path]:
    """Migrate and seed the private database; the request mix, with an officer's token."""
    data_dir = Path(tempfile.mkdtemp(prefix="gonghui-bench-faults-"))
    os.environ.update(
        {
            "DATABASE_URL": pg.url("postgres"),
            "REDIS_URL": redis.url(0),
            "GONGHUI_DATA_DIR": str(data_dir),
            "GONGHUI_PERIODIC_IN_PROCESS": "0",
            "GONGHUI_JOB_RUNNER": "inline",
            "DJANGO_SETTINGS_MODULE": "gonghui.settings",
        }
    )
    import django

    django.setup()
    from django.db import connections

    from gonghui.accounts.services import token_issue
    from gonghui.members.selectors import MemberFilters

    from ._members import PAGE, page
    from .dataset import ensure_dataset, officer_for, sample_orgs
    from .harness import Context

    ctx = Context(
        scale="faults", orgs=orgs, members=members, smoke=False, database_url=pg.url("postgres"), data_dir=data_dir
    )
    ensure_dataset(ctx)
    samples = sample_orgs()
    scope = samples.get("province") or samples["root"]
    officer = officer_for(scope)
    auth = {"Authorization": f"Bearer {token_issue(user=officer, name='bench-faults')}"}
    rows, _ = page(MemberFilters(org_id=scope.pk))
    ids = [m.pk for m in rows[:20]]
    surname = rows[0].name[:1]
    requests = [("list", f"/api/v1/members?limit={PAGE}", auth), ("search", f"/api/v1/members?q={_q(surname)}", auth)]
    requests += [("detail", f"/api/v1/members/{i}", auth) for i in ids[:5]]
    requests += [("stats", f"/api/v1/orgs/{samples['city'].pk}/stats", auth)]
    requests += [("queue", "/api/v1/joining/applications?limit=50", auth), ("queue", "/api/v1/rights/requests", auth)]
    connections.close_all()
    return requests, data_dir


def _q(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults")
    parser.add_argument("--smoke", action="store_true", help="a tiny dataset and 2-second stretches (CI)")
    parser.add_argument("--orgs", type=int, default=500)
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the fault (quiet and after: half)")
    parser.add_argument("--only", nargs="*", default=None, help="redis-kill redis-freeze postgres-restart")
    args = parser.parse_args(argv)
    if args.smoke:
        args.orgs, args.members, args.seconds = 40, 2_000, 2.0
    quiet, after = max(2.0, args.seconds / 2), max(GRACE + 3.0, args.seconds / 2)

    from .harness import Context

    pg, redis = PostgresServer().start(), RedisServer().start()
    proc = None
    reports = []
    try:
        requests, data_dir = _prepare(pg, redis, args.orgs, args.members)
        from .http import _free_port, _start_gunicorn, _wait_ready  # after django.setup()

        ctx = Context(
            scale="faults",
            orgs=args.orgs,
            members=args.members,
            smoke=args.smoke,
            database_url=pg.url(),
            data_dir=data_dir,
        )
        from gonghui.accounts.services import _TOKENS

        _TOKENS.stop()  # this process's own listener: the servers' logs are the ones to read
        port = _free_port()
        log = data_dir / "gunicorn.log"
        with log.open("ab") as log_file:
            proc = _start_gunicorn(ctx, port, stderr=log_file)
        _wait_ready(port, proc)
        print(f"gunicorn on port {port}, its log in {log}", flush=True)
        runs = {  # name: what starts the fault, how long it lasts, what ends it
            "redis-kill": (redis.stop, args.seconds, redis.start),
            "redis-freeze": (redis.pause, args.seconds, redis.resume),
            "postgres-restart": (pg.restart, 0.0, lambda: None),  # away as long as a restart takes
        }
        for name in args.only or list(runs):
            begin, hold, end = runs[name]
            print(f"== {name}: {quiet:.0f} s quiet, {hold:.0f} s fault, {after:.0f} s after", flush=True)
            report = _run(name, port, requests, quiet=quiet, fault=hold, after=after, begin=begin, end=end)
            reports.append(report)
            for w, figures in report["windows"].items():
                print(
                    f"   {w:<6} {figures['requests']:>7} requests  p50 {figures['p50_ms']:>8.1f} ms  "
                    f"p95 {figures['p95_ms']:>8.1f} ms  ({figures['p95_ratio_to_quiet']} × quiet)  "
                    f"errors {figures['errors']} {figures['error_kinds'] or ''}",
                    flush=True,
                )
            time.sleep(3 if args.smoke else 5)  # let the breaker and the pools settle between runs
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except Exception:
                proc.kill()
        redis.stop()
        pg.destroy()
    out_dir = Path(__file__).resolve().parent / "results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-faults.json"
    facts = {"clients": CLIENTS, "orgs": args.orgs, "members": args.members, "cpus": os.cpu_count()}
    path.write_text(json.dumps({"facts": facts, "runs": reports}, ensure_ascii=False, indent=2))
    print(f"\nresults saved to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
