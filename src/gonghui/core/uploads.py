"""Uploaded files, one helper for every module: `check_upload` (a safe name, an allowed type, a
size limit, the bytes matching the extension, no zip bomb in an Office file) and `store_private`
(a new file readable by the service account only). Each app keeps its own `UploadRules`: types,
limit and wording. Files saved through a FileField are 0600 too (settings.FILE_UPLOAD_PERMISSIONS).
"""

from __future__ import annotations

import os
import secrets
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import InvalidInput

SIGNATURES: dict[str, bytes] = {
    ".pdf": b"%PDF-",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".png": b"\x89PNG\r\n\x1a\n",
    ".docx": b"PK\x03\x04",
    ".xlsx": b"PK\x03\x04",
}
# The folder an Office Open XML package of that kind always holds.
OOXML_PARTS = {".docx": "word/", ".xlsx": "xl/"}


def upload_name(upload, default: str = "file") -> str:
    """The uploaded file's own name without any client path, at most 200 characters."""
    return PurePosixPath(str(upload.name or "").replace("\\", "/")).name[:200] or default


def _ooxml_has(upload, folder: str) -> bool:
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            return "[Content_Types].xml" in names and any(name.startswith(folder) for name in names)
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)


def content_matches(upload, ext: str) -> bool:
    """Whether the upload's bytes are what the extension `ext` (".pdf", ".png", …) claims."""
    signature = SIGNATURES.get(ext)
    if signature is None:
        return False
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(signature):
        return False
    return ext not in OOXML_PARTS or _ooxml_has(upload, OOXML_PARTS[ext])


def private_dir(name: str) -> Path:
    """DATA_DIR/<name>, readable by the service account only (0700)."""
    folder = Path(settings.DATA_DIR) / name
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


TYPE_MESSAGE = gettext_lazy("只能上传 %(types)s 文件")
TOO_LARGE_MESSAGE = gettext_lazy("文件不能超过 %(mb)s MB")
EMPTY_MESSAGE = gettext_lazy("文件是空的")
CONTENT_MESSAGE = gettext_lazy("文件内容与扩展名不符（%(name)s）")


@dataclass(frozen=True)
class UploadRules:
    """What one kind of upload accepts, and how its refusals read (each message may use
    %(name)s, %(types)s and %(mb)s)."""

    types: Mapping[str, str]  # extension → content type served back
    max_bytes: int
    label: str  # the accepted types as the officer reads them: "PDF、JPG、PNG"
    field: str = "file"
    default_name: str = "file"
    type_message: Any = TYPE_MESSAGE
    too_large_message: Any = TOO_LARGE_MESSAGE
    empty_message: Any = EMPTY_MESSAGE
    content_message: Any = CONTENT_MESSAGE
    # Office files: read the zip directory for a bomb. Off where a limited child process inspects the
    # file later (imports), so that a hostile directory is never read by the web process.
    inspect_zip: bool = True


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    ext: str
    content_type: str
    size: int | None


def _refuse(rules: UploadRules, template: Any, code: str, **params: Any) -> InvalidInput:
    message = str(template) % {"types": rules.label, "mb": _mb(rules.max_bytes), **params}
    return InvalidInput(message, code=code, fields={rules.field: [message]})


def _mb(size: int) -> str:
    return str(round(size / (1024 * 1024), 1))


def zip_bomb(upload, *, max_ratio: int | None = None, max_parts: int | None = None) -> bool:
    """Whether an Office file's zip directory promises far more than its size (never extracted):
    more parts than any document has, or a part or the whole inflating beyond the ratio."""
    ratio = max_ratio or settings.GONGHUI_UPLOAD_MAX_RATIO
    parts = max_parts or settings.GONGHUI_UPLOAD_MAX_PARTS
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return True
    finally:
        upload.seek(0)
    if len(infos) > parts:
        return True
    total = sum(info.file_size for info in infos)
    compressed = sum(info.compress_size for info in infos)
    big = [i for i in infos if i.file_size >= 1024 * 1024 and i.file_size > ratio * max(i.compress_size, 1)]
    return bool(big) or (total >= 1024 * 1024 and total > ratio * max(compressed, 1))


def check_upload(upload, rules: UploadRules, *, name: str | None = None) -> CheckedUpload:
    """The upload's safe name, type and size, if `rules` accept it; InvalidInput otherwise."""
    if upload is None:
        message = _("请选择要上传的文件")
        raise InvalidInput(message, code="no_file", fields={rules.field: [message]})
    safe = upload_name(_Named(name) if name is not None else upload, rules.default_name)
    ext = PurePosixPath(safe).suffix.lower()
    if ext not in rules.types:
        raise _refuse(rules, rules.type_message, "bad_file_type", name=safe)
    size = getattr(upload, "size", None)
    if size is not None:
        if size <= 0:
            raise _refuse(rules, rules.empty_message, "empty_file", name=safe)
        if size > rules.max_bytes:
            raise _refuse(rules, rules.too_large_message, "file_too_large", name=safe)
    if ext in SIGNATURES:
        matches = content_matches(upload, ext) if rules.inspect_zip else _head_matches(upload, ext)
        if not matches:
            raise _refuse(rules, rules.content_message, "bad_file_content", name=safe)
        if ext in OOXML_PARTS and rules.inspect_zip and zip_bomb(upload):
            raise _refuse(rules, _("文件解压后过大或压缩比异常，疑似压缩炸弹（%(name)s）"), "zip_bomb", name=safe)
    return CheckedUpload(safe, ext, rules.types[ext], size)


class _Named:
    def __init__(self, name: str) -> None:
        self.name = name


def _head_matches(upload, ext: str) -> bool:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return head.startswith(SIGNATURES[ext])


def _chunks(upload) -> Iterator[bytes]:
    if hasattr(upload, "chunks"):  # Django UploadedFile
        yield from upload.chunks()
        return
    while chunk := upload.read(1 << 20):
        yield chunk


def store_private(upload, rules: UploadRules, *, folder: str, suffix: str, name: str = "") -> Path:
    """Copy the upload into DATA_DIR/<folder> (0700) as a new file with a random name, 0600, while
    holding it to `rules.max_bytes` (a client may not send the size it claimed); removed again on
    any failure."""
    stored = private_dir(folder) / f"{secrets.token_hex(16)}{suffix}"
    size = 0
    try:
        upload.seek(0)
        fd = os.open(stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(upload):
                size += len(chunk)
                if size > rules.max_bytes:
                    raise _refuse(rules, rules.too_large_message, "file_too_large", name=name)
                out.write(chunk)
        if size == 0:
            raise _refuse(rules, rules.empty_message, "empty_file", name=name)
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
    return stored
