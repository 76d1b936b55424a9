"""Recording a 12351 call in a real browser, at 1366 px and at 360 px: the operator looks up the
caller's earlier calls, picks wage arrears (its figures appear), a street union, and records; the
request page shows the figures, the region by name and the alarm chain. The caller follows the
case on the public tracking page with the number from the SMS. Screenshots at both widths."""

from __future__ import annotations

import re

import pytest

from gonghui.core import sms
from gonghui.core.uscc import build_uscc
from gonghui.rights.models import ServiceRequest
from tests.browser import officer_sign_in
from tests.e2e.conftest import PHONE

from .rights_support import record

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1366, "height": 900}
USCC = build_uscc("91110105MA01" + "23456")


def no_sideways_scroll(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize(("viewport", "tag"), [(WIDE, "1366"), (PHONE, "360")])
def test_operator_records_a_12351_wage_arrears_call(tree, new_page, shots_dir, viewport, tag):
    earlier = record(tree.officer_a, requester_phone="13700006666", title="上次来电：加班费")
    sms.outbox.clear()
    page = new_page(viewport)
    officer_sign_in(page, "officer_a")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/rights/record/")
    assert page.locator("h1 a[href='tel:12351']").count() == 1
    # Only the figures of the category chosen show.
    page.select_option("select[name=category]", "work_injury")
    assert page.get_by_test_id("facts-work_injury").is_visible()
    assert not page.get_by_test_id("facts-wage_arrears").is_visible()
    page.fill("input[name=requester_name]", "赵六")
    page.fill("input[name=requester_phone]", "13700006666")
    page.get_by_test_id("lookup").click()
    page.wait_for_selector("[data-testid=phone-history]")
    assert earlier.reference in page.get_by_test_id("phone-history").inner_text()
    assert page.input_value("input[name=requester_name]") == "赵六"
    page.select_option("select[name=category]", "wage_arrears")
    assert page.get_by_test_id("facts-wage_arrears").is_visible()
    assert not page.get_by_test_id("facts-work_injury").is_visible()
    page.fill("input[name=recording_ref]", "REC-0042")
    page.fill("input[name=workers_involved]", "12")
    page.fill("input[name=title]", "工地拖欠12名工人三个月工资")
    page.fill("textarea[name=description]", "包工头失联，项目部称已付清工程款")
    page.fill("input[name=fact_amount_owed]", "86400")
    page.fill("input[name=fact_months_owed]", "3")
    page.fill("input[name=fact_employer_uscc]", USCC)
    page.fill("input[name=fact_project_name]", "望京安置房二期")
    page.fill("input[name=fact_subcontractor_name]", "钱某")
    page.fill("input[name=fact_subcontractor_phone]", "13812345678")
    page.fill("input[name=employer_name]", "北京某建设公司")
    page.select_option("select[name=region_code]", "110105")
    page.select_option("select[name=street_org]", str(tree.street_a.pk))
    assert no_sideways_scroll(page, viewport["width"])
    page.screenshot(path=str(shots_dir / f"hotline-record-{tag}.png"), full_page=True)
    page.get_by_test_id("record-submit").click()
    page.wait_for_url(re.compile(r"/rights/\d+/$"))
    request = ServiceRequest.objects.exclude(pk=earlier.pk).get()
    assert (request.handling_org, request.facts["amount_owed"], request.operator) == (
        tree.street_a,
        "86400.00",
        tree.officer_a,
    )
    body = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    assert "北京市朝阳区" in body and "86,400.00" in body and USCC in body and "REC-0042" in body
    assert "已报告朝阳区总工会、北京市总工会" in page.get_by_test_id("major-alert").inner_text()
    assert earlier.reference in page.get_by_test_id("phone-history").inner_text()
    assert no_sideways_scroll(page, viewport["width"])
    page.screenshot(path=str(shots_dir / f"hotline-detail-{tag}.png"), full_page=True)
    [text] = [m.text for m in sms.outbox if m.phone == "13700006666"]
    assert request.reference in text

    caller = new_page(PHONE)
    caller.goto(f"/m/requests/track/?ref={request.reference}")
    caller.fill("input[name=last4]", "6666")
    caller.get_by_role("button", name="查询").click()
    caller.wait_for_selector("[data-testid=track-result]")
    assert "望京街道工会" in caller.get_by_test_id("track-result").inner_text()
    assert no_sideways_scroll(caller, PHONE["width"])
    caller.screenshot(path=str(shots_dir / f"hotline-track-{tag}.png"), full_page=True)
