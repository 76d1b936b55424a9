"""The officer's flow in a real browser: login → search by pinyin initials → member detail →
import an XLSX and watch it finish. Screenshots of the main pages at 360px and desktop width."""

from __future__ import annotations

import re

import pytest
import xlsxwriter

from gonghui.accounts.models import AuditLog
from gonghui.members.imports import IMPORT_HEADERS
from gonghui.members.models import Member
from gonghui.members.services import member_create
from tests.browser import officer_sign_in
from tests.conftest import id_number, member_data
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def write_import_file(path) -> None:
    wb = xlsxwriter.Workbook(str(path))
    sheet = wb.add_worksheet("会员")
    sheet.write_row(0, 0, IMPORT_HEADERS)
    rows = [
        ["王小明", "", id_number(201), "13700137001", "汉族", "本科", "望京科技", "", "2022-05-01", "否", "无"],
        ["刘芳", "", id_number(202), "13700137002", "回族", "大专", "望京科技", "", "2023-09-15", "是", "快递员"],
    ]
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, row)
    wb.close()


def login(page, username: str = "officer_a") -> None:
    officer_sign_in(page, username)
    page.wait_for_url(re.compile(r"/$"))


def test_login_search_detail_import(live_server, new_page, tree, tmp_path, shots_dir):
    zhang = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=1, name="张三"))
    member_create(actor=tree.officer_a, data=member_data(tree.union_a2, seq=2, name="李四", phone="13900139000"))
    page = new_page(DESKTOP)

    # login → home with the subtree's counts
    login(page)
    assert page.locator("[data-testid=stat-active]").inner_text() == "2"
    page.screenshot(path=shots_dir / "home-desktop.png", full_page=True)

    # live search by pinyin initials (htmx swaps only the results)
    page.click("[data-testid=nav-members] > .dropdown-toggle")  # the 会员 group, then its roll
    page.click("[data-testid=nav-members-list]")
    page.fill("#id_q", "zs")
    page.wait_for_url(re.compile(r"/members/\?q=zs"))
    rows = page.locator("[data-testid=member-row]")
    rows.first.wait_for()
    assert rows.count() == 1
    assert "张三" in rows.first.inner_text()
    page.screenshot(path=shots_dir / "members-desktop.png", full_page=True)

    # member detail, then reveal the ID number in place (audited)
    rows.first.locator("a", has_text="张三").click()
    page.wait_for_url(f"**/members/{zhang.pk}/")
    assert page.locator("[data-testid=masked-id]").inner_text() == zhang.id_number_masked
    page.click("[data-testid=reveal-id]")
    assert page.locator("[data-testid=full-id]").inner_text() == id_number(1)
    assert AuditLog.objects.filter(action="reveal_id").count() == 1
    page.screenshot(path=shots_dir / "member-detail-desktop.png", full_page=True)

    # import an XLSX: pick the union through the autocomplete, upload, watch the job finish
    upload = tmp_path / "会员名单.xlsx"
    write_import_file(upload)
    page.goto("/members/import/")
    page.fill("#id_org_text", "wjkj")
    page.click(f"[data-pick-id='{tree.union_a1.pk}']")
    assert page.input_value("#id_org") == str(tree.union_a1.pk)
    page.set_input_files("#id_file", str(upload))
    page.click("[data-testid=import-submit]")
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    page.locator("[data-testid=job-state]", has_text="已完成").wait_for()
    assert page.locator("[data-testid=job-created]").inner_text() == "2"
    assert page.locator("[data-testid=job-errors]").inner_text() == "0"
    assert page.locator(".progress-bar").get_attribute("style") == "width: 100%"
    page.screenshot(path=shots_dir / "import-result-desktop.png", full_page=True)
    assert set(Member.objects.filter(org=tree.union_a1).values_list("name", flat=True)) == {"张三", "王小明", "刘芳"}


def test_main_pages_on_a_phone_and_a_desktop(live_server, new_page, tree, shots_dir):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=3, name="张三"))
    pages = {
        "home": "/",
        "orgs": "/orgs/",
        "org-detail": f"/orgs/{tree.union_a1.pk}/",
        "members": "/members/",
        "member-detail": f"/members/{member.pk}/",
        "member-edit": f"/members/{member.pk}/edit/",
        "import": "/members/import/",
    }
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_page(viewport)
        login(page)
        for name, url in pages.items():
            page.goto(url)
            page.wait_for_load_state("networkidle")
            # Nothing may overflow sideways on a phone.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{name} is {width}px wide at {viewport['width']}px"
            page.screenshot(path=shots_dir / f"{name}-{label}.png", full_page=True)
    # the lazily loaded tree opens on a phone too
    page = new_page(PHONE)
    login(page)
    page.goto("/orgs/")
    page.locator(".gh-node-name", has_text="望京街道工会").wait_for()
    page.click(f"[data-toggle-children='children-{tree.street_a.pk}']")
    page.locator(".gh-node-name", has_text="望京物流联合工会").wait_for()
