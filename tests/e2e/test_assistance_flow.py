"""Hardship file to paid grant in a real browser: a grassroots officer files a hardship case
through the assistance pages, the county federation verifies it, the public notice ends (the
periodic task, run directly), a 送温暖 grant for the person is proposed, approved and paid
through the campaigns pages, and the payment roll downloads with the person's masked ID."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from gonghui.assistance import services as assistance_services
from gonghui.assistance.models import HardshipFile
from gonghui.assistance.tasks import finish_notices
from gonghui.campaigns.models import Grant
from tests.browser import officer_sign_in
from tests.campaigns.support import allocate, grant_assistance, make_campaign
from tests.conftest import id_number
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, username: str) -> None:
    officer_sign_in(page, username)
    page.wait_for_url(re.compile(r"/$"))


def shoot(page, shots_dir, name: str) -> None:
    """The same page at desktop width and at 360 px."""
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=shots_dir / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)  # the charts redraw on resize
    page.screenshot(path=shots_dir / f"{name}-phone.png", full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name}: the page scrolls sideways at 360 px ({overflow}px)"
    page.set_viewport_size(DESKTOP)


def test_hardship_case_to_paid_spring_warmth_grant(live_server, new_page, tree, shots_dir):
    grant_assistance(tree, tree.city_admin, tree.officer_a, tree.officer_a1)
    campaign = make_campaign(tree.city_admin, tree.city, budget="100000", name="2026年元旦春节送温暖")
    allocate(tree.city_admin, tree.city_admin, campaign, tree.district_a, "20000")

    # 1. The grassroots officer files the case with a home visit and submits it.
    grassroots = new_page(DESKTOP)
    login(grassroots, "officer_a1")
    grassroots.goto("/assistance/new/")
    grassroots.fill("#id_p-org_text", "wjkj")
    grassroots.click(f"[data-pick-id='{tree.union_a1.pk}']")
    grassroots.fill("#id_p-name", "王困难")
    grassroots.fill("#id_p-id_number", id_number(61))
    grassroots.fill("#id_p-phone", "13800138061")
    grassroots.check("input[name='f-causes'][value='serious_illness']")
    grassroots.fill("#id_f-household_size", "3")
    grassroots.fill("#id_f-monthly_household_income", "2400")
    grassroots.select_option("#id_l-level", "deep")
    grassroots.fill("#id_l-level_reason", "爱人重病，长期住院")
    grassroots.click("[data-testid=file-form] button[type=submit]")
    grassroots.wait_for_url(re.compile(r"/assistance/\d+/$"))
    file = HardshipFile.objects.get(name="王困难")
    grassroots.fill("#id_visit-visitors", "赵主席、钱干事")
    grassroots.fill("#id_visit-findings", "家中困难属实，爱人住院治疗")
    grassroots.click("[data-testid=action-visit] button[type=submit]")
    grassroots.click("[data-testid=action-submit] button[type=submit]")
    grassroots.wait_for_selector("[data-testid=action-submit]", state="detached")
    file.refresh_from_db()
    assert file.state == "submitted"

    # 2. The county federation verifies; the public notice starts.
    county = new_page(DESKTOP)
    login(county, "officer_a")
    county.goto(f"/assistance/{file.pk}/")
    county.fill("#id_verify-note", "经核实，情况属实")
    county.click("[data-testid=action-verify] button[type=submit]")
    county.wait_for_selector("[data-testid=notice]")
    file.refresh_from_db()
    assert file.state == "in_notice"

    # 3. The periodic task files the case once the notice period is over (not before).
    assert finish_notices() == 0
    assert assistance_services.finish_notices(now=timezone.now() + dt.timedelta(days=30)) == 1
    file.refresh_from_db()
    assert file.state == "filed"

    # 4. The grassroots union proposes the person for 送温暖 from the filed files.
    grassroots.goto("/")
    grassroots.click("[data-testid=nav-assistance] > a")
    grassroots.click("[data-testid=nav-campaigns]")
    grassroots.wait_for_url(re.compile(r"/campaigns/$"))
    shoot(grassroots, shots_dir, "campaign-list")
    grassroots.click("[data-testid=campaign-row] a")
    grassroots.wait_for_url(f"**/campaigns/{campaign.pk}/")
    shoot(grassroots, shots_dir, "campaign-detail")
    grassroots.click("[data-testid=propose-files]")
    grassroots.check(f"#file-{file.pk}")
    shoot(grassroots, shots_dir, "campaign-propose-files")
    grassroots.click("[data-testid=propose-files-submit]")
    grassroots.wait_for_url(re.compile(r"/campaigns/grants/\?campaign="))
    grant = Grant.objects.get(hardship_file=file)
    assert (grant.state, grant.amount) == ("proposed", 1000)
    assert grassroots.locator("[data-testid=grant-row]").count() == 1

    # 5. The district (holding the budget) approves.
    county.goto(f"/campaigns/grants/{grant.pk}/")
    county.fill("#id_approve-note", "同意")
    county.click("[data-testid=approve-submit]")
    county.wait_for_selector("[data-testid=action-approve]", state="detached")
    grant.refresh_from_db()
    assert grant.state == "approved"

    # 6. The grassroots union records the payment.
    grassroots.goto(f"/campaigns/grants/{grant.pk}/")
    grassroots.select_option("#id_pay-method", "cash")
    grassroots.fill("#id_pay-payer", "钱干事")
    grassroots.click("[data-testid=pay-submit]")
    grassroots.wait_for_selector("[data-testid=paid-info]")
    grant.refresh_from_db()
    assert grant.state == "paid" and grant.paid_amount == 1000
    shoot(grassroots, shots_dir, "campaign-grant")

    # 7. The payment roll downloads with the masked ID and the amount.
    county.goto(f"/campaigns/{campaign.pk}/")
    assert county.locator("[data-testid=allocation-row]").count() == 1
    shoot(county, shots_dir, "campaign-detail-county")
    county.goto("/campaigns/figures/?year=2026")
    assert county.locator("[data-testid=total-beneficiaries]").inner_text() == "1"
    shoot(county, shots_dir, "campaign-overview")
    county.goto(f"/campaigns/{campaign.pk}/dashboard/")
    assert county.locator("[data-testid=fig-committed]").inner_text() == "1,000.00"
    shoot(county, shots_dir, "campaign-dashboard")
    with county.expect_download() as info:
        county.click("text=下载发放花名册")
    path = info.value.path()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes())).get_sheet_by_index(0).to_python()
    person = [r for r in rows if r[1] == "王困难"]
    assert len(person) == 1
    assert person[0][2] == file.id_number_masked and id_number(61) not in str(rows)
    assert person[0][5] == 1000.0 and person[0][6] == "现金"
