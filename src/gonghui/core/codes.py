"""Texted one-time codes stored as rows (a code hash, `attempts`, `used_at`): the two steps that must
hold under parallel tries, each one conditional UPDATE. Workers' codes (portal.PhoneCode), officers'
sign-in codes (accounts.LoginCode) and real-name binding codes (portal.BindingRequest, whose tries are
`code_attempts` and which is open while `state` is awaiting_code) share them."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Model, Q

UNUSED = Q(used_at__isnull=True)


def take_try(row: Model, *, max_attempts: int, attempts: str = "attempts", unused: Q = UNUSED) -> bool:
    """Take one try from the code's allowance before it is compared: parallel tries each take their
    own, and none is compared once the tries are spent (or the code is used). `attempts` names the
    counter and `unused` says when the code is still open, for rows that spell them otherwise."""
    open_row = type(row)._default_manager.filter(unused, pk=row.pk)
    return bool(open_row.filter(**{f"{attempts}__lt": max_attempts}).update(**{attempts: F(attempts) + 1}))


def use_up(row: Model, *, now: dt.datetime) -> bool:
    """Mark the code used; False when a parallel try used it first."""
    return bool(type(row)._default_manager.filter(pk=row.pk, used_at__isnull=True).update(used_at=now))
