"""Casework in a real browser: the worker rates a resolved request at phone width; the officer's
satisfaction page draws its charts. Screenshots at 360 px and desktop width."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from gonghui.casework import services as casework
from gonghui.casework.models import Rating
from tests.browser import officer_sign_in
from tests.casework.support import file_request, resolved, worker_in
from tests.conftest import PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_worker_rates_at_phone_width(tree, new_page, shots_dir):
    worker = worker_in(tree.union_a1, name="李四")
    req = resolved(file_request(worker), tree.officer_a)
    page = new_page(PHONE)
    page.goto("/m/login/")
    page.fill("input[name=phone]", worker.phone)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/m/$"))
    page.goto(f"/m/requests/{req.pk}/")
    form = page.locator("[data-testid=rate-form]")
    form.scroll_into_view_if_needed()
    page.screenshot(path=str(shots_dir / "casework-rate-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    form.get_by_text("4分 满意").click()
    form.locator("textarea").fill("工资补发了，谢谢")
    form.get_by_role("button", name="提交评价").click()
    page.wait_for_url(re.compile(rf"/m/requests/{req.pk}/"))
    assert page.locator("[data-testid=my-rating]").is_visible()
    rating = Rating.objects.get(request=req)
    assert (rating.score, rating.comment, rating.source) == (4, "工资补发了，谢谢", "online")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_satisfaction_page_draws_its_charts(tree, new_page, shots_dir, viewport):
    for n, score in enumerate((5, 4, 2)):
        worker = worker_in(tree.union_a1 if n < 2 else tree.union_a2, name=f"职工{n}")
        req = resolved(file_request(worker), tree.officer_a)
        casework.rating_submit(worker=worker, request=req, score=score)
    page = new_page(viewport)
    officer_sign_in(page, "officer_a")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/rights/satisfaction/?org={tree.street_a.pk}&date_from={dt.date.today().year}-01-01")
    page.wait_for_selector("#chart-unions svg")
    page.wait_for_selector("#chart-trend svg")
    assert page.locator("[data-testid=total-satisfaction]").inner_text() == "66.7%"
    name = "desktop" if viewport is DESKTOP else "phone"
    page.screenshot(path=str(shots_dir / f"casework-satisfaction-{name}.png"), full_page=True)
    page.goto("/rights/supervision/")
    assert page.locator("[data-testid=overdue-total]").inner_text() == "0"
    page.goto(f"/rights/{req.pk}/#casework")
    assert page.locator("[data-testid=casework] [data-testid=rating-score]").is_visible()
    page.screenshot(path=str(shots_dir / f"casework-panel-{name}.png"), full_page=True)
