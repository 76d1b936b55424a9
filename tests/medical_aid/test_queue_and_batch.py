"""The claim queue: open claims first, and paying several approved claims in one go."""

from __future__ import annotations

import pytest
from django.utils import timezone

from gonghui.medical_aid.models import Claim, ClaimEvent, ClaimState
from tests.api.conftest import ApiClient

from .support import add_member, approve, enrol, file_claim, grant, open_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def claims(tree):
    """a1, a2 approved (union A1), b1 approved (union A2), c1 submitted (union A1)."""
    grant(tree, tree.officer_a, tree.officer_a1)
    plan = open_plan(tree)
    out = {}
    for seq, (key, org) in enumerate(
        [("a1", tree.union_a1), ("a2", tree.union_a1), ("b1", tree.union_a2), ("c1", tree.union_a1)], 1
    ):
        out[key] = file_claim(tree, enrol(tree, plan, add_member(tree, org, seq)))
        if key != "c1":
            out[key] = approve(tree, out[key])
    return out


def test_batch_pay_pays_the_approved_ones_and_reports_the_rest(tree, claims):
    today = timezone.localdate().isoformat()
    ids = [claims["a1"].pk, claims["b1"].pk, claims["c1"].pk, claims["a2"].pk]
    response = ApiClient(tree.officer_a1).post(
        "/medical-aid/claims/batch-pay", {"ids": ids, "method": "bank_transfer", "paid_on": today, "voucher_no": "PL-1"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(r["id"], r["ok"]) for r in body["results"]] == [
        (ids[0], True), (ids[1], False), (ids[2], False), (ids[3], True),
    ]  # fmt: skip
    assert body["results"][1]["message"] == "记录不存在或不在您的数据范围内"
    assert body["results"][2]["message"] == "只有已核准的申请可以发放（当前状态：已提交）"
    states = dict(Claim.objects.values_list("pk", "state"))
    assert [states[claims[k].pk] for k in ("a1", "a2", "b1", "c1")] == [
        ClaimState.PAID, ClaimState.PAID, ClaimState.APPROVED, ClaimState.SUBMITTED,
    ]  # fmt: skip
    paid = Claim.objects.get(pk=claims["a1"].pk)
    assert (paid.paid_amount, paid.voucher_no) == (paid.payout, "PL-1")
    assert ClaimEvent.objects.filter(claim_id=claims["b1"].pk, kind="paid").count() == 0


def test_claim_queue_puts_open_claims_first_and_shows_the_total(client, tree, claims):
    ApiClient(tree.officer_a).post(
        "/medical-aid/claims/batch-pay",
        {"ids": [claims["a1"].pk], "method": "cash", "paid_on": timezone.localdate().isoformat()},
    )
    ids = [row["id"] for row in ApiClient(tree.officer_a).get("/medical-aid/claims").json()["items"]]
    assert ids == [claims[k].pk for k in ("a2", "b1", "c1", "a1")]
    client.force_login(tree.officer_a)
    assert 'data-testid="list-total">共 4 条<' in client.get("/medical-aid/claims/").content.decode()
