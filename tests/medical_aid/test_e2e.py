"""Mutual aid in a real browser (Debian's chromium): a worker files a claim with an invoice from
the phone, the union officer reviews, approves and pays it on the desktop, the worker sees the
payment and the payout breakdown. Every page is checked at 360 px for sideways scrolling.

The browser runs in a thread of its own (its own Playwright instance), so this test neither
needs nor disturbs the session browser of tests/e2e.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from pathlib import Path

import pytest
from django.utils import timezone

from gonghui.medical_aid import services
from gonghui.medical_aid.models import Claim, ClaimState
from tests.browser import assert_no_errors, officer_sign_in, watch_for_errors
from tests.conftest import PASSWORD, id_number, make_worker
from tests.e2e.conftest import CHROMIUM, DESKTOP, PHONE

from .support import PDF, add_member, grant, open_plan

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _shots() -> Path:
    path = Path(os.environ.get("GONGHUI_SHOTS_DIR") or Path(tempfile.gettempdir()) / "shots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def fits_phone(page, name: str) -> None:
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(200)
    page.screenshot(path=_shots() / f"medical-aid-{name}-phone.png", full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name}: the page scrolls sideways at 360 px ({overflow}px)"


def browse(base_url: str, phone_number: str, plan_id: int, invoice: Path, today, seen: dict) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--lang=zh-CN"])
        try:
            phone_context = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=base_url)
            seen["phone_problems"] = watch_for_errors(phone_context)
            phone = phone_context.new_page()
            phone.set_default_timeout(15_000)
            # The worker, on the phone.
            phone.goto("/m/login/?next=/m/medical-aid/")
            phone.fill("input[name=phone]", phone_number)
            phone.fill("input[name=password]", PASSWORD)
            phone.click("button[type=submit][value=login]:visible")
            phone.wait_for_url(re.compile(r"/m/medical-aid/$"))
            fits_phone(phone, "home")
            phone.click("[data-testid=file-claim]")
            phone.select_option("#id_category", "inpatient")
            phone.fill("#id_hospital", "北京朝阳医院")
            phone.fill("#id_diagnosis", "急性阑尾炎")
            phone.fill("#id_admission_date", today.replace(day=1).isoformat())
            phone.fill("#id_discharge_date", today.isoformat())
            phone.fill("#id_total_cost", "20000")
            phone.fill("#id_insurance_paid", "12000")
            phone.set_input_files("#files_invoice", str(invoice))
            fits_phone(phone, "file")
            phone.check("#id_consent_sensitive")  # the separate consent to health data
            phone.click("[data-testid=submit-claim]")
            phone.wait_for_url(re.compile(r"/m/medical-aid/claims/\d+/$"))
            seen["estimate"] = phone.text_content("[data-testid=payout]")
            fits_phone(phone, "claim")

            # The union officer, on the desktop.
            desk_context = browser.new_context(viewport=DESKTOP, locale="zh-CN", base_url=base_url)
            seen["desk_problems"] = watch_for_errors(desk_context)
            desk = desk_context.new_page()
            desk.set_default_timeout(15_000)
            officer_sign_in(desk, "officer_a1")
            desk.wait_for_url(re.compile(r"/$"))
            desk.click("[data-testid=nav-assistance]")
            desk.click("[data-testid=nav-medical-aid]")
            desk.click("[data-testid=tab-claims]")
            desk.click("[data-testid=claims] tbody a")
            desk.click("[data-testid=start-review]")
            desk.click("[data-testid=approve-form] button")
            seen["approved"] = desk.text_content("[data-testid=claim-state]")
            desk.fill("#id_pay-voucher_no", "PZ-2026-001")
            desk.click("[data-testid=pay-form] button")
            seen["paid"] = desk.text_content("[data-testid=claim-state]")
            fits_phone(desk, "officer-claim")
            desk.set_viewport_size(DESKTOP)
            desk.goto(f"/medical-aid/plans/{plan_id}/figures/")
            desk.wait_for_selector("#ma-chart-unions svg")
            fits_phone(desk, "figures")

            # The worker sees the payment.
            phone.reload()
            seen["worker_state"] = phone.text_content("[data-testid=claim-state]")
        finally:
            browser.close()


def test_worker_claim_to_payment(live_server, tree, tmp_path):
    grant(tree, tree.officer_a1)
    today = timezone.localdate()
    plan = open_plan(
        tree, year=today.year, enrol_start=f"{today.year}-01-01", enrol_end=f"{today.year}-12-31",
        cover_start=f"{today.year}-01-01", cover_end=f"{today.year}-12-31",
    )  # fmt: skip
    member = add_member(tree, tree.union_a1, 1, name="李四")
    services.enrolment_create(actor=tree.superuser, plan=plan, member=member, today=today)
    worker = make_worker("13900000001", name="李四", id_no=id_number(1))
    invoice = tmp_path / "发票.pdf"
    invoice.write_bytes(PDF)
    seen: dict = {}
    errors: list[BaseException] = []

    def run() -> None:
        try:
            browse(live_server.url, worker.phone, plan.pk, invoice, today, seen)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=180)
    assert not thread.is_alive()
    if errors:
        raise errors[0]
    assert_no_errors(seen.pop("phone_problems") + seen.pop("desk_problems"))
    assert seen == {"estimate": "3500.00", "approved": "已核准", "paid": "已发放", "worker_state": "已发放"}
    claim = Claim.objects.get()
    assert claim.by_worker and claim.state == ClaimState.PAID and claim.attachments.get().kind == "invoice"
    assert claim.paid_amount == claim.payout and claim.voucher_no == "PZ-2026-001"
