"""The shared parts of the benchmarks: context, timing, results, the printed table."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

SCALES = {
    # name: (grassroots unions, members)
    "smoke": (40, 2_000),
    "small": (2_000, 200_000),
    "1m": (20_000, 1_000_000),
    "10m": (200_000, 10_000_000),
}


@dataclass
class Result:
    bench: str
    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline_value: float | None = None
    target: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.baseline_value:
            return None
        return self.value / self.baseline_value


@dataclass
class Context:
    scale: str
    orgs: int
    members: int
    smoke: bool
    database_url: str
    data_dir: Path
    results: list[Result] = field(default_factory=list)

    @property
    def vendor(self) -> str:
        return "postgresql" if self.database_url.startswith(("postgres://", "postgresql://")) else "sqlite"

    def add(self, result: Result) -> Result:
        self.results.append(result)
        return result


def timed_ms(fn: Callable[[], object], *, repeat: int, warmup: int = 2) -> list[float]:
    """Wall-clock milliseconds of `repeat` calls after `warmup` unmeasured ones."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def machine_facts(ctx: Context) -> dict[str, str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    facts = {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "database": ctx.vendor,
        "scale": f"{ctx.scale}: {ctx.orgs:,} grassroots unions, {ctx.members:,} members",
    }
    if ctx.vendor == "postgresql":
        try:
            out = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False).stdout.strip()
            facts["postgresql_client"] = out
        except OSError:
            pass
        from django.db import connection

        # The settings the figures depend on most (docs/operations.md "PostgreSQL settings").
        with connection.cursor() as cur:
            cur.execute("SELECT current_setting('server_version')")
            facts["postgresql"] = cur.fetchone()[0]
            for name in ("shared_buffers", "max_wal_size", "maintenance_work_mem"):
                cur.execute("SELECT current_setting(%s)", [name])
                facts[name] = cur.fetchone()[0]
    return facts


def print_table(ctx: Context, facts: dict[str, str]) -> str:
    lines = ["", "machine: " + "; ".join(f"{k} {v}" for k, v in facts.items()), ""]
    header = f"{'bench':<8} {'figure':<44} {'value':>12} {'unit':<8} {'baseline':<34} {'base value':>12} {'ratio':>8}  target"
    lines += [header, "-" * len(header)]
    for r in ctx.results:
        base = f"{r.baseline_value:,.2f}" if r.baseline_value is not None else ""
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else ""
        lines.append(
            f"{r.bench:<8} {r.name:<44} {r.value:>12,.2f} {r.unit:<8} {r.baseline_name:<34} {base:>12} {ratio:>8}  {r.target}"
        )
    text = "\n".join(lines)
    print(text)
    return text


def save(ctx: Context, facts: dict[str, str]) -> Path:
    out_dir = Path(__file__).resolve().parent / "results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{ctx.scale}-{ctx.vendor}.json"
    payload = {"facts": facts, "results": [{**asdict(r), "ratio": r.ratio} for r in ctx.results]}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    return path
