"""Search as officers type (the member search box, page and API; the union pickers): surname
readings, spaces and full-width characters, last four digits, masked values copied from a list,
initials of any part of a union's name."""

from __future__ import annotations

import pytest
from django.test import Client

from gonghui.accounts.services import token_issue
from gonghui.joining.selectors import union_search
from gonghui.members import search as member_search
from gonghui.members.imports import import_members_file
from gonghui.members.models import Member
from gonghui.members.services import member_create, member_update
from gonghui.orgs.services import org_create
from tests.conftest import id_number, member_data
from tests.members.importfiles import person, write_csv

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def add(tree, seq: int, name: str, *, org=None, phone: str | None = None) -> Member:
    data = member_data(org or tree.union_a1, seq=seq, name=name, phone=phone or f"139{seq:08d}")
    return member_create(actor=tree.superuser, data=data)


def api_names(user, q: str) -> list[str]:
    response = Client().get("/api/v1/members", {"q": q}, HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)}")
    assert response.status_code == 200
    return sorted(item["name"] for item in response.json()["items"])


def page(client, q: str) -> str:
    return client.get("/members/", {"q": q}, **HTMX).content.decode()


# ---- surname readings -------------------------------------------------------------------------


def test_zeng_guofan_is_found_by_the_surname_reading_and_the_everyday_one(tree, client):
    add(tree, 1, "曾国藩")
    add(tree, 2, "陈国富")  # cgf too, by its only reading
    assert api_names(tree.officer_a, "zgf") == ["曾国藩"]
    assert api_names(tree.officer_a, "cgf") == ["曾国藩", "陈国富"]
    assert api_names(tree.officer_a, "zg") == ["曾国藩"]
    client.force_login(tree.officer_a)
    assert "曾国藩" in page(client, "zgf") and "陈国富" not in page(client, "zgf")


@pytest.mark.parametrize(
    ("name", "surname_reading", "everyday_reading"),
    [
        ("单雄信", "sxx", "dxx"),
        ("区志明", "ozm", "qzm"),
        ("解缙", "xj", "jj"),
        ("仇英", "qy", "cy"),
        ("查良镛", "zly", "cly"),
        ("覃小燕", "qxy", "txy"),
        ("翟志刚", "zzg", "dzg"),
        ("朴正熙", "pzx", None),
        ("盖聂", "gn", None),
        ("尉迟恭", "ycg", None),
        ("万俟卨", "mqx", None),
        ("长孙无忌", "zswj", None),
    ],
)
def test_polyphonic_and_compound_surnames(tree, name, surname_reading, everyday_reading):
    member = add(tree, 3, name)
    assert (member.name_initials, member.name_initials_alt) == (surname_reading, everyday_reading or "")
    assert api_names(tree.officer_a, surname_reading) == [name]
    if everyday_reading:
        assert api_names(tree.officer_a, everyday_reading) == [name]


def test_renaming_recomputes_both_readings(tree):
    member = add(tree, 4, "曾国藩")
    member = member_update(actor=tree.superuser, member=member, data={"name": "张国藩"})
    assert (member.name_initials, member.name_initials_alt) == ("zgf", "")
    assert api_names(tree.officer_a, "cgf") == []


# ---- spaces and full-width ------------------------------------------------------------------


def test_spaces_and_full_width_characters_are_ignored(tree, client):
    add(tree, 5, "卜军", phone="13900001111")
    add(tree, 6, "曾国藩")
    assert api_names(tree.officer_a, "卜 军") == ["卜军"]
    assert api_names(tree.officer_a, "卜\u3000军") == ["卜军"]  # ideographic space
    assert api_names(tree.officer_a, "ｚｇｆ") == ["曾国藩"]
    assert api_names(tree.officer_a, "z g f") == ["曾国藩"]
    assert api_names(tree.officer_a, "１３９ ００００ １１１１") == ["卜军"]
    client.force_login(tree.officer_a)
    assert "卜军" in page(client, "卜 军")


# ---- last four digits -----------------------------------------------------------------------


def test_last_four_digits_with_a_name_narrow_to_that_person(tree, client):
    zhang = add(tree, 7, "张三", phone="13812348038")
    add(tree, 8, "李四", phone="13987658038")  # same last four
    add(tree, 9, "张伟", phone="13900009999")
    assert api_names(tree.officer_a, "张三 8038") == ["张三"]
    assert api_names(tree.officer_a, "张8038") == ["张三"]
    assert api_names(tree.officer_a, "zs8038") == ["张三"]
    id_last4 = zhang.id_number_masked[-4:]
    assert zhang.id_last4 == id_last4 and zhang.phone_last4 == "8038"
    assert api_names(tree.officer_a, f"张三 {id_last4}") == ["张三"]
    client.force_login(tree.officer_a)
    body = page(client, "张三 8038")
    assert "本页 1 人" in body and 'data-testid="search-notice"' not in body


def test_last_four_digits_alone_are_capped_with_a_notice(tree, client, monkeypatch):
    for seq, name in ((10, "王一"), (11, "王二"), (12, "王三")):
        add(tree, seq, name, phone=f"13{seq:05d}0{seq}8038"[:7] + "8038")
    add(tree, 13, "赵四", phone="13900001234")
    assert api_names(tree.officer_a, "8038") == ["王一", "王三", "王二"]
    monkeypatch.setattr(member_search, "LAST4_ALONE_CAP", 2)
    monkeypatch.setattr("gonghui.members.selectors.LAST4_ALONE_CAP", 2)
    assert len(capped := api_names(tree.officer_a, "8038")) == 2 and set(capped) < {"王一", "王二", "王三"}
    client.force_login(tree.officer_a)
    body = page(client, "8038")
    assert "本页 2 人" in body
    assert "仅凭后四位查找，最多显示 2 人" in body and 'data-testid="search-notice"' in body


def test_last_four_digits_stay_within_the_officers_scope(tree):
    add(tree, 14, "张三", phone="13812348038")
    add(tree, 15, "张三", org=tree.union_b1, phone="13712348038")
    assert api_names(tree.officer_b, "8038") == ["张三"]
    assert api_names(tree.officer_b, "张三8038") == ["张三"]
    response = Client().get(
        "/api/v1/members", {"q": "8038"}, HTTP_AUTHORIZATION=f"Bearer {token_issue(user=tree.officer_b)}"
    )
    assert [i["org"] for i in response.json()["items"]] == [tree.union_b1.pk]


# ---- masked values copied from a list ---------------------------------------------------------


def test_a_masked_phone_or_id_number_copied_from_a_list_finds_its_person(tree, client):
    zhang = add(tree, 16, "张三", phone="14512348038")
    add(tree, 17, "李四", phone="13912348038")  # same last four, another prefix
    other_id = add(tree, 18, "王五", phone="13900000018")
    assert api_names(tree.officer_a, "145****8038") == ["张三"]
    assert api_names(tree.officer_a, "145 **** 8038") == ["张三"]
    assert api_names(tree.officer_a, zhang.id_number_masked) == ["张三"]
    assert api_names(tree.officer_a, other_id.id_number_masked) == ["王五"]
    assert zhang.id_number_masked == id_number(16)[:6] + "********" + id_number(16)[-4:]
    client.force_login(tree.officer_a)
    listing = client.get("/members/").content.decode()
    assert "145****8038" in listing  # what the officer copies
    assert "张三" in page(client, "145****8038") and "李四" not in page(client, "145****8038")


# ---- imports fill the columns ------------------------------------------------------------------


def test_an_import_fills_the_search_columns(tree, tmp_path):
    path = write_csv(tmp_path / "roll.csv", [person(21, 姓名="曾国藩", 手机号码="14512348038")])
    result = import_members_file(actor=tree.officer_a, org=tree.union_a1, path=path, skip_invalid=False)
    assert result.created == 1
    member = Member.objects.get(name="曾国藩")
    assert (member.name_initials, member.name_initials_alt) == ("zgf", "cgf")
    assert (member.phone_last4, member.id_last4) == ("8038", id_number(21)[-4:])
    assert api_names(tree.officer_a, "cgf 8038") == ["曾国藩"]


# ---- union pickers ------------------------------------------------------------------------------


def test_union_pickers_match_initials_of_any_part_of_the_name(tree, client):
    org_create(
        actor=tree.superuser,
        parent=tree.street_a,
        data={"name": "杭州丰安包装有限公司工会", "code": "BJ-CY-WJ-09", "kind": "grassroots", "region_code": "110105"},
    )
    client.force_login(tree.officer_a)
    for q in ("fabz", "hzfabz", "丰安包装", "fa bz"):
        body = client.get("/orgs/autocomplete/", {"q": q}).content.decode()
        assert "杭州丰安包装有限公司工会" in body, q
        body = client.get("/orgs/autocomplete/", {"q": q, "holds": "1"}).content.decode()
        assert "杭州丰安包装有限公司工会" in body, q
    assert "杭州丰安包装有限公司工会" not in client.get("/orgs/autocomplete/", {"q": "f"}).content.decode()
    response = Client().get(
        "/api/v1/orgs", {"q": "fabz"}, HTTP_AUTHORIZATION=f"Bearer {token_issue(user=tree.officer_a)}"
    )
    assert [o["name"] for o in response.json()["items"]] == ["杭州丰安包装有限公司工会"]
    # a worker's union finder (phone portal) too
    assert [o.name for o in union_search(q="fabz")] == ["杭州丰安包装有限公司工会"]
