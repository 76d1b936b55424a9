"""Filing and handling a request in a real browser: the worker files a wage-arrears request at
phone width (360 px, no sideways scrolling) with a piece of evidence; the officer finds it red-free
in the queue, accepts it, starts and resolves it; the worker reads the result. Screenshots at
phone and desktop width."""

from __future__ import annotations

import re

import pytest

from gonghui.rights.models import ServiceRequest, State
from tests.browser import officer_sign_in
from tests.conftest import PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE

from .rights_support import PDF, member_worker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_worker_files_and_officer_resolves(tree, new_page, shots_dir, tmp_path):
    worker, _ = member_worker(tree, tree.union_a1, name="李四")
    evidence = tmp_path / "工资条.pdf"
    evidence.write_bytes(PDF)

    page = new_page(PHONE)
    page.goto("/m/login/")
    page.fill("input[name=phone]", worker.phone)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/m/$"))
    page.goto("/m/requests/new/")
    assert no_sideways_scroll(page)
    page.get_by_text("单位拖欠、克扣工资或加班费").click()
    page.fill("input[name=title]", "三个月工资未发")
    page.fill("textarea[name=description]", "8月至10月工资共计18000元未发放")
    page.fill("input[name=employer_name]", "望京某科技公司")
    page.set_input_files("input[name=files]", str(evidence))
    page.screenshot(path=str(shots_dir / "rights-file-phone.png"), full_page=True)
    page.get_by_test_id("submit-request").click()
    page.wait_for_url(re.compile(r"/m/requests/\d+/$"))
    request = ServiceRequest.objects.get()
    assert (request.category, request.handling_org, request.attachments.count()) == ("wage_arrears", tree.union_a1, 1)
    assert page.get_by_role("alert").inner_text() == f"已提交，编号 {request.reference}"
    assert no_sideways_scroll(page)
    page.screenshot(path=str(shots_dir / "rights-detail-phone.png"), full_page=True)

    desk = new_page(DESKTOP)
    officer_sign_in(desk, "officer_a1")
    desk.wait_for_url(re.compile(r"/$"))
    desk.goto("/rights/")
    desk.get_by_role("link", name=request.reference).click()
    desk.wait_for_url(re.compile(rf"/rights/{request.pk}/$"))
    desk.locator("[data-testid=action-accept] button[type=submit]").click()
    desk.wait_for_selector("[data-testid=action-start]")
    desk.locator("[data-testid=action-start] button[type=submit]").click()
    desk.wait_for_selector("[data-testid=action-resolve]")
    desk.fill("textarea[name=resolve-resolution]", "经工会协调，单位已补发全部工资")
    desk.locator("[data-testid=action-resolve] button[type=submit]").click()
    desk.wait_for_selector("[data-testid=resolution]")
    desk.screenshot(path=str(shots_dir / "rights-officer-desktop.png"), full_page=True)
    request.refresh_from_db()
    assert request.state == State.RESOLVED

    page.reload()
    assert page.get_by_test_id("resolution").inner_text() == "经工会协调，单位已补发全部工资"
    assert page.get_by_test_id("reopen").is_visible()
    assert no_sideways_scroll(page)
