"""Officer pages (/rights/) and worker pages (/m/requests/)."""

from __future__ import annotations

import pytest

from gonghui.rights import services
from gonghui.rights.models import ServiceRequest, State

from .rights_support import PDF, at, file, member_worker, plain_worker, record, upload

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


# ---- officer ---------------------------------------------------------------------------------


def test_queue_lists_scope_with_overdue_and_major_in_red(tree, client):
    late = file(plain_worker(), now=at(2026, 1, 5, 9), title="早就超期的申请")
    major = file(plain_worker(), workers_involved=20, title="二十人集体欠薪")
    elsewhere = file(plain_worker(), region_code="110108", title="海淀的申请")
    client.force_login(tree.officer_a)
    response = client.get("/rights/")
    body = text(response)
    assert response.status_code == 200
    assert late.reference in body and major.reference in body
    assert elsewhere.reference not in body
    assert body.count('class="table-danger"') == 2
    assert 'data-testid="overdue-badge"' in body
    assert 'data-testid="major-badge"' in body
    assert ">2026-01-06 前<" in body  # filed Mon 5 Jan 2026: to be accepted by the end of Tue 6 Jan
    assert "维权服务" in body  # nav entry
    filtered = text(client.get("/rights/", {"overdue": "on"}))
    assert late.reference in filtered and major.reference not in filtered
    assert major.reference in text(client.get("/rights/", {"q": major.reference}))
    assert late.reference not in text(client.get("/rights/", {"major": "on"}))


def test_officer_detail_and_actions_through_forms(tree, client):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker, title="工资拖欠")
    client.force_login(tree.officer_a1)
    body = text(client.get(f"/rights/{request.pk}/"))
    assert 'data-testid="action-accept"' in body and 'data-testid="action-reject"' in body
    assert 'data-testid="deadline"' in body
    response = client.post(f"/rights/{request.pk}/accept/", {"accept-complexity": "difficult", "accept-note": ""})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.state, request.complexity) == (State.ACCEPTED, "difficult")
    # A refused action re-renders with the error, nothing changes.
    response = client.post(f"/rights/{request.pk}/resolve/", {"resolve-resolution": ""})
    assert response.status_code == 400
    assert client.post(f"/rights/{request.pk}/start/", {"start-note": ""}).status_code == 302
    response = client.post(f"/rights/{request.pk}/resolve/", {"resolve-resolution": ""})
    assert response.status_code == 400
    assert 'data-testid="form-error"' in text(response)
    assert ServiceRequest.objects.get(pk=request.pk).state == State.IN_PROGRESS
    client.post(f"/rights/{request.pk}/message/", {"message-text": "正在联系单位"})
    client.post(f"/rights/{request.pk}/resolve/", {"resolve-resolution": "单位已补发"})
    request.refresh_from_db()
    assert request.state == State.RESOLVED
    body = text(client.get(f"/rights/{request.pk}/"))
    assert "正在联系单位" in body and "单位已补发" in body
    response = client.post(f"/rights/{request.pk}/close/", {"close-note": ""})
    assert response.status_code == 400
    assert "回访" in text(response)


def test_transfer_and_dispatch_forms(tree, client):
    request = file(plain_worker())  # district_a
    client.force_login(tree.officer_a)
    response = client.post(
        f"/rights/{request.pk}/transfer/", {"transfer-to_org": tree.street_a.pk, "transfer-note": "属该街道"}
    )
    assert response.status_code == 302
    assert ServiceRequest.objects.get(pk=request.pk).handling_org == tree.street_a
    other = record(tree.officer_a, street_org=tree.street_a.pk)
    services.request_accept(actor=tree.officer_a, request=other)
    body = text(client.get(f"/rights/{other.pk}/"))
    assert 'data-testid="action-dispatch"' in body
    response = client.post(
        f"/rights/{other.pk}/dispatch/", {"dispatch-to_org": tree.union_a1.pk, "dispatch-instruction": "请核实"}
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.handling_org == tree.union_a1
    body = text(client.get(f"/rights/{other.pk}/"))
    assert 'data-testid="dispatches"' in body and "请核实" in body
    client.force_login(tree.officer_a1)
    assert 'data-testid="action-report"' in text(client.get(f"/rights/{other.pk}/"))
    client.post(f"/rights/{other.pk}/report/", {"report-report": "已核实"})
    other.refresh_from_db()
    assert other.handling_org == tree.street_a


def test_viewer_reads_but_has_no_action_forms_and_cannot_post(tree, client):
    request = file(plain_worker())
    client.force_login(tree.viewer_a)
    body = text(client.get(f"/rights/{request.pk}/"))
    assert 'data-testid="action-' not in body
    assert client.post(f"/rights/{request.pk}/accept/", {"accept-complexity": "ordinary"}).status_code == 403
    assert client.get("/rights/record/").status_code == 403
    assert ServiceRequest.objects.get(pk=request.pk).state == State.SUBMITTED


def test_out_of_scope_detail_is_404(tree, client):
    request = file(plain_worker())
    client.force_login(tree.officer_b)
    assert client.get(f"/rights/{request.pk}/").status_code == 404
    assert client.post(f"/rights/{request.pk}/accept/", {"accept-complexity": "ordinary"}).status_code == 404


def test_record_a_hotline_call_page(tree, client):
    client.force_login(tree.officer_a)
    assert client.get("/rights/record/").status_code == 200
    response = client.post(
        "/rights/record/",
        {
            "channel": "hotline",
            "requester_name": "周八",
            "requester_phone": "13700003333",
            "category": "social_insurance",
            "title": "单位不缴社保",
            "description": "入职两年未缴社保",
            "region_code": "110105",
            "workers_involved": "1",
        },
    )
    request = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/rights/{request.pk}/"
    assert (request.channel, request.handling_org) == ("hotline", tree.district_a)
    response = client.post("/rights/record/", {"channel": "hotline", "requester_name": ""})
    assert response.status_code == 400
    assert ServiceRequest.objects.count() == 1


def test_officer_upload_page(tree, client):
    request = file(plain_worker())
    client.force_login(tree.officer_a)
    client.post(f"/rights/{request.pk}/upload/", {"file": upload("笔录.pdf")})
    client.post(f"/rights/{request.pk}/upload/", {"file": upload("x.pdf", b"nope")})
    assert [a.original_name for a in request.attachments.all()] == ["笔录.pdf"]


# ---- worker ----------------------------------------------------------------------------------


def test_worker_files_through_the_page_with_attachments(tree, client):
    worker, _ = member_worker(tree, tree.union_a1)
    client.force_login(worker.user)
    page = text(client.get("/m/requests/new/"))
    assert "单位拖欠、克扣工资或加班费" in page  # plain explanation beside the category
    assert '<option value="110105">北京市朝阳区</option>' in page  # areas with a union, by name
    response = client.post(
        "/m/requests/new/",
        {
            "category": "wage_arrears",
            "title": "工资拖欠",
            "description": "三个月没发",
            "employer_name": "某公司",
            "workers_involved": "1",
            "files": [upload("欠条.pdf", PDF)],
        },
    )
    request = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/m/requests/{request.pk}/"
    assert request.attachments.count() == 1
    body = text(client.get("/m/requests/"))
    assert request.reference in body
    body = text(client.get(f"/m/requests/{request.pk}/"))
    assert "欠条.pdf" in body and "分派至" in body


def test_worker_form_errors_keep_nothing(tree, client):
    client.force_login(plain_worker().user)
    response = client.post("/m/requests/new/", {"category": "wage_arrears", "title": "", "description": ""})
    assert response.status_code == 400
    assert ServiceRequest.objects.count() == 0
    response = client.post(
        "/m/requests/new/",
        {"category": "wage_arrears", "title": "x", "description": "y", "workers_involved": "1"},
    )
    assert response.status_code == 400  # a non-member without a region cannot be routed
    assert "地区" in text(response)


def test_worker_pages_show_only_own_requests(tree, client):
    mine = file(plain_worker())
    client.force_login(plain_worker().user)
    assert client.get(f"/m/requests/{mine.pk}/").status_code == 404
    assert mine.reference not in text(client.get("/m/requests/"))
    assert client.post(f"/m/requests/{mine.pk}/message/", {"message-text": "x"}).status_code == 404


def test_officers_and_anonymous_do_not_get_worker_pages(tree, client):
    file(plain_worker())
    client.force_login(tree.officer_a)
    assert client.get("/m/requests/").status_code in (302, 403)  # the portal's choice for officers
    client.logout()
    assert client.get("/m/requests/new/").status_code == 302
    assert client.get("/rights/").status_code == 302


def test_worker_message_reopen_and_withdraw_pages(tree, client):
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker)
    client.force_login(worker.user)
    client.post(f"/m/requests/{request.pk}/message/", {"message-text": "补充材料稍后上传"})
    assert request.events.filter(kind="message").count() == 1
    services.request_accept(actor=tree.officer_a1, request=request)
    services.request_resolve(actor=tree.officer_a1, request=request, resolution="已协调")
    body = text(client.get(f"/m/requests/{request.pk}/"))
    assert 'data-testid="reopen"' in body
    response = client.post(f"/m/requests/{request.pk}/reopen/", {"reopen-reason": ""})
    assert response.status_code == 400
    client.post(f"/m/requests/{request.pk}/reopen/", {"reopen-reason": "还没到账"})
    request.refresh_from_db()
    assert request.state == State.REOPENED
    client.post(f"/m/requests/{request.pk}/withdraw/", {"withdraw-reason": "已到账"})
    request.refresh_from_db()
    assert request.state == State.CLOSED


def test_worker_list_marks_overdue(tree, client):
    worker = plain_worker()
    file(worker, now=at(2026, 1, 5, 9))
    client.force_login(worker.user)
    assert 'data-testid="overdue-badge"' in text(client.get("/m/requests/"))
