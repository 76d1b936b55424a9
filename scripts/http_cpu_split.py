"""Where an API request's CPU goes under load: gunicorn, PostgreSQL, Redis and wrk, per request.

Starts gunicorn (2 workers, like bench/http.py) on the benchmark dataset of DATABASE_URL, loads the
ping, the member detail and the two member lists with wrk for a few seconds each, and divides the
CPU time each group of processes used (user and system, from /proc) by the requests served.
A diagnostic for docs/benchmarks.md, not a benchmark: run it on a quiet machine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gonghui_bench_10m python scripts/http_cpu_split.py [SECONDS]
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")

import django  # noqa: E402

django.setup()

from bench._members import page, sample_orgs  # noqa: E402
from bench.dataset import officer_for  # noqa: E402

from gonghui.accounts.services import token_issue  # noqa: E402
from gonghui.members.selectors import MemberFilters  # noqa: E402

HZ = os.sysconf("SC_CLK_TCK")
GROUPS = {
    "gunicorn": lambda cmd: "gunicorn" in cmd,
    "postgres": lambda cmd: cmd.startswith("postgres"),
    "redis": lambda cmd: "redis-server" in cmd,
}


def _cpu(pid: str) -> tuple[float, float] | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) / HZ, int(fields[12]) / HZ


def _group_cpu() -> dict[str, tuple[float, float]]:
    totals = dict.fromkeys(GROUPS, (0.0, 0.0))
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        for name, matches in GROUPS.items():
            cpu = _cpu(pid) if matches(cmd) else None
            if cpu is not None:
                totals[name] = (totals[name][0] + cpu[0], totals[name][1] + cpu[1])
    return totals


def main(seconds: int) -> None:
    samples = sample_orgs()
    province, grassroots = samples["province"], samples["grassroots"]
    province_token = token_issue(user=officer_for(province), name="cpu-split")
    grassroots_token = token_issue(user=officer_for(grassroots), name="cpu-split")
    member_id = page(MemberFilters(org_id=province.pk))[0][0].pk
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, GONGHUI_BENCH_ENDPOINTS="1", GONGHUI_ALLOWED_HOSTS="127.0.0.1", GONGHUI_LOG_LEVEL="WARNING")
    env["PYTHONPATH"] = str(ROOT / "src")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "gonghui.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    cases = [
        ("ping", "/bench/ping", None),
        ("detail", f"/api/v1/members/{member_id}", province_token),
        ("list, one union", "/api/v1/members?limit=50", grassroots_token),
        ("list, province", "/api/v1/members?limit=50", province_token),
        ("ping", "/bench/ping", None),
    ]
    try:
        time.sleep(4)
        print(f"{'endpoint':16s} {'req/s':>7s}  " + "  ".join(f"{g + ' usr/sys µs':>24s}" for g in GROUPS) + "  wrk µs")
        for name, path, token in cases:
            headers = ["-H", f"Authorization: Bearer {token}"] if token else []
            url = f"http://127.0.0.1:{port}{path}"
            subprocess.run(["wrk", "-t", "2", "-c", "16", "-d", "2s", *headers, url], capture_output=True, check=True)
            before = _group_cpu()
            wrk = subprocess.Popen(
                ["wrk", "-t", "2", "-c", "16", "-d", f"{seconds}s", *headers, url], stdout=subprocess.PIPE, text=True
            )
            wrk_cpu = (0.0, 0.0)
            while wrk.poll() is None:  # wrk's own CPU, read until it exits
                wrk_cpu = _cpu(str(wrk.pid)) or wrk_cpu
                time.sleep(0.2)
            after = _group_cpu()
            out = wrk.stdout.read() if wrk.stdout else ""
            requests = float(out.split("Requests/sec:")[1].split()[0]) * seconds
            cells = []
            for group in GROUPS:
                user, system = (after[group][i] - before[group][i] for i in (0, 1))
                cells.append(f"{user / requests * 1e6:10.1f} / {system / requests * 1e6:8.1f}  ")
            print(f"{name:16s} {requests / seconds:7.0f}  " + "".join(cells) + f"{sum(wrk_cpu) / requests * 1e6:6.1f}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
