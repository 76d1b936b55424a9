"""/api/v1/members over HTTP: the roll, search, edits, transfers, status, reveal, history; scope and roles."""

from __future__ import annotations

from gonghui.accounts.models import AuditLog
from gonghui.core.idcard import mask_id_number
from gonghui.members.models import Member, MemberEvent, Transfer
from gonghui.members.services import member_change_status, member_create
from gonghui.orgs.models import Org
from tests.api.conftest import error
from tests.conftest import id_number, member_data, uscc


def member_json(member: Member, *, detail: bool = False) -> dict:
    """The expected JSON of a member as it is in the database now."""
    member.refresh_from_db()
    data = {
        "id": member.pk,
        "name": member.name,
        "id_type": member.id_type,
        "id_number_masked": member.id_number_masked,
        "gender": member.gender,
        "birth_date": member.birth_date.isoformat(),
        "phone_masked": member.phone[:3] + "****" + member.phone[-4:] if member.phone else "",
        "ethnicity": member.ethnicity,
        "education": member.education,
        "employer_name": member.employer_name,
        "employer_uscc": member.employer_uscc,
        "org": member.org_id,
        "org_name": member.org.name,
        "join_date": member.join_date.isoformat(),
        "card_number": member.card_number,
        "status": member.status,
        "is_migrant_worker": member.is_migrant_worker,
        "new_employment_form": member.new_employment_form,
    }
    if detail:
        data["phone"] = member.phone
    return data


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


def snapshot(member: Member) -> tuple:
    """Everything about a member that a denied request must leave alone."""
    return (member_json(member, detail=True), member.events.count(), Transfer.objects.count())


# ---- create -------------------------------------------------------------------------------


def test_create_returns_the_member_with_masked_id(tree, api_as):
    body = member_data(tree.union_a1, seq=7, is_migrant_worker=True, new_employment_form="delivery_rider")

    response = api_as(tree.officer_a).post("/members", body)

    assert response.status_code == 201
    member = Member.objects.get()
    number = id_number(7)
    assert response.json() == {
        "id": member.pk,
        "name": "张三",
        "id_type": "resident_id",
        "id_number_masked": number[:6] + "********" + number[-4:],
        "gender": "male",
        "birth_date": "1990-05-17",
        "phone_masked": "138****8000",
        "ethnicity": "汉族",
        "education": "bachelor",
        "employer_name": "北京某科技有限公司",
        "employer_uscc": uscc(),
        "org": tree.union_a1.pk,
        "org_name": "望京科技公司工会",
        "join_date": "2020-03-01",
        "card_number": member.card_number,
        "status": "active",
        "is_migrant_worker": True,
        "new_employment_form": "delivery_rider",
        "phone": "13800138000",
    }
    assert number not in response.content.decode()
    assert list(member.events.values_list("kind", "actor")) == [("created", tree.officer_a.pk)]


def test_create_with_only_the_required_fields(tree, api_as):
    body = {
        "name": "赵六",
        "id_number": id_number(8, birth=__import__("datetime").date(1988, 1, 2)),
        "org": tree.union_a2.pk,
        "join_date": "2019-09-09",
    }

    response = api_as(tree.officer_a).post("/members", body)

    assert response.status_code == 201
    assert response.json() | {"id": 0, "card_number": ""} == {
        "id": 0,
        "name": "赵六",
        "id_type": "resident_id",
        "id_number_masked": mask_id_number(body["id_number"]),
        "gender": "female",
        "birth_date": "1988-01-02",
        "phone_masked": "",
        "ethnicity": "汉族",
        "education": "",
        "employer_name": "",
        "employer_uscc": "",
        "org": tree.union_a2.pk,
        "org_name": "望京物流联合工会",
        "join_date": "2019-09-09",
        "card_number": "",
        "status": "active",
        "is_migrant_worker": False,
        "new_employment_form": "none",
        "phone": "",
    }


def test_second_active_membership_is_409_duplicate_member(tree, api_as):
    first = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=5))

    response = api_as(tree.officer_a).post("/members", member_data(tree.union_a2, seq=5, name="张三丰"))

    message = f"此人已是望京科技公司工会的会员（会员卡号 {first.card_number}）"
    assert response.status_code == 409
    assert response.json() == error("duplicate_member", message, {"id_number": [message]})
    assert Member.objects.count() == 1


def test_duplicate_in_another_branch_does_not_name_the_union(tree, api_as):
    member_create(actor=tree.officer_b, data=member_data(tree.union_b1, seq=5))

    response = api_as(tree.officer_a).post("/members", member_data(tree.union_a1, seq=5))

    message = "此人已在其他工会登记为会员，请办理会员接转"
    assert response.status_code == 409
    assert response.json() == error("duplicate_member", message, {"id_number": [message]})
    assert "中关村" not in response.content.decode()


def test_bad_id_number_and_phone_are_422_with_fields(tree, api_as):
    body = member_data(tree.union_a1, id_number="110105199005171230", phone="12345")

    response = api_as(tree.officer_a).post("/members", body)

    assert response.status_code == 422
    assert response.json() == error(
        "validation_error",
        "输入有误：手机号码应为11位中国大陆手机号",
        {"phone": ["手机号码应为11位中国大陆手机号"], "id_number": ["证件号码校验位错误"]},
    )
    assert Member.objects.count() == 0


def test_malformed_body_is_400_with_fields(tree, api_as):
    body = member_data(tree.union_a1, join_date="2020-13-45", id_type="passport", is_migrant_worker="maybe")
    del body["name"]

    response = api_as(tree.officer_a).post("/members", body)

    assert response.status_code == 400
    assert response.json() == error(
        "bad_request",
        "请求格式不正确",
        {
            "name": ["此项为必填项"],
            "id_type": ["取值应为：'resident_id', 'hk_mo_tw_residence', 'foreign_permanent'"],
            "join_date": ["日期格式应为 YYYY-MM-DD"],
            "is_migrant_worker": ["应为 true 或 false"],
        },
    )
    assert Member.objects.count() == 0


def test_members_belong_only_to_grassroots_unions(tree, api_as):
    response = api_as(tree.officer_a).post("/members", member_data(tree.street_a))

    assert response.status_code == 422
    assert response.json() == error(
        "org_not_grassroots", "会员只能登记在基层工会或联合基层工会", {"org": ["请选择基层工会"]}
    )


def test_create_in_another_branch_is_404(tree, api_as):
    response = api_as(tree.officer_a).post("/members", member_data(tree.union_b1))

    assert response.status_code == 404
    assert response.json() == error("not_found", "工会组织不存在")
    assert Member.objects.count() == 0


def test_viewer_cannot_create(tree, api_as):
    response = api_as(tree.viewer_a).post("/members", member_data(tree.union_a1))

    assert response.status_code == 403
    assert response.json() == error("forbidden", "只读账号不能修改数据")
    assert Member.objects.count() == 0


# ---- list and search ----------------------------------------------------------------------


def test_list_masks_phones_and_never_shows_id_numbers(tree, api_as):
    first = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=1, phone="13900001111"))
    second = member_create(actor=tree.officer_a, data=member_data(tree.union_a2, seq=2, phone=""))

    response = api_as(tree.viewer_a).get("/members")

    assert response.status_code == 200
    assert response.json() == {"items": [member_json(second), member_json(first)], "next_cursor": None}
    assert response.json()["items"][1]["phone_masked"] == "139****1111"
    text = response.content.decode()
    assert "13900001111" not in text
    assert id_number(1) not in text
    assert id_number(2) not in text


def test_lists_hold_only_the_callers_branch(tree, api_as):
    mine = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=1))
    theirs = member_create(actor=tree.officer_b, data=member_data(tree.union_b1, seq=2))

    assert ids(api_as(tree.officer_a).get("/members")) == [mine.pk]
    assert ids(api_as(tree.officer_b).get("/members")) == [theirs.pk]
    assert ids(api_as(tree.city_admin).get("/members")) == [theirs.pk, mine.pk]
    assert ids(api_as(tree.officer_b).get("/members", {"q": id_number(1)})) == []
    denied = api_as(tree.officer_b).get("/members", {"org": tree.union_a1.pk})
    assert denied.status_code == 404
    assert denied.json() == error("not_found", "工会组织不存在")


def test_search_box_and_filters(tree, api_as):
    officer = tree.officer_a
    zhang_san = member_create(
        actor=officer,
        data=member_data(
            tree.union_a1,
            seq=1,
            phone="13800138001",
            is_migrant_worker=True,
            new_employment_form="delivery_rider",
            join_date="2020-03-01",
        ),
    )
    li_si = member_create(
        actor=officer, data=member_data(tree.union_a1, seq=2, name="李四", phone="13800138002", join_date="2021-05-01")
    )
    wang_wu = member_create(
        actor=officer,
        data=member_data(
            tree.union_a2,
            seq=3,
            name="王五",
            phone="13800138003",
            is_migrant_worker=True,
            new_employment_form="courier",
            join_date="2022-07-01",
        ),
    )
    zhang_wei = member_create(actor=officer, data=member_data(tree.union_a2, seq=4, name="张伟", phone="13800138004"))
    member_change_status(actor=officer, member=zhang_wei, status="retained")
    api = api_as(tree.viewer_a)

    assert ids(api.get("/members", {"q": "zs"})) == [zhang_san.pk]
    assert ids(api.get("/members", {"q": "张"})) == [zhang_wei.pk, zhang_san.pk]
    assert ids(api.get("/members", {"q": id_number(3)})) == [wang_wu.pk]
    assert ids(api.get("/members", {"q": "138 0013 8002"})) == [li_si.pk]
    assert ids(api.get("/members", {"q": li_si.card_number})) == [li_si.pk]
    assert ids(api.get("/members", {"org": tree.union_a2.pk})) == [zhang_wei.pk, wang_wu.pk]
    assert ids(api.get("/members", {"org": tree.street_a.pk})) == [zhang_wei.pk, wang_wu.pk, li_si.pk, zhang_san.pk]
    assert ids(api.get("/members", {"status": "retained"})) == [zhang_wei.pk]
    assert ids(api.get("/members", {"is_migrant_worker": "true"})) == [wang_wu.pk, zhang_san.pk]
    assert ids(api.get("/members", {"is_migrant_worker": "false"})) == [zhang_wei.pk, li_si.pk]
    assert ids(api.get("/members", {"new_employment_form": "courier"})) == [wang_wu.pk]
    assert ids(api.get("/members", {"join_date_from": "2021-01-01", "join_date_to": "2021-12-31"})) == [li_si.pk]
    assert ids(api.get("/members", {"q": "张", "org": tree.union_a1.pk, "status": "active"})) == [zhang_san.pk]


def test_keyset_pagination_walks_every_page_once(tree, api_as):
    created = [member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=n)).pk for n in range(1, 6)]
    api = api_as(tree.officer_a)
    pages = []
    cursor = None
    while True:
        body = api.get("/members", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break

    expected = sorted(created, reverse=True)
    assert pages == [expected[0:2], expected[2:4], expected[4:5]]


def test_bad_paging_params_answer_in_the_error_shape(tree, api_as):
    api = api_as(tree.officer_a)

    bad_cursor = api.get("/members", {"cursor": "@@@"})
    zero = api.get("/members", {"limit": 0})
    too_many = api.get("/members", {"limit": 501})
    bad_status = api.get("/members", {"status": "gone"})
    bad_date = api.get("/members", {"join_date_from": "yesterday"})

    assert bad_cursor.status_code == 422
    assert bad_cursor.json() == error("bad_cursor", "分页游标无效", {"cursor": ["分页游标无效"]})
    assert zero.status_code == 400
    assert zero.json() == error("bad_request", "请求格式不正确", {"limit": ["不能小于1"]})
    assert too_many.json() == error("bad_request", "请求格式不正确", {"limit": ["不能大于500"]})
    assert bad_status.status_code == 400
    assert list(bad_status.json()["error"]["fields"]) == ["status"]
    assert bad_date.json() == error("bad_request", "请求格式不正确", {"join_date_from": ["日期格式应为 YYYY-MM-DD"]})


# ---- detail and edit ----------------------------------------------------------------------


def test_detail_shows_the_phone_plain_to_an_officer_and_masked_to_a_viewer(tree, api_as):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))

    response = api_as(tree.officer_a).get(f"/members/{member.pk}")
    viewer = api_as(tree.viewer_a).get(f"/members/{member.pk}")

    assert response.status_code == 200
    assert response.json() == member_json(member, detail=True)
    assert response.json()["phone"] == "13800138000"
    assert "id_number" not in response.json()
    assert viewer.status_code == 200
    assert viewer.json() == {**member_json(member, detail=True), "phone": "138****8000"}


def test_sibling_branch_gets_404_for_every_member_route(tree, api_as):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    before = snapshot(member)
    api = api_as(tree.officer_b)
    pk = member.pk

    responses = [
        api.get(f"/members/{pk}"),
        api.patch(f"/members/{pk}", {"name": "改名"}),
        api.post(f"/members/{pk}/transfer", {"to_org": tree.union_b1.pk}),
        api.post(f"/members/{pk}/status", {"status": "withdrawn"}),
        api.post(f"/members/{pk}/reveal-id"),
        api.get(f"/members/{pk}/history"),
    ]

    for response in responses:
        assert response.status_code == 404
        assert response.json() == error("not_found", "会员不存在")
    assert snapshot(member) == before
    assert not AuditLog.objects.filter(action="reveal_id").exists()


def test_patch_changes_only_the_given_fields_and_records_history(tree, api_as):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))

    response = api_as(tree.officer_a).patch(
        f"/members/{member.pk}", {"phone": "13911112222", "employer_name": "新单位", "org": tree.union_a1.pk}
    )

    assert response.status_code == 200
    assert response.json() == member_json(member, detail=True)
    assert response.json()["phone"] == "13911112222"
    assert response.json()["employer_name"] == "新单位"
    assert response.json()["name"] == "张三"
    event = member.events.get(kind="updated")
    assert event.actor == tree.officer_a
    assert event.changes == {"phone": ["13800138000", "13911112222"], "employer_name": ["北京某科技有限公司", "新单位"]}


def test_patch_id_number_derives_birth_date_and_gender_again(tree, api_as):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    import datetime as dt

    new_number = id_number(42, birth=dt.date(1985, 11, 3))

    response = api_as(tree.officer_a).patch(f"/members/{member.pk}", {"id_number": new_number})

    assert response.status_code == 200
    assert response.json()["gender"] == "female"
    assert response.json()["birth_date"] == "1985-11-03"
    assert response.json()["id_number_masked"] == mask_id_number(new_number)
    assert new_number not in response.content.decode()


def test_patch_another_org_points_to_transfer(tree, api_as):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    before = snapshot(member)

    response = api_as(tree.officer_a).patch(f"/members/{member.pk}", {"org": tree.union_a2.pk})

    assert response.status_code == 422
    assert response.json() == error("use_transfer", "调整所在工会请办理会员接转", {"org": ["请使用会员接转"]})
    assert snapshot(member) == before


def test_patch_bad_phone_is_422_and_changes_nothing(tree, api_as):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    before = snapshot(member)

    response = api_as(tree.officer_a).patch(f"/members/{member.pk}", {"phone": "0101234", "name": "李四"})

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"phone": ["手机号码应为11位中国大陆手机号"]}
    assert snapshot(member) == before


def test_viewer_cannot_write_and_nothing_changes(tree, api_as):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    before = snapshot(member)
    api = api_as(tree.viewer_a)

    responses = {
        "patch": api.patch(f"/members/{member.pk}", {"name": "改名"}),
        "transfer": api.post(f"/members/{member.pk}/transfer", {"to_org": tree.union_a2.pk}),
        "status": api.post(f"/members/{member.pk}/status", {"status": "withdrawn"}),
        "reveal": api.post(f"/members/{member.pk}/reveal-id"),
    }

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 403)
    assert responses["patch"].json() == error("forbidden", "只读账号不能修改数据")
    assert responses["reveal"].json() == error("forbidden", "无权查看完整证件号码")
    assert snapshot(member) == before
    assert not AuditLog.objects.filter(action="reveal_id").exists()


# ---- transfer and status ------------------------------------------------------------------


def test_transfer_closes_the_old_record_and_opens_a_new_one(tree, api_as):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    old_card = member.card_number
    api = api_as(tree.officer_a)

    response = api.post(f"/members/{member.pk}/transfer", {"to_org": tree.union_a2.pk, "note": "工作调动"})

    assert response.status_code == 200
    transfer = Transfer.objects.get()
    moved = transfer.to_member
    assert response.json() == {
        "id": transfer.pk,
        "from_member": member.pk,
        "from_org": tree.union_a1.pk,
        "to_org": tree.union_a2.pk,
        "note": "工作调动",
        "created_at": response.json()["created_at"],
        "member": member_json(moved, detail=True),
    }
    assert response.json()["member"]["org_name"] == "望京物流联合工会"
    assert response.json()["member"]["status"] == "active"
    assert response.json()["member"]["card_number"] != old_card
    assert api.get(f"/members/{member.pk}").json()["status"] == "transferred"
    assert Org.objects.get(pk=tree.union_a1.pk).member_count == 0
    assert Org.objects.get(pk=tree.union_a2.pk).member_count == 1


def test_transfer_to_another_branch_is_404_and_to_a_federation_422(tree, api_as):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    before = snapshot(member)
    api = api_as(tree.officer_a)

    outside = api.post(f"/members/{member.pk}/transfer", {"to_org": tree.union_b1.pk})
    federation = api.post(f"/members/{member.pk}/transfer", {"to_org": tree.district_a.pk})
    missing = api.post(f"/members/{member.pk}/transfer", {})

    assert outside.status_code == 404
    assert outside.json() == error("not_found", "工会组织不存在")
    assert federation.status_code == 422
    assert federation.json()["error"]["code"] == "org_not_grassroots"
    assert missing.status_code == 400
    assert missing.json() == error("bad_request", "请求格式不正确", {"to_org": ["此项为必填项"]})
    assert snapshot(member) == before


def test_status_change_and_refused_change(tree, api_as):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    api = api_as(tree.officer_a)

    retained = api.post(f"/members/{member.pk}/status", {"status": "retained", "note": "退休"})
    refused = api.post(f"/members/{member.pk}/status", {"status": "transferred"})

    assert retained.status_code == 200
    assert retained.json() == member_json(member, detail=True)
    assert retained.json()["status"] == "retained"
    assert refused.status_code == 422
    assert refused.json() == error(
        "bad_status_change", "不能从“保留会籍”变更为“已转出”", {"status": ["不允许的会籍变更"]}
    )
    event = member.events.get(kind="status_changed")
    assert (event.changes, event.note) == ({"status": ["active", "retained"]}, "退休")


# ---- reveal and history -------------------------------------------------------------------


def test_reveal_id_returns_the_number_and_is_audited(tree, api_as):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=9))

    response = api_as(tree.officer_a).post(f"/members/{member.pk}/reveal-id")

    assert response.status_code == 200
    assert response.json() == {"id_number": id_number(9)}
    log = AuditLog.objects.get(action="reveal_id")
    assert (log.actor, log.target_type, log.target_id, log.org, log.ip) == (
        tree.officer_a,
        "member",
        str(member.pk),
        tree.union_a1,
        "127.0.0.1",
    )
    assert member.events.filter(kind="id_revealed", actor=tree.officer_a).count() == 1


def test_history_follows_the_member_across_a_transfer(tree, api_as):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    api = api_as(tree.officer_a)
    api.patch(f"/members/{member.pk}", {"employer_name": "新单位"})
    moved_id = api.post(f"/members/{member.pk}/transfer", {"to_org": tree.union_a2.pk, "note": "调动"}).json()[
        "member"
    ]["id"]

    response = api.get(f"/members/{moved_id}/history")

    assert response.status_code == 200
    items = response.json()["items"]
    assert response.json()["next_cursor"] is None
    assert [(e["kind"], e["kind_label"], e["member"], e["org_name"], e["actor_name"], e["note"]) for e in items] == [
        ("transferred_in", "转入", moved_id, "望京物流联合工会", "officer_a", "调动"),
        ("transferred_out", "转出", member.pk, "望京科技公司工会", "officer_a", "调动"),
        ("updated", "修改信息", member.pk, "望京科技公司工会", "officer_a", ""),
        ("created", "登记入会", member.pk, "望京科技公司工会", "officer_a", ""),
    ]
    assert items[1]["changes"] == {"org": ["望京科技公司工会", "望京物流联合工会"], "status": ["active", "transferred"]}
    assert items[2]["changes"] == {"employer_name": ["北京某科技有限公司", "新单位"]}
    events = MemberEvent.objects.order_by("-id")
    assert [e["id"] for e in items] == [e.pk for e in events]
    assert id_number(1) not in response.content.decode()


def test_history_pages(tree, api_as):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1))
    api = api_as(tree.officer_a)
    for n in range(3):
        api.patch(f"/members/{member.pk}", {"employer_name": f"单位{n}"})

    first = api.get(f"/members/{member.pk}/history", {"limit": 3}).json()
    second = api.get(f"/members/{member.pk}/history", {"limit": 3, "cursor": first["next_cursor"]}).json()

    assert [e["kind"] for e in first["items"]] == ["updated", "updated", "updated"]
    assert [e["kind"] for e in second["items"]] == ["created"]
    assert second["next_cursor"] is None
