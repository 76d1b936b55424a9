"""/api/v1/campaigns: shapes, errors, rights and scope."""

from __future__ import annotations

import io

import pytest
from python_calamine import CalamineWorkbook

from gonghui.accounts.services import token_issue
from gonghui.campaigns import services
from gonghui.campaigns.models import Grant

from .support import NOW, allocate, filed_file, grant_assistance, make_campaign

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user)}"}


@pytest.fixture
def world(rights):
    campaign = make_campaign(rights.city_admin, rights.city, budget="10000")
    allocation = allocate(rights.city_admin, rights.city_admin, campaign, rights.district_a, "3000")
    deep = filed_file(rights.union_a1, 1, "王困难", "deep")
    return campaign, allocation, deep


def test_campaign_create_open_and_read(client, rights):
    auth = bearer(rights.officer_a)
    body = {
        "type": "education_aid",
        "name": "金秋助学",
        "organiser": rights.district_a.pk,
        "year": 2026,
        "starts_on": "2026-08-01",
        "ends_on": "2026-09-30",
        "budget": "20000",
        "standards": {"stages": {"university": "5000"}},
    }
    response = client.post("/api/v1/campaigns", body, content_type="application/json", **auth)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["state"], data["budget"], data["standards"]["stages"], data["organiser_name"]) == (
        "draft",
        "20000.00",
        {"university": "5000.00"},
        "朝阳区总工会",
    )
    opened = client.post(f"/api/v1/campaigns/{data['id']}/open", **auth).json()
    assert opened["state"] == "open"
    listed = client.get("/api/v1/campaigns?year=2026&type=education_aid", **auth).json()
    assert [c["id"] for c in listed["items"]] == [data["id"]] and listed["next_cursor"] is None
    patch = client.patch(
        f"/api/v1/campaigns/{data['id']}", {"type": "spring_warmth"}, content_type="application/json", **auth
    )
    assert patch.status_code == 409 and patch.json()["error"]["code"] == "campaign_open"
    unknown = client.post("/api/v1/campaigns", {**body, "colour": "red"}, content_type="application/json", **auth)
    assert unknown.status_code in (400, 422)


def test_allocations_api(client, rights, world):
    campaign, allocation, _ = world
    auth = bearer(rights.officer_a)
    created = client.post(
        f"/api/v1/campaigns/{campaign.pk}/allocations",
        {"org": rights.union_a1.pk, "amount": "1000"},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201
    child = created.json()
    assert (child["parent"], child["state"], child["available"]) == (allocation.pk, "draft", "1000.00")
    over = client.post(
        f"/api/v1/campaigns/{campaign.pk}/allocations",
        {"org": rights.union_a2.pk, "amount": "2000.01"},
        content_type="application/json",
        **auth,
    )
    assert over.status_code == 409 and over.json()["error"]["code"] == "allocation_exceeds_parent"
    approved = client.post(f"/api/v1/campaigns/allocations/{child['id']}/approve", **auth).json()
    assert approved["state"] == "approved"
    listed = client.get(f"/api/v1/campaigns/{campaign.pk}/allocations", **auth).json()
    assert listed["next_cursor"] is None
    tree = listed["items"]
    assert [a["org_name"] for a in tree] == ["朝阳区总工会", "望京科技公司工会"]
    assert tree[0]["allocated_amount"] == "1000.00" and tree[0]["available"] == "2000.00"
    # the district's own allocation is approved by the city only
    own = client.post(f"/api/v1/campaigns/allocations/{allocation.pk}/approve", **auth)
    assert own.status_code == 403
    draft = services.allocation_create(actor=rights.city_admin, campaign=campaign, org=rights.district_b, amount="100")
    assert client.post(f"/api/v1/campaigns/allocations/{draft.pk}/approve", **auth).status_code == 404


def test_grant_lifecycle_api(client, rights, world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    campaign, _allocation, deep = world
    a1, a = bearer(rights.officer_a1), bearer(rights.officer_a)
    proposed = client.post(
        f"/api/v1/campaigns/{campaign.pk}/grants", {"hardship_file": deep.pk}, content_type="application/json", **a1
    )
    assert proposed.status_code == 201
    g = proposed.json()
    assert (g["state"], g["amount"], g["person_name"], g["id_number_masked"], g["level"], g["source"]) == (
        "proposed",
        "1000.00",
        "王困难",
        deep.id_number_masked,
        "deep",
        "hardship_file",
    )
    assert [e["kind"] for e in g["events"]] == ["proposed"]
    again = client.post(
        f"/api/v1/campaigns/{campaign.pk}/grants", {"hardship_file": deep.pk}, content_type="application/json", **a1
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "duplicate_grant"
    assert (
        client.post(
            f"/api/v1/campaigns/grants/{g['id']}/approve", {}, content_type="application/json", **a1
        ).status_code
        == 403
    )
    approved = client.post(
        f"/api/v1/campaigns/grants/{g['id']}/approve", {"note": "同意"}, content_type="application/json", **a
    )
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    voucher = io.BytesIO(b"%PDF-1.7 voucher")
    voucher.name = "v.pdf"
    paid = client.post(
        f"/api/v1/campaigns/grants/{g['id']}/pay",
        {"method": "in_kind", "paid_on": "2026-01-09", "voucher": voucher},
        **a1,
    )
    assert paid.status_code == 200, paid.json()
    assert (
        paid.json()["state"],
        paid.json()["pay_method"],
        paid.json()["paid_amount"],
        paid.json()["has_voucher"],
    ) == (
        "paid",
        "in_kind",
        "1000.00",
        True,
    )
    listed = client.get(f"/api/v1/campaigns/grants?campaign={campaign.pk}&state=paid", **a).json()
    assert [i["id"] for i in listed["items"]] == [g["id"]]
    assert "id_number_encrypted" not in listed["items"][0]
    got = client.get(f"/api/v1/campaigns/grants/{g['id']}", **a)
    assert got.status_code == 200 and [e["kind"] for e in got.json()["events"]] == ["proposed", "approved", "paid"]
    cancel = client.post(
        f"/api/v1/campaigns/grants/{g['id']}/cancel", {"reason": "x"}, content_type="application/json", **a
    )
    assert cancel.status_code == 409 and cancel.json()["error"]["code"] == "bad_state"


def test_budget_exceeded_is_409(client, rights, world):
    campaign, _, deep = world
    other = filed_file(rights.union_a1, 2, "李困难")
    a = bearer(rights.officer_a)
    ids = []
    for file, amount in ((deep, "2500"), (other, "600")):
        r = client.post(
            f"/api/v1/campaigns/{campaign.pk}/grants",
            {"hardship_file": file.pk, "amount": amount},
            content_type="application/json",
            **a,
        )
        ids.append(r.json()["id"])
    own = client.post(f"/api/v1/campaigns/grants/{ids[0]}/approve", {}, content_type="application/json", **a)
    assert own.status_code == 403  # four eyes: the proposer does not approve
    assert "不能批准自己申报的救助" in own.json()["error"]["message"]
    c = bearer(rights.city_admin)
    assert (
        client.post(f"/api/v1/campaigns/grants/{ids[0]}/approve", {}, content_type="application/json", **c).status_code
        == 200
    )
    second = client.post(f"/api/v1/campaigns/grants/{ids[1]}/approve", {}, content_type="application/json", **c)
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "budget_exceeded" and "预算不足" in second.json()["error"]["message"]


def test_rights_and_scope(client, rights, world, tree):
    campaign, _allocation, deep = world
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    viewer = bearer(tree.viewer_a)  # no assistance right
    assert client.get(f"/api/v1/campaigns/grants/{grant.pk}", **viewer).status_code == 403
    assert client.get("/api/v1/campaigns/grants", **viewer).status_code == 403
    assert client.get(f"/api/v1/campaigns/{campaign.pk}/payment-roll", **viewer).status_code == 403
    error = client.get(f"/api/v1/campaigns/grants/{grant.pk}", **viewer).json()["error"]
    assert error["code"] == "forbidden" and error["message"] == "此账号没有帮扶数据权限"
    assert client.get(f"/api/v1/campaigns/{campaign.pk}/figures", **viewer).status_code == 200
    grant_assistance(tree, tree.officer_b)
    b = bearer(tree.officer_b)
    assert client.get(f"/api/v1/campaigns/grants/{grant.pk}", **b).status_code == 404
    assert client.get("/api/v1/campaigns/grants/987654", **b).status_code == 404
    assert (
        client.post(
            f"/api/v1/campaigns/grants/{grant.pk}/approve", {}, content_type="application/json", **b
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/campaigns/{campaign.pk}/figures?org={rights.union_a1.pk}", **b).status_code == 404
    assert client.get(f"/api/v1/campaigns/grants?org={rights.union_a1.pk}", **b).status_code == 404
    assert Grant.objects.get().state == "proposed"


def test_figures_and_roll_api(client, rights, world):
    campaign, _, deep = world
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    services.grant_approve(actor=rights.officer_a, grant=grant)
    services.grant_pay(
        actor=rights.officer_a1, grant=grant, method="cash", paid_on="2026-01-09", paid_amount="800", now=NOW
    )
    auth = bearer(rights.city_admin)
    data = client.get(f"/api/v1/campaigns/{campaign.pk}/figures", **auth).json()
    assert data["total"] == {
        "org": rights.city.pk,
        "org_name": "北京市总工会",
        "allocated": "10000.00",
        "committed": "800.00",
        "paid": "800.00",
        "remaining": "9200.00",
        "beneficiaries": 1,
        "proposed": 0,
    }
    assert [(r["org_name"], r["allocated"], r["committed"], r["remaining"]) for r in data["rows"]] == [
        ("朝阳区总工会", "3000.00", "800.00", "2200.00")
    ]
    by_type = client.get("/api/v1/campaigns/figures?year=2026", **auth).json()
    warmth = next(r for r in by_type["items"] if r["type"] == "spring_warmth")
    assert (warmth["campaigns"], warmth["committed"], warmth["paid"], warmth["beneficiaries"]) == (
        1,
        "800.00",
        "800.00",
        1,
    )
    roll = client.get(f"/api/v1/campaigns/{campaign.pk}/payment-roll", **auth)
    assert roll.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(roll.content)).get_sheet_by_index(0).to_python()
    assert rows[3][1:8] == [
        "王困难",
        deep.id_number_masked,
        "望京科技公司工会",
        "深度困难",
        800.0,
        "现金",
        "2026-01-09",
    ]


def test_viewer_with_the_right_reads_but_cannot_write(client, rights, world, tree):
    campaign, _, deep = world
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    grant_assistance(tree, tree.viewer_a)
    viewer = bearer(tree.viewer_a)
    assert client.get(f"/api/v1/campaigns/grants/{grant.pk}", **viewer).status_code == 200
    refused = client.post(f"/api/v1/campaigns/grants/{grant.pk}/approve", {}, content_type="application/json", **viewer)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert client.post(f"/api/v1/campaigns/{campaign.pk}/close", **viewer).status_code == 403
    assert Grant.objects.get().state == "proposed"
