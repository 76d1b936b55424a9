"""The officers' shell in a real browser: one line of header at desktop widths, in Chinese and in
English, for each kind of officer; the menu button on a phone; the search box; nothing sideways."""

from __future__ import annotations

import re

import pytest

from gonghui.accounts.services import officer_create
from gonghui.orgs.services import org_create
from tests.assistance.support import grant
from tests.browser import PHONE, officer_sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e

WIDTHS = (1280, 1366, 1920)
HEADER_MAX = 64  # px: one line of header
LONG_UNION = "北京市朝阳区望京街道新就业形态劳动者联合工会委员会"

# Header text that wraps shows more than one line box; a label cut short by an ellipsis stays one.
_MEASURE = """() => {
  const header = document.querySelector("[data-testid=gh-header]");
  const walker = document.createTreeWalker(header, NodeFilter.SHOW_TEXT);
  const wrapped = [];
  let labels = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    if (lines.size === 0) continue;  // hidden (a closed menu)
    labels += 1;
    if (lines.size > 1) wrapped.push(node.textContent.trim());
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    header: header.getBoundingClientRect().height,
    wrapped: wrapped,
    labels: labels,
  };
}"""


@pytest.fixture
def cast(tree):
    """One officer of each kind: the city's administrator, a grassroots officer (at a union with a
    long name), an assistance officer and a read-only officer."""
    long_union = org_create(
        actor=tree.superuser,
        parent=tree.street_a,
        data={"name": LONG_UNION, "code": "BJ-CY-WJ-09", "kind": "joint_grassroots", "region_code": "110105"},
    )
    grassroots = officer_create(
        actor=tree.superuser, username="grassroots_long", password=PASSWORD, org=long_union, role="officer"
    )
    grant(tree, tree.officer_a)
    return {
        "city-admin": tree.city_admin,
        "grassroots": grassroots,
        "assistance": tree.officer_a,
        "read-only": tree.viewer_a,
    }


def open_page(new_page, viewport):
    page = new_page(viewport)
    # The machine running the suite may be busy: a first page can take longer than the usual 15 s.
    page.set_default_navigation_timeout(60_000)
    return page


_WIDE = """() => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))
  .slice(0, 8)"""


def measure(page) -> dict:
    return page.evaluate(_MEASURE)


def assert_one_line(page, where: str) -> dict:
    seen = measure(page)
    assert seen["scrollWidth"] <= seen["innerWidth"], f"{where}: page wider than the window {seen}"
    assert seen["header"] < HEADER_MAX, f"{where}: header {seen['header']} px tall"
    assert not seen["wrapped"], f"{where}: labels wrap {seen['wrapped']}"
    assert seen["labels"] >= 3, f"{where}: {seen}"
    return seen


@pytest.mark.parametrize("role", ["city-admin", "grassroots", "assistance", "read-only"])
def test_header_is_one_line_at_desktop_widths_in_both_languages(cast, role, new_page, shots_dir):
    user = cast[role]
    page = open_page(new_page, {"width": 1366, "height": 860})
    officer_sign_in(page, user.username)
    page.wait_for_url(re.compile(r"/$"))
    for language in ("zh", "en"):
        if language == "en":
            with page.expect_navigation():
                page.click("button[name=language][value=en]")
            assert page.locator("html").get_attribute("lang") == "en"
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 860})
            for path in ("/", "/members/"):
                page.goto(path)
                assert_one_line(page, f"{role} {language} {width} {path}")
                assert page.locator("[data-testid=nav-me]").is_visible()
                assert page.locator("[data-testid=nav-role]").last.is_visible()
                assert page.locator("[data-testid=nav-search]").is_visible()
            page.screenshot(path=str(shots_dir / f"shell-{role}-{language}-{width}.png"))
    # The union's whole name is in the title when it is cut short.
    title = page.get_attribute("[data-testid=nav-me]", "title") or ""
    assert user.org.name in title


def test_phone_menu_opens_and_reaches_a_page(cast, new_page, shots_dir):
    page = open_page(new_page, PHONE)
    officer_sign_in(page, "grassroots_long")
    page.wait_for_url(re.compile(r"/$"))
    seen = measure(page)
    assert seen["scrollWidth"] <= PHONE["width"] and seen["header"] < HEADER_MAX, seen
    assert page.locator("[data-testid=nav-me-compact] [data-testid=nav-role]").is_visible()
    page.screenshot(path=str(shots_dir / "shell-phone-closed.png"))
    page.click(".navbar-toggler")
    page.locator("#gh-nav.show").wait_for()
    page.click("[data-testid=nav-members] > a")
    page.locator("[data-testid=nav-members-list]").wait_for(state="visible")
    page.screenshot(path=str(shots_dir / "shell-phone-menu.png"), full_page=True)
    wide = page.evaluate(_WIDE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], wide
    page.click("[data-testid=nav-members-list]")
    page.wait_for_url(re.compile(r"/members/$"))
    assert "会员名册" in page.text_content("[data-testid=breadcrumbs]")


def test_header_search_finds_within_scope(cast, tree, new_page, shots_dir):
    page = open_page(new_page, {"width": 1280, "height": 860})
    officer_sign_in(page, tree.officer_a.username)
    page.wait_for_url(re.compile(r"/$"))
    page.fill("[data-testid=nav-search]", "wj")
    with page.expect_navigation():
        page.press("[data-testid=nav-search]", "Enter")
    assert "/search/?q=wj" in page.url
    unions = page.text_content("[data-testid=search-unions]") or ""
    assert "望京街道工会" in unions and "中关村" not in unions
    page.screenshot(path=str(shots_dir / "shell-search.png"), full_page=True)


def test_with_every_module_registered_the_header_still_fits(cast, new_page, shots_dir, monkeypatch):
    """When the five modules to come register their pages the header has nine groups: from 1400 px
    they stand in one line (in English too); below, they fold into the menu button."""
    from gonghui import nav

    def one_page(group: nav.NavGroup) -> nav.NavGroup:
        page = nav.NavItem(group.label, "orgs:tree", (f"/{group.key}/",), testid=f"nav-{group.key}-page")
        return nav.NavGroup(group.key, group.label, (page,), group.testid)

    monkeypatch.setattr(nav, "GROUPS", tuple(g if g.items else one_page(g) for g in nav.GROUPS))
    page = open_page(new_page, {"width": 1920, "height": 860})
    officer_sign_in(page, cast["assistance"].username)
    page.wait_for_url(re.compile(r"/$"))
    with page.expect_navigation():
        page.click("button[name=language][value=en]")
    for width in (1400, 1920):
        page.set_viewport_size({"width": width, "height": 860})
        page.goto("/members/")
        assert_one_line(page, f"nine groups {width}")
        assert page.locator("[data-testid=nav-assessment]").is_visible()
        page.screenshot(path=str(shots_dir / f"shell-nine-groups-en-{width}.png"))
    page.set_viewport_size({"width": 1366, "height": 860})
    page.goto("/members/")
    assert_one_line(page, "nine groups 1366")
    assert page.locator(".navbar-toggler").is_visible()
    page.click(".navbar-toggler")
    page.locator("#gh-nav.show").wait_for()
    page.click("[data-testid=nav-funds] > a")
    page.locator("[data-testid=nav-funds-page]").wait_for(state="visible")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.screenshot(path=str(shots_dir / "shell-nine-groups-en-1366-menu.png"))
