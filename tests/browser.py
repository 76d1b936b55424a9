"""Browser fixtures for the whole suite: pytest-django's live_server and one Playwright (sync API) driving
Debian's chromium per test session. Loaded by tests/conftest.py, so every app's browser tests share the one
browser (a second sync Playwright in the same thread would fail)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures and
# assertions are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--lang=zh-CN"],
        )
        yield browser
        browser.close()


@pytest.fixture
def shots_dir() -> Path:
    """Where screenshots go (phone and desktop); GONGHUI_SHOTS_DIR overrides /tmp/shots."""
    path = Path(os.environ.get("GONGHUI_SHOTS_DIR") or Path(tempfile.gettempdir()) / "shots")
    path.mkdir(parents=True, exist_ok=True)
    return path


# Every page a test opens reports here what the browser refused or failed to run: a
# securitypolicyviolation event (the Content-Security-Policy blocked a script, a style, an image…),
# an uncaught exception, or an error on the console. A test that saw any fails.
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                " at " + e.sourceFile + ":" + e.lineNumber + " (" + (e.sample || "") + ")");
});
"""


def watch_for_errors(context) -> list[str]:
    """Collect CSP violations, uncaught exceptions and console errors of every page of `context`."""
    problems: list[str] = []
    context.add_init_script(_REPORT_VIOLATIONS)

    def on_console(message) -> None:
        if message.type != "error":
            return
        page_url = message.page.url if message.page else "?"
        # A refused form is answered 4xx by design (400 with the errors beside the fields): the
        # page's own document is not a failure; any other resource answering so is.
        answered = message.text.startswith("Failed to load resource: the server responded with a status of 4")
        if answered and (message.location or {}).get("url") == page_url:
            return
        problems.append(f"{page_url}: {message.text}")

    def on_page(page) -> None:
        page.on("pageerror", lambda error: problems.append(f"{page.url}: uncaught {error}"))

    context.on("console", on_console)
    context.on("page", on_page)
    return problems


def assert_no_errors(problems: list[str]) -> None:
    assert not problems, "the browser reported:\n" + "\n".join(problems)


@pytest.fixture
def new_page(browser, live_server):
    contexts = []
    seen: list[list[str]] = []

    def open_page(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        seen.append(watch_for_errors(context))
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    assert_no_errors([problem for problems in seen for problem in problems])


def officer_sign_in(page, username: str, password: str | None = None) -> None:
    """Sign in on the platform's login page in the browser, the second step included: the first time
    an account that must use two-factor sign-in sets up its authenticator (and passes the recovery
    codes page), afterwards it types the current code — computed here as an authenticator app would."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import PASSWORD
    from tests.twofactor import code_for

    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if page.url.endswith("/accounts/login/enrol/"):
        device = TOTPDevice.objects.get(user__username=username, confirmed=False)
        page.fill("#id_code", code_for(device))
        with page.expect_navigation():
            page.click("button[type=submit]")
        with page.expect_navigation():
            page.click("[data-testid=recovery-continue]")
    elif page.url.endswith("/accounts/login/verify/"):
        page.fill("#id_code", code_for(TOTPDevice.objects.get(user__username=username, confirmed=True)))
        with page.expect_navigation():
            page.click("button[type=submit]")
