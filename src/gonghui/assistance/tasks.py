"""Periodic work of the assistance app (registered with gonghui.jobs.periodic); both idempotent."""

from __future__ import annotations

from gonghui.jobs.periodic import periodic

from . import services


@periodic("assistance.finish_notices", minutes=30)
def finish_notices() -> int:
    """Files whose public notice ended without objection become filed (services.finish_notices)."""
    return services.finish_notices()


@periodic("assistance.review_reminders", minutes=360)
def review_reminders() -> int:
    """Re-verification reminders 30 days before due and when overdue, once each."""
    return services.send_review_reminders()
