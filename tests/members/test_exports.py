import csv
import datetime as dt
import io

import pytest

from gonghui.accounts.models import AuditLog
from gonghui.core.errors import NotFound
from gonghui.members.exports import EXPORT_HEADERS, export_members_xlsx
from gonghui.members.selectors import MemberFilters
from gonghui.members.services import member_change_status, member_create
from tests.conftest import id_number, member_data
from tests.members.importfiles import read_xlsx


@pytest.fixture
def roll(tree):
    """Two members in union A1 (one withdrawn), one in union A2, one in union B1 (other district)."""
    a1 = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=1, name="张三"))
    a1_gone = member_create(
        actor=tree.officer_a,
        data=member_data(
            tree.union_a1,
            seq=2,
            name="李四",
            phone="13912345678",
            is_migrant_worker=True,
            new_employment_form="courier",
            education="",
        ),
    )
    member_change_status(actor=tree.officer_a, member=a1_gone, status="withdrawn")
    a2 = member_create(actor=tree.officer_a, data=member_data(tree.union_a2, seq=3, name="王五", phone=""))
    b1 = member_create(actor=tree.officer_b, data=member_data(tree.union_b1, seq=4, name="赵六"))
    return {"a1": a1, "a1_gone": a1_gone, "a2": a2, "b1": b1}


def export(actor, filters=None):
    out = io.BytesIO()
    count = export_members_xlsx(actor=actor, filters=filters or MemberFilters(), out=out)
    return count, read_xlsx(out.getvalue())


def test_export_writes_the_roll_in_scope_with_masked_ids(tree, roll):
    count, rows = export(tree.officer_a)

    assert count == 3
    assert rows[0] == list(EXPORT_HEADERS)
    assert len(rows) == 4
    by_name = {r[0]: dict(zip(EXPORT_HEADERS, r, strict=True)) for r in rows[1:]}
    assert set(by_name) == {"张三", "李四", "王五"}  # 赵六 is in the other district
    zhang = by_name["张三"]
    number = id_number(1)
    assert zhang == {
        "会员卡号": roll["a1"].card_number,
        "姓名": "张三",
        "性别": "男",
        "出生日期": dt.date(1990, 5, 17),
        "证件类型": "居民身份证",
        "证件号码": number[:6] + "********" + number[-4:],
        "手机号码": "13800138000",
        "民族": "汉族",
        "学历": "本科",
        "工作单位": "北京某科技有限公司",
        "单位统一社会信用代码": roll["a1"].employer_uscc,
        "所在工会": "望京科技公司工会",
        "组织代码": "BJ-CY-WJ-01",
        "入会日期": dt.date(2020, 3, 1),
        "会籍状态": "会员",
        "是否农民工": "否",
        "新就业形态": "无",
    }
    li = by_name["李四"]
    assert (li["会籍状态"], li["是否农民工"], li["新就业形态"], li["学历"], li["手机号码"]) == (
        "已退会",
        "是",
        "快递员",
        "",
        "13912345678",
    )
    assert by_name["王五"]["手机号码"] == ""
    plain = {id_number(seq) for seq in (1, 2, 3, 4)}
    assert not plain & {cell for r in rows for cell in r if isinstance(cell, str)}


def test_export_is_audited(tree, roll):
    export(tree.officer_a, MemberFilters(org_id=tree.union_a1.pk, status="active", q="110105199005171234"))

    log = AuditLog.objects.get(action="export")
    assert (log.actor_id, log.org_id) == (tree.officer_a.pk, tree.union_a1.pk)
    assert log.detail == {
        "what": "members",
        "rows": 0,
        "filters": {"org_id": tree.union_a1.pk, "status": "active", "q": "110105********1234"},
        "full_phone": True,
    }


def test_export_filtered_to_one_union(tree, roll):
    count, rows = export(tree.officer_a, MemberFilters(org_id=tree.union_a1.pk, status="active"))

    assert count == 1
    assert [r[0] for r in rows[1:]] == ["张三"]


def test_viewer_export_masks_phones(tree, roll):
    count, rows = export(tree.viewer_a)

    assert count == 3
    phones = {r[0]: r[EXPORT_HEADERS.index("手机号码")] for r in rows[1:]}
    assert phones == {"张三": "138****8000", "李四": "139****5678", "王五": ""}
    assert AuditLog.objects.get(action="export").detail["full_phone"] is False


def test_superuser_exports_everything(tree, roll):
    count, rows = export(tree.superuser)

    assert count == 4
    assert {r[0] for r in rows[1:]} == {"张三", "李四", "王五", "赵六"}
    assert AuditLog.objects.get(action="export").org_id is None


def test_export_of_a_union_out_of_scope_is_not_found(tree, roll):
    with pytest.raises(NotFound):
        export(tree.officer_a, MemberFilters(org_id=tree.union_b1.pk))

    assert not AuditLog.objects.filter(action="export").exists()


def test_export_to_a_path_and_an_empty_roll(tree, tmp_path):
    out = tmp_path / "roll.xlsx"

    count = export_members_xlsx(actor=tree.officer_a1, filters=MemberFilters(), out=str(out))

    assert count == 0
    assert read_xlsx(out) == [list(EXPORT_HEADERS)]


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_csv_export_holds_the_same_roll_in_scope_and_is_audited(tree, roll, client):
    client.force_login(tree.viewer_a)

    response = client.get("/members/export/", {"format": "csv", "org": tree.union_a1.pk})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
        and ".csv" in response["Content-Disposition"]
    )
    rows = csv_rows(response)
    assert rows[0] == list(EXPORT_HEADERS)
    by_name = {r[0]: dict(zip(EXPORT_HEADERS, r, strict=True)) for r in rows[1:]}
    assert set(by_name) == {"张三", "李四"}
    assert (by_name["张三"]["手机号码"], by_name["张三"]["出生日期"], by_name["李四"]["会籍状态"]) == (
        "138****8000",
        "1990-05-17",
        "已退会",
    )
    log = AuditLog.objects.get(action="export")
    assert (log.actor_id, log.org_id) == (tree.viewer_a.pk, tree.union_a1.pk)
    assert log.detail == {
        "what": "members",
        "rows": None,
        "filters": {"org_id": tree.union_a1.pk},
        "full_phone": False,
        "format": "csv",
    }


def test_csv_export_of_a_union_out_of_scope_is_not_found_and_not_audited(tree, roll, api_client_for):
    response = api_client_for(tree.officer_b).get("/api/v1/members/export", {"format": "csv", "org": tree.union_a1.pk})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not AuditLog.objects.filter(action="export").exists()


@pytest.fixture
def api_client_for(db):
    from django.test import Client

    from gonghui.accounts.services import token_issue

    return lambda user: Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)}")
