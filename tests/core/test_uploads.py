"""The one content check every upload goes through: the bytes must be what the extension says."""

import io
import os
import stat
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.core.errors import InvalidInput
from gonghui.core.uploads import UploadRules, check_upload, content_matches, store_private, upload_name


def ooxml(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}document.xml", "<x/>")
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_signatures_match_their_extensions_only():
    assert content_matches(upload("a.pdf", b"%PDF-1.7 ..."), ".pdf")
    assert content_matches(upload("a.png", b"\x89PNG\r\n\x1a\n...."), ".png")
    assert content_matches(upload("a.jpg", b"\xff\xd8\xff\xe0...."), ".jpg")
    assert not content_matches(upload("a.pdf", b"\x89PNG\r\n\x1a\n...."), ".pdf")  # a PNG called .pdf
    assert not content_matches(upload("a.exe", b"MZ\x90\x00"), ".exe")  # unknown type


def test_office_files_must_hold_their_own_part():
    assert content_matches(upload("a.docx", ooxml("word/")), ".docx")
    assert content_matches(upload("a.xlsx", ooxml("xl/")), ".xlsx")
    assert not content_matches(upload("a.docx", ooxml("xl/")), ".docx")  # a workbook renamed .docx
    assert not content_matches(upload("a.docx", b"PK\x03\x04 not a zip"), ".docx")


def test_the_check_leaves_the_file_at_its_start():
    file = upload("a.docx", ooxml("word/"))
    content_matches(file, ".docx")
    assert file.read(4) == b"PK\x03\x04"


class Named:
    """Whatever a client sent as the file name (Django's own upload classes trim some of it already)."""

    def __init__(self, name: str) -> None:
        self.name = name


def test_upload_name_drops_client_paths():
    assert upload_name(Named("C:\\Users\\x\\合同.pdf")) == "合同.pdf"
    assert upload_name(Named("../../etc/passwd")) == "passwd"
    assert upload_name(Named(""), "voucher") == "voucher"
    assert len(upload_name(Named("长" * 300 + ".pdf"))) == 200


# --- the one helper every module uses ----------------------------------------------------------

RULES = UploadRules(
    types={".pdf": "application/pdf", ".docx": "application/docx", ".csv": "text/csv"},
    max_bytes=1024 * 1024,
    label="PDF、DOCX、CSV",
)


def refused(file, rules=RULES) -> tuple[str, str, list[str]]:
    with pytest.raises(InvalidInput) as err:
        check_upload(file, rules)
    return err.value.code, err.value.message, list(err.value.fields)


def docx_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w/>")
        with archive.open("word/media/zeros.bin", "w") as out:
            for _ in range(50):
                out.write(b"\0" * (1024 * 1024))
    return buffer.getvalue()


def test_check_upload_accepts_a_good_file_with_its_safe_name_and_type():
    checked = check_upload(upload("C:\\docs\\合同.pdf", b"%PDF-1.7 ..."), RULES)

    assert (checked.name, checked.ext, checked.content_type, checked.size) == (
        "合同.pdf",
        ".pdf",
        "application/pdf",
        12,
    )


def test_check_upload_refuses_type_size_content_and_zip_bombs_in_the_modules_words():
    assert refused(upload("a.exe", b"MZ")) == ("bad_file_type", "只能上传 PDF、DOCX、CSV 文件", ["file"])
    assert refused(upload("a.pdf", b"")) == ("empty_file", "文件是空的", ["file"])
    assert refused(upload("a.pdf", b"%PDF-" + b"x" * 1024 * 1024)) == (
        "file_too_large",
        "文件不能超过 1.0 MB",
        ["file"],
    )
    assert refused(upload("a.pdf", b"\x89PNG\r\n\x1a\n")) == (
        "bad_file_content",
        "文件内容与扩展名不符（a.pdf）",
        ["file"],
    )
    bomb = docx_bomb()
    assert len(bomb) < 100 * 1024
    assert refused(upload("a.docx", bomb)) == (
        "zip_bomb",
        "文件解压后过大或压缩比异常，疑似压缩炸弹（a.docx）",
        ["file"],
    )
    own_words = UploadRules(
        types={".pdf": "application/pdf"},
        max_bytes=10,
        label="PDF",
        field="voucher",
        type_message="凭证只能是 PDF 文件",
    )
    assert refused(upload("a.png", b"x"), own_words) == ("bad_file_type", "凭证只能是 PDF 文件", ["voucher"])


def test_rights_evidence_goes_through_the_helper(tree):
    from gonghui.rights.attachments import check_upload as rights_check

    with pytest.raises(InvalidInput) as err:
        rights_check(upload("证据.docx", docx_bomb()))

    assert err.value.code == "zip_bomb"


def test_store_private_writes_0600_in_a_0700_folder_and_holds_the_size_it_was_not_told(settings):
    stored = store_private(io.BytesIO(b"a,b\n1,2\n"), RULES, folder="uploads-test", suffix=".csv")

    assert stored.read_bytes() == b"a,b\n1,2\n"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    before = set(stored.parent.iterdir())
    with pytest.raises(InvalidInput) as err:
        store_private(io.BytesIO(b"x" * (1024 * 1024 + 1)), RULES, folder="uploads-test", suffix=".csv")
    assert err.value.code == "file_too_large"
    assert set(stored.parent.iterdir()) == before  # nothing left behind
    os.unlink(stored)


def test_files_saved_through_file_fields_are_private(settings):
    assert (settings.FILE_UPLOAD_PERMISSIONS, settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS) == (0o600, 0o700)
