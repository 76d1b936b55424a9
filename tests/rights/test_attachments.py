"""Attachments: allowed types by extension AND content, size and count limits, random stored
names, downloads only for the owner and officers in scope."""

from __future__ import annotations

import pytest
from django.test import override_settings

from gonghui.core.errors import Conflict, InvalidInput, NotFound
from gonghui.rights import services
from gonghui.rights.models import Attachment, EventKind

from .rights_support import JPG, PDF, PNG, file, member_worker, ooxml, plain_worker, upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("证据a.pdf", PDF),
        ("证据b.JPG", JPG),
        ("证据c.jpeg", JPG),
        ("证据d.png", PNG),
        ("证据e.docx", ooxml("word")),
        ("证据f.xlsx", ooxml("xl")),
    ],
)
def test_allowed_types_are_stored_under_a_random_name(tree, name, content):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker)
    attachment = services.request_attach_worker(worker=worker, request=request, upload=upload(name, content))
    assert attachment.original_name == name
    assert attachment.size == len(content)
    stored = attachment.file.name
    assert stored.startswith("rights/")
    assert name.split(".")[0] not in stored.rsplit("/", 1)[-1]
    assert stored.endswith(name[name.rindex(".") :].lower())
    with attachment.file.open("rb") as fh:
        assert fh.read() == content
    assert request.events.filter(kind=EventKind.ATTACHMENT).count() == 1


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("virus.exe", b"MZ\x90\x00", "bad_file_type"),
        ("page.html", b"<html>", "bad_file_type"),
        ("noext", PDF, "bad_file_type"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "bad_file_content"),
        ("fake.png", JPG, "bad_file_content"),
        ("fake.docx", b"PK\x03\x04 not really a zip", "bad_file_content"),
        ("sheet.docx", ooxml("xl"), "bad_file_content"),
        ("empty.pdf", b"", "empty_file"),
    ],
)
def test_bad_or_spoofed_files_are_refused_and_nothing_is_stored(tree, name, content, code):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker)
    with pytest.raises(InvalidInput) as exc:
        services.request_attach_worker(worker=worker, request=request, upload=upload(name, content))
    assert exc.value.code == code
    assert "file" in exc.value.fields
    assert Attachment.objects.count() == 0


@override_settings(GONGHUI_RIGHTS_ATTACHMENT_MAX_BYTES=1024)
def test_too_big(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker)
    with pytest.raises(InvalidInput) as exc:
        services.request_attach_worker(worker=worker, request=request, upload=upload("big.pdf", PDF + b"0" * 2000))
    assert exc.value.code == "file_too_large"
    services.request_attach_worker(worker=worker, request=request, upload=upload("small.pdf", PDF))


def test_default_limit_is_10_mb():
    from gonghui.rights.attachments import max_bytes

    assert max_bytes() == 10 * 1024 * 1024


def test_at_most_10_per_request_including_those_filed_with_it(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    with pytest.raises(InvalidInput):
        file(worker, uploads=[upload(f"{i}.pdf") for i in range(11)])
    request = file(worker, uploads=[upload(f"{i}.pdf") for i in range(9)])
    assert request.attachments.count() == 9
    services.request_attach_officer(actor=tree.officer_a1, request=request, upload=upload("10.pdf"))
    with pytest.raises(InvalidInput) as exc:
        services.request_attach_worker(worker=worker, request=request, upload=upload("11.pdf"))
    assert exc.value.code == "too_many_files"
    assert request.attachments.count() == 10


def test_filing_with_a_bad_file_files_nothing(tree, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    worker, _ = member_worker(tree, tree.union_a1)
    with pytest.raises(InvalidInput):
        file(worker, uploads=[upload("ok.pdf"), upload("bad.pdf", b"nope")])
    from gonghui.rights.models import ServiceRequest

    assert ServiceRequest.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # the good file written first is gone too


def test_only_the_owner_and_in_scope_officers_attach(tree):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker)
    with pytest.raises(NotFound):
        services.request_attach_worker(worker=plain_worker(), request=request, upload=upload())
    with pytest.raises(NotFound):
        services.request_attach_officer(actor=tree.officer_b, request=request, upload=upload())
    services.request_withdraw(worker=worker, request=request)
    with pytest.raises(Conflict):
        services.request_attach_worker(worker=worker, request=request, upload=upload())
    assert Attachment.objects.count() == 0


def test_download_scope_on_pages(tree, client):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker, uploads=[upload("工资条.png", PNG, "image/png")])
    attachment = request.attachments.get()
    officer_url = f"/rights/{request.pk}/attachments/{attachment.pk}/"
    worker_url = f"/m/requests/{request.pk}/attachments/{attachment.pk}/"
    client.force_login(tree.officer_a)
    response = client.get(officer_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    client.force_login(tree.officer_b)
    assert client.get(officer_url).status_code == 404
    assert client.get(f"/rights/{request.pk}/attachments/{attachment.pk + 99}/").status_code == 404
    client.force_login(worker.user)
    assert client.get(worker_url).status_code == 200
    client.force_login(plain_worker().user)
    assert client.get(worker_url).status_code == 404
