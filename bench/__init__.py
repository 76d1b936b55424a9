"""Benchmarks (`make bench`, `make bench SCALE=10m`): every figure is reported beside a baseline
measured in the same run on the same machine, as a ratio. See docs/benchmarks.md."""
