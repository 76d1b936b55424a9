"""The hot API reads built by hand (member detail, member pages, token lookup) against the schemas and rules."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from gonghui.accounts.models import ApiToken
from gonghui.accounts.services import officer_update, token_authenticate, token_issue
from gonghui.members.api import MemberDetailOut, MemberOut
from gonghui.members.models import Member
from gonghui.members.services import member_create
from gonghui.orgs.models import Org
from tests.conftest import member_data


def _schema_json(schema, member: Member, reader=None) -> dict:
    """What ninja would have rendered from the model instance through the response schema, for a
    request by `reader` (the phone is shown as that account may read it)."""
    member = Member.objects.select_related("org").get(pk=member.pk)
    context = {"request": SimpleNamespace(auth=reader)}
    return json.loads(schema.model_validate(member, context=context).model_dump_json())


def _members(tree, n: int = 3) -> list[Member]:
    out = []
    for seq in range(1, n + 1):
        org = tree.union_a1 if seq % 2 else tree.union_a2
        extra = {"phone": ""} if seq == 2 else {"is_migrant_worker": True, "new_employment_form": "courier"}
        out.append(member_create(actor=tree.superuser, data=member_data(org, seq=seq, **extra)))
    return out


def test_detail_equals_the_schema_output(tree, api_as):
    for member in _members(tree):
        response = api_as(tree.officer_a).get(f"/members/{member.pk}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=utf-8"
        body = response.json()
        assert body == _schema_json(MemberDetailOut, member, reader=tree.officer_a)
        viewer = api_as(tree.viewer_a).get(f"/members/{member.pk}").json()
        assert viewer == _schema_json(MemberDetailOut, member, reader=tree.viewer_a)
        assert list(body) == list(MemberDetailOut.model_fields)  # same key order too
        assert "张三" in response.content.decode()  # UTF-8, not \\u escapes


def test_detail_out_of_scope_is_404_in_the_error_shape(tree, api_as):
    member = _members(tree, 1)[0]
    for user in (tree.officer_b, tree.officer_a1):
        response = api_as(user).get(f"/members/{member.pk}" if user is tree.officer_b else "/members/987654")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_list_pages_equal_the_schema_output(tree, api_as):
    members = _members(tree, 5)
    expected = {m.pk: _schema_json(MemberOut, m) for m in members}
    # a federation officer (subtree), a grassroots officer (one union, the prepared path), the superuser
    for user, org in (
        (tree.officer_a, None),
        (tree.officer_a1, None),
        (tree.superuser, None),
        (tree.officer_a, tree.union_a2),
    ):
        api = api_as(user)
        seen: list[int] = []
        cursor = None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {}), **({"org": org.pk} if org else {})}
            response = api.get("/members", params)
            assert response.status_code == 200
            body = response.json()
            for item in body["items"]:
                assert item == expected[item["id"]]
                assert list(item) == list(MemberOut.model_fields)
            seen += [item["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        visible = [m for m in members if org is None or m.org_id == org.pk]
        if user is tree.officer_a1:
            visible = [m for m in members if m.org_id == tree.union_a1.pk]
        assert seen == sorted((m.pk for m in visible), reverse=True)


def test_list_bad_cursor_and_out_of_scope_union(tree, api_as):
    _members(tree, 2)
    bad = api_as(tree.officer_a1).get("/members", {"cursor": "!!"})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "bad_cursor"
    other = api_as(tree.officer_a1).get("/members", {"org": tree.union_b1.pk})
    assert other.status_code == 404


def test_revoking_a_token_takes_effect_at_once(tree):
    raw = token_issue(user=tree.officer_a)
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/me", **auth).status_code == 200  # now cached
    token = ApiToken.objects.get(digest=ApiToken.digest_of(raw))
    token.revoked_at = timezone.now()
    token.save()
    assert client.get("/api/v1/me", **auth).status_code == 401


def test_deleting_a_token_takes_effect_at_once(tree):
    raw = token_issue(user=tree.officer_a)
    assert token_authenticate(raw) == tree.officer_a
    ApiToken.objects.get(digest=ApiToken.digest_of(raw)).delete()
    assert token_authenticate(raw) is None


def test_account_changes_take_effect_at_once(tree):
    raw = token_issue(user=tree.officer_a)
    user = token_authenticate(raw)
    assert user is not None and user.org == tree.district_a and user.display_name == tree.officer_a.display_name
    officer_update(actor=tree.superuser, user=tree.officer_a, data={"display_name": "改过的名字"})
    user = token_authenticate(raw)  # the cached account was forgotten
    assert user is not None and user.display_name == "改过的名字"
    # A change of role or union revokes the account's tokens (accounts.services.sign_out_everywhere).
    officer_update(actor=tree.superuser, user=tree.officer_a, data={"role": "viewer", "org": tree.street_a})
    assert token_authenticate(raw) is None


def test_token_lookup_loads_the_whole_account(tree):
    raw = token_issue(user=tree.officer_a)
    for _ in range(2):  # miss, then hit
        user = token_authenticate(raw)
        assert user is not None
        fresh = type(user).objects.select_related("org").get(pk=user.pk)
        for field in type(user)._meta.concrete_fields:
            assert getattr(user, field.attname) == getattr(fresh, field.attname), field.name
        for field in type(fresh.org)._meta.concrete_fields:
            assert getattr(user.org, field.attname) == getattr(fresh.org, field.attname), field.name
    assert token_authenticate("gh_unknown") is None


def test_a_revocation_committed_after_a_concurrent_lookup_is_not_cached(tree, django_capture_on_commit_callbacks):
    # as portal's password reset does: save the account, then revoke its tokens with update()
    raw = token_issue(user=tree.officer_a)
    assert token_authenticate(raw) is not None
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        tree.officer_a.save(update_fields=["password"])
        assert token_authenticate(raw) is not None  # a lookup before the revocation re-caches the token
        ApiToken.objects.filter(user=tree.officer_a).update(revoked_at=timezone.now())
    assert token_authenticate(raw) is None


# ---- GET /members without the framework's parsing (gonghui.api.fast_path) --------------------


def _list_requests(tree, api_as, members) -> list[tuple]:
    """(client, query) pairs: plain rolls the fast path answers, and everything it must leave to ninja."""
    first = api_as(tree.officer_a).get("/members", {"limit": 1}).json()
    officer, viewer, root = api_as(tree.officer_a), api_as(tree.viewer_a), api_as(tree.superuser)
    return [
        (officer, {}),
        (officer, {"limit": "1"}),
        (officer, {"limit": "1", "cursor": first["next_cursor"]}),
        (officer, {"org": str(tree.union_a1.pk)}),
        (officer, {"org": str(tree.street_a.pk), "limit": "2"}),
        (viewer, {}),
        (root, {"limit": "2"}),
        # left to the framework: errors, other filters, values the schema judges
        (officer, {"org": str(tree.union_b1.pk)}),
        (officer, {"org": "98765"}),
        (officer, {"cursor": "garbage"}),
        (officer, {"limit": "0"}),
        (officer, {"limit": "501"}),
        (officer, {"limit": "abc"}),
        (officer, {"org": "-1"}),
        (officer, {"org": ""}),
        (officer, {"q": "张"}),
        (officer, {"status": "active"}),
        (officer, {"unknown": "1"}),
    ]


def test_plain_lists_answer_as_the_framework_does(tree, api_as, monkeypatch):
    from gonghui.members.api import plain_list_response

    members = _members(tree, 5)
    served = []

    def spy(request, actor):
        response = plain_list_response(request, actor)
        served.append(response is not None)
        return response

    def answers(fast_paths: dict) -> list[tuple]:
        monkeypatch.setattr("gonghui.api.FAST_PATHS", fast_paths)
        out = []
        for client, query in _list_requests(tree, api_as, members):
            response = client.get("/members", query)
            out.append((response.status_code, response["Content-Type"], response.content))
        return out

    # when the same requests are answered with the fast path and by the framework alone
    fast = answers({"member_list": spy})
    slow = answers({})

    # then every answer is the same, byte for byte, and the plain ones came from the fast path
    assert fast == slow
    assert [status for status, _, _ in fast[:7]] == [200] * 7
    assert {status for status, _, _ in fast[7:]} >= {400, 404, 422}
    assert served == [True] + [True] * 7 + [False] * 11  # (the first: the cursor's own page, read while setting up)


def test_a_renamed_union_shows_in_list_pages_at_once_and_elsewhere_within_a_minute(tree, api_as, monkeypatch):
    from gonghui.orgs import selectors as org_selectors
    from gonghui.orgs.services import org_update

    _members(tree, 3)
    district = api_as(tree.officer_a)  # district_a's roll: union names come from the name cache

    def names() -> set[str]:
        return {item["org_name"] for item in district.get("/members").json()["items"]}

    assert names() == {tree.union_a1.name, tree.union_a2.name}

    # a rename through the service is seen at once
    org_update(actor=tree.officer_a, org=tree.union_a1, data={"name": "甲一新名称工会"})
    assert names() == {"甲一新名称工会", tree.union_a2.name}

    # a change made by another process (here: behind the service's back) is seen once the kept name expires
    Org.objects.filter(pk=tree.union_a2.pk).update(name="甲二新名称工会")
    assert names() == {"甲一新名称工会", tree.union_a2.name}
    clock = org_selectors.time.monotonic() + org_selectors.UNION_NAME_SECONDS
    monkeypatch.setattr(org_selectors.time, "monotonic", lambda: clock)
    assert names() == {"甲一新名称工会", "甲二新名称工会"}


def test_member_detail_answers_as_the_framework_does(tree, api_as, monkeypatch):
    from gonghui.members.api import plain_detail_response

    mine, other = _members(tree, 2)[0], member_create(actor=tree.superuser, data=member_data(tree.union_b1, seq=9))
    served = []

    def spy(request, actor, **path):
        response = plain_detail_response(request, actor, **path)
        served.append(response is not None)
        return response

    officer = api_as(tree.officer_a)
    paths = [f"/members/{mine.pk}", f"/members/{other.pk}", "/members/987654", f"/members/{mine.pk}?x=1"]

    def answers(fast_paths: dict) -> list[tuple]:
        monkeypatch.setattr("gonghui.api.FAST_PATHS", fast_paths)
        return [
            (r.status_code, r["Content-Type"], r.content)
            for r in (officer.client.get("/api/v1" + p, **officer.headers) for p in paths)
        ]

    fast = answers({"member_detail": spy})
    slow = answers({})

    assert fast == slow
    assert [status for status, _, _ in fast] == [200, 404, 404, 200]
    assert served == [True, False, False, False]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan cache")
def test_a_roll_page_is_planned_once_per_connection(tree, api_as):
    # Left to choose, PostgreSQL re-planned the page statement on every request (see settings).
    member_create(actor=tree.superuser, data=member_data(tree.union_a1, seq=1))
    client = api_as(tree.officer_a)
    for _ in range(8):
        response = client.get("/members?limit=5")
        assert response.status_code == 200 and len(response.json()["items"]) == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%ORDER BY (m.id + 0) DESC LIMIT%"],
        )
        plans = cursor.fetchall()
    assert plans and all(custom == 0 and generic >= 8 for generic, custom in plans), plans
