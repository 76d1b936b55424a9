"""CI smoke of the benchmarks (issue 3, part 6): every bench module runs at the smoke scale.

No timing assertions: this only keeps the benchmarks working. The run is a subprocess on a
temporary SQLite data dir (DATABASE_URL removed), exactly as `make bench SCALE=smoke`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bench_modules() -> list[str]:
    sys.path.insert(0, str(ROOT))
    try:
        from bench.__main__ import BENCHES
    finally:
        sys.path.remove(str(ROOT))
    return [name for name in BENCHES if (ROOT / "bench" / f"{name}.py").exists()]


def test_every_benchmark_runs_at_smoke_scale(tmp_path):
    # given a clean environment: no database URL, a private data dir, the source on the path
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REDIS_URL")}
    env["GONGHUI_DATA_DIR"] = str(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "src")])
    modules = _bench_modules()

    # when the benchmarks run at the smoke scale
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    # then they finish, every module present ran, and the table was printed
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "imports" in modules
    for name in modules:
        assert f"== {name}\n" in proc.stdout, name
    assert "machine: " in proc.stdout
    assert "CSV import 500 rows" in proc.stdout
