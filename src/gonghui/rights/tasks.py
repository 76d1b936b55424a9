"""Periodic work of the rights app (registered with gonghui.jobs.periodic)."""

from __future__ import annotations

from gonghui.jobs.periodic import periodic

from .services import escalate_overdue as _escalate


@periodic("rights.escalate_overdue", minutes=15)
def escalate_overdue() -> int:
    """Raise overdue requests to the unions above (rule: rights.services module docstring)."""
    return _escalate()
