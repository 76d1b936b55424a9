"""Workers' SMS sending limits under a parallel attack, through a real multi-worker server.

Starts gunicorn (4 worker processes) on a free port against DATABASE_URL (PostgreSQL; the
database is migrated first) with REDIS_URL, then fires parallel POSTs at /api/v1/portal/codes:

1. one phone, N requests at once: the 60 s cooldown per phone and purpose lets exactly 1 through;
2. N different phones from one client address at once: the per-address hourly limit
   (GONGHUI_SMS_CODE_PER_IP_HOUR, 20) lets exactly that many through.

"Sent" is counted twice and must agree: the 202 answers, and the codes the server recorded
(portal.PhoneCode rows, written only when a text goes out). Exit status 1 when more than the
limit got through.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gonghui_h1 REDIS_URL=redis://127.0.0.1:6379/1 \
        .venv/bin/python -m bench.sms_limits --requests 50
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HOST = "127.0.0.1"
PER_IP_HOUR = 20


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _env(data_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parent.parent / "src")
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "gonghui.settings",
            "GONGHUI_ALLOWED_HOSTS": HOST,
            "GONGHUI_LOG_LEVEL": "WARNING",
            "GONGHUI_DATA_DIR": data_dir,
            "GONGHUI_SMS_BACKEND": "gonghui.core.sms.ConsoleBackend",
            "GONGHUI_SMS_CODE_PER_IP_HOUR": str(PER_IP_HOUR),
            "PYTHONPATH": src + os.pathsep + env.get("PYTHONPATH", ""),
        }
    )
    return env


def _post(port: int, phone: str) -> int:
    body = json.dumps({"phone": phone, "purpose": "register"}).encode()
    request = urllib.request.Request(
        f"http://{HOST}:{port}/api/v1/portal/codes", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _fire(port: int, phones: list[str]) -> dict[int, int]:
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(phones)) as pool:
        statuses = list(pool.map(lambda phone: _post(port, phone), phones))
    return {status: statuses.count(status) for status in sorted(set(statuses))}


def _recorded(env: dict[str, str], phones: list[str]) -> int:
    code = (
        "import django, json, sys; django.setup();"
        "from gonghui.portal.models import PhoneCode;"
        "print(PhoneCode.objects.filter(phone__in=json.loads(sys.argv[1])).count())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(phones)], env=env, capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip())


def _forget_earlier_runs(env: dict[str, str]) -> None:
    """The address limit counts the last hour's codes from 127.0.0.1: start this (bench) database clean."""
    code = (
        "import django; django.setup();"
        "from gonghui.portal.models import PhoneCode;"
        "PhoneCode.objects.filter(ip='127.0.0.1').delete()"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def _wait_ready(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 300  # a loaded machine starts four workers slowly
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/api/v1/docs", timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 300 s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("DATABASE_URL must name a PostgreSQL database", file=sys.stderr)
        return 2
    data_dir = tempfile.mkdtemp(prefix="gonghui-sms-bench-")
    env = _env(data_dir)
    subprocess.run([sys.executable, "-m", "gonghui", "migrate", "--noinput", "-v", "0"], env=env, check=True)
    _forget_earlier_runs(env)
    # Fresh numbers each run (the limits remember earlier runs for an hour): 199 + 8 random digits.
    seed = random.SystemRandom().randrange(10**8 - args.requests)
    one_phone = [f"199{seed:08d}"] * args.requests
    many_phones = [f"198{seed + i:08d}" for i in range(args.requests)]
    port = _free_port()
    cmd = [sys.executable, "-m", "gunicorn", "gonghui.wsgi:application", "--workers", str(args.workers)]
    cmd += ["--threads", "4", "--timeout", "120", "--bind", f"{HOST}:{port}", "--log-level", "warning"]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_ready(port, server)
        # The phone test runs first (1 send), so the address has PER_IP_HOUR - 1 sends left.
        same_phone = _fire(port, one_phone)
        many = _fire(port, many_phones)
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    sent_one, sent_many = same_phone.get(202, 0), many.get(202, 0)
    recorded_one, recorded_many = _recorded(env, one_phone[:1]), _recorded(env, many_phones)
    allowed_many = max(PER_IP_HOUR - 1, 0)  # the one-phone test used one of the address's sends
    report = {
        "workers": args.workers,
        "requests": args.requests,
        "one_phone": {"answers": same_phone, "sent": sent_one, "recorded": recorded_one, "limit": 1},
        "many_phones_one_address": {
            "answers": many,
            "sent": sent_many,
            "recorded": recorded_many,
            "limit": allowed_many,
        },
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    ok = sent_one == recorded_one <= 1 and sent_many == recorded_many <= allowed_many
    exact = sent_one == 1 and sent_many == allowed_many
    print("OK: no more than the limits were sent" if ok else "FAILED: more than the limits were sent")
    if ok and not exact:
        print("note: fewer than the limit were sent (a slow server answered some requests with 503?)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
