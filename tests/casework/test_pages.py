"""Casework pages: the panel on the request page, the forms, the worker's rating, the reports."""

from __future__ import annotations

import datetime as dt
import io

from python_calamine import CalamineWorkbook

from gonghui.casework import services as casework
from gonghui.casework.models import FollowUp, LegalAidCase, Mediation, Rating
from gonghui.rights import services as core
from tests.casework.support import file_request, worker_in

pytest_plugins = ["tests.casework.fixtures"]


def text(response) -> str:
    return response.content.decode()


def detail(client, req):
    return client.get(f"/rights/{req.pk}/")


def test_panel_shows_casework_actions_for_an_open_request(client, tree, open_request):
    client.force_login(tree.officer_a)
    page = text(detail(client, open_request))
    assert 'data-testid="casework"' in page
    assert f"/rights/{open_request.pk}/legal-aid/new/" in page
    assert f"/rights/{open_request.pk}/mediation/new/" in page
    assert "办结后回访" in page


def test_viewer_sees_the_panel_without_actions(client, tree, open_request):
    casework.legal_aid_open(
        actor=tree.officer_a,
        request=open_request,
        data={"aid_type": "consultation", "lawyer_name": "王律师", "agency_name": "援助中心", "stage": "arbitration"},
    )
    client.force_login(tree.viewer_a)
    page = text(detail(client, open_request))
    assert "王律师" in page and "劳动仲裁" in page
    assert "/legal-aid/new/" not in page and "更新进展" not in page
    assert client.get(f"/rights/{open_request.pk}/legal-aid/new/").status_code == 403


def test_legal_aid_form_creates_and_edits(client, tree, open_request):
    client.force_login(tree.officer_a)
    url = f"/rights/{open_request.pk}/legal-aid/new/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"aid_type": "representation", "lawyer_name": "王律师", "agency_name": "所",
                            "stage": "arbitration", "opened_on": "2026-09-01", "outcome": "pending",
                            "amount_claimed": "-3"})  # fmt: skip
    assert bad.status_code == 400 and LegalAidCase.objects.count() == 0
    response = client.post(url, {"aid_type": "representation", "lawyer_name": "王律师", "agency_name": "某律师事务所",
                                 "stage": "arbitration", "opened_on": "2026-09-01", "outcome": "pending",
                                 "amount_claimed": "36000", "amount_recovered": ""})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/rights/{open_request.pk}/#casework"
    case = LegalAidCase.objects.get()
    edit = f"/rights/legal-aid/{case.pk}/"
    page = text(client.get(edit))
    assert 'value="王律师"' in page
    response = client.post(edit, {"aid_type": "representation", "lawyer_name": "王律师", "agency_name": "某律师事务所",
                                  "stage": "first_instance", "opened_on": "2026-09-01", "outcome": "pending",
                                  "amount_claimed": "36000", "amount_recovered": "0"})  # fmt: skip
    assert response.status_code == 302
    assert LegalAidCase.objects.get().stage == "first_instance"
    page = text(detail(client, open_request))
    assert "一审" in page and "36,000.00" in page
    # The service's rule shows beside the field and nothing changes.
    response = client.post(edit, {"aid_type": "representation", "lawyer_name": "王律师", "agency_name": "某律师事务所",
                                  "stage": "first_instance", "opened_on": "2026-09-01", "outcome": "pending",
                                  "closed_on": "2026-10-01", "amount_claimed": "36000"})  # fmt: skip
    assert response.status_code == 400 and "已填写结案日期，请选择结果" in text(response)


def test_mediation_pages(client, tree, open_request):
    client.force_login(tree.officer_a)
    page = text(client.get(f"/rights/{open_request.pk}/mediation/new/"))
    assert "北京某建筑公司" in page  # prefilled from the request
    response = client.post(f"/rights/{open_request.pk}/mediation/new/", {
        "worker_party": "李四", "employer_name": "北京某建筑公司", "mediator_name": "赵调解员",
        "mediator_org": "街道调解委员会", "started_on": "2026-09-02"})  # fmt: skip
    assert response.status_code == 302
    mediation = Mediation.objects.get()
    response = client.post(f"/rights/mediations/{mediation.pk}/sessions/new/", {
        "held_on": "2026-09-05", "place": "调解室", "attendees": "双方", "summary": "初步沟通"})  # fmt: skip
    assert response.status_code == 302
    response = client.post(f"/rights/mediations/{mediation.pk}/result/", {
        "result": "agreed", "agreement_amount": "20000", "agreement_date": "2026-09-10", "performed": "1",
        "performed_on": "2026-09-20"})  # fmt: skip
    assert response.status_code == 302
    page = text(detail(client, open_request))
    assert "达成协议" in page and "20,000.00" in page and "初步沟通" in page and "已履行" in page
    edit = client.post(f"/rights/mediations/{mediation.pk}/", {
        "worker_party": "李四等2人", "employer_name": "北京某建筑公司", "mediator_name": "赵调解员",
        "mediator_org": "街道调解委员会", "started_on": "2026-09-02", "employer_uscc": "bad"})  # fmt: skip
    assert edit.status_code == 400 and Mediation.objects.get().worker_party == "李四"


def test_follow_up_and_phone_rating_then_close(client, tree, resolved_request):
    client.force_login(tree.officer_a)
    page = text(detail(client, resolved_request))
    assert "关闭前须先完成回访" in page and f"/rights/{resolved_request.pk}/follow-up/" in page
    response = client.post(f"/rights/{resolved_request.pk}/follow-up/", {
        "fu-method": "phone", "fu-contacted": "1", "fu-satisfied": "1", "fu-answer": "已到账",
        "fu-score": "5", "fu-comment": "谢谢"})  # fmt: skip
    assert response.status_code == 302
    assert FollowUp.objects.get().contacted is True and Rating.objects.get().source == "phone"
    page = text(detail(client, resolved_request))
    assert "已联系上职工" in page and "★★★★★" in page
    core.request_close(actor=tree.officer_a, request=resolved_request)


def test_follow_up_form_errors(client, tree, resolved_request):
    client.force_login(tree.officer_a)
    response = client.post(f"/rights/{resolved_request.pk}/follow-up/", {
        "fu-method": "phone", "fu-contacted": "0", "fu-satisfied": "1"})  # fmt: skip
    assert response.status_code == 400 and "未联系上职工，不能填写是否满意" in text(response)
    assert FollowUp.objects.count() == 0


def test_officer_rating_page(client, tree, resolved_request):
    client.force_login(tree.officer_a)
    url = f"/rights/{resolved_request.pk}/rating/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"rt-score": "9"}).status_code == 400
    assert client.post(url, {"rt-score": "4", "rt-comment": "满意"}).status_code == 302
    assert client.post(url, {"rt-score": "4"}).status_code == 400  # already rated: error beside the form
    assert Rating.objects.get().score == 4


def test_worker_rates_on_the_portal(client, tree, resolved_request, worker_a):
    client.force_login(worker_a.user)
    page = text(client.get(f"/m/requests/{resolved_request.pk}/"))
    assert 'data-testid="rate-form"' in page and f"/m/requests/{resolved_request.pk}/rate/" in page
    response = client.post(f"/m/requests/{resolved_request.pk}/rate/", {"rt-score": "2", "rt-comment": "没解决"})
    assert response.status_code == 302 and response["Location"].endswith("#reopen")
    page = text(client.get(f"/m/requests/{resolved_request.pk}/"))
    assert 'data-testid="my-rating"' in page and "没解决" in page and "申请重新办理" in page
    again = client.post(f"/m/requests/{resolved_request.pk}/rate/", {"rt-score": "5"})
    assert again.status_code == 302 and Rating.objects.get().score == 2


def test_worker_cannot_rate_someone_elses_or_an_open_request(client, tree, resolved_request, open_request):
    other = worker_in(tree.union_a1, name="王五")
    client.force_login(other.user)
    assert client.post(f"/m/requests/{resolved_request.pk}/rate/", {"rt-score": "5"}).status_code == 404
    mine = file_request(other)
    client.post(f"/m/requests/{mine.pk}/rate/", {"rt-score": "5"})
    assert Rating.objects.count() == 0
    client.force_login(tree.officer_a)
    response = client.post(f"/m/requests/{resolved_request.pk}/rate/", {"rt-score": "5"})
    assert response.status_code in (302, 403) and Rating.objects.count() == 0


def test_supervision_page(client, tree, worker_a):
    past = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    late = file_request(worker_a, now=past, title="逾期未受理的诉求")
    client.force_login(tree.officer_a)
    page = text(client.get("/rights/supervision/"))
    assert 'data-testid="overdue-total">1<' in page and "逾期未受理的诉求" in page and "望京科技公司工会" in page
    drilled = text(client.get("/rights/supervision/", {"org": tree.union_a2.pk}))
    assert "逾期未受理的诉求" not in drilled
    client.force_login(tree.officer_b)
    page = text(client.get("/rights/supervision/"))
    assert 'data-testid="overdue-total">0<' in page and late.title not in page
    assert client.get("/rights/supervision/", {"org": tree.union_a1.pk}).status_code == 404


def test_satisfaction_page_and_export(client, tree, resolved_request, worker_a):
    casework.rating_submit(worker=worker_a, request=resolved_request, score=5)
    client.force_login(tree.officer_a)
    page = text(client.get("/rights/satisfaction/"))
    assert 'data-testid="satisfaction-row"' in page and "望京街道工会" in page
    assert 'data-testid="total-satisfaction">100.0%<' in page
    assert "casework-chart-data" in page and "echarts.min.js" in page
    bad = client.get("/rights/satisfaction/", {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in text(bad)
    export = client.get("/rights/satisfaction/export/")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(export.content)).get_sheet_by_index(0).to_python()
    assert rows[3][0] == "望京街道工会" and rows[3][11] == 100.0
    client.force_login(tree.officer_b)
    out_of_scope = client.get("/rights/satisfaction/", {"org": tree.street_a.pk})
    assert out_of_scope.status_code == 400 and "望京" not in text(out_of_scope)
    assert "望京" not in text(client.get("/rights/satisfaction/"))
