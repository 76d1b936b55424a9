"""/api/v1/joining over HTTP: workers' routes, officers' routes, scope = 404, the shared error shape."""

from __future__ import annotations

import pytest
from tests.api.conftest import PREFIX, ApiClient, error
from tests.conftest import id_number, make_worker, member_data

from gonghui.joining import services
from gonghui.joining.models import FoundingPrompt, JoinApplication, JoinState, OrgInvite, TransferRequest, TransferState
from gonghui.members.models import Member
from gonghui.members.services import member_create
from gonghui.portal.services import worker_token_issue


class WorkerClient(ApiClient):
    def __init__(self, worker) -> None:
        from django.test import Client

        self.user = worker.user
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {worker_token_issue(worker=worker)}"}


@pytest.fixture
def worker(db):
    return make_worker("13700000001", name="李四", id_no=id_number(1))


@pytest.fixture
def wapi(worker):
    return WorkerClient(worker)


BODY = {"employer_name": "望京快送有限公司", "new_employment_form": "delivery_rider", "is_migrant_worker": True}


def test_worker_finds_unions_and_reads_an_invite(tree, wapi):
    found = wapi.get("/joining/unions", {"q": "望京"}).json()["items"]
    assert {u["name"] for u in found} == {"望京科技公司工会", "望京物流联合工会"}
    homes = wapi.get("/joining/unions", {"region": "110105", "no_union": True}).json()["items"]
    assert {(u["name"], u["online_home"]) for u in homes} == {("望京街道工会", True), ("望京物流联合工会", False)}
    invite = services.invite_ensure(actor=tree.officer_a, org=tree.union_a1)
    body = wapi.get(f"/joining/invites/{invite.token}").json()
    assert body["union"]["id"] == tree.union_a1.pk and body["parents"] == [
        "北京市总工会",
        "朝阳区总工会",
        "望京街道工会",
    ]
    assert wapi.get("/joining/invites/nope").json() == error(
        "not_found", "邀请链接无效或已更新，请向工会索取新的二维码"
    )


def test_worker_applies_lists_and_withdraws(tree, wapi, worker):
    invite = services.invite_ensure(actor=tree.officer_a, org=tree.union_a1)
    created = wapi.post("/joining/my/applications", {"invite_code": invite.token, **BODY})
    assert created.status_code == 201
    body = created.json()
    assert body["org"] == tree.union_a1.pk and body["source"] == "invite" and body["state"] == "submitted"
    assert body["name"] == "李四" and body["id_number_masked"] == worker.id_number_masked
    assert body["phone_masked"] == "137****0001" and body["overdue"] is False and body["card_number"] == ""
    again = wapi.post("/joining/my/applications", {"org": tree.union_b1.pk})
    assert again.status_code == 409 and again.json()["error"]["code"] == "application_pending"
    listing = wapi.get("/joining/my/applications").json()
    assert [a["id"] for a in listing["items"]] == [body["id"]] and listing["next_cursor"] is None
    withdrawn = wapi.post(f"/joining/my/applications/{body['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    assert wapi.post(f"/joining/my/applications/{body['id']}/withdraw").status_code == 409


def test_worker_application_errors(tree, wapi):
    missing = wapi.post("/joining/my/applications", {})
    assert missing.status_code == 422 and missing.json()["error"]["fields"] == {"org": ["请选择工会或填写邀请码"]}
    bad = wapi.post("/joining/my/applications", {"org": tree.union_a1.pk, "employer_uscc": "123"})
    assert bad.status_code == 422 and "employer_uscc" in bad.json()["error"]["fields"]
    extra = wapi.post("/joining/my/applications", {"org": tree.union_a1.pk, "name": "冒名"})
    assert extra.status_code == 400 and extra.json()["error"]["fields"] == {"name": ["不支持此字段"]}
    not_joinable = wapi.post("/joining/my/applications", {"org": tree.district_a.pk})
    assert not_joinable.status_code == 404
    assert not JoinApplication.objects.exists()


def test_unverified_worker_and_officer_are_refused(tree):
    unverified = WorkerClient(make_worker("13700000009"))
    assert unverified.post("/joining/my/applications", {"org": tree.union_a1.pk}).status_code == 403
    officer = ApiClient(tree.officer_a)
    response = officer.post("/joining/my/applications", {"org": tree.union_a1.pk})
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert officer.get("/joining/my/applications").status_code == 403
    assert officer.get("/joining/unions", {"q": "望京"}).status_code == 403


def test_worker_sees_only_own_applications(tree, wapi, worker):
    other = make_worker("13700000002", name="王五", id_no=id_number(2))
    theirs = services.application_submit(worker=other, org=tree.union_b1, data={})
    assert wapi.get("/joining/my/applications").json()["items"] == []
    assert wapi.get(f"/joining/my/applications/{theirs.pk}").status_code == 404
    response = wapi.post(f"/joining/my/applications/{theirs.pk}/withdraw")
    assert response.json() == error("not_found", "入会申请不存在")
    # Workers cannot use the officers' routes.
    assert wapi.get("/joining/applications").status_code == 403
    assert wapi.post(f"/joining/applications/{theirs.pk}/approve").status_code == 403
    theirs.refresh_from_db()
    assert theirs.state == JoinState.SUBMITTED


def test_officer_lists_approves_and_rejects_in_scope(tree, worker, sms_outbox, django_capture_on_commit_callbacks):
    first = services.application_submit(worker=worker, org=tree.union_a1, data={})
    other = make_worker("13700000002", name="王五", id_no=id_number(2))
    second = services.application_submit(worker=other, org=tree.union_a2, data={})
    api_a = ApiClient(tree.officer_a)
    listing = api_a.get("/joining/applications", {"state": "submitted"}).json()
    assert {a["id"] for a in listing["items"]} == {first.pk, second.pk}
    assert api_a.get("/joining/applications", {"org": tree.union_a2.pk}).json()["items"][0]["id"] == second.pk
    api_b = ApiClient(tree.officer_b)
    assert api_b.get("/joining/applications").json()["items"] == []
    assert api_b.get(f"/joining/applications/{first.pk}").json() == error("not_found", "入会申请不存在")
    assert api_b.post(f"/joining/applications/{first.pk}/approve").status_code == 404
    viewer = ApiClient(tree.viewer_a)
    assert viewer.post(f"/joining/applications/{first.pk}/approve").json() == error("forbidden", "只读账号不能修改数据")
    with django_capture_on_commit_callbacks(execute=True):
        approved = api_a.post(f"/joining/applications/{first.pk}/approve")
    assert approved.status_code == 200
    body = approved.json()
    member = Member.objects.get()
    assert body["state"] == "approved" and body["member"] == member.pk and body["card_number"] == member.card_number
    assert [m.phone for m in sms_outbox] == [worker.phone]
    # A blank reason reads exactly like a missing one.
    no_reason = api_a.post(f"/joining/applications/{second.pk}/reject", {"reason": " "})
    missing_field = api_a.post(f"/joining/applications/{second.pk}/reject", {})
    assert no_reason.status_code == missing_field.status_code == 400
    assert (
        no_reason.json() == missing_field.json() == error("bad_request", "请求格式不正确", {"reason": ["此项为必填项"]})
    )
    rejected = api_a.post(f"/joining/applications/{second.pk}/reject", {"reason": "信息不实"})
    assert rejected.json()["state"] == "rejected" and rejected.json()["reject_reason"] == "信息不实"
    assert api_a.post(f"/joining/applications/{second.pk}/approve").status_code == 409


def test_invite_routes(tree):
    api_a = ApiClient(tree.officer_a)
    assert api_a.get(f"/joining/orgs/{tree.union_a1.pk}/invite").status_code == 404
    made = api_a.post(f"/joining/orgs/{tree.union_a1.pk}/invite/regenerate")
    assert made.status_code == 200
    code = made.json()["code"]
    assert made.json()["url"].endswith(f"/m/join/u/{code}/")
    assert api_a.get(f"/joining/orgs/{tree.union_a1.pk}/invite").json()["code"] == code
    again = api_a.post(f"/joining/orgs/{tree.union_a1.pk}/invite/regenerate").json()["code"]
    assert again != code and OrgInvite.objects.get(is_active=True).token == again
    assert ApiClient(tree.officer_b).get(f"/joining/orgs/{tree.union_a1.pk}/invite").json() == error(
        "not_found", "工会组织不存在"
    )
    assert ApiClient(tree.viewer_a).post(f"/joining/orgs/{tree.union_a1.pk}/invite/regenerate").status_code == 403
    not_joinable = api_a.post(f"/joining/orgs/{tree.district_a.pk}/invite/regenerate")
    assert not_joinable.status_code == 422 and not_joinable.json()["error"]["code"] == "org_not_joinable"


def test_transfer_routes_for_worker_and_officers(tree, worker):
    member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=1, name="李四"))
    wapi = WorkerClient(worker)
    created = wapi.post("/joining/my/transfers", {"to_org": tree.union_b1.pk, "reason": "换工作"})
    assert created.status_code == 201
    body = created.json()
    assert body["from_org_name"] == "望京科技公司工会" and body["to_org_name"] == "中关村软件公司工会"
    assert body["state"] == "pending" and body["channel"] == "worker"
    assert [t["id"] for t in wapi.get("/joining/my/transfers").json()["items"]] == [body["id"]]
    api_a, api_b = ApiClient(tree.officer_a), ApiClient(tree.officer_b)
    assert api_a.get("/joining/transfers", {"direction": "out"}).json()["items"][0]["id"] == body["id"]
    assert api_a.get("/joining/transfers", {"direction": "in"}).json()["items"] == []
    refused = api_a.post(f"/joining/transfers/{body['id']}/approve")
    assert refused.json() == error("forbidden", "只有转入工会可以审批接转申请")
    assert ApiClient(tree.officer_a1).get(f"/joining/transfers/{body['id']}").status_code == 200
    approved = api_b.post(f"/joining/transfers/{body['id']}/approve")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    new_member = Member.objects.get(org=tree.union_b1)
    assert approved.json()["new_member"] == new_member.pk
    assert wapi.post(f"/joining/my/transfers/{body['id']}/cancel").status_code == 409


def test_officer_transfer_request_and_cancel(tree):
    member = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=1, name="李四"))
    api_a = ApiClient(tree.officer_a)
    inside = api_a.post("/joining/transfers", {"member": member.pk, "to_org": tree.union_a2.pk})
    assert inside.status_code == 422 and inside.json()["error"]["code"] == "use_direct_transfer"
    out_of_scope_member = ApiClient(tree.officer_b).post("/joining/transfers", {"member": member.pk, "to_org": 1})
    assert out_of_scope_member.json() == error("not_found", "会员不存在")
    created = api_a.post("/joining/transfers", {"member": member.pk, "to_org": tree.union_b1.pk, "reason": "调动"})
    assert created.status_code == 201 and created.json()["channel"] == "officer"
    rid = created.json()["id"]
    api_b = ApiClient(tree.officer_b)
    assert api_b.post(f"/joining/transfers/{rid}/cancel").status_code == 403
    rejected = api_b.post(f"/joining/transfers/{rid}/reject", {"reason": "无此岗位"})
    assert rejected.json()["state"] == "rejected"
    second = api_a.post("/joining/transfers", {"member": member.pk, "to_org": tree.union_b1.pk}).json()["id"]
    assert api_a.post(f"/joining/transfers/{second}/cancel").json()["state"] == "cancelled"
    assert TransferRequest.objects.filter(state=TransferState.PENDING).count() == 0
    other_branch = ApiClient(tree.officer_b)
    missing = other_branch.get("/joining/transfers/987654")
    assert missing.json() == error("not_found", "接转申请不存在")


def test_prompt_routes(tree):
    for seq in (1, 2, 3):
        worker = make_worker(f"1370000000{seq}", name=f"骑手{seq}", id_no=id_number(seq))
        app = services.application_submit(worker=worker, org=tree.street_a, data={"employer_name": "快送站"})
        services.application_approve(actor=tree.officer_a, application=app)
    prompt = FoundingPrompt.objects.get()
    api_a = ApiClient(tree.officer_a)
    items = api_a.get("/joining/prompts", {"state": "open"}).json()["items"]
    assert [(p["id"], p["member_count"], p["employer_name"]) for p in items] == [(prompt.pk, 3, "快送站")]
    assert ApiClient(tree.officer_b).get("/joining/prompts").json()["items"] == []
    assert ApiClient(tree.officer_b).patch(f"/joining/prompts/{prompt.pk}", {"state": "dismissed"}).status_code == 404
    assert ApiClient(tree.viewer_a).patch(f"/joining/prompts/{prompt.pk}", {"state": "dismissed"}).status_code == 403
    bad = api_a.patch(f"/joining/prompts/{prompt.pk}", {"state": "maybe"})
    assert bad.status_code == 400 and "state" in bad.json()["error"]["fields"]
    done = api_a.patch(
        f"/joining/prompts/{prompt.pk}", {"state": "founded", "founded_org": tree.union_a1.pk, "note": "已建会"}
    )
    assert done.status_code == 200 and done.json()["state"] == "founded"
    assert done.json()["founded_org"] == tree.union_a1.pk


def test_unauthenticated_gets_401(client, tree):
    response = client.get(PREFIX + "/joining/my/applications")
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"
