"""What the platform holds about one worker, for the worker (PIPL art. 45: access and copy).

Their own data in full (the ID number in clear: it is theirs), read through each app's worker
selectors; other people's data is left out: officers' identities, household members of a hardship
file, other parties' messages beyond what the worker's own pages show.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from gonghui.core import pii

from .selectors import consents_of

_SKIPPED_SUFFIXES = ("_hash", "_encrypted", "password")


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, dict)):
        return value
    return str(value)


def record(obj: models.Model, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A row as a dict of its own fields: labels as keys are translated later by the reader; links
    to other accounts (officers) are left out, links to unions and plans shown by name; an
    encrypted ID number is given in clear."""
    out: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        name = field.name
        if name in skip or name.endswith(_SKIPPED_SUFFIXES):
            if name == "id_number_encrypted" and getattr(obj, name):
                out["id_number"] = pii.decrypt(getattr(obj, name))
            continue
        if field.is_relation:
            if field.related_model is not None and field.related_model._meta.label == settings.AUTH_USER_MODEL:
                continue
            related = getattr(obj, name)
            out[name] = str(related) if related is not None else None
            continue
        out[name] = _value(getattr(obj, name))
    return out


def worker_data(worker) -> dict[str, Any]:
    """Everything the worker's own pages show, and the rest the platform keeps about them."""
    from gonghui.assistance.selectors import worker_files
    from gonghui.joining.selectors import worker_applications, worker_transfers
    from gonghui.medical_aid.selectors import claim_events, claim_qs_for_worker, worker_enrolments
    from gonghui.notifications.models import Notification
    from gonghui.portal.selectors import membership_records
    from gonghui.rights.selectors import request_list_for_worker, request_timeline

    user = worker.user
    return {
        "exported_at": _value(timezone.now()),
        "account": {
            **record(worker, skip=("user",)),
            "username": user.username,
            "date_joined": _value(user.date_joined),
            "last_login": _value(user.last_login),
        },
        "memberships": [record(m) for m in membership_records(worker)],
        "join_applications": [record(a, skip=("worker",)) for a in worker_applications(worker=worker)],
        "transfer_requests": [record(t, skip=("worker",)) for t in worker_transfers(worker=worker)],
        "service_requests": [
            {
                **record(r),
                "timeline": [record(e) for e in request_timeline(request=r, for_worker=True)],
            }
            for r in request_list_for_worker(worker=worker)
        ],
        "hardship_files": [record(f, skip=("worker",)) for f in worker_files(worker=worker)],
        "medical_aid_enrolments": [record(e) for e in worker_enrolments(worker=worker)],
        "medical_aid_claims": [
            {**record(c), "events": [record(e) for e in claim_events(claim=c, for_worker=True)]}
            for c in claim_qs_for_worker(worker=worker)
        ],
        "messages": [record(n, skip=("recipient",)) for n in Notification.objects.filter(recipient=user)],
        "consents": [
            {
                "purpose": c.purpose,
                "text": f"{c.text.title} v{c.text.version}",
                "statement": c.statement,
                "ip": c.ip,
                "created_at": _value(c.created_at),
            }
            for c in consents_of(user)
        ],
    }
