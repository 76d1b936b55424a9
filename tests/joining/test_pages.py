"""Joining pages: the workers' three steps from a QR code, their lists, and the officers' queue and decisions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from tests.conftest import PASSWORD, id_number, make_worker, member_data

from gonghui.core import pii
from gonghui.joining import services
from gonghui.joining.models import FoundingPrompt, JoinApplication, JoinSource, JoinState, OrgInvite, TransferState
from gonghui.members.models import Member
from gonghui.members.services import member_create
from gonghui.portal.models import WorkerAccount

SH = dt.timezone(dt.timedelta(hours=8))
FIELDS = {
    "a-phone": "13700000000",
    "a-employer_name": "望京快送有限公司",
    "a-employer_uscc": "",
    "a-new_employment_form": "delivery_rider",
    "a-is_migrant_worker": "on",
    "a-ethnicity": "汉族",
    "a-education": "senior",
}


def text(response) -> str:
    return response.content.decode()


# ---- workers --------------------------------------------------------------------------------


def test_three_steps_from_a_qr_code_for_a_new_worker(client, tree, sms_outbox):
    invite = services.invite_ensure(actor=tree.officer_a, org=tree.union_a1)
    # Step 1: the invite page (public).
    page = client.get(f"/m/join/u/{invite.token}/")
    assert page.status_code == 200
    assert "望京科技公司工会" in text(page) and "望京街道工会" in text(page)
    apply_url = f"/m/join/u/{invite.token}/apply/"
    assert apply_url in text(page)
    # Step 2: the one form; the SMS code button keeps what was typed.
    form = client.get(apply_url)
    assert form.status_code == 200 and 'name="u-phone"' in text(form) and 'name="v-id_number"' in text(form)
    sent = client.post(apply_url, {"u-phone": "13655556666", "v-name": "新职工", **FIELDS, "action": "send_code"})
    assert sent.status_code == 200 and "望京快送有限公司" in text(sent)
    code = re.search(r"\d{6}", sms_outbox[-1].text).group(0)
    done = client.post(
        apply_url,
        {
            "u-phone": "13655556666",
            "u-code": code,
            "u-password": PASSWORD,
            "u-password2": PASSWORD,
            "u-agree": "on",
            "v-name": "新职工",
            "v-id_type": "resident_id",
            "v-id_number": id_number(31),
            "v-consent_sensitive": "on",
            **FIELDS,
            "action": "apply",
        },
    )
    application = JoinApplication.objects.get()
    # Step 3: the confirmation.
    assert done.status_code == 302 and done.url == f"/m/join/applications/{application.pk}/done/"
    confirmation = client.get(done.url)
    assert "已向望京科技公司工会提交入会申请" in text(confirmation)
    worker = WorkerAccount.objects.get(phone="13655556666")
    assert worker.is_verified and application.worker == worker
    assert application.source == JoinSource.INVITE and application.org == tree.union_a1
    assert application.id_number_hash == pii.keyed_hash(id_number(31))
    assert application.new_employment_form == "delivery_rider" and application.is_migrant_worker


@pytest.mark.django_db
def test_behind_nginx_each_phone_has_its_own_per_ip_code_limit(client, tree, sms_outbox, settings):
    # Every request reaches the app from nginx's address; the per-IP SMS limit must count the
    # address nginx appended to X-Forwarded-For, or one busy hour would lock every phone out.
    settings.GONGHUI_TRUSTED_PROXIES = 1
    settings.GONGHUI_SMS_CODE_PER_IP_HOUR = 2
    invite = services.invite_ensure(actor=tree.officer_a, org=tree.union_a1)
    apply_url = f"/m/join/u/{invite.token}/apply/"

    def send_code(phone: str, forwarded: str):
        data = {"u-phone": phone, "v-name": "新职工", **FIELDS, "action": "send_code"}
        return client.post(apply_url, data, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    for n in range(2):
        assert send_code(f"1365555000{n}", "6.6.6.6, 10.0.0.1").status_code == 200
    assert len(sms_outbox) == 2
    refused = send_code("13655550003", "10.0.0.1")  # the third from that phone's address
    assert refused.status_code == 200 and "过于频繁" in text(refused)
    assert len(sms_outbox) == 2
    send_code("13655550004", "6.6.6.6, 10.0.0.2")  # another phone behind the same nginx
    assert len(sms_outbox) == 3


def test_a_refused_code_request_is_shown_beside_the_form_keeping_what_was_typed(client, tree, sms_outbox):
    invite = services.invite_ensure(actor=tree.officer_a, org=tree.union_a1)
    data = {"u-phone": "12345", "v-name": "新职工", **FIELDS, "action": "send_code"}
    response = client.post(f"/m/join/u/{invite.token}/apply/", data)
    assert response.status_code == 200  # was a 500: the unbound form could not take the error
    assert "手机号码应为11位中国大陆手机号" in text(response) and "望京快送有限公司" in text(response)
    assert sms_outbox == []


def test_form_errors_keep_nothing_half_done(client, tree):
    invite = services.invite_ensure(actor=tree.officer_a, org=tree.union_a1)
    response = client.post(
        f"/m/join/u/{invite.token}/apply/",
        {"u-phone": "13655556666", "u-code": "000000", "u-password": PASSWORD, "u-password2": PASSWORD, "u-agree": "on",
         "v-name": "新职工", "v-id_type": "resident_id", "v-id_number": "123", **FIELDS},
    )  # fmt: skip
    assert response.status_code == 400
    assert not WorkerAccount.objects.exists() and not JoinApplication.objects.exists()


def test_signed_in_verified_worker_sees_only_the_work_fields(client, tree):
    worker = make_worker("13700000001", name="李四", id_no=id_number(1))
    client.force_login(worker.user)
    response = client.get(f"/m/join/org/{tree.union_a2.pk}/apply/")
    assert response.status_code == 200
    assert 'name="u-phone"' not in text(response) and 'name="v-id_number"' not in text(response)
    assert worker.id_number_masked in text(response)
    done = client.post(f"/m/join/org/{tree.union_a2.pk}/apply/", FIELDS)
    application = JoinApplication.objects.get()
    assert done.status_code == 302 and application.org == tree.union_a2 and application.source == JoinSource.SEARCH


def test_unverified_worker_binds_in_the_same_form(client, tree):
    worker = make_worker("13700000001")
    client.force_login(worker.user)
    url = f"/m/join/org/{tree.union_a1.pk}/apply/"
    assert 'name="v-id_number"' in text(client.get(url))
    done = client.post(
        url,
        {
            "v-name": "王五",
            "v-id_type": "resident_id",
            "v-id_number": id_number(5),
            "v-consent_sensitive": "on",
            **FIELDS,
        },
    )
    assert done.status_code == 302
    worker.refresh_from_db()
    assert worker.is_verified and JoinApplication.objects.get().name == "王五"


def test_member_cannot_apply_again_and_is_told_their_union(client, tree):
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=1, name="李四"))
    worker = make_worker("13700000001", name="李四", id_no=id_number(1))
    client.force_login(worker.user)
    page = client.get(f"/m/join/org/{tree.union_b1.pk}/")
    assert "您已是望京科技公司工会的会员" in text(page)
    response = client.post(f"/m/join/org/{tree.union_b1.pk}/apply/", FIELDS)
    assert response.status_code == 200 and "您已是望京科技公司工会的会员" in text(response)
    assert not JoinApplication.objects.exists()


def test_search_by_name_region_and_no_union(client, tree):
    by_name = client.get("/m/join/", {"q": "望京"})
    assert "望京科技公司工会" in text(by_name) and "望京物流联合工会" in text(by_name)
    assert "中关村" not in text(by_name)
    by_initials = client.get("/m/join/", {"q": "zgc"})
    assert "中关村软件公司工会" in text(by_initials)
    by_region = client.get("/m/join/", {"province": "110000", "city": "110100", "county": "110108"})
    region_results = text(by_region).split('data-testid="union-results"')[-1]
    assert "中关村软件公司工会" in region_results and "望京" not in region_results
    no_union = client.get("/m/join/", {"province": "110000", "city": "110100", "county": "110105", "no_union": "1"})
    results = text(no_union).split('data-testid="union-results"')[-1]
    assert "望京街道工会 · 网上会员之家" in results and "望京物流联合工会" in results
    assert "望京科技公司工会" not in results
    # The cities of a province are offered once it is picked.
    assert "朝阳区" in text(no_union)


def test_township_page_offers_its_online_home(client, tree):
    page = client.get(f"/m/join/org/{tree.street_a.pk}/")
    assert page.status_code == 200 and "网上会员之家" in text(page)
    for org in (tree.district_a, tree.city):
        assert client.get(f"/m/join/org/{org.pk}/").status_code == 404
    assert client.get("/m/join/u/not-a-code/").status_code == 404


def test_regenerated_code_stops_opening_the_page(client, tree):
    old = services.invite_ensure(actor=tree.officer_a, org=tree.union_a1)
    services.invite_regenerate(actor=tree.officer_a, org=tree.union_a1)
    assert client.get(f"/m/join/u/{old.token}/").status_code == 404
    assert client.get(f"/m/join/u/{old.token}/apply/").status_code == 404


def test_worker_lists_and_withdraws_own_application(client, tree):
    worker = make_worker("13700000001", name="李四", id_no=id_number(1))
    other = make_worker("13700000002", name="王五", id_no=id_number(2))
    mine = services.application_submit(worker=worker, org=tree.union_a1, data={})
    theirs = services.application_submit(worker=other, org=tree.union_b1, data={})
    client.force_login(worker.user)
    listing = client.get("/m/join/applications/")
    assert "望京科技公司工会" in text(listing) and "中关村" not in text(listing)
    assert client.get(f"/m/join/applications/{theirs.pk}/").status_code == 404
    assert client.post(f"/m/join/applications/{theirs.pk}/withdraw/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == JoinState.SUBMITTED
    assert client.post(f"/m/join/applications/{mine.pk}/withdraw/").status_code == 302
    mine.refresh_from_db()
    assert mine.state == JoinState.WITHDRAWN


def test_officer_session_gets_403_on_the_workers_form(client, tree):
    client.force_login(tree.officer_a)
    assert client.get(f"/m/join/org/{tree.union_a1.pk}/apply/").status_code == 403
    assert client.get("/m/join/applications/").status_code == 403


def test_worker_transfer_pages(client, tree):
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=1, name="李四"))
    worker = make_worker("13700000001", name="李四", id_no=id_number(1))
    client.force_login(worker.user)
    search = client.get("/m/join/transfers/new/", {"q": "中关村"})
    assert f"/m/join/transfer-to/{tree.union_b1.pk}/" in text(search)
    invite = services.invite_ensure(actor=tree.officer_b, org=tree.union_b1)
    by_code = client.get("/m/join/transfers/new/", {"code": f"http://x/m/join/u/{invite.token}/"})
    assert by_code.status_code == 302 and by_code.url == f"/m/join/transfer-to/{tree.union_b1.pk}/"
    done = client.post(f"/m/join/transfer-to/{tree.union_b1.pk}/", {"reason": "换工作"})
    assert done.status_code == 302
    request = services.TransferRequest.objects.get()
    assert request.reason == "换工作" and request.to_org == tree.union_b1
    listing = client.get("/m/join/transfers/")
    assert "中关村软件公司工会" in text(listing) and "待转入工会审批" in text(listing)
    assert client.post(f"/m/join/transfers/{request.pk}/cancel/").status_code == 302
    request.refresh_from_db()
    assert request.state == TransferState.CANCELLED


# ---- officers -------------------------------------------------------------------------------


@pytest.fixture
def pending(tree):
    worker = make_worker("13700000001", name="李四", id_no=id_number(1))
    return services.application_submit(worker=worker, org=tree.union_a1, data={"employer_name": "望京快送"})


def test_queue_marks_overdue_red_and_filters(client, tree):
    late_worker = make_worker("13700000009", name="超期者", id_no=id_number(9))
    services.application_submit(
        worker=late_worker, org=tree.union_a1, data={}, now=dt.datetime(2025, 9, 29, 10, 0, tzinfo=SH)
    )
    make = make_worker("13700000001", name="李四", id_no=id_number(1))
    services.application_submit(worker=make, org=tree.union_a1, data={})
    client.force_login(tree.officer_a)
    page = text(client.get("/joining/"))
    assert page.count('data-overdue="1"') == 1 and "超期者" in page and "李四" in page
    overdue = text(client.get("/joining/", {"overdue": "1"}))
    assert "超期者" in overdue and "李四" not in overdue
    client.force_login(tree.officer_b)
    assert "李四" not in text(client.get("/joining/"))


def test_officer_approves_from_the_detail_page(client, tree, pending):
    client.force_login(tree.officer_a1)
    detail = client.get(f"/joining/{pending.pk}/")
    assert detail.status_code == 200 and 'data-testid="approve"' in text(detail)
    assert pending.id_number_masked in text(detail) and id_number(1) not in text(detail)
    response = client.post(f"/joining/{pending.pk}/approve/")
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.state == JoinState.APPROVED and pending.member.card_number
    again = client.get(f"/joining/{pending.pk}/")
    assert pending.member.card_number in text(again) and 'data-testid="approve"' not in text(again)


def test_reject_page_requires_a_reason(client, tree, pending):
    client.force_login(tree.officer_a)
    assert client.post(f"/joining/{pending.pk}/reject/", {"reason": ""}).status_code == 400
    pending.refresh_from_db()
    assert pending.state == JoinState.SUBMITTED
    assert client.post(f"/joining/{pending.pk}/reject/", {"reason": "非本单位职工"}).status_code == 302
    pending.refresh_from_db()
    assert pending.state == JoinState.REJECTED and pending.reject_reason == "非本单位职工"


def test_viewer_and_other_branch_cannot_decide(client, tree, pending):
    client.force_login(tree.viewer_a)
    assert client.get(f"/joining/{pending.pk}/").status_code == 200
    assert 'data-testid="approve"' not in text(client.get(f"/joining/{pending.pk}/"))
    assert client.post(f"/joining/{pending.pk}/approve/").status_code == 403
    client.force_login(tree.officer_b)
    assert client.get(f"/joining/{pending.pk}/").status_code == 404
    assert client.post(f"/joining/{pending.pk}/approve/").status_code == 404
    pending.refresh_from_db()
    assert pending.state == JoinState.SUBMITTED and not Member.objects.exists()


def test_invite_page_shows_qr_and_regenerates(client, tree):
    client.force_login(tree.officer_a)
    page = client.get(f"/joining/invites/{tree.union_a1.pk}/")
    invite = OrgInvite.objects.get(org=tree.union_a1, is_active=True)
    assert page.status_code == 200 and "<svg" in text(page) and f"/m/join/u/{invite.token}/" in text(page)
    assert client.post(f"/joining/invites/{tree.union_a1.pk}/regenerate/").status_code == 302
    new = OrgInvite.objects.get(org=tree.union_a1, is_active=True)
    assert new.token != invite.token
    printable = client.get(f"/joining/invites/{tree.union_a1.pk}/print/")
    assert printable.status_code == 200 and new.token in text(printable) and "<svg" in text(printable)
    client.force_login(tree.viewer_a)
    assert client.post(f"/joining/invites/{tree.union_a1.pk}/regenerate/").status_code == 403
    client.force_login(tree.officer_b)
    assert client.get(f"/joining/invites/{tree.union_a1.pk}/").status_code == 404


def test_org_page_card_and_nav_badge(client, tree, pending):
    client.force_login(tree.officer_a)
    page = text(client.get(f"/orgs/{tree.street_a.pk}/"))
    assert 'data-testid="org-joining"' in page and "待审批入会申请 1 份" in page
    assert 'data-testid="open-online-home"' in page
    assert 'data-testid="nav-joining"' in page
    response = client.post(f"/joining/online-home/{tree.street_a.pk}/")
    assert response.status_code == 302
    home = tree.street_a.online_home
    assert "望京街道网上会员之家" in text(client.get(f"/orgs/{tree.street_a.pk}/"))
    assert home.org.name == "望京街道网上会员之家"


def test_officer_transfer_request_pages(client, tree):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=1, name="李四"))
    client.force_login(tree.officer_a)
    assert 'data-testid="transfer-request"' in text(client.get(f"/members/{member.pk}/"))
    search = client.get(f"/joining/members/{member.pk}/transfer/", {"q": "中关村"})
    assert "中关村软件公司工会" in text(search)
    done = client.post(f"/joining/members/{member.pk}/transfer/", {"to_org": tree.union_b1.pk, "reason": "调动"})
    assert done.status_code == 302
    request = services.TransferRequest.objects.get()
    # Inside the officer's own scope: told to transfer directly.
    refused = client.post(f"/joining/members/{member.pk}/transfer/", {"to_org": tree.union_a2.pk})
    assert refused.status_code == 400 and "请直接办理会员接转" in text(refused)
    # The sending side sees it but cannot approve; the receiving side approves.
    sending = text(client.get(f"/joining/transfers/{request.pk}/"))
    assert 'data-testid="approve"' not in sending and 'data-testid="cancel"' in sending
    assert client.post(f"/joining/transfers/{request.pk}/approve/").status_code == 302
    request.refresh_from_db()
    assert request.state == TransferState.PENDING
    client.force_login(tree.officer_b)
    incoming = text(client.get("/joining/transfers/", {"direction": "in"}))
    assert "李四" in incoming
    assert 'data-testid="approve"' in text(client.get(f"/joining/transfers/{request.pk}/"))
    assert client.post(f"/joining/transfers/{request.pk}/approve/").status_code == 302
    request.refresh_from_db()
    assert request.state == TransferState.APPROVED
    assert request.transfer.to_member.org == tree.union_b1


def test_transfer_reject_page(client, tree):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=1, name="李四"))
    request = services.transfer_request_by_officer(actor=tree.officer_a, member=member, to_org=tree.union_b1)
    client.force_login(tree.officer_b)
    assert client.post(f"/joining/transfers/{request.pk}/reject/", {"reason": ""}).status_code == 400
    assert client.post(f"/joining/transfers/{request.pk}/reject/", {"reason": "查无此人"}).status_code == 302
    request.refresh_from_db()
    assert request.state == TransferState.REJECTED


def test_prompt_pages(client, tree):
    for seq in (1, 2, 3):
        worker = make_worker(f"1370000000{seq}", name=f"骑手{seq}", id_no=id_number(seq))
        app = services.application_submit(worker=worker, org=tree.street_a, data={"employer_name": "快送站"})
        services.application_approve(actor=tree.officer_a, application=app)
    prompt = FoundingPrompt.objects.get()
    client.force_login(tree.officer_a)
    listing = text(client.get("/joining/prompts/"))
    assert "快送站" in listing
    detail = text(client.get(f"/joining/prompts/{prompt.pk}/"))
    assert "骑手1" in detail and "骑手3" in detail
    done = client.post(f"/joining/prompts/{prompt.pk}/", {"state": "dismissed", "note": "已迁出"})
    assert done.status_code == 302
    prompt.refresh_from_db()
    assert prompt.state == "dismissed"
    client.force_login(tree.viewer_a)
    assert client.post(f"/joining/prompts/{prompt.pk}/", {"state": "open"}).status_code == 403
    client.force_login(tree.officer_b)
    assert client.get(f"/joining/prompts/{prompt.pk}/").status_code == 404
    assert "快送站" not in text(client.get("/joining/prompts/?state=all"))


def test_admin_changelists_render_and_never_show_the_ciphertext(client, tree, pending):
    client.force_login(tree.superuser)
    for name in ("joinapplication", "transferrequest", "orginvite", "onlinehome", "foundingprompt"):
        assert client.get(f"/admin/joining/{name}/").status_code == 200, name
    page = client.get(f"/admin/joining/joinapplication/{pending.pk}/change/")
    assert page.status_code == 200 and pending.id_number_masked in text(page)
    assert pending.id_number_encrypted not in text(page) and pending.id_number_hash not in text(page)


def test_pending_applicant_is_pointed_to_their_application(client, tree):
    worker = make_worker("13700000001", name="李四", id_no=id_number(1))
    mine = services.application_submit(worker=worker, org=tree.union_a1, data={})
    client.force_login(worker.user)
    for url in (f"/m/join/org/{tree.union_b1.pk}/", f"/m/join/org/{tree.union_b1.pk}/apply/"):
        page = text(client.get(url))
        assert 'data-testid="pending-application"' in page and f"/m/join/applications/{mine.pk}/" in page
        assert 'data-testid="apply-form"' not in page
