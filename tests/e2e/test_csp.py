"""The Content-Security-Policy in a real browser: the watcher of tests/browser.py catches what the
policy refuses (so every browser test fails on a violation), and the pages that carry the most
script — the API docs (Swagger UI), a chart page, the portal — run under it without one."""

from __future__ import annotations

import re

import pytest

from tests.browser import watch_for_errors
from tests.conftest import PASSWORD, make_worker
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_watcher_reports_an_inline_script_the_policy_refuses(browser, live_server):
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url)
    try:
        problems = watch_for_errors(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.evaluate(
            "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
            " document.body.appendChild(s); }"
        )
        page.wait_for_timeout(200)
        assert page.evaluate("window.ran === undefined")  # the inline code did not run
        assert any("CSP violation: script-src-elem" in p for p in problems), problems
    finally:
        context.close()


def test_api_docs_render_under_the_policy(live_server, new_page, tree):
    page = new_page(DESKTOP)
    page.goto("/accounts/login/")
    page.fill("#id_username", "officer_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/api/v1/docs")
    page.locator(".opblock").first.wait_for(timeout=60_000)  # the whole OpenAPI document is built first
    assert "/api/v1/members" in page.locator(".swagger-ui").inner_text()
    assert page.locator(".opblock").count() > 20


def test_portal_and_legal_pages_at_360px(live_server, new_page, shots_dir):
    make_worker("13900000002")
    page = new_page(PHONE)
    page.goto("/m/register/")
    page.click("[data-testid=policy-links] a >> nth=1")
    page.wait_for_load_state("networkidle")
    for p in page.context.pages[1:]:
        p.close()
    page.goto("/m/legal/privacy/")
    assert page.locator("[data-testid=policy-version]").inner_text().startswith("第 1 版")
    page.screenshot(path=shots_dir / "privacy-notice-phone.png", full_page=True)
    page.goto("/m/login/")
    page.fill("input[name=phone]", "13900000002")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit][value=login]:visible")
    page.wait_for_url(re.compile(r"/m/$"))
    page.screenshot(path=shots_dir / "portal-home-phone.png", full_page=True)
    page.goto("/m/my-data/")
    page.screenshot(path=shots_dir / "my-data-phone.png", full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0


def test_back_office_pages_run_under_the_policy(live_server, new_page, tree):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(tree.superuser)
    page = new_page(DESKTOP)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    for url in ("/admin/", "/admin/privacy/policytext/", "/admin/privacy/policytext/add/?kind=privacy"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
    assert page.locator("textarea[name=body]").input_value().startswith("本规则说明")
