"""Running calls at the same moment in threads, each on its own database connection (PostgreSQL races)."""

from __future__ import annotations

import threading

from django.db import connections


def run_parallel(calls) -> list:
    """Start every call together (a barrier); each result, or the exception it raised, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results
