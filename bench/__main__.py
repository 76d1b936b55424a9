"""python -m bench [--scale smoke|small|1m|10m] [--only NAME ...]

Builds (once per scale and database) a dataset with `gonghui seed`, then runs each benchmark
module in BENCHES and prints every figure beside its same-run baseline.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
from pathlib import Path

from .harness import SCALES, Context, machine_facts, print_table, save

# Each module defines `run(ctx: Context) -> None` adding Results to ctx.
BENCHES = ["stats", "search", "lists", "imports", "index_costs", "http", "workbench"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scale", default=os.environ.get("SCALE", "small"), choices=sorted(SCALES))
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args(argv)

    smoke = args.scale == "smoke"
    orgs, members = SCALES[args.scale]
    if smoke and "DATABASE_URL" not in os.environ:
        os.environ["GONGHUI_DATA_DIR"] = tempfile.mkdtemp(prefix="gonghui-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    os.environ.setdefault("GONGHUI_JOB_RUNNER", "inline")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    ctx = Context(
        scale=args.scale,
        orgs=orgs,
        members=members,
        smoke=smoke,
        database_url=os.environ.get("DATABASE_URL", f"sqlite:///{connection.settings_dict['NAME']}"),
        data_dir=Path(settings.DATA_DIR),
    )
    from .dataset import ensure_dataset

    ensure_dataset(ctx)
    names = args.only or BENCHES
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}", flush=True)
        module.run(ctx)
    facts = machine_facts(ctx)
    print_table(ctx, facts)
    print(f"\nresults saved to {save(ctx, facts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
