"""Two-factor sign-in in the browser: setting up an authenticator at the first sign-in, the code step
at the next, and "my account" — at desktop width and at 360 px (screenshots in shots_dir)."""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser import DESKTOP, PHONE
from tests.conftest import PASSWORD
from tests.twofactor import code_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


def code_from_page_secret(secret: str) -> str:
    """What an authenticator app shows for the key typed in from the page."""
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    return f"{TOTP(key).token():06d}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_first_sign_in_sets_up_the_authenticator_then_the_code_step(tree, new_page, shots_dir, viewport):
    size = "phone" if viewport is PHONE else "desktop"
    page = new_page(viewport)
    page.goto("/accounts/login/")
    page.fill("#id_username", "city_admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    page.wait_for_url(re.compile(r"/accounts/login/enrol/$"))
    assert page.locator("[data-testid=totp-qr] svg").is_visible()
    assert no_sideways_scroll(page)
    page.screenshot(path=str(shots_dir / f"2fa-enrol-{size}.png"), full_page=True)
    secret = page.text_content("[data-testid=totp-secret]").strip()
    page.fill("#id_code", "000000" if code_from_page_secret(secret) != "000000" else "111111")
    page.click("button[type=submit]")
    assert "验证码不正确" in page.text_content(".invalid-feedback")
    TOTPDevice.objects.filter(user=tree.city_admin).update(throttling_failure_timestamp=None)
    page.fill("#id_code", code_from_page_secret(secret))
    page.click("button[type=submit]")

    codes = page.locator("[data-testid=recovery-codes] li")
    codes.first.wait_for()
    assert codes.count() == 10
    assert no_sideways_scroll(page)
    page.screenshot(path=str(shots_dir / f"2fa-recovery-codes-{size}.png"), full_page=True)
    page.click("[data-testid=recovery-continue]")
    page.wait_for_url(re.compile(r"/$"))

    page.click("[data-testid=nav-me]") if viewport is DESKTOP else page.goto("/accounts/me/")
    page.wait_for_url(re.compile(r"/accounts/me/$"))
    assert "已启用" in page.text_content("[data-testid=me-two-factor]")
    assert no_sideways_scroll(page)
    page.screenshot(path=str(shots_dir / f"2fa-my-account-{size}.png"), full_page=True)
    if viewport is PHONE:
        page.click(".navbar-toggler")
        # Bootstrap adds .show once the menu has finished opening: a click while it slides open can miss.
        page.locator("#gh-nav.show").wait_for()
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_url(re.compile(r"/accounts/login/$"))

    page.goto("/accounts/login/")
    page.fill("#id_username", "city_admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/login/verify/$"))
    assert no_sideways_scroll(page)
    page.screenshot(path=str(shots_dir / f"2fa-verify-{size}.png"), full_page=True)
    page.fill("#id_code", code_for(TOTPDevice.objects.get(user=tree.city_admin, confirmed=True)))
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
