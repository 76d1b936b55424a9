"""The request's timeline: one function that appends a step (RequestEvent).

Below both rights.services and the casework services, which each write timeline steps; neither
imports the other for it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from gonghui.orgs.models import Org

from .models import RequestEvent, ServiceRequest


def record_event(
    *,
    request: ServiceRequest,
    actor,
    kind: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    org: Org | None = None,
    visible_to_worker: bool = True,
    now: dt.datetime | None = None,
) -> RequestEvent:
    """Append one step to the request's timeline."""
    if org is None and actor is not None and getattr(actor, "org_id", None):
        org = actor.org
    return RequestEvent.objects.create(
        request=request,
        kind=kind,
        actor=actor,
        org=org,
        note=note,
        data=data or {},
        visible_to_worker=visible_to_worker,
        created_at=now or timezone.now(),
    )
