"""Periodic housekeeping of workers' accounts."""

from __future__ import annotations

from gonghui.jobs.periodic import periodic

from .services import purge_expired_records


@periodic("portal.purge_codes", minutes=60)
def purge_codes() -> int:
    """Delete SMS codes and failed-binding records older than the limits look back (idempotent)."""
    return purge_expired_records()
