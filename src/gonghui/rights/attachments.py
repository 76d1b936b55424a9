"""Attachments on requests: allowed types checked by extension AND content signature, a size
limit (settings.GONGHUI_RIGHTS_ATTACHMENT_MAX_BYTES, 10 MB by default), stored under MEDIA_ROOT
with random names (models.attachment_path) and served only through views that check scope or
ownership (never by a public media URL)."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _

from gonghui.core.errors import InvalidInput
from gonghui.core.uploads import content_matches, upload_name

from .models import Attachment, ServiceRequest

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ALLOWED_LABEL = "PDF、JPG、PNG、DOCX、XLSX"


def max_bytes() -> int:
    return settings.GONGHUI_RIGHTS_ATTACHMENT_MAX_BYTES


def _bad(message: str, code: str) -> InvalidInput:
    return InvalidInput(message, code=code, fields={"file": [message]})


def check_upload(upload) -> tuple[str, str]:
    """(display name, content type) of an acceptable upload; InvalidInput otherwise."""
    if upload is None:
        raise _bad(_("请选择要上传的文件"), "no_file")
    name = upload_name(upload)
    ext = PurePosixPath(name).suffix.lower()
    if ext not in CONTENT_TYPES:
        raise _bad(_("只能上传 %(types)s 文件") % {"types": ALLOWED_LABEL}, "bad_file_type")
    size = upload.size or 0
    if size <= 0:
        raise _bad(_("文件是空的"), "empty_file")
    if size > max_bytes():
        raise _bad(_("文件不能超过 %(mb)s MB") % {"mb": round(max_bytes() / 1024 / 1024, 1)}, "file_too_large")
    if not content_matches(upload, ext):
        raise _bad(_("文件内容与扩展名不符（%(name)s）") % {"name": name}, "bad_file_content")
    return name, CONTENT_TYPES[ext]


def store_upload(*, request: ServiceRequest, upload, user, now: dt.datetime) -> Attachment:
    """Check and save one upload for the request (the caller holds the transaction)."""
    name, content_type = check_upload(upload)
    attachment = Attachment(
        request=request,
        original_name=name,
        content_type=content_type,
        size=upload.size,
        uploaded_by=user,
        created_at=now,
    )
    upload.seek(0)
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment
