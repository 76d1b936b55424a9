"""The workbench in Debian's chromium at 1366 px and 360 px: the items fit, the most urgent come
first, and a click opens the queue it counted (console errors and CSP violations fail the test:
tests.browser.new_page)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.assistance.test_browser import no_sideways_scroll

from .test_workbench import busy  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}


def signed_in(new_page, user, viewport, base_url: str):
    client = Client()
    client.force_login(user)
    page = new_page(viewport)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])
    return page


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_workbench_fits_and_its_links_open_the_counted_queue(
    live_server,
    new_page,
    busy,  # noqa: F811
    shots_dir,
    label,
    viewport,
):
    page = signed_in(new_page, busy.officer_a1, viewport, live_server.url)
    page.goto(live_server.url + "/")
    items = page.locator("[data-testid=wb-item]")
    assert items.count() >= 3
    assert items.first.get_attribute("data-urgency") == "overdue"
    assert no_sideways_scroll(page) <= 0
    page.screenshot(path=shots_dir / f"workbench-{label}.png", full_page=True)
    overdue = page.locator("[data-testid=wb-item][data-key='rights.overdue']")
    count = int(overdue.locator("[data-testid=wb-count]").inner_text())
    overdue.click()
    page.wait_for_url("**/rights/?due=overdue")
    assert page.locator("[data-testid=request-row]").count() == count == 1
