"""Payment vouchers (发放凭证): PDF, JPG or PNG, checked by extension AND content signature, at
most settings.GONGHUI_VOUCHER_MAX_BYTES (5 MB by default); stored under MEDIA_ROOT with random
names (models.voucher_path) and served only through a view that checks scope and the assistance
right, never by a public media URL."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _

from gonghui.core.errors import InvalidInput
from gonghui.core.uploads import content_matches, upload_name

CONTENT_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


def max_bytes() -> int:
    return int(getattr(settings, "GONGHUI_VOUCHER_MAX_BYTES", 5 * 1024 * 1024))


def _bad(message: str, code: str) -> InvalidInput:
    return InvalidInput(message, code=code, fields={"voucher": [message]})


def check_voucher(upload) -> tuple[str, str]:
    """(display name, content type) of an acceptable voucher; InvalidInput otherwise."""
    name = upload_name(upload, "voucher")
    ext = PurePosixPath(name).suffix.lower()
    if ext not in CONTENT_TYPES:
        raise _bad(_("凭证只能是 PDF、JPG 或 PNG 文件"), "bad_file_type")
    size = upload.size or 0
    if size <= 0:
        raise _bad(_("文件是空的"), "empty_file")
    if size > max_bytes():
        raise _bad(_("凭证不能超过 %(mb)s MB") % {"mb": round(max_bytes() / 1024 / 1024, 1)}, "file_too_large")
    if not content_matches(upload, ext):
        raise _bad(_("文件内容与扩展名不符（%(name)s）") % {"name": name}, "bad_file_content")
    return name, CONTENT_TYPES[ext]
