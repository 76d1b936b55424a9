"""Authentication (Bearer tokens, session with CSRF), /me, and the one error shape for every failure."""

from __future__ import annotations

from django.test import Client
from django.utils.crypto import get_random_string

from gonghui.accounts.models import User
from gonghui.members.models import Member
from tests.api.conftest import PREFIX, error
from tests.conftest import PASSWORD, member_data


def test_me_with_a_bearer_token(tree, api_as):
    response = api_as(tree.viewer_a).get("/me")

    assert response.status_code == 200
    assert response.json() == {
        "id": tree.viewer_a.pk,
        "username": "viewer_a",
        "display_name": "",
        "is_superuser": False,
        "role": "viewer",
        "org": {"id": tree.district_a.pk, "name": "朝阳区总工会", "code": "BJ-CY", "kind": "federation"},
        "can_write": False,
        "can_reveal_id": False,
        "can_manage_accounts": False,
        "can_access_assistance": False,
    }


def test_no_or_bad_credentials_are_401(tree):
    client = Client()

    anonymous = client.get(PREFIX + "/orgs")
    bad_token = client.get(PREFIX + "/orgs", HTTP_AUTHORIZATION="Bearer gh_not-a-real-token")
    anonymous_post = client.post(PREFIX + "/members", member_data(tree.union_a1), content_type="application/json")

    for response in (anonymous, bad_token, anonymous_post):
        assert response.status_code == 401
        assert response.json() == error("unauthenticated", "请先登录或提供有效的 API 令牌")
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert Member.objects.count() == 0


def test_session_writes_need_the_csrf_token(tree):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tree.officer_a)
    body = member_data(tree.union_a1)

    read = client.get(PREFIX + "/members")
    without = client.post(PREFIX + "/members", body, content_type="application/json")
    assert without.status_code == 403
    assert without.json() == error("csrf_failed", "CSRF 校验失败：会话请求须带 X-CSRFToken 请求头")
    assert Member.objects.count() == 0

    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    with_token = client.post(PREFIX + "/members", body, content_type="application/json", HTTP_X_CSRFTOKEN=token)

    assert read.status_code == 200
    assert with_token.status_code == 201
    assert Member.objects.get().name == "张三"


def test_bearer_tokens_need_no_csrf_token(tree, api_as):
    api = api_as(tree.officer_a)
    api.client = Client(enforce_csrf_checks=True)

    response = api.post("/members", member_data(tree.union_a1))

    assert response.status_code == 201


def test_account_without_a_union_is_403(tree):
    User.objects.create_user("nobody", password=PASSWORD)
    client = Client()
    client.login(username="nobody", password=PASSWORD)

    response = client.get(PREFIX + "/orgs")

    assert response.status_code == 403
    assert response.json() == error("forbidden", "此账号未绑定工会组织，无权访问")


def test_unknown_route_is_404_in_the_error_shape(tree, api_as):
    response = api_as(tree.officer_a).get("/no-such-thing")

    assert response.status_code == 404
    assert response.json() == error("not_found", "接口不存在")


def test_unparseable_and_wrongly_shaped_bodies_are_400(tree, api_as):
    api = api_as(tree.officer_a)

    broken = api.post("/members", "{not json")
    array = api.post("/members", "[1, 2]")
    text_id = api.post(f"/members/{'abc'}/transfer", {"to_org": tree.union_a2.pk})

    assert broken.status_code == 400
    assert broken.json() == error("bad_request", "请求体无法解析，应为有效的 JSON")
    assert array.status_code == 400
    assert array.json() == error("bad_request", "请求格式不正确", {"non_field": ["应为 JSON 对象"]})
    assert text_id.status_code == 400
    assert text_id.json() == error("bad_request", "请求格式不正确", {"member_id": ["应为整数"]})
    assert Member.objects.count() == 0


def test_a_missing_and_a_blank_required_field_get_the_same_answer(tree, api_as):
    from gonghui.members.services import member_create

    api = api_as(tree.officer_a)
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=3))
    path = f"/bindings/members/{member.pk}/unbind"

    missing, blank, spaces = api.post(path, {}), api.post(path, {"reason": ""}), api.post(path, {"reason": "  "})

    expected = error("bad_request", "请求格式不正确", {"reason": ["此项为必填项"]})
    assert [r.status_code for r in (missing, blank, spaces)] == [400, 400, 400]
    assert missing.json() == blank.json() == spaces.json() == expected
    assert api.post(path, {"reason": "冒用"}).json()["error"]["code"] == "not_bound"  # a real reason gets through


def test_chinese_stays_readable_in_responses(tree, api_as):
    response = api_as(tree.officer_a).get(f"/orgs/{tree.district_a.pk}")

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "朝阳区总工会".encode() in response.content


def test_wrong_method_is_405_in_the_error_shape(tree, api_as):
    api = api_as(tree.officer_a)

    response = api.client.delete(f"{PREFIX}/orgs/{tree.union_a1.pk}", **api.headers)

    assert response.status_code == 405
    assert response.json() == error("method_not_allowed", "此接口不支持 DELETE 请求")
    assert sorted(response["Allow"].split(", ")) == ["GET", "PATCH"]
