"""CI smoke of the mixed-load fault bench (issue 15, part 13): `python -m bench.faults --smoke`.

gunicorn (2 workers) on a private PostgreSQL with REDIS_URL on a private redis-server, 30 clients,
Redis killed, then frozen, then PostgreSQL restarted. No timing assertions; what it does assert is
the point of finding 11: not one request fails while Redis is away, and the app answers again
after the PostgreSQL restart.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mixed_load_survives_redis_and_postgresql_faults(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REDIS_URL")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "src")])

    proc = subprocess.run(
        [sys.executable, "-m", "bench.faults", "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    saved = re.search(r"results saved to (\S+)", proc.stdout)
    assert saved, proc.stdout[-3000:]
    runs = {run["run"]: run for run in json.loads(Path(saved.group(1)).read_text())["runs"]}
    assert sorted(runs) == ["postgres-restart", "redis-freeze", "redis-kill"]
    for name in ("redis-kill", "redis-freeze"):
        for window in ("quiet", "fault", "after"):
            figures = runs[name]["windows"][window]
            assert figures["requests"] > 0, (name, window)
            assert figures["errors"] == 0, (name, window, figures["error_kinds"])
    after_restart = runs["postgres-restart"]["windows"]["after"]
    assert after_restart["requests"] > 0
    assert after_restart["errors"] == 0, after_restart["error_kinds"]
