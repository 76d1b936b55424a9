import datetime as dt

import pytest
from django.utils import timezone

from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gonghui.members.services import member_create
from gonghui.orgs.models import Org, OrgEvent
from gonghui.orgs.selectors import OrgFilters, org_ancestors, org_list_visible_to
from gonghui.orgs.services import org_create, org_deactivate, org_move, org_update
from tests.conftest import member_data


def grassroots(code: str, **extra) -> dict:
    return {"name": f"{code}公司工会", "code": code, "kind": "grassroots", "region_code": "110105", **extra}


def test_paths_nest_and_subtree_is_one_range(tree):
    assert tree.union_a1.path.startswith(tree.street_a.path)
    assert tree.street_a.path.startswith(tree.district_a.path)
    assert tree.union_a1.depth == 4
    names = set(org_list_visible_to(actor=tree.officer_a).values_list("name", flat=True))
    assert names == {"朝阳区总工会", "望京街道工会", "望京科技公司工会", "望京物流联合工会"}


def test_create_validates_every_field_and_changes_nothing(tree):
    before = Org.objects.count()
    with pytest.raises(InvalidInput) as err:
        org_create(
            actor=tree.officer_a,
            parent=tree.street_a,
            data=grassroots("X1", region_code="999999", uscc="81110105MA01ABCD1X", contact_phone="abc"),
        )
    assert set(err.value.fields) == {"region_code", "uscc", "contact_phone"}
    assert Org.objects.count() == before


def test_code_is_unique(tree):
    with pytest.raises(Conflict):
        org_create(actor=tree.officer_a, parent=tree.street_a, data=grassroots("BJ-HD-01"))


def test_federation_needs_level_and_grassroots_has_no_children(tree):
    with pytest.raises(InvalidInput) as err:
        org_create(
            actor=tree.officer_a,
            parent=tree.district_a,
            data={"name": "X", "code": "X2", "kind": "federation", "region_code": "110105"},
        )
    assert "federation_level" in err.value.fields
    with pytest.raises(InvalidInput):
        org_create(actor=tree.officer_a, parent=tree.union_a1, data=grassroots("X3"))


def test_officer_cannot_create_outside_scope_or_roots(tree):
    with pytest.raises(NotFound):
        org_create(actor=tree.officer_a, parent=tree.district_b, data=grassroots("X4"))
    with pytest.raises(Forbidden):
        org_create(actor=tree.officer_a, parent=None, data=grassroots("X5"))
    with pytest.raises(Forbidden):
        org_create(actor=tree.viewer_a, parent=tree.street_a, data=grassroots("X6"))
    assert not Org.objects.filter(code__in=["X4", "X5", "X6"]).exists()


def test_update_records_history(tree):
    org_update(actor=tree.officer_a, org=tree.union_a1, data={"chair_name": "李四", "term_end": dt.date(2027, 1, 1)})
    event = OrgEvent.objects.filter(org=tree.union_a1, kind="updated").get()
    assert event.changes == {"chair_name": ["", "李四"], "term_end": [None, "2027-01-01"]}
    assert event.actor == tree.officer_a


def test_move_subtree_rewrites_paths(tree):
    moved = org_move(actor=tree.city_admin, org=tree.street_a, new_parent=tree.district_b)
    a1 = Org.objects.get(pk=tree.union_a1.pk)
    assert moved.parent_id == tree.district_b.pk
    assert moved.path.startswith(tree.district_b.path) and a1.path.startswith(moved.path)
    assert a1.depth == 4
    assert [o.name for o in org_ancestors(actor=tree.city_admin, org=a1)] == [
        "北京市总工会",
        "海淀区总工会",
        "望京街道工会",
    ]
    # officer_a no longer sees the moved branch
    assert not org_list_visible_to(actor=tree.officer_a).filter(pk=a1.pk).exists()


def test_move_under_itself_is_rejected(tree):
    with pytest.raises(InvalidInput) as err:
        org_move(actor=tree.city_admin, org=tree.district_a, new_parent=tree.street_a)
    assert err.value.code == "move_into_self"
    assert Org.objects.get(pk=tree.street_a.pk).path == tree.street_a.path


def test_deactivate_only_when_empty(tree):
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    with pytest.raises(Conflict):
        org_deactivate(actor=tree.officer_a, org=tree.union_a1)
    with pytest.raises(Conflict):
        org_deactivate(actor=tree.officer_a, org=tree.street_a)
    org_deactivate(actor=tree.officer_a, org=tree.union_a2)
    assert not Org.objects.get(pk=tree.union_a2.pk).is_active
    assert tree.union_a2.pk not in org_list_visible_to(actor=tree.officer_a).values_list("pk", flat=True)


def test_term_filters(tree):
    today = timezone.localdate()
    org_update(actor=tree.officer_a, org=tree.union_a1, data={"term_end": today - dt.timedelta(days=1)})
    org_update(actor=tree.officer_a, org=tree.union_a2, data={"term_end": today + dt.timedelta(days=30)})
    org_update(actor=tree.officer_a, org=tree.street_a, data={"term_end": today + dt.timedelta(days=200)})
    overdue = org_list_visible_to(actor=tree.officer_a, filters=OrgFilters(term="overdue"))
    due = org_list_visible_to(actor=tree.officer_a, filters=OrgFilters(term="due_soon"))
    assert [o.code for o in overdue] == ["BJ-CY-WJ-01"]
    assert [o.code for o in due] == ["BJ-CY-WJ-02"]
    assert Org.objects.get(pk=tree.union_a1.pk).term_overdue


def test_search_by_pinyin_initials(tree):
    found = org_list_visible_to(actor=tree.city_admin, filters=OrgFilters(q="wjkj"))
    assert [o.name for o in found] == ["望京科技公司工会"]
