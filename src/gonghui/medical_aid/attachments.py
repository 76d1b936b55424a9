"""Claim documents (invoices, discharge summaries, settlement slips, payment vouchers).

Only PDF, JPG and PNG, checked by extension AND by the file's first bytes; at most
settings.GONGHUI_MEDICAL_AID_ATTACHMENT_MAX_BYTES (10 MB by default) each and
MAX_PER_CLAIM per claim. Stored under MEDIA_ROOT with random names (models.attachment_path)
and served only through views that check the assistance right and the scope, or ownership.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _

from gonghui.core.errors import InvalidInput
from gonghui.core.uploads import content_matches, upload_name

from .models import AttachmentKind, Claim, ClaimAttachment

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
ALLOWED_LABEL = "PDF、JPG、PNG"
MAX_PER_CLAIM = 20


def max_bytes() -> int:
    return int(getattr(settings, "GONGHUI_MEDICAL_AID_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def _bad(message: str, code: str) -> InvalidInput:
    return InvalidInput(message, code=code, fields={"files": [message]})


def check_upload(upload) -> tuple[str, str]:
    """(display name, content type) of an acceptable upload; InvalidInput otherwise."""
    if upload is None:
        raise _bad(_("请选择要上传的文件"), "no_file")
    name = upload_name(upload)
    ext = PurePosixPath(name).suffix.lower()
    if ext not in CONTENT_TYPES:
        raise _bad(_("只能上传 %(types)s 文件（%(name)s）") % {"types": ALLOWED_LABEL, "name": name}, "bad_file_type")
    size = upload.size or 0
    if size <= 0:
        raise _bad(_("文件是空的（%(name)s）") % {"name": name}, "empty_file")
    if size > max_bytes():
        raise _bad(
            _("文件不能超过 %(mb)s MB（%(name)s）") % {"mb": round(max_bytes() / 1024 / 1024, 1), "name": name},
            "file_too_large",
        )
    if not content_matches(upload, ext):
        raise _bad(_("文件内容与扩展名不符（%(name)s）") % {"name": name}, "bad_file_content")
    return name, CONTENT_TYPES[ext]


def check_kind(kind: str) -> str:
    if kind not in AttachmentKind.values:
        message = _("材料类型无效")
        raise InvalidInput(message, code="bad_attachment_kind", fields={"kind": [message]})
    return kind


def store_upload(*, claim: Claim, upload, kind: str, user) -> ClaimAttachment:
    """Check and save one upload for the claim (the caller holds the transaction)."""
    name, content_type = check_upload(upload)
    if claim.attachments.count() >= MAX_PER_CLAIM:
        raise _bad(_("每个申请最多上传 %(n)s 个文件") % {"n": MAX_PER_CLAIM}, "too_many_files")
    attachment = ClaimAttachment(
        claim=claim,
        kind=check_kind(kind),
        original_name=name,
        content_type=content_type,
        size=upload.size,
        uploaded_by=user,
    )
    upload.seek(0)
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment


def attachment_response(attachment: ClaimAttachment) -> FileResponse:
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
