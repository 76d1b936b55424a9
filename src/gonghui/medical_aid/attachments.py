"""Claim documents (invoices, discharge summaries, settlement slips, payment vouchers).

Only PDF, JPG and PNG, checked by extension AND by the file's first bytes; at most
settings.GONGHUI_MEDICAL_AID_ATTACHMENT_MAX_BYTES (10 MB by default) each and
MAX_PER_CLAIM per claim. Stored under MEDIA_ROOT with random names (models.attachment_path)
and served only through views that check the assistance right and the scope, or ownership.
"""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.core import uploads
from gonghui.core.errors import InvalidInput
from gonghui.core.uploads import UploadRules

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
    rules = UploadRules(
        types=CONTENT_TYPES,
        max_bytes=max_bytes(),
        label=ALLOWED_LABEL,
        field="files",
        type_message=gettext_lazy("只能上传 %(types)s 文件（%(name)s）"),
        too_large_message=gettext_lazy("文件不能超过 %(mb)s MB（%(name)s）"),
        empty_message=gettext_lazy("文件是空的（%(name)s）"),
    )
    checked = uploads.check_upload(upload, rules)
    return checked.name, checked.content_type


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
