"""Payment vouchers (发放凭证): PDF, JPG or PNG, checked by extension AND content signature, at
most settings.GONGHUI_VOUCHER_MAX_BYTES (5 MB by default); stored under MEDIA_ROOT with random
names (models.voucher_path) and served only through a view that checks scope and the assistance
right, never by a public media URL."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy

from gonghui.core import uploads
from gonghui.core.uploads import UploadRules

CONTENT_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


def max_bytes() -> int:
    return int(getattr(settings, "GONGHUI_VOUCHER_MAX_BYTES", 5 * 1024 * 1024))


def check_voucher(upload) -> tuple[str, str]:
    """(display name, content type) of an acceptable voucher; InvalidInput otherwise."""
    rules = UploadRules(
        types=CONTENT_TYPES,
        max_bytes=max_bytes(),
        label="PDF、JPG、PNG",
        field="voucher",
        default_name="voucher",
        type_message=gettext_lazy("凭证只能是 PDF、JPG 或 PNG 文件"),
        too_large_message=gettext_lazy("凭证不能超过 %(mb)s MB"),
    )
    checked = uploads.check_upload(upload, rules)
    return checked.name, checked.content_type
