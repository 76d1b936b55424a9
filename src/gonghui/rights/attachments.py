"""Attachments on requests: allowed types checked by extension AND content signature, a size
limit (settings.GONGHUI_RIGHTS_ATTACHMENT_MAX_BYTES, 10 MB by default), stored under MEDIA_ROOT
with random names (models.attachment_path) and served only through views that check scope or
ownership (never by a public media URL)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from gonghui.core import uploads
from gonghui.core.uploads import UploadRules

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


def check_upload(upload) -> tuple[str, str]:
    """(display name, content type) of an acceptable upload; InvalidInput otherwise."""
    checked = uploads.check_upload(upload, UploadRules(types=CONTENT_TYPES, max_bytes=max_bytes(), label=ALLOWED_LABEL))
    return checked.name, checked.content_type


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
