"""Union tree pages: browser, detail, create/edit/move/deactivate, autocomplete, scope and roles."""

from __future__ import annotations

import datetime as dt

from gonghui.orgs.models import Org, OrgEvent
from gonghui.orgs.services import org_update
from tests.conftest import PASSWORD
from tests.pages.conftest import HTMX, text
from tests.twofactor import sign_in


def new_org_post(**overrides) -> dict:
    data = {"name": "望京新建公司工会", "code": "BJ-CY-WJ-09", "kind": "grassroots", "region_code": "110105"}
    data.update(overrides)
    return data


def test_login_page_then_home_counts(client, tree, member_a):
    response = sign_in(client, "officer_a", PASSWORD)  # password, then setting up the authenticator
    assert response.status_code == 200 and 'data-testid="recovery-codes"' in text(response)

    home = client.get("/")

    assert home.status_code == 200
    body = text(home)
    assert "朝阳区总工会" in body
    assert '<div class="value" data-testid="stat-active">1</div>' in body


def test_tree_shows_the_scope_root_and_loads_children_lazily(login, tree, member_a):
    client = login(tree.officer_a)

    response = client.get("/orgs/")

    body = text(response)
    assert response.status_code == 200
    assert "<title>组织架构 · 工会网上工作平台</title>" in body
    assert "朝阳区总工会" in body
    assert "海淀区总工会" not in body and "北京市总工会" not in body
    assert f'hx-get="/orgs/{tree.district_a.pk}/children/" hx-trigger="load"' in body
    assert "1 人" in body  # the subtree total under 朝阳区总工会

    children = client.get(f"/orgs/{tree.street_a.pk}/children/", **HTMX)

    assert children.status_code == 200
    assert "<html" not in text(children)
    assert "望京科技公司工会" in text(children) and "望京物流联合工会" in text(children)
    assert '<span class="badge gh-kind gh-kind-joint_grassroots">联合基层工会</span>' in text(children)


def test_tree_search_by_pinyin_initials_is_a_fragment_for_htmx(login, tree):
    client = login(tree.officer_a)

    fragment = client.get("/orgs/", {"q": "wjkj"}, **HTMX)
    page = client.get("/orgs/", {"q": "wjkj"})

    assert "<html" not in text(fragment)
    assert "共 1 个工会组织" in text(fragment)
    assert "望京科技公司工会" in text(fragment) and "望京物流联合工会" not in text(fragment)
    assert "<html" in text(page) and "共 1 个工会组织" in text(page)


def test_tree_filters_kind_and_term(login, tree):
    today = dt.date.today()
    org_update(
        actor=tree.officer_a,
        org=tree.union_a1,
        data={"term_start": today - dt.timedelta(days=1900), "term_end": today - dt.timedelta(days=5)},
    )
    org_update(
        actor=tree.officer_a,
        org=tree.union_a2,
        data={"term_start": today - dt.timedelta(days=1800), "term_end": today + dt.timedelta(days=30)},
    )
    client = login(tree.officer_a)

    overdue = text(client.get("/orgs/", {"term": "overdue"}))
    due_soon = text(client.get("/orgs/", {"term": "due_soon"}))
    townships = text(client.get("/orgs/", {"kind": "township"}))

    assert "望京科技公司工会" in overdue and "换届逾期" in overdue and "望京物流联合工会" not in overdue
    assert "望京物流联合工会" in due_soon and "即将换届" in due_soon and "望京科技公司工会" not in due_soon
    assert "共 1 个工会组织" in townships and "望京街道工会" in townships


def test_detail_shows_fields_breadcrumb_stats_members_and_history(login, tree, member_a):
    client = login(tree.officer_a)

    response = client.get(f"/orgs/{tree.union_a1.pk}/")

    body = text(response)
    assert response.status_code == 200
    assert "北京市朝阳区" in body
    assert f'<a href="/orgs/{tree.district_a.pk}/">朝阳区总工会</a>' in body
    assert f'<a href="/orgs/{tree.street_a.pk}/">望京街道工会</a>' in body
    assert "北京市总工会" not in body  # above the officer's scope
    assert '<div class="value" data-testid="org-stat-active">1</div>' in body
    assert 'id="org-chart-data"' in body and "vendor/echarts.min.js" in body
    assert member_a.id_number_masked in body and "张三" in body
    assert f'href="/members/?org={tree.union_a1.pk}" data-testid="org-members-link"' in body
    assert "创建" in body and "名称" in body  # the history (创建 event) in Chinese
    assert "不能撤销：" in body and "仍有会员" in body


def test_detail_history_shows_changes_in_chinese(login, tree):
    org_update(actor=tree.officer_a, org=tree.union_a1, data={"chair_name": "李四"})
    client = login(tree.officer_a)

    body = text(client.get(f"/orgs/{tree.union_a1.pk}/"))

    assert "修改" in body and "工会主席：" in body and "<span>李四</span>" in body


def test_sibling_branch_gets_404_in_chinese(login, tree):
    client = login(tree.officer_b)

    for url in (
        f"/orgs/{tree.union_a1.pk}/",
        f"/orgs/{tree.street_a.pk}/children/",
        f"/orgs/{tree.union_a1.pk}/edit/",
        f"/orgs/{tree.street_a.pk}/new/",
        f"/orgs/{tree.union_a1.pk}/move/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "页面不存在" in text(response) and "望京" not in text(response)


def test_create_child_union(login, tree):
    client = login(tree.officer_a)

    response = client.post(f"/orgs/{tree.street_a.pk}/new/", new_org_post())

    org = Org.objects.get(code="BJ-CY-WJ-09")
    assert response.status_code == 302 and response["Location"] == f"/orgs/{org.pk}/"
    assert org.parent_id == tree.street_a.pk and org.kind == "grassroots"
    assert list(OrgEvent.objects.filter(org=org).values_list("kind", flat=True)) == ["created"]


def test_create_with_bad_input_shows_chinese_errors_and_changes_nothing(login, tree):
    client = login(tree.officer_a)
    before = Org.objects.count()

    response = client.post(f"/orgs/{tree.street_a.pk}/new/", new_org_post(region_code="999999", code="坏"))

    body = text(response)
    assert response.status_code == 400
    assert "行政区划代码 999999 不在 GB/T 2260 代码表中" in body
    assert "组织代码应为2至32位字母、数字、下划线或连字符" in body
    assert Org.objects.count() == before


def test_create_with_duplicate_code_names_the_field(login, tree):
    client = login(tree.officer_a)

    response = client.post(f"/orgs/{tree.street_a.pk}/new/", new_org_post(code="BJ-CY-WJ-01"))

    assert response.status_code == 400
    assert "组织代码已被使用" in text(response)
    assert Org.objects.filter(code="BJ-CY-WJ-01").count() == 1


def test_edit_saves_through_the_service(login, tree):
    client = login(tree.officer_a)
    form = client.get(f"/orgs/{tree.union_a1.pk}/edit/")
    assert 'value="望京科技公司工会"' in text(form)

    response = client.post(
        f"/orgs/{tree.union_a1.pk}/edit/",
        new_org_post(name="望京科技公司工会委员会", code="BJ-CY-WJ-01", chair_name="王五"),
    )

    org = Org.objects.get(pk=tree.union_a1.pk)
    assert response.status_code == 302
    assert (org.name, org.chair_name) == ("望京科技公司工会委员会", "王五")
    assert OrgEvent.objects.filter(org=org, kind="updated").count() == 1


def test_viewer_sees_no_write_buttons_and_is_refused(login, tree):
    client = login(tree.viewer_a)
    before = Org.objects.count()

    detail = text(client.get(f"/orgs/{tree.union_a1.pk}/"))
    edit = client.get(f"/orgs/{tree.union_a1.pk}/edit/")
    create = client.post(f"/orgs/{tree.street_a.pk}/new/", new_org_post())
    deactivate = client.post(f"/orgs/{tree.union_a2.pk}/deactivate/")

    assert 'data-testid="org-actions"' not in detail and "编辑" not in detail
    assert edit.status_code == 403 and "无权操作" in text(edit) and "只读账号不能修改数据" in text(edit)
    assert create.status_code == 403 and deactivate.status_code == 403
    assert Org.objects.count() == before
    assert Org.objects.get(pk=tree.union_a2.pk).is_active


def test_move_under_a_union_in_scope(login, tree):
    client = login(tree.officer_a)

    page = client.get(f"/orgs/{tree.union_a2.pk}/move/")
    response = client.post(f"/orgs/{tree.union_a2.pk}/move/", {"parent": tree.district_a.pk})

    assert "data-picker" in text(page) and "/orgs/autocomplete/" in text(page)
    assert response.status_code == 302
    assert Org.objects.get(pk=tree.union_a2.pk).parent_id == tree.district_a.pk


def test_move_refusals_show_the_reason_and_change_nothing(login, tree):
    client = login(tree.officer_a)

    outside = client.post(f"/orgs/{tree.union_a2.pk}/move/", {"parent": tree.district_b.pk})
    into_self = client.post(f"/orgs/{tree.street_a.pk}/move/", {"parent": tree.street_a.pk})
    under_grassroots = client.post(f"/orgs/{tree.union_a2.pk}/move/", {"parent": tree.union_a1.pk})

    assert outside.status_code == 400 and "所选工会不存在或不在您的管理范围内" in text(outside)
    assert "海淀" not in text(outside)
    assert into_self.status_code == 400 and "不能移动到自身或下级之下" in text(into_self)
    assert under_grassroots.status_code == 400 and "基层工会不能有下级" in text(under_grassroots)
    assert Org.objects.get(pk=tree.union_a2.pk).parent_id == tree.street_a.pk
    assert Org.objects.get(pk=tree.street_a.pk).parent_id == tree.district_a.pk


def test_deactivate_only_when_empty(login, tree, member_a):
    client = login(tree.officer_a)

    refused = client.post(f"/orgs/{tree.union_a1.pk}/deactivate/", follow=True)
    done = client.post(f"/orgs/{tree.union_a2.pk}/deactivate/")

    assert "该工会仍有会员，不能撤销" in text(refused)
    assert Org.objects.get(pk=tree.union_a1.pk).is_active
    assert done.status_code == 302 and done["Location"] == f"/orgs/{tree.street_a.pk}/"
    assert not Org.objects.get(pk=tree.union_a2.pk).is_active


def test_autocomplete_lists_member_holding_unions_in_scope(login, tree):
    client = login(tree.officer_a)

    holding = text(client.get("/orgs/autocomplete/", {"q": "", "holds": "1"}, **HTMX))
    named = text(client.get("/orgs/autocomplete/", {"q": "wj"}, **HTMX))

    assert f'data-pick-id="{tree.union_a1.pk}" data-pick-label="望京科技公司工会"' in holding
    assert "望京物流联合工会" in holding
    assert "望京街道工会" not in holding and "中关村" not in holding
    assert "望京街道工会" in named and "中关村" not in named


def test_region_name_lookup(login, tree):
    client = login(tree.officer_a)

    assert "北京市朝阳区" in text(client.get("/orgs/region-name/", {"region_code": "110105"}))
    assert "未找到该行政区划代码" in text(client.get("/orgs/region-name/", {"region_code": "999999"}))


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(f"/orgs/{tree.union_a1.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/orgs/{tree.union_a1.pk}/"
