"""The one content check every upload goes through: the bytes must be what the extension says."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.core.uploads import content_matches, upload_name


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
