"""The assistance pages in Debian's chromium at 360 px and on desktop: no sideways scrolling, the
chart draws, and a worker applies from the phone."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from gonghui.assistance import services
from gonghui.assistance.models import HardshipFile
from tests.e2e.conftest import DESKTOP, PHONE

from .support import filed_file, member_worker, rights_for_all, standard, submitted_file

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def signed_in(new_page, user, viewport, base_url: str):
    """A page whose browser carries a session of `user` (signed in through Django's test client)."""
    client = Client()
    client.force_login(user)
    page = new_page(viewport)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])
    return page


def no_sideways_scroll(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_officer_pages_fit_a_phone_and_the_chart_draws(live_server, new_page, tree, shots_dir):
    rights_for_all(tree)
    standard()
    file = filed_file(tree)
    services.pairing_create(actor=tree.officer_a1, file=file, officer_id=tree.officer_a1.pk)
    submitted_file(tree, seq=2)
    page = signed_in(new_page, tree.officer_a, PHONE, live_server.url)
    for name, url in (
        ("list", "/assistance/"),
        ("detail", f"/assistance/{file.pk}/"),
        ("create", "/assistance/new/"),
        ("reverify", f"/assistance/{file.pk}/reverify/"),
        ("standards", "/assistance/standards/"),
        ("figures", "/assistance/figures/"),
    ):
        for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            page.goto(live_server.url + url)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=shots_dir / f"assistance-{name}-{label}.png", full_page=True)
            if label == "phone":
                assert no_sideways_scroll(page) <= 0, f"{url} scrolls sideways at 360 px"
    assert page.locator("#chart-levels svg").count() == 1


def test_worker_applies_from_a_phone(live_server, new_page, tree, shots_dir):
    rights_for_all(tree)
    standard()
    worker, _member = member_worker(tree, tree.union_a1)
    page = signed_in(new_page, worker.user, PHONE, live_server.url)
    page.goto(live_server.url + "/m/assistance/")
    assert no_sideways_scroll(page) <= 0
    page.click("[data-testid=apply]")
    page.fill("#id_f-address", "望京某小区")
    page.check("input[name='f-causes'][value='serious_illness']")
    page.fill("#id_h-0-monthly_income", "1500")
    page.fill("#id_h-1-name", "王小五")
    page.fill("#id_h-1-relation", "子女")
    assert no_sideways_scroll(page) <= 0
    page.screenshot(path=shots_dir / "assistance-apply-phone.png", full_page=True)
    page.check("#id_f-consent_sensitive")  # the separate consent to hardship data
    page.click("[data-testid=apply-form] button[type=submit]")
    page.wait_for_selector("[data-testid=state-text]")
    file = HardshipFile.objects.get()
    assert (file.state, file.household_size, str(file.per_capita_income)) == ("draft", 2, "750.00")
    assert "等待工会核实" in page.inner_text("[data-testid=state-text]")
    page.screenshot(path=shots_dir / "assistance-status-phone.png", full_page=True)
