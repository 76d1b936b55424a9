"""Shared set-up for the casework and report tests: requests built through the real services."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from gonghui.members.services import member_create
from gonghui.rights import services as core
from tests.conftest import id_number, make_worker, member_data

_seq = itertools.count(300)


def worker_in(org, *, name: str = "李四"):
    """A real-name bound worker who is a member of `org` (their requests route there)."""
    seq = next(_seq)
    number = id_number(seq)
    member_create(actor=_root(), data=member_data(org, seq=seq, name=name, id_number=number, phone=f"139{seq:08d}"))
    return make_worker(f"137{seq:08d}", name=name, id_no=number)


def _root():
    from gonghui.accounts.models import User

    return User.objects.filter(is_superuser=True).first()


def file_request(worker, *, now: dt.datetime | None = None, **data):
    payload = {
        "category": "wage_arrears",
        "title": "工资拖欠三个月",
        "description": "公司拖欠2026年8月至10月工资",
        "employer_name": "北京某建筑公司",
    }
    payload.update(data)
    return core.request_file(worker=worker, data=payload, now=now)


def accepted(request, actor, *, now: dt.datetime | None = None, complexity: str = "ordinary"):
    return core.request_accept(actor=actor, request=request, complexity=complexity, now=now)


def resolved(request, actor, *, now: dt.datetime | None = None):
    request = accepted(request, actor, now=now)
    return core.request_resolve(actor=actor, request=request, resolution="已督促单位补发工资", now=now)


def refresh(request):
    request.refresh_from_db()
    return request


def now() -> dt.datetime:
    return timezone.now()
