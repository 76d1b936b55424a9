"""Periodic tasks (escalating overdue requests, flagging undecided applications, reminders).

Apps register a function with `@periodic("name", minutes=N)` in their `tasks.py`. Who runs them:

* production (REDIS_URL set): Celery beat, from the schedule `beat_schedule()` builds
  (`celery -A gonghui beat`), each run as the Celery task `gonghui.run_periodic`;
* the embedded default (thread job runner): a daemon ticker thread started by the WSGI module,
  so `make demo` escalates on time without any other process;
* cron or by hand: `gonghui run-periodic` (all due tasks once, or `--task NAME`).

Every task must be idempotent and safe to run late or twice: it acts on what is due *now*
according to the database, never on "time since the last run".
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    minutes: int
    fn: Callable[[], object]


REGISTRY: dict[str, PeriodicTask] = {}


def periodic(name: str, *, minutes: int):
    def register(fn: Callable[[], object]) -> Callable[[], object]:
        REGISTRY[name] = PeriodicTask(name, minutes, fn)
        return fn

    return register


def load_tasks() -> dict[str, PeriodicTask]:
    """Import every app's tasks module so their @periodic registrations run."""
    from django.apps import apps
    from django.utils.module_loading import autodiscover_modules

    apps.check_apps_ready()
    autodiscover_modules("tasks")
    return REGISTRY


def run_task(name: str) -> object:
    task = load_tasks()[name]
    logger.info("periodic task %s", name)
    return task.fn()


def run_all() -> dict[str, object]:
    """Run every registered task once; one task's crash is logged and does not stop the others."""
    results: dict[str, object] = {}
    for name in sorted(load_tasks()):
        try:
            results[name] = run_task(name)
        except Exception:
            logger.exception("periodic task %s failed", name)
            results[name] = None
    return results


def beat_schedule() -> dict[str, dict]:
    return {
        f"gonghui.{task.name}": {"task": "gonghui.run_periodic", "schedule": task.minutes * 60.0, "args": (task.name,)}
        for task in load_tasks().values()
    }


_ticker_started = False
_ticker_lock = threading.Lock()


def start_embedded_ticker() -> None:
    """In the embedded default, run the tasks from a daemon thread of the serving process."""
    global _ticker_started
    if settings.GONGHUI_JOB_RUNNER != "thread" or not settings.GONGHUI_PERIODIC_IN_PROCESS:
        return
    with _ticker_lock:
        if _ticker_started:
            return
        _ticker_started = True
    threading.Thread(target=_tick_forever, daemon=True, name="gonghui-periodic").start()


def _tick_forever() -> None:
    last_run: dict[str, float] = {}
    while True:
        now = time.monotonic()
        for task in list(load_tasks().values()):
            if now - last_run.get(task.name, -1e12) >= task.minutes * 60:
                last_run[task.name] = now
                close_old_connections()
                try:
                    task.fn()
                except Exception:
                    logger.exception("periodic task %s failed", task.name)
                finally:
                    connection.close()
        time.sleep(30)
