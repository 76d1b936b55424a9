"""Periodic work of the joining app (run by Celery beat, the embedded ticker or `gonghui run-periodic`)."""

from __future__ import annotations

from gonghui.jobs.periodic import periodic

from .services import application_flag_overdue


@periodic("joining.flag_overdue", minutes=30)
def flag_overdue() -> int:
    """Flag applications undecided after 5 working days to the union and its parent (idempotent)."""
    return application_flag_overdue()
