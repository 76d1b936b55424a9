"""Campaigns, allocations down the tree and grants through the services."""

from __future__ import annotations

import io

import pytest

from gonghui.campaigns import services
from gonghui.campaigns.models import BudgetAllocation, Grant, GrantEvent
from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gonghui.notifications.models import Notification
from tests.conftest import id_number, make_worker

from .support import NOW, allocate, filed_file, make_campaign, money

pytestmark = pytest.mark.django_db


def reload(obj):
    obj.refresh_from_db()
    return obj


# ---- campaigns -----------------------------------------------------------------------------------


def test_create_makes_a_draft_with_its_root_budget(rights):
    campaign = make_campaign(rights.city_admin, rights.city, budget="50000", open=False)
    root = campaign.allocations.get()
    assert (campaign.state, root.org, root.amount, root.state, root.parent) == (
        "draft",
        rights.city,
        money(50000),
        "draft",
        None,
    )
    opened = services.campaign_open(actor=rights.city_admin, campaign=campaign, now=NOW)
    root.refresh_from_db()
    assert opened.state == "open" and root.state == "approved" and root.approved_by == rights.city_admin


def test_create_needs_the_assistance_right_and_a_federation(rights, tree):
    with pytest.raises(Forbidden):
        make_campaign(tree.officer_b, tree.district_b)
    with pytest.raises(InvalidInput) as exc:
        make_campaign(rights.officer_a1, rights.union_a1)
    assert "organiser" in exc.value.fields
    with pytest.raises(NotFound):  # another branch
        make_campaign(rights.officer_a, tree.district_b)
    assert not BudgetAllocation.objects.exists()


def test_campaign_validation(rights):
    with pytest.raises(InvalidInput) as exc:
        make_campaign(rights.officer_a, rights.district_a, ends_on="2025-12-01")
    assert "ends_on" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        make_campaign(rights.officer_a, rights.district_a, standards={"levels": {"rich": "1"}})
    assert "standards" in exc.value.fields
    with pytest.raises(InvalidInput):
        make_campaign(rights.officer_a, rights.district_a, budget="-1")


def test_open_needs_a_budget_and_close_needs_no_pending(rights):
    campaign = make_campaign(rights.officer_a, rights.district_a, budget="0", open=False)
    with pytest.raises(InvalidInput):
        services.campaign_open(actor=rights.officer_a, campaign=campaign)
    services.campaign_update(actor=rights.officer_a, campaign=campaign, data={}, budget="3000")
    campaign = services.campaign_open(actor=rights.officer_a, campaign=campaign)
    grant = services.grant_propose(
        actor=rights.officer_a, campaign=campaign, data={"hardship_file": filed_file(rights.union_a1, 1).pk}
    )
    with pytest.raises(Conflict) as exc:
        services.campaign_close(actor=rights.officer_a, campaign=campaign)
    assert exc.value.code == "grants_pending"
    services.grant_approve(actor=rights.city_admin, grant=grant)  # four eyes: not the proposer
    closed = services.campaign_close(actor=rights.officer_a, campaign=campaign)
    assert closed.state == "closed"
    with pytest.raises(Conflict):
        services.campaign_open(actor=rights.officer_a, campaign=closed)
    with pytest.raises(Conflict):
        services.campaign_update(actor=rights.officer_a, campaign=closed, data={"name": "新名称"})
    # an approved grant can still be paid after the close
    paid = services.grant_pay(actor=rights.officer_a, grant=grant, method="cash", paid_on="2026-01-20")
    assert paid.state == "paid"


def test_open_campaign_keeps_type_and_budget_not_below_use(rights):
    campaign = make_campaign(rights.city_admin, rights.city, budget="10000")
    with pytest.raises(Conflict):
        services.campaign_update(actor=rights.city_admin, campaign=campaign, data={"type": "education_aid"})
    allocate(rights.city_admin, rights.city_admin, campaign, rights.district_a, "6000")
    with pytest.raises(Conflict) as exc:
        services.campaign_update(actor=rights.city_admin, campaign=campaign, data={}, budget="5000")
    assert exc.value.code == "budget_below_used"
    services.campaign_update(actor=rights.city_admin, campaign=campaign, data={"name": "改名"}, budget="12000")
    assert reload(campaign).name == "改名" and campaign.allocations.get(parent=None).amount == money(12000)


def test_lower_officers_cannot_manage_the_campaign(rights):
    campaign = make_campaign(rights.city_admin, rights.city)
    with pytest.raises(Forbidden):
        services.campaign_close(actor=rights.officer_a, campaign=campaign)
    draft = make_campaign(rights.city_admin, rights.city, open=False)
    with pytest.raises(NotFound):  # a draft is not shown below the organiser
        services.campaign_open(actor=rights.officer_a, campaign=draft)


# ---- allocations -------------------------------------------------------------------------------


def test_allocations_go_down_and_children_never_exceed_the_parent(rights):
    campaign = make_campaign(rights.city_admin, rights.city, budget="10000")
    a = allocate(rights.city_admin, rights.city_admin, campaign, rights.district_a, "6000")
    with pytest.raises(Conflict) as exc:
        services.allocation_create(actor=rights.city_admin, campaign=campaign, org=rights.district_b, amount="4000.01")
    assert exc.value.code == "allocation_exceeds_parent"
    b = services.allocation_create(actor=rights.city_admin, campaign=campaign, org=rights.district_b, amount="4000")
    root = campaign.allocations.get(parent=None)
    assert root.allocated_amount == money(10000) and root.available == 0
    # the district passes part of its money on, skipping the street level
    a1 = allocate(rights.officer_a, rights.officer_a, campaign, rights.union_a1, "2500")
    assert a1.parent == a and reload(a).allocated_amount == money(2500)
    with pytest.raises(Conflict):
        services.allocation_create(actor=rights.officer_a, campaign=campaign, org=rights.union_a2, amount="3500.01")
    # a draft's amount may change within the parent's free money; then it is fixed once approved
    services.allocation_update(actor=rights.city_admin, allocation=b, amount="3000")
    assert reload(root).allocated_amount == money(9000)
    with pytest.raises(Conflict):
        services.allocation_update(actor=rights.city_admin, allocation=b, amount="4000.01")
    with pytest.raises(Conflict):
        services.allocation_update(actor=rights.officer_a, allocation=a1, amount="100")
    # one allocation per union; no allocation above one that exists
    with pytest.raises(Conflict) as exc:
        services.allocation_create(actor=rights.city_admin, campaign=campaign, org=rights.district_a, amount="1")
    assert exc.value.code == "duplicate_allocation"
    with pytest.raises(Conflict) as exc:
        services.allocation_create(actor=rights.officer_a, campaign=campaign, org=rights.street_a, amount="1")
    assert exc.value.code == "allocation_nesting"
    services.allocation_delete(actor=rights.city_admin, allocation=b)
    assert reload(root).allocated_amount == money(6000)


def test_allocation_approval_by_the_allocating_level_only(rights, tree):
    campaign = make_campaign(rights.city_admin, rights.city)
    a = services.allocation_create(actor=rights.city_admin, campaign=campaign, org=rights.district_a, amount="5000")
    with pytest.raises(Forbidden):  # the receiving union cannot approve its own allocation
        services.allocation_approve(actor=rights.officer_a, allocation=a)
    with pytest.raises(Conflict) as exc:  # nothing below an unapproved allocation
        services.allocation_create(actor=rights.officer_a, campaign=campaign, org=rights.union_a1, amount="100")
    assert exc.value.code == "allocation_not_approved"
    with pytest.raises(Forbidden):  # viewer / no right
        services.allocation_approve(actor=tree.viewer_a, allocation=a)
    assert reload(a).state == "draft"
    services.allocation_approve(actor=rights.city_admin, allocation=a)
    assert reload(a).state == "approved" and a.approved_by == rights.city_admin
    assert Notification.objects.filter(recipient=rights.officer_a, title__contains="帮扶预算已批准").exists()
    with pytest.raises(Conflict):
        services.allocation_approve(actor=rights.city_admin, allocation=a)


def test_no_grant_under_an_unapproved_allocation(rights):
    campaign = make_campaign(rights.city_admin, rights.city)
    services.allocation_create(actor=rights.city_admin, campaign=campaign, org=rights.district_a, amount="5000")
    file = filed_file(rights.union_a1, 1)
    with pytest.raises(Conflict) as exc:
        services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": file.pk})
    assert exc.value.code == "allocation_not_approved"
    assert not Grant.objects.exists()


# ---- grants --------------------------------------------------------------------------------------


@pytest.fixture
def running(rights):
    """City campaign 10000; district A holds 3000 (approved); two filed files in union A1."""
    campaign = make_campaign(rights.city_admin, rights.city, budget="10000")
    allocation = allocate(rights.city_admin, rights.city_admin, campaign, rights.district_a, "3000")
    deep = filed_file(rights.union_a1, 1, "王困难", "deep")
    relative = filed_file(rights.union_a1, 2, "李困难", "relative")
    return campaign, allocation, deep, relative


def test_propose_uses_the_standard_by_level_and_the_nearest_allocation(rights, running):
    campaign, allocation, deep, relative = running
    g1 = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    g2 = services.grant_propose(
        actor=rights.officer_a1, campaign=campaign, data={"hardship_file": relative.pk, "amount": "650"}
    )
    assert (g1.amount, g1.level, g1.allocation, g1.org, g1.state) == (
        money(1000),
        "deep",
        allocation,
        rights.union_a1,
        "proposed",
    )
    assert g2.amount == money(650) and g1.id_number_masked == deep.id_number_masked
    assert GrantEvent.objects.filter(grant=g1, kind="proposed").count() == 1
    # the district (holding the budget) hears of the proposal
    assert Notification.objects.filter(recipient=rights.officer_a, title__contains="待审批").count() == 2


def test_one_grant_per_person_per_campaign(rights, running):
    campaign, _, deep, _ = running
    services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    with pytest.raises(Conflict) as exc:
        services.grant_propose(actor=rights.officer_a, campaign=campaign, data={"hardship_file": deep.pk})
    assert exc.value.code == "duplicate_grant"
    assert Grant.objects.count() == 1


def test_one_grant_per_person_is_a_database_constraint(rights, running):
    from django.db import IntegrityError, transaction

    campaign, _, deep, _ = running
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    twin = Grant.objects.get(pk=grant.pk)
    twin.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    # a rejected grant frees the person for a new proposal
    services.grant_reject(actor=rights.officer_a, grant=grant, reason="不符合条件")
    again = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    assert again.state == "proposed"


def test_whoever_proposed_a_grant_cannot_approve_it(rights, running):
    campaign, allocation, deep, _ = running
    grant = services.grant_propose(
        actor=rights.officer_a, campaign=campaign, data={"hardship_file": deep.pk, "amount": "2000"}
    )
    with pytest.raises(Forbidden, match="不能批准自己申报的救助"):
        services.grant_approve(actor=rights.officer_a, grant=grant)
    assert reload(grant).state == "proposed" and reload(allocation).committed_amount == money(0)
    assert services.grant_approve(actor=rights.city_admin, grant=grant).state == "approved"
    assert reload(grant).decided_by == rights.city_admin


def test_approve_commits_budget_and_refuses_past_the_allocation(rights, running):
    campaign, allocation, deep, relative = running
    g1 = services.grant_propose(
        actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk, "amount": "2000"}
    )
    g2 = services.grant_propose(
        actor=rights.officer_a1, campaign=campaign, data={"hardship_file": relative.pk, "amount": "1500"}
    )
    with pytest.raises(Forbidden):  # the grassroots union does not hold the budget
        services.grant_approve(actor=rights.officer_a1, grant=g1)
    services.grant_approve(actor=rights.officer_a, grant=g1, now=NOW)
    assert reload(allocation).committed_amount == money(2000) and allocation.available == money(1000)
    with pytest.raises(Conflict) as exc:
        services.grant_approve(actor=rights.officer_a, grant=g2)
    assert exc.value.code == "budget_exceeded"
    assert reload(g2).state == "proposed" and reload(allocation).committed_amount == money(2000)
    assert Notification.objects.filter(recipient=rights.officer_a1, title__contains="救助已批准").count() == 1


def test_child_allocations_and_grants_share_the_allocation(rights, running):
    campaign, _allocation, deep, _ = running
    allocate(rights.officer_a, rights.officer_a, campaign, rights.union_a2, "2500")
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    with pytest.raises(Conflict) as exc:  # 3000 - 2500 passed down = 500 < 1000
        services.grant_approve(actor=rights.officer_a, grant=grant)
    assert exc.value.code == "budget_exceeded"


def test_yearly_cap_across_campaigns(rights, running):
    campaign, _allocation, deep, _ = running
    services.campaign_update(actor=rights.city_admin, campaign=campaign, data={"yearly_cap": "1500"})
    campaign.refresh_from_db()
    other = make_campaign(rights.officer_a, rights.district_a, name="生活救助", type="living_relief", yearly_cap="1500")
    g1 = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    g2 = services.grant_propose(
        actor=rights.officer_a1, campaign=other, data={"hardship_file": deep.pk, "amount": "600"}
    )
    services.grant_approve(actor=rights.officer_a, grant=g1)
    with pytest.raises(Conflict) as exc:
        services.grant_approve(actor=rights.officer_a, grant=g2)
    assert exc.value.code == "yearly_cap_exceeded"
    with pytest.raises(Conflict):  # checked at proposal too
        services.grant_propose(
            actor=rights.officer_a1,
            campaign=other,
            data={"hardship_file": filed_file(rights.union_a1, 9).pk, "amount": "1500.01"},
        )
    services.grant_cancel(actor=rights.officer_a1, grant=g2, reason="重报")
    g3 = services.grant_propose(
        actor=rights.officer_a1, campaign=other, data={"hardship_file": deep.pk, "amount": "500"}
    )
    assert services.grant_approve(actor=rights.officer_a, grant=g3).state == "approved"
    # a different year does not count
    next_year = make_campaign(rights.officer_a, rights.district_a, name="2027送温暖", year=2027, yearly_cap="1000")
    g4 = services.grant_propose(actor=rights.officer_a1, campaign=next_year, data={"hardship_file": deep.pk})
    assert services.grant_approve(actor=rights.officer_a, grant=g4).state == "approved"


def test_filed_only_campaigns_refuse_applications_and_unfiled_files(rights, running):
    campaign, _, deep, _ = running
    with pytest.raises(Conflict) as exc:
        services.grant_propose(
            actor=rights.officer_a1,
            campaign=campaign,
            data={"person_name": "赵申请", "id_number": id_number(30), "org": rights.union_a1.pk, "reason": "失业"},
        )
    assert exc.value.code == "not_eligible"
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    deep.state = "exited"
    deep.save(update_fields=["state"])
    with pytest.raises(Conflict) as exc:
        services.grant_approve(actor=rights.officer_a, grant=grant)
    assert exc.value.code == "not_eligible"


def test_open_campaigns_take_applications(rights):
    campaign = make_campaign(
        rights.officer_a,
        rights.district_a,
        type="special_hardship",
        name="一次性补助",
        eligibility="open",
        standards={},
    )
    with pytest.raises(InvalidInput) as exc:  # no standard: the amount is required
        services.grant_propose(
            actor=rights.officer_a1,
            campaign=campaign,
            data={"person_name": "赵申请", "id_number": id_number(30), "org": rights.union_a1.pk, "reason": "火灾"},
        )
    assert "amount" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        services.grant_propose(
            actor=rights.officer_a1,
            campaign=campaign,
            data={
                "person_name": "赵申请",
                "id_number": "110105199001011235",
                "org": rights.union_a1.pk,
                "reason": "x",
                "amount": "1",
            },
        )
    assert "id_number" in exc.value.fields
    grant = services.grant_propose(
        actor=rights.officer_a1,
        campaign=campaign,
        data={
            "person_name": "赵申请",
            "id_number": id_number(30),
            "org": rights.union_a1.pk,
            "reason": "火灾",
            "amount": "3000",
        },
    )
    assert grant.source == "application" and grant.hardship_file is None
    assert grant.id_number_masked == id_number(30)[:6] + "********" + id_number(30)[-4:]
    assert grant.id_number_encrypted != id_number(30)


def test_education_aid_uses_the_stage_table(rights):
    campaign = make_campaign(
        rights.officer_a,
        rights.district_a,
        type="education_aid",
        name="金秋助学",
        standards={"stages": {"senior": "2000", "university": "5000"}},
    )
    file = filed_file(rights.union_a1, 1)
    with pytest.raises(InvalidInput) as exc:
        services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": file.pk})
    assert "child_name" in exc.value.fields
    data = {"hardship_file": file.pk, "child_name": "王小明", "school": "北京大学", "stage": "university"}
    with pytest.raises(InvalidInput) as exc:
        services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={**data, "amount": "4000"})
    assert "amount" in exc.value.fields
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data=data)
    assert (grant.amount, grant.stage, grant.child_name, grant.school) == (
        money(5000),
        "university",
        "王小明",
        "北京大学",
    )


def test_medical_relief_is_capped_by_the_self_paid_part(rights):
    campaign = make_campaign(rights.officer_a, rights.district_a, type="medical_relief", name="医疗救助", standards={})
    file = filed_file(rights.union_a1, 1)
    data = {"hardship_file": file.pk, "medical_total": "30000", "medical_reimbursed": "22000"}
    with pytest.raises(InvalidInput):
        services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={**data, "amount": "8000.01"})
    with pytest.raises(InvalidInput):
        services.grant_propose(
            actor=rights.officer_a1, campaign=campaign, data={**data, "medical_reimbursed": "30001", "amount": "1"}
        )
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={**data, "amount": "5000"})
    assert (grant.medical_total, grant.medical_reimbursed, grant.medical_self_paid) == (
        money(30000),
        money(22000),
        money(8000),
    )


def test_pay_records_method_and_returns_the_difference(rights, running, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    campaign, allocation, deep, _ = running
    worker = make_worker("13911112222", name="王困难", id_no=id_number(1))
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    with pytest.raises(Conflict):  # not approved yet
        services.grant_pay(actor=rights.officer_a1, grant=grant, method="cash", paid_on="2026-01-09", now=NOW)
    services.grant_approve(actor=rights.officer_a, grant=grant)
    voucher = io.BytesIO(b"%PDF-1.4 receipt")
    voucher.name, voucher.size = "回执.pdf", 16
    paid = services.grant_pay(
        actor=rights.officer_a1,
        grant=grant,
        method="bank_transfer",
        paid_on="2026-01-09",
        paid_amount="900",
        payer="张会计",
        voucher=voucher,
        now=NOW,
    )
    allocation.refresh_from_db()
    assert (paid.state, paid.paid_amount, paid.pay_method, paid.payer) == (
        "paid",
        money(900),
        "bank_transfer",
        "张会计",
    )
    assert (allocation.committed_amount, allocation.paid_amount) == (money(900), money(900))
    assert paid.voucher_name == "回执.pdf" and paid.voucher_type == "application/pdf"
    assert Notification.objects.filter(recipient=worker.user, title__contains="救助已发放").count() == 1
    with pytest.raises(Conflict):
        services.grant_cancel(actor=rights.officer_a, grant=paid, reason="x")


def test_pay_checks_amount_date_and_voucher(rights, running):
    campaign, _, deep, _ = running
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    services.grant_approve(actor=rights.officer_a, grant=grant)
    with pytest.raises(InvalidInput):
        services.grant_pay(
            actor=rights.officer_a1, grant=grant, method="cash", paid_on="2026-01-15", paid_amount="1000.01", now=NOW
        )
    with pytest.raises(InvalidInput):  # in the future
        services.grant_pay(actor=rights.officer_a1, grant=grant, method="cash", paid_on="2026-01-11", now=NOW)
    with pytest.raises(InvalidInput):
        services.grant_pay(actor=rights.officer_a1, grant=grant, method="cheque", paid_on="2026-01-09", now=NOW)
    fake = io.BytesIO(b"MZ not a pdf")
    fake.name, fake.size = "x.pdf", 12
    with pytest.raises(InvalidInput) as exc:
        services.grant_pay(
            actor=rights.officer_a1, grant=grant, method="cash", paid_on="2026-01-09", voucher=fake, now=NOW
        )
    assert exc.value.code == "bad_file_content"
    exe = io.BytesIO(b"MZ")
    exe.name, exe.size = "x.exe", 2
    with pytest.raises(InvalidInput) as exc:
        services.grant_pay(
            actor=rights.officer_a1, grant=grant, method="cash", paid_on="2026-01-09", voucher=exe, now=NOW
        )
    assert exc.value.code == "bad_file_type"
    assert reload(grant).state == "approved"


def test_cancel_frees_the_budget(rights, running):
    campaign, allocation, deep, relative = running
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    services.grant_approve(actor=rights.officer_a, grant=grant)
    with pytest.raises(Forbidden):  # approved: only the approving level withdraws it
        services.grant_cancel(actor=rights.officer_a1, grant=grant, reason="搞错了")
    with pytest.raises(InvalidInput):
        services.grant_cancel(actor=rights.officer_a, grant=grant, reason=" ")
    services.grant_cancel(actor=rights.officer_a, grant=grant, reason="重复申报")
    assert reload(allocation).committed_amount == 0 and reload(grant).state == "cancelled"
    proposed = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": relative.pk})
    assert services.grant_cancel(actor=rights.officer_a1, grant=proposed, reason="撤回").state == "cancelled"


def test_reject_needs_a_reason_and_the_deciding_level(rights, running, tree):
    campaign, _, deep, _ = running
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    with pytest.raises(InvalidInput):
        services.grant_reject(actor=rights.officer_a, grant=grant, reason="")
    with pytest.raises(Forbidden):
        services.grant_reject(actor=tree.officer_b, grant=grant, reason="不符合")
    services.grant_reject(actor=rights.officer_a, grant=grant, reason="收入超标")
    assert reload(grant).state == "rejected" and grant.reject_reason == "收入超标"
    assert Notification.objects.filter(recipient=rights.officer_a1, title__contains="未获批准").count() == 1
    with pytest.raises(Conflict):
        services.grant_approve(actor=rights.officer_a, grant=grant)


def test_writes_need_the_right_and_write_role(rights, running, tree):
    campaign, _, deep, _ = running
    from gonghui.accounts.services import officer_update

    officer_update(actor=tree.superuser, user=tree.viewer_a, data={"assistance_access": True})
    tree.viewer_a.refresh_from_db()
    for actor in (tree.viewer_a, tree.officer_b):
        with pytest.raises(Forbidden):
            services.grant_propose(actor=actor, campaign=campaign, data={"hardship_file": deep.pk})
    assert not Grant.objects.exists()


def test_propose_from_a_file_out_of_scope_is_refused(rights, running, tree):
    campaign, _, _, _ = running
    from .support import grant_assistance

    grant_assistance(tree, tree.officer_b)
    stranger = filed_file(tree.union_a2, 5)
    allocate(tree.city_admin, tree.city_admin, campaign, tree.district_b, "1000")
    with pytest.raises(InvalidInput) as exc:
        services.grant_propose(actor=tree.officer_b, campaign=campaign, data={"hardship_file": stranger.pk})
    assert "hardship_file" in exc.value.fields


def test_propose_many_reports_each_file(rights, running):
    campaign, _, deep, relative = running
    services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    made, failed = services.grant_propose_many(
        actor=rights.officer_a1, campaign=campaign, file_ids=[deep.pk, relative.pk]
    )
    assert [g.person_name for g in made] == ["李困难"] and failed[0][0] == deep.pk


def test_propose_many_sends_one_message_per_deciding_union(rights, running):
    campaign, _, deep, relative = running
    before = Notification.objects.filter(recipient=rights.officer_a).count()
    made, failed = services.grant_propose_many(
        actor=rights.officer_a1, campaign=campaign, file_ids=[deep.pk, relative.pk]
    )
    assert len(made) == 2 and failed == []
    messages = Notification.objects.filter(recipient=rights.officer_a).order_by("-id")
    assert messages.count() == before + 1
    assert messages[0].body == "申报 2 人，合计 1800.00 元"


def test_voucher_size_limit(rights, running, settings):
    settings.GONGHUI_VOUCHER_MAX_BYTES = 10
    campaign, _, deep, _ = running
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    services.grant_approve(actor=rights.officer_a, grant=grant)
    big = io.BytesIO(b"%PDF-1.4 this is more than ten bytes")
    big.name, big.size = "big.pdf", 35
    with pytest.raises(InvalidInput) as exc:
        services.grant_pay(
            actor=rights.officer_a1, grant=grant, method="cash", paid_on="2026-01-09", voucher=big, now=NOW
        )
    assert exc.value.code == "file_too_large" and "voucher" in exc.value.fields
    assert reload(grant).state == "approved"


def test_a_persons_grants_for_the_file_page(rights, running, tree):
    from gonghui.campaigns.selectors import grant_list_for_person

    campaign, _, deep, relative = running
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": relative.pk})
    assert list(grant_list_for_person(actor=rights.officer_a1, id_number_hash=deep.id_number_hash)) == [grant]
    with pytest.raises(Forbidden):
        grant_list_for_person(actor=tree.viewer_a, id_number_hash=deep.id_number_hash)
    from .support import grant_assistance

    grant_assistance(tree, tree.officer_b)
    assert not grant_list_for_person(actor=tree.officer_b, id_number_hash=deep.id_number_hash).exists()
