"""The campaign pages: render, act through forms, scope and rights."""

from __future__ import annotations

import io

import pytest
from python_calamine import CalamineWorkbook

from gonghui.accounts.models import AuditLog
from gonghui.campaigns import services
from gonghui.campaigns.models import AssistanceCampaign, BudgetAllocation, Grant

from .support import NOW, allocate, filed_file, make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(rights):
    campaign = make_campaign(rights.city_admin, rights.city, budget="10000", name="2026年送温暖")
    allocation = allocate(rights.city_admin, rights.city_admin, campaign, rights.district_a, "3000")
    deep = filed_file(rights.union_a1, 1, "王困难", "deep")
    relative = filed_file(rights.union_a2, 2, "李困难", "relative")
    return campaign, allocation, deep, relative


def test_list_detail_and_dashboard_render(client, rights, world):
    campaign, *_ = world
    client.force_login(rights.officer_a)
    page = client.get("/campaigns/").content.decode()
    assert "2026年送温暖" in page and "新建活动" in page
    detail = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "朝阳区总工会" in detail and "北京市总工会" not in detail.split("allocation-tree")[1]  # in scope only
    assert 'data-testid="fig-allocated">3,000.00' in detail
    dash = client.get(f"/campaigns/{campaign.pk}/dashboard/").content.decode()
    assert "budget-chart-data" in dash and "预算执行" in dash
    overview = client.get("/campaigns/figures/?year=2026").content.decode()
    assert "type-pie-data" in overview and "送温暖" in overview


def test_create_edit_open_close_through_pages(client, rights):
    client.force_login(rights.officer_a)
    data = {
        "type": "education_aid",
        "name": "金秋助学",
        "organiser": rights.district_a.pk,
        "year": 2026,
        "starts_on": "2026-08-01",
        "ends_on": "2026-09-30",
        "eligibility": "filed_only",
        "budget": "20000",
        "stage_university": "5000",
        "stage_senior": "2000",
    }
    response = client.post("/campaigns/new/", data)
    campaign = AssistanceCampaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/campaigns/{campaign.pk}/"
    assert campaign.standards == {"stages": {"senior": "2000.00", "university": "5000.00"}}
    bad = client.post("/campaigns/new/", {**data, "ends_on": "2026-07-01"})
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in bad.content.decode()
    response = client.post(f"/campaigns/{campaign.pk}/edit/", {**data, "name": "2026金秋助学", "budget": "25000"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.name == "2026金秋助学" and campaign.allocations.get().amount == 25000
    client.post(f"/campaigns/{campaign.pk}/open/")
    campaign.refresh_from_db()
    assert campaign.state == "open"
    client.post(f"/campaigns/{campaign.pk}/close/")
    campaign.refresh_from_db()
    assert campaign.state == "closed"


def test_allocate_and_approve_through_pages(client, rights, world):
    campaign, allocation, *_ = world
    client.force_login(rights.officer_a)
    response = client.post(f"/campaigns/{campaign.pk}/allocate/", {"org": rights.union_a1.pk, "amount": "1200"})
    assert response.status_code == 302
    child = BudgetAllocation.objects.get(org=rights.union_a1)
    assert child.parent == allocation and child.state == "draft"
    too_much = client.post(
        f"/campaigns/{campaign.pk}/allocate/", {"org": rights.union_a2.pk, "amount": "1800.01"}, follow=True
    )
    assert "超出可分配金额" in too_much.content.decode()
    client.post(f"/campaigns/allocations/{child.pk}/approve/")
    child.refresh_from_db()
    assert child.state == "approved"
    # the district's own allocation waits for the city; the district cannot approve it
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert page.count('data-testid="allocation-approve"') == 0


def test_grant_flow_through_pages(client, rights, world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    campaign, _allocation, deep, _relative = world
    client.force_login(rights.officer_a1)
    form = client.get(f"/campaigns/{campaign.pk}/propose/files/").content.decode()
    assert "王困难" in form and "李困难" not in form  # union A2 is outside A1's scope
    response = client.post(f"/campaigns/{campaign.pk}/propose/files/", {"files": [deep.pk]})
    assert response.status_code == 302
    grant = Grant.objects.get()
    assert grant.amount == 1000 and grant.state == "proposed"
    # the grassroots officer sees no approve form (the district holds the budget)
    page = client.get(f"/campaigns/grants/{grant.pk}/").content.decode()
    assert 'data-testid="action-approve"' not in page and 'data-testid="action-cancel"' in page
    client.force_login(rights.officer_a)
    page = client.get(f"/campaigns/grants/{grant.pk}/").content.decode()
    assert 'data-testid="action-approve"' in page and grant.id_number_masked in page
    client.post(f"/campaigns/grants/{grant.pk}/approve/", {"approve-note": "同意"})
    grant.refresh_from_db()
    assert grant.state == "approved"
    client.force_login(rights.officer_a1)
    voucher = io.BytesIO(b"\x89PNG\r\n\x1a\n....")
    voucher.name = "凭证.png"
    response = client.post(
        f"/campaigns/grants/{grant.pk}/pay/",
        {"pay-method": "cash", "pay-paid_on": "2026-01-09", "pay-payer": "张会计", "pay-voucher": voucher},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant.refresh_from_db()
    assert grant.state == "paid" and grant.voucher_name == "凭证.png"
    download = client.get(f"/campaigns/grants/{grant.pk}/voucher/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"\x89PNG")
    # detail views are audited and listed
    page = client.get(f"/campaigns/grants/{grant.pk}/").content.decode()
    assert AuditLog.objects.filter(action="view_assistance", target_type="grant", target_id=str(grant.pk)).count() == 3
    assert 'data-testid="access-history"' in page


def test_bad_action_form_shows_errors(client, rights, world):
    campaign, _, deep, _ = world
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    client.force_login(rights.officer_a)
    response = client.post(f"/campaigns/grants/{grant.pk}/reject/", {"reject-reason": ""})
    assert response.status_code == 400 and "form-error" in response.content.decode()
    grant.refresh_from_db()
    assert grant.state == "proposed"


def test_single_propose_page_for_applications(client, rights):
    from tests.conftest import id_number

    campaign = make_campaign(
        rights.officer_a, rights.district_a, type="special_hardship", name="特困补助", eligibility="open", standards={}
    )
    client.force_login(rights.officer_a)
    page = client.get(f"/campaigns/{campaign.pk}/propose/").content.decode()
    assert "个人申请" in page
    response = client.post(
        f"/campaigns/{campaign.pk}/propose/",
        {
            "source": "application",
            "person_name": "赵申请",
            "id_number": id_number(40),
            "org": rights.union_a2.pk,
            "reason": "家中失火",
            "amount": "3000",
        },
    )
    grant = Grant.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/campaigns/grants/{grant.pk}/"
    assert grant.source == "application" and grant.amount == 3000


def test_the_proposer_sees_no_approve_form_and_cannot_post_one(client, rights, world):
    campaign, _allocation, deep, _relative = world
    grant = services.grant_propose(actor=rights.officer_a, campaign=campaign, data={"hardship_file": deep.pk})
    client.force_login(rights.officer_a)
    page = client.get(f"/campaigns/grants/{grant.pk}/").content.decode()
    assert 'data-testid="action-approve"' not in page and 'data-testid="action-reject"' in page
    assert "请由其他有审批权的工作人员批准" in page
    response = client.post(f"/campaigns/grants/{grant.pk}/approve/", {"approve-note": "同意"}, follow=True)
    assert "当前状态下不能进行此操作" in response.content.decode()  # the service refuses it too (test_services)
    grant.refresh_from_db()
    assert grant.state == "proposed"


def test_payment_roll_download(client, rights, world):
    campaign, _, deep, relative = world
    g1 = services.grant_propose(actor=rights.officer_a, campaign=campaign, data={"hardship_file": deep.pk})
    g2 = services.grant_propose(actor=rights.officer_a, campaign=campaign, data={"hardship_file": relative.pk})
    services.grant_approve(actor=rights.city_admin, grant=g1)  # four eyes: not the proposer
    services.grant_approve(actor=rights.city_admin, grant=g2)
    services.grant_pay(
        actor=rights.officer_a, grant=g1, method="bank_transfer", paid_on="2026-01-09", paid_amount="950", now=NOW
    )
    client.force_login(rights.officer_a)
    response = client.get(f"/campaigns/{campaign.pk}/roll.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[2][:9] == [
        "序号",
        "姓名",
        "证件号码",
        "所在工会",
        "困难类别",
        "救助金额（元）",
        "发放方式",
        "发放日期",
        "领取人签字",
    ]
    body = rows[3:-1]
    assert [(r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in body] == [
        ("王困难", deep.id_number_masked, "望京科技公司工会", "深度困难", 950.0, "银行转账", "2026-01-09"),
        ("李困难", relative.id_number_masked, "望京物流联合工会", "相对困难", 800.0, "待发放", ""),
    ]
    assert rows[-1][0] == "合计" and rows[-1][5] == 1750.0
    assert AuditLog.objects.filter(action="export", target_type="assistancecampaign").count() == 1
    # one union's subtree only
    only_a1 = client.get(f"/campaigns/{campaign.pk}/roll.xlsx?org={rights.union_a1.pk}")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(only_a1.content)).get_sheet_by_index(0).to_python()
    assert [r[1] for r in rows[3:-1]] == ["王困难"]


def test_personal_pages_need_the_assistance_right(client, rights, world, tree):
    campaign, _, deep, _ = world
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    client.force_login(tree.viewer_a)  # no assistance right
    for url in (f"/campaigns/grants/{grant.pk}/", "/campaigns/grants/", f"/campaigns/{campaign.pk}/roll.xlsx"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "王困难" not in response.content.decode()
    # aggregate figures are fine
    assert client.get(f"/campaigns/{campaign.pk}/dashboard/").status_code == 200
    assert client.post(f"/campaigns/grants/{grant.pk}/approve/").status_code == 403


def test_viewer_with_the_right_reads_but_cannot_act(client, rights, world, tree):
    from gonghui.accounts.services import officer_update

    campaign, _, deep, _ = world
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    officer_update(actor=tree.superuser, user=tree.viewer_a, data={"assistance_access": True})
    tree.viewer_a.refresh_from_db()  # the change of rights signed the account out everywhere (a new epoch)
    client.force_login(tree.viewer_a)
    page = client.get(f"/campaigns/grants/{grant.pk}/")
    assert page.status_code == 200 and 'data-testid="action-' not in page.content.decode()
    assert client.post(f"/campaigns/grants/{grant.pk}/approve/").status_code == 403
    grant.refresh_from_db()
    assert grant.state == "proposed"


def test_sibling_branch_sees_nothing(client, rights, world, tree):
    from .support import grant_assistance

    campaign, allocation, deep, _ = world
    grant = services.grant_propose(actor=rights.officer_a1, campaign=campaign, data={"hardship_file": deep.pk})
    grant_assistance(tree, tree.officer_b)
    client.force_login(tree.officer_b)
    assert client.get(f"/campaigns/grants/{grant.pk}/").status_code == 404
    assert client.get(f"/campaigns/allocations/{allocation.pk}/edit/").status_code == 404
    detail = client.get(f"/campaigns/{campaign.pk}/").content.decode()  # the city's campaign: visible
    assert "朝阳区总工会" not in detail and "望京" not in detail
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(client.get(f"/campaigns/{campaign.pk}/roll.xlsx").content))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert len(rows) == 4  # title, union line, header, total
    assert client.get(f"/campaigns/{campaign.pk}/roll.xlsx?org={rights.union_a1.pk}").status_code == 404
    district_campaign = make_campaign(rights.officer_a, rights.district_a, name="望京专项")
    assert client.get(f"/campaigns/{district_campaign.pk}/").status_code == 404


def test_allocation_edit_and_withdraw_pages(client, rights, world):
    campaign, *_ = world
    draft = services.allocation_create(actor=rights.city_admin, campaign=campaign, org=rights.district_b, amount="2000")
    client.force_login(rights.city_admin)
    assert "修改预算分配" in client.get(f"/campaigns/allocations/{draft.pk}/edit/").content.decode()
    too_much = client.post(f"/campaigns/allocations/{draft.pk}/edit/", {"amount": "7000.01"})
    assert too_much.status_code == 400 and "超出可分配金额" in too_much.content.decode()
    assert (
        client.post(f"/campaigns/allocations/{draft.pk}/edit/", {"amount": "2500", "note": "追加"}).status_code == 302
    )
    draft.refresh_from_db()
    assert (draft.amount, draft.note) == (2500, "追加")
    client.post(f"/campaigns/allocations/{draft.pk}/edit/", {"delete": "1"})
    assert not BudgetAllocation.objects.filter(pk=draft.pk).exists()
    assert BudgetAllocation.objects.get(campaign=campaign, parent=None).allocated_amount == 3000


def test_education_and_medical_propose_forms(client, rights):
    education = make_campaign(
        rights.officer_a,
        rights.district_a,
        type="education_aid",
        name="金秋助学",
        standards={"stages": {"junior": "1500"}},
    )
    medical = make_campaign(rights.officer_a, rights.district_a, type="medical_relief", name="医疗救助", standards={})
    file = filed_file(rights.union_a1, 1)
    client.force_login(rights.officer_a)
    page = client.get(f"/campaigns/{education.pk}/propose/?file={file.pk}").content.decode()
    assert "子女姓名" in page and "医疗费用总额" not in page and "个人申请" not in page
    response = client.post(
        f"/campaigns/{education.pk}/propose/",
        {"source": "file", "hardship_file": file.pk, "child_name": "王小明", "school": "二中", "stage": "junior"},
    )
    assert response.status_code == 302
    assert Grant.objects.get(campaign=education).amount == 1500
    page = client.get(f"/campaigns/{medical.pk}/propose/").content.decode()
    assert "医疗费用总额" in page and "子女姓名" not in page
    bad = client.post(
        f"/campaigns/{medical.pk}/propose/",
        {
            "source": "file",
            "hardship_file": file.pk,
            "medical_total": "1000",
            "medical_reimbursed": "800",
            "amount": "300",
        },
    )
    assert bad.status_code == 400 and "救助金额不能超过个人自付部分" in bad.content.decode()


def test_nav_entry_follows_the_assistance_right(client, rights, tree):
    client.force_login(rights.officer_a)
    assert 'data-testid="nav-campaigns"' in client.get("/campaigns/").content.decode()
    client.force_login(tree.viewer_a)
    page = client.get("/campaigns/")
    assert page.status_code == 200 and 'data-testid="nav-campaigns"' not in page.content.decode()
