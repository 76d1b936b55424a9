"""HTTP: the member detail and list API served by gunicorn (2 workers) against a bare Django view.

Starts `gunicorn gonghui.wsgi:application -w 2` on a free loopback port with
GONGHUI_BENCH_ENDPOINTS=1 (which mounts /bench/ping, a JsonResponse without database access:
the same-run baseline, measured right before and after each endpoint and averaged), then loads
each endpoint with wrk for a bounded time (10 s, 3 s in smoke)
and reports requests/s. The API calls carry the Bearer token of an officer of the "province"
sample union, so they pay for token lookup, data scope, the selector and serialisation.
Without wrk (`apt-get install -y wrk`) a bounded Python load generator (threads + http.client)
is used instead and the figures say so. gunicorn is always stopped at the end.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from gonghui.accounts.services import token_issue
from gonghui.members.selectors import MemberFilters

from ._members import PAGE, page, sample_orgs
from .harness import Context, Result

HOST = "127.0.0.1"
TARGET = "≥ 0.5 × bare endpoint"
CONNECTIONS = 16


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _start_gunicorn(ctx: Context, port: int, *, stderr: Any = subprocess.PIPE) -> subprocess.Popen:
    """`stderr`: a file for a long run that logs (a pipe nobody reads would fill and stall the workers)."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "gonghui.settings",
            "GONGHUI_ALLOWED_HOSTS": HOST,
            "GONGHUI_BENCH_ENDPOINTS": "1",
            "GONGHUI_LOG_LEVEL": "WARNING",
            "GONGHUI_DATA_DIR": str(ctx.data_dir),
        }
    )
    if ctx.vendor == "postgresql":
        env["DATABASE_URL"] = ctx.database_url
    src = str(Path(__file__).resolve().parent.parent / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "gunicorn", "gonghui.wsgi:application", "--workers", "2"]
    cmd += ["--bind", f"{HOST}:{port}", "--log-level", "warning"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)


def _wait_ready(port: int, proc: subprocess.Popen, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"gunicorn exited with {proc.returncode}: {err[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/bench/ping", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /bench/ping within 30 s")


def _check(port: int, path: str, headers: dict[str, str]) -> None:
    req = urllib.request.Request(f"http://{HOST}:{port}{path}", headers=headers)
    with urllib.request.urlopen(req, timeout=10) as resp:
        if resp.status != 200:
            raise RuntimeError(f"GET {path} answered {resp.status}")


def _wrk(port: int, path: str, headers: dict[str, str], seconds: int) -> float:
    cmd = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--latency"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    cmd.append(f"http://{HOST}:{port}{path}")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    if "Non-2xx or 3xx responses" in out:
        raise RuntimeError(f"wrk saw error responses for {path}:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise RuntimeError(f"cannot read wrk output:\n{out}")
    return float(match.group(1))


def _python_load(port: int, path: str, headers: dict[str, str], seconds: int) -> float:
    """Bounded fallback: CONNECTIONS keep-alive connections on loopback for `seconds`."""
    deadline = time.monotonic() + seconds
    counts = [0] * CONNECTIONS
    errors: list[str] = []

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        try:
            while time.monotonic() < deadline:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    errors.append(f"{path}: {resp.status}")
                    return
                counts[i] += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONNECTIONS)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 15)
    if errors:
        raise RuntimeError(errors[0])
    return sum(counts) / (time.monotonic() - start)


def run(ctx: Context) -> None:
    seconds = 3 if ctx.smoke else 10
    have_wrk = shutil.which("wrk") is not None
    if not have_wrk:
        print("   wrk not found (apt-get install -y wrk): using the bounded Python load generator", flush=True)
    load = _wrk if have_wrk else _python_load
    tool = "wrk" if have_wrk else "python"

    from .dataset import officer_for

    samples = sample_orgs()
    scope = samples.get("province") or samples.get("root")
    if scope is None:
        print("   no union in this dataset")
        return
    officer = officer_for(scope)
    rows, _ = page(MemberFilters(org_id=scope.pk))
    if not rows:
        print("   no members in this dataset")
        return
    member_id = rows[0].pk
    auth = {"Authorization": f"Bearer {token_issue(user=officer, name='bench')}"}
    # The list as an officer of one union sees it (the largest grassroots union): the same
    # request cost without the subtree's top-N sort, which grows with the subtree.
    grassroots = samples.get("grassroots")
    auth_g = None
    if grassroots is not None and grassroots.pk != scope.pk:
        auth_g = {"Authorization": f"Bearer {token_issue(user=officer_for(grassroots), name='bench')}"}

    port = _free_port()
    proc = _start_gunicorn(ctx, port)
    try:
        _wait_ready(port, proc)
        endpoints = {
            "bare": ("/bench/ping", {}),
            "detail": (f"/api/v1/members/{member_id}", auth),
            "list": (f"/api/v1/members?limit={PAGE}", auth),
        }
        figures = [
            ("detail", "GET /api/v1/members/{id}", scope.name),
            ("list", f"GET /api/v1/members?limit={PAGE}", scope.name),
        ]
        if auth_g is not None and grassroots is not None:
            endpoints["list_grassroots"] = (f"/api/v1/members?limit={PAGE}", auth_g)
            figures.append(("list_grassroots", f"GET /api/v1/members?limit={PAGE} (1 union)", grassroots.name))
        for path, headers in endpoints.values():
            _check(port, path, headers)
            load(port, path, headers, 1)  # warm both workers' connections and caches
        # The baseline is measured right before and right after each endpoint (their mean is the
        # figure's baseline): on a machine shared with other work the load changes within a run.
        bare = load(port, *endpoints["bare"], seconds)
        for name, label, officer_of in figures:
            rps = load(port, *endpoints[name], seconds)
            after = load(port, *endpoints["bare"], seconds)
            baseline, bare = (bare + after) / 2, after
            ctx.add(
                Result(
                    bench="http",
                    name=label,
                    value=rps,
                    unit="req/s",
                    baseline_name=f"GET /bench/ping ({tool}, {CONNECTIONS} conn)",
                    baseline_value=baseline,
                    target=TARGET,
                    note=f"gunicorn 2 workers, {seconds} s each, officer of {officer_of}; ping before/after",
                )
            )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
