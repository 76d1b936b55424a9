"""The officers' shell: the navigation registry (what each account sees, what is current), the
breadcrumb trail, and the header's one search box with its results page, within the data scope."""

from __future__ import annotations

import re

from gonghui import nav
from gonghui.members.services import member_create
from gonghui.rights import services as rights_services
from gonghui.search.selectors import PER_KIND
from tests.assistance.support import grant
from tests.conftest import member_data


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def nav_testids(page: str) -> set[str]:
    return set(re.findall(r'data-testid="(nav-[a-z-]+)"', page))


def record_request(tree, org, title="望京欠薪"):
    return rights_services.request_record_call(
        actor=tree.superuser,
        data={
            "channel": "hotline",
            "requester_name": "甲测试员",
            "category": "wage_arrears",
            "title": title,
            "description": "反映欠薪",
            "handling_org": org.pk,
        },
    )


def test_each_account_sees_the_groups_it_may_use(client, tree):
    client.force_login(tree.city_admin)
    admin = nav_testids(text(client.get("/")))
    assert {"nav-orgs", "nav-accounts", "nav-members", "nav-import", "nav-rights", "nav-inbox"} <= admin
    assert "nav-assistance" not in admin  # no assistance right: the whole group is hidden

    client.force_login(tree.viewer_a)
    viewer = nav_testids(text(client.get("/")))
    assert {"nav-members", "nav-members-list", "nav-rights", "nav-supervision"} <= viewer
    assert not {"nav-import", "nav-accounts", "nav-assistance"} & viewer

    grant(tree, tree.officer_a1)
    client.force_login(tree.officer_a1)
    assisting = nav_testids(text(client.get("/")))
    assert {"nav-assistance", "nav-hardship", "nav-campaigns", "nav-medical-aid", "nav-import"} <= assisting
    assert "nav-accounts" not in assisting
    # The modules to come have their place in the registry, hidden while they register nothing.
    assert not {"nav-voice", "nav-democracy", "nav-funds", "nav-honours", "nav-assessment"} & assisting


def test_a_module_adds_its_page_with_one_entry(client, tree, monkeypatch):
    voice = nav.NavGroup(
        "voice", "职工之声", (nav.NavItem("意见建议", "orgs:tree", ("/orgs/",), testid="nav-suggestions"),), "nav-voice"
    )
    monkeypatch.setattr(nav, "GROUPS", (*nav.GROUPS[:4], voice))
    client.force_login(tree.officer_a)
    page = text(client.get("/orgs/"))
    assert 'data-testid="nav-voice"' in page and 'data-testid="nav-suggestions"' in page


def test_the_current_page_is_the_longest_prefix_and_leads_the_trail(client, tree):
    client.force_login(tree.officer_a)
    page = text(client.get("/rights/supervision/"))
    assert re.search(r'class="dropdown-item active" aria-current="page" href="/rights/supervision/"', page)
    assert 'class="dropdown-item active" aria-current="page" href="/rights/"' not in page
    trail = re.search(r'data-testid="breadcrumbs">(.*?)</nav>', page, re.S).group(1)
    assert "维权" in trail and "督办统计" in trail

    page = text(client.get("/members/import/"))
    assert re.search(r'class="dropdown-item active" aria-current="page" href="/members/import/"', page)
    assert text(client.get("/")).count("breadcrumb-item") == 0  # the home page has no trail


def test_module_pages_keep_their_own_trail_under_the_group(client, tree):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, name="甲测试员"))
    client.force_login(tree.officer_a)
    page = text(client.get(f"/members/{member.pk}/"))
    assert page.count('class="breadcrumb ') == 1  # one trail: the page's own, led by its group
    trail = re.search(r'<ol class="breadcrumb[^"]*">(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r'<li class="breadcrumb-item[^"]*"[^>]*>(?:<a [^>]*>)?([^<]+)', trail) == [
        "会员",
        "会员名册",
        "望京科技公司工会",
        "甲测试员",
    ]


def test_header_shows_union_and_role(client, tree):
    client.force_login(tree.viewer_a)
    page = text(client.get("/"))
    assert re.search(r'data-testid="nav-union">朝阳区总工会<', page)
    assert re.search(r'data-testid="nav-role">只读<', page)
    assert 'title="viewer_a · 朝阳区总工会 · 只读' in page


def test_search_finds_members_unions_and_requests_in_scope_only(client, tree):
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=1, name="甲测试员"))
    member_create(actor=tree.officer_b, data=member_data(tree.union_b1, seq=2, name="甲乙丙"))
    request_a = record_request(tree, tree.union_a1)
    request_b = record_request(tree, tree.union_b1, title="中关村欠薪")

    client.force_login(tree.officer_a)
    page = text(client.get("/search/", {"q": "甲"}))
    assert "甲测试员" in page and "甲乙丙" not in page
    assert 'data-testid="search-members-all"' in page and 'href="/members/?q=%E7%94%B2"' in page
    page = text(client.get("/search/", {"q": "wj"}))  # pinyin initials of 望京…
    assert "望京街道工会" in page and "望京科技公司工会" in page and "中关村" not in page
    page = text(client.get("/search/", {"q": request_a.reference}))
    assert 'data-testid="search-requests"' in page and request_a.reference in page
    page = text(client.get("/search/", {"q": request_b.reference}))
    assert f"/rights/{request_b.pk}/" not in page and 'data-testid="search-empty"' in page

    client.force_login(tree.officer_b)
    page = text(client.get("/search/", {"q": "望京"}))
    assert 'data-testid="search-empty"' in page
    assert "望京科技公司工会" not in page and "甲测试员" not in page


def test_search_groups_are_capped_with_a_link_to_the_full_list(client, tree):
    for seq in range(PER_KIND + 2):
        member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=seq + 1, name=f"王{seq:02d}"))
    client.force_login(tree.officer_a)
    page = text(client.get("/search/", {"q": "王"}))
    assert page.count('data-testid="member-row"') == PER_KIND
    assert "还有更多，到会员名册查看全部" in page


def test_search_needs_an_officer_and_reads_only(client, tree):
    assert client.get("/search/", {"q": "望京"}).status_code == 302  # to the sign-in page
    client.force_login(tree.officer_a)
    assert client.post("/search/", {"q": "望京"}).status_code == 405
    page = text(client.get("/search/", {"q": "  "}))
    assert "可按会员姓名" in page
