"""The grant queue: open grants first, the total, and paying several approved grants in one go."""

from __future__ import annotations

import pytest

from gonghui.campaigns import services
from gonghui.campaigns.models import Grant, GrantEvent
from tests.api.conftest import ApiClient

from .support import filed_file, make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def grants(rights):
    """g1, g2 (union A1) and g3 (union A2) approved, g4 (union A1) only proposed."""
    campaign = make_campaign(rights.officer_a, rights.district_a, budget="50000")
    out = {}
    for seq, (key, org) in enumerate(
        [("g1", rights.union_a1), ("g2", rights.union_a1), ("g3", rights.union_a2), ("g4", rights.union_a1)], 1
    ):
        file = filed_file(org, seq, name=f"困难{seq}")
        out[key] = services.grant_propose(actor=rights.officer_a, campaign=campaign, data={"hardship_file": file.pk})
        if key != "g4":
            services.grant_approve(actor=rights.city_admin, grant=out[key])
    return out


def test_batch_pay_pays_the_good_ones_and_reports_the_bad(rights, grants):
    ids = [grants["g1"].pk, grants["g3"].pk, grants["g4"].pk, grants["g2"].pk]
    before = {g.pk: (g.state, g.paid_on) for g in Grant.objects.all()}
    response = ApiClient(rights.officer_a1).post(
        "/campaigns/grants/batch-pay",
        {"ids": ids, "method": "bank_transfer", "paid_on": "2026-01-20", "payer": "张会计"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["done"], body["failed"]) == (2, 2)
    assert [(r["id"], r["ok"]) for r in body["results"]] == [
        (ids[0], True), (ids[1], False), (ids[2], False), (ids[3], True),
    ]  # fmt: skip
    assert body["results"][1]["message"] == "记录不存在或不在您的数据范围内"  # union A2 is not A1's
    states = {g.pk: g.state for g in Grant.objects.all()}
    assert states == {
        grants["g1"].pk: "paid", grants["g2"].pk: "paid", grants["g3"].pk: "approved", grants["g4"].pk: "proposed",
    }  # fmt: skip
    paid = Grant.objects.get(pk=grants["g1"].pk)
    assert (paid.paid_amount, paid.pay_method, paid.payer, str(paid.paid_on)) == (
        paid.amount, "bank_transfer", "张会计", "2026-01-20",
    )  # fmt: skip
    assert GrantEvent.objects.filter(grant_id=grants["g1"].pk, kind="paid").count() == 1
    assert GrantEvent.objects.filter(grant_id=grants["g3"].pk, kind="paid").count() == 0
    assert before[grants["g3"].pk] == ("approved", None)


def test_grant_queue_puts_open_grants_first_with_sort_and_total(client, rights, grants):
    services.grant_pay(actor=rights.officer_a, grant=grants["g1"], method="cash", paid_on="2026-01-20")
    api = ApiClient(rights.officer_a)
    ids = [row["id"] for row in api.get("/campaigns/grants").json()["items"]]
    assert ids == [grants[k].pk for k in ("g2", "g3", "g4", "g1")]
    newest = [row["id"] for row in api.get("/campaigns/grants", {"sort": "newest"}).json()["items"]]
    assert newest == [grants[k].pk for k in ("g4", "g3", "g2", "g1")]
    assert api.get("/campaigns/grants", {"sort": "deadline"}).status_code == 422  # grants have no deadline
    client.force_login(rights.officer_a)
    html = client.get("/campaigns/grants/").content.decode()
    assert 'data-testid="list-total">共 4 条<' in html
    assert html.count('data-testid="pick"') == 2  # approved, not yet paid: g2 and g3


def test_page_batch_pay_needs_a_method_and_day(client, rights, grants):
    client.force_login(rights.officer_a)
    bad = client.post("/campaigns/grants/batch-pay/", {"ids": [grants["g2"].pk], "method": "cash"}, follow=True)
    assert "发放日期" in bad.content.decode()
    assert Grant.objects.get(pk=grants["g2"].pk).state == "approved"
    ok = client.post(
        "/campaigns/grants/batch-pay/",
        {"ids": [grants["g2"].pk, grants["g4"].pk], "method": "cash", "paid_on": "2026-01-20"},
    )
    assert "成功 1 条，未办理 1 条" in ok.content.decode()
    assert Grant.objects.get(pk=grants["g2"].pk).state == "paid"
