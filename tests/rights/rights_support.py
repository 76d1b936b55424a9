"""Helpers for the request lifecycle tests: workers, members and requests through the real services."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import zipfile
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.members.services import member_create
from gonghui.rights import services
from tests.conftest import id_number, make_worker, member_data

SH = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(500)


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> dt.datetime:
    """A moment in Shanghai local time (stored and compared in UTC)."""
    return dt.datetime(y, m, d, h, mi, tzinfo=SH)


def member_worker(tree, org, *, name: str = "王五"):
    """A real-name bound worker who is a current member of `org`."""
    seq = next(_seq)
    number = id_number(seq)
    member = member_create(
        actor=tree.superuser, data=member_data(org, seq=seq, name=name, id_number=number, phone=f"139{seq:08d}")
    )
    return make_worker(f"136{seq:08d}", name=name, id_no=number), member


def plain_worker(phone: str | None = None):
    """A worker account without real-name binding (a non-member for routing)."""
    return make_worker(phone or f"135{next(_seq):08d}")


def facts(**overrides) -> dict:
    data = {
        "category": "wage_arrears",
        "title": "拖欠三个月工资",
        "description": "公司自8月起未发工资",
        "employer_name": "北京某建筑公司",
        "region_code": "110105",
        "workers_involved": 1,
    }
    data.update(overrides)
    return data


def file(worker, now=None, uploads=(), **overrides):
    return services.request_file(worker=worker, data=facts(**overrides), uploads=uploads, now=now)


def record(actor, now=None, **overrides):
    data = facts(channel="hotline", requester_name="赵六", requester_phone="13700001111")
    data.update(overrides)
    return services.request_record_call(actor=actor, data=data, now=now)


def refresh(obj):
    obj.refresh_from_db()
    return obj


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def ooxml(folder: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}/document.xml", "<x/>")
    return buf.getvalue()


def upload(name: str = "合同.pdf", content: bytes = PDF, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def follow_up(actor, request, *, contacted: bool = True, score: int | None = 5):
    from gonghui.casework.services import follow_up_record

    data = {"method": "phone", "contacted": contacted, "answer": "已回访"}
    data["satisfied"] = True if contacted else None
    return follow_up_record(actor=actor, request=request, data=data, score=score if contacted else None)
