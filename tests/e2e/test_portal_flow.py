"""Issue 4's phone flow in a real browser (Debian chromium, 360 px): a worker scans a union's QR
code, registers and applies in one form, the union's officer approves, the worker files a
wage-arrears request, the officer accepts and resolves it, and the worker rates the service."""

from __future__ import annotations

import re

import pytest

from gonghui.core import sms
from gonghui.joining.models import JoinApplication
from gonghui.joining.services import invite_ensure
from gonghui.members.models import Member
from gonghui.portal.models import WorkerAccount
from gonghui.rights.models import ServiceRequest
from tests.browser import officer_sign_in
from tests.conftest import PASSWORD, id_number
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WORKER_PHONE = "13655557777"


def officer_login(page, username: str) -> None:
    officer_sign_in(page, username)
    page.wait_for_url(re.compile(r"/$"))


def latest_code() -> str:
    return re.search(r"\d{6}", sms.outbox[-1].text).group(0)


def test_register_join_file_resolve_rate_on_a_phone(live_server, new_page, tree, shots_dir):
    invite = invite_ensure(actor=tree.officer_a1, org=tree.union_a1)
    phone = new_page(PHONE)

    # 1. The QR code opens the union's invite page; one tap to the form.
    phone.goto(f"/m/join/u/{invite.token}/")
    assert "望京科技公司工会" in phone.inner_text("main")
    phone.screenshot(path=shots_dir / "portal-invite-phone.png", full_page=True)
    phone.click(f"a[href='/m/join/u/{invite.token}/apply/']")

    # 2. One form: phone + SMS code + password, real name, work details.
    phone.fill("input[name=u-phone]", WORKER_PHONE)
    phone.fill("input[name=v-name]", "赵新工")
    phone.click("[data-testid=send-code]")
    phone.wait_for_load_state()
    phone.fill("input[name=u-code]", latest_code())
    phone.fill("input[name=u-password]", PASSWORD)
    phone.fill("input[name=u-password2]", PASSWORD)
    phone.check("input[name=u-agree]")
    phone.select_option("select[name=v-id_type]", "resident_id")
    phone.fill("input[name=v-id_number]", id_number(77))
    phone.check("input[name=v-consent_sensitive]")  # the separate consent to the ID number
    phone.fill("input[name=a-employer_name]", "望京科技有限公司")
    phone.select_option("select[name=a-new_employment_form]", "delivery_rider")
    phone.screenshot(path=shots_dir / "portal-apply-phone.png", full_page=True)
    phone.click("[data-testid=submit-application]")

    # 3. The confirmation.
    phone.wait_for_url(re.compile(r"/m/join/applications/\d+/done/"))
    assert "已向望京科技公司工会提交入会申请" in phone.inner_text("main")
    application = JoinApplication.objects.get()
    worker = WorkerAccount.objects.get(phone=WORKER_PHONE)
    assert worker.is_verified and application.worker == worker

    # The union's officer approves on a desktop.
    desk = new_page(DESKTOP)
    officer_login(desk, "officer_a1")
    desk.goto(f"/joining/{application.pk}/")
    desk.click("[data-testid=approve]")
    desk.wait_for_load_state()
    member = Member.objects.get(id_number_hash=application.id_number_hash)
    assert member.org == tree.union_a1 and member.status == "active"
    assert any(member.card_number in m.text or "入会" in m.text for m in sms.outbox if m.phone == WORKER_PHONE)

    # The worker now holds a membership and a card.
    phone.goto("/m/")
    assert "望京科技公司工会" in phone.inner_text("main")
    phone.goto("/m/card/")
    assert phone.locator("[data-testid=card-qr] svg").count() == 1
    phone.screenshot(path=shots_dir / "portal-card-phone.png", full_page=True)

    # The worker files a wage-arrears request.
    phone.goto("/m/requests/new/")
    phone.check("#cat-wage_arrears")
    phone.fill("input[name=title]", "拖欠三个月工资")
    phone.fill("textarea[name=description]", "公司自今年8月起未发工资，多次催要无果。")
    phone.fill("input[name=employer_name]", "望京科技有限公司")
    phone.screenshot(path=shots_dir / "portal-request-new-phone.png", full_page=True)
    phone.click("[data-testid=submit-request]")
    phone.wait_for_url(re.compile(r"/m/requests/\d+/$"))
    request = ServiceRequest.objects.get()
    assert request.category == "wage_arrears" and request.handling_org == tree.union_a1
    assert request.requester == worker and request.member == member

    # The officer accepts, starts and resolves it.
    desk.goto(f"/rights/{request.pk}/")
    desk.click("[data-testid=action-accept] button[type=submit]")
    desk.wait_for_load_state()
    desk.click("[data-testid=action-start] button[type=submit]")
    desk.wait_for_load_state()
    desk.fill("[data-testid=action-resolve] textarea", "经协调，公司已于11月补发全部欠薪。")
    desk.click("[data-testid=action-resolve] button[type=submit]")
    desk.wait_for_load_state()
    request.refresh_from_db()
    assert request.state == "resolved"

    # The worker sees the result and rates the service.
    phone.goto(f"/m/requests/{request.pk}/")
    assert "补发全部欠薪" in phone.inner_text("main")
    phone.locator("[data-testid=rate-form] input[name$=score][value='5']").check()
    phone.fill("[data-testid=rate-form] textarea[name$=comment]", "工会帮了大忙")
    phone.click("[data-testid=rate-form] button[type=submit]")
    phone.wait_for_load_state()
    phone.locator("[data-testid=my-rating]").wait_for()
    assert "5分" in phone.inner_text("[data-testid=my-rating]")
    phone.screenshot(path=shots_dir / "portal-request-rated-phone.png", full_page=True)
    request.refresh_from_db()
    assert request.rating.score == 5 and request.rating.source == "online"
