"""/api/v1/orgs over HTTP: list, detail, create, edit, move, deactivate, stats; scope and roles."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gonghui.core.uscc import build_uscc
from gonghui.members.services import member_change_status, member_create, member_transfer
from gonghui.orgs.models import Org, OrgEvent
from gonghui.orgs.services import org_update
from tests.api.conftest import error
from tests.conftest import member_data


def org_json(org: Org, **overrides) -> dict:
    """The expected JSON of an org as it is in the database now."""
    org.refresh_from_db()
    data = {
        "id": org.pk,
        "name": org.name,
        "code": org.code,
        "kind": org.kind,
        "federation_level": org.federation_level,
        "parent": org.parent_id,
        "region_code": org.region_code,
        "uscc": org.uscc,
        "chair_name": org.chair_name,
        "contact_phone": org.contact_phone,
        "founded_on": org.founded_on.isoformat() if org.founded_on else None,
        "term_start": org.term_start.isoformat() if org.term_start else None,
        "term_end": org.term_end.isoformat() if org.term_end else None,
        "is_active": org.is_active,
        "member_count": org.member_count,
        "term_overdue": org.term_overdue,
        "term_due_soon": org.term_due_soon,
        "depth": org.depth,
    }
    data.update(overrides)
    return data


def codes(response) -> list[str]:
    return [item["code"] for item in response.json()["items"]]


# ---- list ---------------------------------------------------------------------------------


def test_list_without_parent_is_every_union_in_scope(tree, api_as):
    response = api_as(tree.officer_a).get("/orgs")

    assert response.status_code == 200
    assert response.json() == {
        "items": [org_json(o) for o in (tree.district_a, tree.street_a, tree.union_a1, tree.union_a2)],
        "next_cursor": None,
    }


def test_superuser_lists_the_whole_tree(tree, api_as):
    response = api_as(tree.superuser).get("/orgs")

    assert codes(response) == ["BJ", "BJ-CY", "BJ-CY-WJ", "BJ-CY-WJ-01", "BJ-CY-WJ-02", "BJ-HD", "BJ-HD-01"]


def test_list_parent_kind_and_q_filters(tree, api_as):
    api = api_as(tree.city_admin)

    assert codes(api.get("/orgs", {"parent": tree.city.pk})) == ["BJ-CY", "BJ-HD"]
    assert codes(api.get("/orgs", {"parent": tree.street_a.pk})) == ["BJ-CY-WJ-01", "BJ-CY-WJ-02"]
    assert codes(api.get("/orgs", {"kind": "grassroots"})) == ["BJ-CY-WJ-01", "BJ-HD-01"]
    assert codes(api.get("/orgs", {"q": "望京"})) == ["BJ-CY-WJ", "BJ-CY-WJ-01", "BJ-CY-WJ-02"]
    assert codes(api.get("/orgs", {"q": "hdq"})) == ["BJ-HD"]
    assert codes(api.get("/orgs", {"q": "BJ-HD-01"})) == ["BJ-HD-01"]


def test_list_term_filters(tree, api_as):
    today = timezone.localdate()
    org_update(
        actor=tree.superuser,
        org=tree.union_a1,
        data={"term_start": today - dt.timedelta(days=5 * 365), "term_end": today - dt.timedelta(days=1)},
    )
    org_update(
        actor=tree.superuser,
        org=tree.union_a2,
        data={"term_start": today - dt.timedelta(days=4 * 365), "term_end": today + dt.timedelta(days=30)},
    )
    org_update(
        actor=tree.superuser,
        org=tree.union_b1,
        data={"term_start": today - dt.timedelta(days=365), "term_end": today + dt.timedelta(days=4 * 365)},
    )
    api = api_as(tree.city_admin)

    overdue = api.get("/orgs", {"term": "overdue"})
    due_soon = api.get("/orgs", {"term": "due_soon"})

    assert codes(overdue) == ["BJ-CY-WJ-01"]
    assert overdue.json()["items"][0]["term_overdue"] is True
    assert codes(due_soon) == ["BJ-CY-WJ-02"]
    assert due_soon.json()["items"][0]["term_due_soon"] is True


def test_list_pages_with_keyset_cursor(tree, api_as):
    api = api_as(tree.superuser)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        response = api.get("/orgs", {"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200
        body = response.json()
        assert len(body["items"]) <= 2
        seen += [item["code"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert pages == 4
    assert seen == ["BJ", "BJ-CY", "BJ-CY-WJ", "BJ-CY-WJ-01", "BJ-CY-WJ-02", "BJ-HD", "BJ-HD-01"]


def test_list_rejects_bad_params_in_the_error_shape(tree, api_as):
    api = api_as(tree.officer_a)

    bad_limit = api.get("/orgs", {"limit": 501})
    bad_kind = api.get("/orgs", {"kind": "club"})
    bad_parent = api.get("/orgs", {"parent": "abc"})
    bad_cursor = api.get("/orgs", {"cursor": "not-a-cursor"})

    assert bad_limit.status_code == 400
    assert bad_limit.json() == error("bad_request", "请求格式不正确", {"limit": ["不能大于500"]})
    assert bad_kind.status_code == 400
    assert bad_kind.json()["error"]["fields"] == {
        "kind": [
            "取值应为：'federation', 'township', 'industry_federation', 'regional_federation', "
            "'grassroots', 'joint_grassroots'"
        ]
    }
    assert bad_parent.status_code == 400
    assert bad_parent.json() == error("bad_request", "请求格式不正确", {"parent": ["应为整数"]})
    assert bad_cursor.status_code == 422
    assert bad_cursor.json() == error("bad_cursor", "分页游标无效", {"cursor": ["分页游标无效"]})


def test_list_children_of_an_out_of_scope_union_is_404(tree, api_as):
    response = api_as(tree.officer_a).get("/orgs", {"parent": tree.district_b.pk})

    assert response.status_code == 404
    assert response.json() == error("not_found", "工会组织不存在")


# ---- detail -------------------------------------------------------------------------------


def test_detail_exact_json(tree, api_as):
    response = api_as(tree.officer_a).get(f"/orgs/{tree.union_a1.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": tree.union_a1.pk,
        "name": "望京科技公司工会",
        "code": "BJ-CY-WJ-01",
        "kind": "grassroots",
        "federation_level": "",
        "parent": tree.street_a.pk,
        "region_code": "110105",
        "uscc": "",
        "chair_name": "",
        "contact_phone": "",
        "founded_on": None,
        "term_start": None,
        "term_end": None,
        "is_active": True,
        "member_count": 0,
        "term_overdue": False,
        "term_due_soon": False,
        "depth": 4,
    }


def test_sibling_branch_gets_404_for_every_org_route(tree, api_as):
    api = api_as(tree.officer_b)
    pk = tree.union_a1.pk
    before = org_json(tree.union_a1)

    responses = [
        api.get(f"/orgs/{pk}"),
        api.get(f"/orgs/{pk}/stats"),
        api.patch(f"/orgs/{pk}", {"name": "改名"}),
        api.post(f"/orgs/{pk}/move", {"parent": tree.district_b.pk}),
        api.post(f"/orgs/{pk}/deactivate"),
        api.post(
            "/orgs",
            {"parent": tree.street_a.pk, "name": "新", "code": "NEW-1", "kind": "grassroots", "region_code": "110105"},
        ),
    ]

    for response in responses:
        assert response.status_code == 404
        assert response.json() == error("not_found", "工会组织不存在")
    assert org_json(tree.union_a1) == before
    assert not Org.objects.filter(code="NEW-1").exists()


# ---- create -------------------------------------------------------------------------------


def test_create_under_a_union_in_scope(tree, api_as):
    body = {
        "parent": tree.street_a.pk,
        "name": "望京餐饮公司工会",
        "code": "BJ-CY-WJ-03",
        "kind": "grassroots",
        "region_code": "110105",
        "uscc": build_uscc("81110105MA01ABCD2"),
        "chair_name": "李四",
        "contact_phone": "010-64701234",
        "founded_on": "2015-06-01",
        "term_start": "2021-06-01",
        "term_end": "2026-05-31",
    }

    response = api_as(tree.officer_a).post("/orgs", body)

    assert response.status_code == 201
    created = Org.objects.get(code="BJ-CY-WJ-03")
    assert response.json() == org_json(created)
    assert response.json() | {"id": 0} == {
        **body,
        "id": 0,
        "federation_level": "",
        "is_active": True,
        "member_count": 0,
        "term_overdue": created.term_overdue,
        "term_due_soon": created.term_due_soon,
        "depth": 4,
    }
    assert created.path.startswith(tree.street_a.path)
    assert list(created.events.values_list("kind", "actor")) == [("created", tree.officer_a.pk)]


def test_create_root_is_superuser_only(tree, api_as):
    body = {
        "parent": None,
        "name": "天津市总工会",
        "code": "TJ",
        "kind": "federation",
        "federation_level": "city",
        "region_code": "120000",
    }

    denied = api_as(tree.city_admin).post("/orgs", body)
    allowed = api_as(tree.superuser).post("/orgs", body)

    assert denied.status_code == 403
    assert denied.json() == error("forbidden", "只能在本级及下级工会下新建组织")
    assert allowed.status_code == 201
    assert allowed.json()["parent"] is None
    assert allowed.json()["depth"] == 1
    assert Org.objects.filter(code="TJ").count() == 1


def test_create_needs_parent_key_and_known_fields(tree, api_as):
    response = api_as(tree.officer_a).post(
        "/orgs", {"name": "x", "code": "X-1", "kind": "grassroots", "region_code": "110105", "colour": "red"}
    )

    assert response.status_code == 400
    assert response.json() == error(
        "bad_request", "请求格式不正确", {"parent": ["此项为必填项"], "colour": ["不支持此字段"]}
    )


def test_create_duplicate_code_is_409(tree, api_as):
    body = {
        "parent": tree.street_a.pk,
        "name": "另一个工会",
        "code": "BJ-CY-WJ-01",
        "kind": "grassroots",
        "region_code": "110105",
    }

    response = api_as(tree.officer_a).post("/orgs", body)

    assert response.status_code == 409
    assert response.json() == error("duplicate_code", "组织代码 BJ-CY-WJ-01 已被使用", {"code": ["组织代码已被使用"]})
    assert Org.objects.filter(name="另一个工会").count() == 0


def test_create_invalid_values_are_422_with_fields(tree, api_as):
    body = {
        "parent": tree.street_a.pk,
        "name": "坏数据工会",
        "code": "BAD-1",
        "kind": "grassroots",
        "region_code": "999999",
        "uscc": "91110105MA01ABCD10",
    }

    response = api_as(tree.officer_a).post("/orgs", body)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert set(response.json()["error"]["fields"]) == {"region_code", "uscc"}
    assert not Org.objects.filter(code="BAD-1").exists()


def test_viewer_cannot_create(tree, api_as):
    body = {
        "parent": tree.street_a.pk,
        "name": "只读新建",
        "code": "RO-1",
        "kind": "grassroots",
        "region_code": "110105",
    }

    response = api_as(tree.viewer_a).post("/orgs", body)

    assert response.status_code == 403
    assert response.json() == error("forbidden", "只读账号不能修改数据")
    assert not Org.objects.filter(code="RO-1").exists()


# ---- edit ---------------------------------------------------------------------------------


def test_patch_changes_only_the_given_fields(tree, api_as):
    response = api_as(tree.officer_a).patch(
        f"/orgs/{tree.union_a1.pk}", {"chair_name": "王五", "term_start": "2022-01-01", "term_end": "2027-01-01"}
    )

    assert response.status_code == 200
    assert response.json() == org_json(tree.union_a1, chair_name="王五", term_start="2022-01-01", term_end="2027-01-01")
    event = OrgEvent.objects.filter(org=tree.union_a1, kind="updated").get()
    assert event.changes == {
        "chair_name": ["", "王五"],
        "term_start": [None, "2022-01-01"],
        "term_end": [None, "2027-01-01"],
    }


def test_patch_with_another_parent_points_to_move(tree, api_as):
    response = api_as(tree.officer_a).patch(f"/orgs/{tree.union_a1.pk}", {"parent": tree.district_a.pk})

    assert response.status_code == 422
    assert response.json() == error("use_move", "调整上级工会请使用“移动”操作", {"parent": ["请使用移动操作"]})


def test_patch_bad_term_is_422_and_changes_nothing(tree, api_as):
    before = org_json(tree.union_a1)

    response = api_as(tree.officer_a).patch(
        f"/orgs/{tree.union_a1.pk}", {"term_start": "2022-01-01", "term_end": "2021-01-01"}
    )

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"term_end": ["换届日期应晚于本届开始日期"]}
    assert org_json(tree.union_a1) == before


def test_viewer_cannot_patch(tree, api_as):
    before = org_json(tree.union_a1)

    response = api_as(tree.viewer_a).patch(f"/orgs/{tree.union_a1.pk}", {"name": "改名"})

    assert response.status_code == 403
    assert response.json() == error("forbidden", "只读账号不能修改数据")
    assert org_json(tree.union_a1) == before


# ---- move and deactivate ------------------------------------------------------------------


def test_move_a_subtree(tree, api_as):
    response = api_as(tree.city_admin).post(f"/orgs/{tree.street_a.pk}/move", {"parent": tree.district_b.pk})

    assert response.status_code == 200
    assert response.json() == org_json(tree.street_a, parent=tree.district_b.pk, depth=3)
    tree.union_a1.refresh_from_db()
    assert tree.union_a1.path.startswith(tree.district_b.path)
    # Lists are in id order, not tree order.
    assert codes(api_as(tree.officer_b).get("/orgs")) == ["BJ-CY-WJ", "BJ-CY-WJ-01", "BJ-CY-WJ-02", "BJ-HD", "BJ-HD-01"]
    assert api_as(tree.officer_a).get(f"/orgs/{tree.street_a.pk}").status_code == 404


def test_move_into_own_subtree_is_422(tree, api_as):
    before = org_json(tree.street_a)

    response = api_as(tree.city_admin).post(f"/orgs/{tree.district_a.pk}/move", {"parent": tree.street_a.pk})

    assert response.status_code == 422
    assert response.json() == error(
        "move_into_self", "不能移动到自身或其下级工会之下", {"parent": ["不能移动到自身或下级之下"]}
    )
    assert org_json(tree.street_a) == before


def test_move_under_an_out_of_scope_union_is_404(tree, api_as):
    response = api_as(tree.officer_a).post(f"/orgs/{tree.union_a1.pk}/move", {"parent": tree.district_b.pk})

    assert response.status_code == 404
    tree.union_a1.refresh_from_db()
    assert tree.union_a1.parent_id == tree.street_a.pk


def test_viewer_cannot_move(tree, api_as):
    response = api_as(tree.viewer_a).post(f"/orgs/{tree.union_a2.pk}/move", {"parent": tree.district_a.pk})

    assert response.status_code == 403
    tree.union_a2.refresh_from_db()
    assert tree.union_a2.parent_id == tree.street_a.pk


def test_deactivate_empty_union_and_refuse_a_union_with_members(tree, api_as):
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    api = api_as(tree.officer_a)

    empty = api.post(f"/orgs/{tree.union_a2.pk}/deactivate")
    busy = api.post(f"/orgs/{tree.union_a1.pk}/deactivate")

    assert empty.status_code == 200
    assert empty.json() == org_json(tree.union_a2, is_active=False)
    assert busy.status_code == 409
    assert busy.json() == error("org_not_empty", "该工会仍有会员，不能撤销")
    assert Org.objects.get(pk=tree.union_a1.pk).is_active is True
    assert codes(api.get("/orgs", {"parent": tree.street_a.pk})) == ["BJ-CY-WJ-01"]
    assert codes(api.get("/orgs", {"parent": tree.street_a.pk, "include_inactive": "true"})) == [
        "BJ-CY-WJ-01",
        "BJ-CY-WJ-02",
    ]


# ---- stats --------------------------------------------------------------------------------


def test_stats_count_the_whole_subtree(tree, api_as):
    officer = tree.officer_a
    member_create(
        actor=officer,
        data=member_data(tree.union_a1, seq=1, is_migrant_worker=True, new_employment_form="delivery_rider"),
    )
    moving = member_create(actor=officer, data=member_data(tree.union_a1, seq=2, new_employment_form="courier"))
    retained = member_create(actor=officer, data=member_data(tree.union_a1, seq=3, is_migrant_worker=True))
    member_change_status(actor=officer, member=retained, status="retained")
    member_create(actor=officer, data=member_data(tree.union_a2, seq=4, is_migrant_worker=True))
    leaving = member_create(actor=officer, data=member_data(tree.union_a2, seq=5))
    member_change_status(actor=officer, member=leaving, status="withdrawn")
    member_transfer(actor=officer, member=moving, to_org=tree.union_a2)
    member_create(
        actor=tree.officer_b,
        data=member_data(tree.union_b1, seq=6, is_migrant_worker=True, new_employment_form="truck_driver"),
    )

    district = api_as(tree.officer_a).get(f"/orgs/{tree.district_a.pk}/stats")
    city = api_as(tree.city_admin).get(f"/orgs/{tree.city.pk}/stats")
    union = api_as(tree.officer_a1).get(f"/orgs/{tree.union_a1.pk}/stats")

    assert district.status_code == 200
    assert district.json() == {
        "members_by_status": {"active": 3, "retained": 1, "transferred": 1, "withdrawn": 1, "deceased": 0},
        "migrant_workers": 2,
        "new_employment_by_category": {
            "delivery_rider": 1,
            "ride_hailing_driver": 0,
            "courier": 1,
            "truck_driver": 0,
            "domestic_worker": 0,
            "other_platform": 0,
        },
        "unions_by_kind": {
            "federation": 1,
            "township": 1,
            "industry_federation": 0,
            "regional_federation": 0,
            "grassroots": 1,
            "joint_grassroots": 1,
        },
    }
    assert city.json() == {
        "members_by_status": {"active": 4, "retained": 1, "transferred": 1, "withdrawn": 1, "deceased": 0},
        "migrant_workers": 3,
        "new_employment_by_category": {
            "delivery_rider": 1,
            "ride_hailing_driver": 0,
            "courier": 1,
            "truck_driver": 1,
            "domestic_worker": 0,
            "other_platform": 0,
        },
        "unions_by_kind": {
            "federation": 3,
            "township": 1,
            "industry_federation": 0,
            "regional_federation": 0,
            "grassroots": 2,
            "joint_grassroots": 1,
        },
    }
    assert union.json()["members_by_status"] == {
        "active": 1,
        "retained": 1,
        "transferred": 1,
        "withdrawn": 0,
        "deceased": 0,
    }
    assert union.json()["unions_by_kind"]["grassroots"] == 1
