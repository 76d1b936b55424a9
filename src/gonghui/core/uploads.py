"""Uploaded files: is the content what its extension claims? (The first bytes, and for Office
Open XML files the part the format must contain.) Each app keeps its own list of accepted types,
size limit and wording; this is the one check of the bytes they all rely on."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings

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
