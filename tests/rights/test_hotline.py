"""12351 tickets: routing of non-members to the county federation (or a street picked), the
major-incident alarm chain, the received time and its deadline, the call's own facts, the
category figures (欠薪要素, USCC check digit), earlier calls from the same phone, the SMS with the
case number and the public tracking page, names instead of phones."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from gonghui.accounts.services import officer_create, token_issue
from gonghui.core.errors import InvalidInput
from gonghui.core.uscc import build_uscc
from gonghui.core.workdays import deadline_after
from gonghui.notifications.models import Notification
from gonghui.orgs.services import org_create
from gonghui.rights import services
from gonghui.rights.models import EventKind, ServiceRequest
from tests.conftest import PASSWORD

from .rights_support import at, facts, file, plain_worker, refresh

pytestmark = pytest.mark.django_db

USCC = build_uscc("91330185MA2H" + "12345")
WAGE = {"amount_owed": "86,400", "months_owed": "3", "employer_uscc": USCC, "project_name": "青山湖科创园二期"}
WAGE_FULL = {**WAGE, "subcontractor_name": "钱某", "subcontractor_phone": "13812345678"}


@pytest.fixture
def zhejiang(tree):
    """浙江省总工会 → 杭州市总工会 → 临安区总工会 → two street unions (锦城, 青山湖), all 330112; a
    hotline officer at the city federation and an officer at the province."""
    root = tree.superuser

    def org(parent, name, code, kind, region, level=""):
        data = {"name": name, "code": code, "kind": kind, "region_code": region}
        if level:
            data["federation_level"] = level
        return org_create(actor=root, parent=parent, data=data)

    province = org(None, "浙江省总工会", "ZJ", "federation", "330000", "provincial")
    city = org(province, "杭州市总工会", "ZJ-HZ", "federation", "330100", "city")
    linan = org(city, "临安区总工会", "ZJ-HZ-LA", "federation", "330112", "county")
    jincheng = org(linan, "锦城街道总工会", "ZJ-HZ-LA-J01", "township", "330112")
    qingshan = org(linan, "青山湖街道总工会", "ZJ-HZ-LA-J02", "township", "330112")
    fuyang = org(city, "富阳区总工会", "ZJ-HZ-FY", "federation", "330111", "county")

    def officer(name, at_org):
        return officer_create(actor=root, username=name, password=PASSWORD, org=at_org, role="officer")

    class Z:
        pass

    z = Z()
    z.province, z.city, z.linan, z.jincheng, z.qingshan, z.fuyang = province, city, linan, jincheng, qingshan, fuyang
    z.hotline = officer("hz_12351", city)
    z.province_officer = officer("zj_officer", province)
    z.linan_officer = officer("la_officer", linan)
    z.jincheng_officer = officer("jc_officer", jincheng)
    z.fuyang_officer = officer("fy_officer", fuyang)
    return z


def call(actor, **overrides):
    data = facts(
        channel="hotline",
        requester_name="赵六",
        requester_phone="13700001111",
        region_code="330112",
        employer_name="杭州某建设公司",
        workers_involved=1,
    )
    data.update(overrides)
    return services.request_record_call(actor=actor, data=data, now=overrides.pop("now", None))


def alarmed(request) -> list[int]:
    event = request.events.get(kind=EventKind.MAJOR_INCIDENT)
    return event.data["orgs"]


# ---- routing ----------------------------------------------------------------------------------


def test_a_call_for_a_region_goes_to_its_county_federation_not_the_first_street(zhejiang):
    request = call(zhejiang.hotline)
    assert request.handling_org == zhejiang.linan
    assert request.taken_by_org == zhejiang.city
    assert request.region_label == "浙江省杭州市临安区"


def test_a_picked_street_takes_the_call(zhejiang):
    request = call(zhejiang.hotline, street_org=zhejiang.qingshan.pk)
    assert request.handling_org == zhejiang.qingshan


def test_a_street_outside_the_region_is_refused_and_nothing_is_recorded(zhejiang):
    with pytest.raises(InvalidInput) as exc:
        call(zhejiang.hotline, region_code="330111", street_org=zhejiang.qingshan.pk)
    assert "street_org" in exc.value.fields
    assert ServiceRequest.objects.count() == 0


def test_a_street_outside_the_officers_scope_cannot_be_picked(zhejiang):
    with pytest.raises(InvalidInput) as exc:
        call(zhejiang.fuyang_officer, region_code="", street_org=zhejiang.jincheng.pk)
    assert "street_org" in exc.value.fields
    assert ServiceRequest.objects.count() == 0


def test_a_street_picked_without_region_sets_the_region(zhejiang):
    request = call(zhejiang.hotline, region_code="", street_org=zhejiang.jincheng.pk)
    assert (request.handling_org, request.region_code) == (zhejiang.jincheng, "330112")


# ---- the major-incident alarm -------------------------------------------------------------------


def test_major_incident_alarms_every_federation_above_the_handler_up_to_the_city_and_nobody_else(
    zhejiang, sms_outbox, django_capture_on_commit_callbacks
):
    zhejiang.linan.contact_phone = "13911112222"
    zhejiang.linan.save(update_fields=["contact_phone"])
    zhejiang.city.contact_phone = "13911113333"
    zhejiang.city.save(update_fields=["contact_phone"])
    with django_capture_on_commit_callbacks(execute=True):
        request = call(zhejiang.hotline, street_org=zhejiang.jincheng.pk, workers_involved=12, category="wage_arrears")
    assert request.is_major_incident
    assert alarmed(request) == [zhejiang.linan.pk, zhejiang.city.pk]  # nearest first; not the province
    told = set(
        Notification.objects.filter(title__startswith="重大劳动事件").values_list("recipient__username", flat=True)
    )
    assert told == {"la_officer", "hz_12351"}
    assert {m.phone for m in sms_outbox if "重大劳动事件" in m.text} == {"13911112222", "13911113333"}


def test_major_incident_at_a_county_federation_alarms_the_city_that_took_the_call(zhejiang):
    request = call(zhejiang.hotline, workers_involved=12)
    assert request.handling_org == zhejiang.linan
    assert alarmed(request) == [zhejiang.city.pk]
    assert request.major_notified_org == zhejiang.city


def test_the_federation_that_took_the_call_is_alarmed_when_it_handles_the_call_itself(zhejiang):
    request = call(zhejiang.linan_officer, workers_involved=15)
    assert request.handling_org == zhejiang.linan
    assert alarmed(request) == [zhejiang.city.pk, zhejiang.linan.pk]
    told = set(
        Notification.objects.filter(title__startswith="重大劳动事件").values_list("recipient__username", flat=True)
    )
    assert told == {"hz_12351", "la_officer"}


# ---- received time and deadlines ------------------------------------------------------------------


def test_a_call_typed_in_later_counts_its_deadline_from_the_call(zhejiang):
    now = at(2026, 11, 26, 16)  # Thursday
    started = at(2026, 11, 23, 9, 5)  # Monday
    request = call(
        zhejiang.hotline,
        call_started_at=started,
        call_ended_at=started + dt.timedelta(minutes=12),
        recording_ref="REC-20261123-0042",
        now=now,
    )
    assert request.received_at == started
    assert request.created_at == now
    assert request.accept_due_from == started
    assert request.accept_due_at == deadline_after(started, 1) == at(2026, 11, 25, 0).astimezone(dt.UTC)
    assert request.is_overdue(now)  # already late when typed in
    assert (request.operator, request.recording_ref) == (zhejiang.hotline, "REC-20261123-0042")


def test_a_walk_in_typed_in_later_carries_its_visit_time(zhejiang):
    now = at(2026, 11, 26, 16)
    visit = "2026-11-25T10:30"  # naive: Shanghai time
    request = call(zhejiang.hotline, channel="walk_in", received_at=visit, now=now)
    assert request.received_at == at(2026, 11, 25, 10, 30)
    assert request.call_started_at is None


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("received_at", at(2026, 11, 26, 17), "received_in_future"),
        ("call_started_at", at(2026, 11, 26, 17), "received_in_future"),
        ("received_at", at(2026, 10, 26, 15), "received_too_early"),
        ("received_at", "yesterday", "invalid"),
    ],
)
def test_received_time_ahead_or_too_far_back_is_refused_and_changes_nothing(
    zhejiang, sms_outbox, django_capture_on_commit_callbacks, field, value, code
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidInput) as exc:
        call(
            zhejiang.hotline,
            channel="walk_in" if field == "received_at" else "hotline",
            now=at(2026, 11, 26, 16),
            **{field: value},
        )
    assert field in exc.value.fields
    assert code == "invalid" or exc.value.code == code
    assert ServiceRequest.objects.count() == 0
    assert Notification.objects.count() == 0
    assert sms_outbox == []


@override_settings(GONGHUI_RECEIVED_AT_MAX_DAYS_BACK=3)
def test_the_days_back_are_a_setting(zhejiang):
    now = at(2026, 11, 26, 16)
    with pytest.raises(InvalidInput):
        call(zhejiang.hotline, call_started_at=at(2026, 11, 23, 15), now=now)
    assert call(zhejiang.hotline, call_started_at=at(2026, 11, 23, 17), now=now).received_at == at(2026, 11, 23, 17)


def test_call_end_before_start_is_refused(zhejiang):
    with pytest.raises(InvalidInput) as exc:
        call(
            zhejiang.hotline,
            call_started_at=timezone.now() - dt.timedelta(minutes=5),
            call_ended_at=timezone.now() - dt.timedelta(minutes=9),
        )
    assert "call_ended_at" in exc.value.fields


def test_the_operator_defaults_to_the_recorder_and_must_be_in_scope(zhejiang):
    assert call(zhejiang.linan_officer).operator == zhejiang.linan_officer
    assert call(zhejiang.hotline, operator=zhejiang.jincheng_officer.pk).operator == zhejiang.jincheng_officer
    with pytest.raises(InvalidInput) as exc:
        call(zhejiang.linan_officer, operator=zhejiang.fuyang_officer.pk)
    assert "operator" in exc.value.fields
    assert ServiceRequest.objects.count() == 2


# ---- category figures ----------------------------------------------------------------------------


def test_wage_arrears_figures_are_stored_normalised(zhejiang):
    request = call(zhejiang.hotline, workers_involved=12, facts=WAGE_FULL)
    assert request.facts == {
        "amount_owed": "86400.00",
        "months_owed": 3,
        "employer_uscc": USCC,
        "project_name": "青山湖科创园二期",
        "subcontractor_name": "钱某",
        "subcontractor_phone": "13812345678",
    }


def test_a_uscc_with_a_wrong_check_digit_is_refused(zhejiang):
    wrong = USCC[:-1] + ("0" if USCC[-1] != "0" else "1")
    with pytest.raises(InvalidInput) as exc:
        call(zhejiang.hotline, facts={**WAGE, "employer_uscc": wrong})
    assert exc.value.fields["fact_employer_uscc"] == ["统一社会信用代码校验位错误"]
    assert ServiceRequest.objects.count() == 0


def test_figures_of_another_category_and_bad_figures_are_refused(zhejiang):
    with pytest.raises(InvalidInput) as exc:
        call(zhejiang.hotline, facts={"injury_date": "2026-11-01", "months_owed": "0", "amount_owed": "-5"})
    assert set(exc.value.fields) == {"fact_injury_date", "fact_months_owed", "fact_amount_owed"}
    with pytest.raises(InvalidInput) as exc:
        call(zhejiang.hotline, category="work_injury", facts={"injury_date": "2099-01-01"})
    assert "fact_injury_date" in exc.value.fields
    assert ServiceRequest.objects.count() == 0
    injury = call(zhejiang.hotline, category="work_injury", facts={"injury_date": "2026-11-01"})
    assert injury.facts == {"injury_date": "2026-11-01"}


# ---- earlier calls, SMS, tracking --------------------------------------------------------------


def test_earlier_requests_from_the_phone_in_scope_and_a_count_of_the_others(zhejiang):
    from gonghui.rights.selectors import requests_from_phone

    phone = "13700009999"
    in_linan = call(zhejiang.hotline, requester_phone=phone)
    in_street = call(zhejiang.hotline, requester_phone=phone, street_org=zhejiang.jincheng.pk)
    in_fuyang = call(zhejiang.hotline, requester_phone=phone, region_code="330111")
    call(zhejiang.hotline, requester_phone="13700008888")
    city = requests_from_phone(actor=zhejiang.hotline, phone=phone)
    assert [r.pk for r in city.visible] == [in_fuyang.pk, in_street.pk, in_linan.pk]
    assert city.others == 0
    linan = requests_from_phone(actor=zhejiang.linan_officer, phone="137 0000 9999", exclude_pk=in_street.pk)
    assert ([r.pk for r in linan.visible], linan.others) == ([in_linan.pk], 1)
    street = requests_from_phone(actor=zhejiang.jincheng_officer, phone=phone)
    assert ([r.pk for r in street.visible], street.others) == ([in_street.pk], 2)


def test_the_caller_gets_the_case_number_and_the_tracking_link_by_sms(
    zhejiang, sms_outbox, django_capture_on_commit_callbacks, client
):
    with django_capture_on_commit_callbacks(execute=True):
        request = call(zhejiang.hotline, requester_phone="137-0000-1111")
    [sms] = [m for m in sms_outbox if m.phone == "13700001111"]
    assert request.reference in sms.text
    assert f"http://127.0.0.1:8000/m/requests/track/?ref={request.reference}" in sms.text
    page = client.get(f"/m/requests/track/?ref={request.reference}")
    assert page.status_code == 200 and request.reference in page.content.decode()
    found = client.post("/m/requests/track/", {"ref": request.reference.lower(), "last4": "1111"})
    body = found.content.decode()
    assert found.status_code == 200 and 'data-testid="track-result"' in body and "临安区总工会" in body
    assert "拖欠三个月工资" not in body and "赵六" not in body  # status only
    missed = client.post("/m/requests/track/", {"ref": request.reference, "last4": "2222"}).content.decode()
    assert 'data-testid="track-missed"' in missed and "临安区总工会" not in missed


def test_tracking_tries_are_limited(zhejiang, client):
    request = call(zhejiang.hotline)
    for _ in range(services.TRACK_TRIES_PER_HOUR):
        client.post("/m/requests/track/", {"ref": request.reference, "last4": "0000"})
    refused = client.post("/m/requests/track/", {"ref": request.reference, "last4": "1111"})
    assert refused.status_code == 400 and "查询次数过多" in refused.content.decode()


def test_no_sms_without_a_mobile_number(zhejiang, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call(zhejiang.hotline, requester_phone="057188888888")
    assert sms_outbox == []


# ---- names, not phones ---------------------------------------------------------------------------


def test_an_unverified_worker_shows_the_name_given_or_unverified_and_the_masked_phone(tree):
    anonymous = file(plain_worker("13512340001"))
    assert anonymous.requester_name == ""
    assert anonymous.requester_display == "未实名 135****0001"
    named = services.request_file(worker=plain_worker("13512340002"), data=facts(requester_name="小李"))
    assert named.requester_display == "小李"


# ---- pages and API ------------------------------------------------------------------------------


def test_record_page_lookup_shows_earlier_calls_and_records_nothing(zhejiang, client):
    earlier = call(zhejiang.hotline, requester_phone="13700005555")
    client.force_login(zhejiang.hotline)
    response = client.post(
        "/rights/record/",
        {"channel": "hotline", "requester_name": "赵六", "requester_phone": "13700005555", "lookup": "1"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="phone-history"' in body and earlier.reference in body
    assert 'value="赵六"' in body  # the form keeps what was typed
    assert ServiceRequest.objects.count() == 1


def test_record_page_records_a_wage_arrears_call_with_its_figures(zhejiang, client):
    client.force_login(zhejiang.hotline)
    response = client.post(
        "/rights/record/",
        {
            "channel": "hotline",
            "operator": zhejiang.hotline.pk,
            "call_started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "recording_ref": "REC-1",
            "requester_name": "赵六",
            "requester_phone": "13700001111",
            "category": "wage_arrears",
            "workers_involved": "12",
            "title": "工地拖欠12名工人工资",
            "description": "包工头失联",
            "employer_name": "杭州某建设公司",
            "region_code": "330112",
            "street_org": zhejiang.qingshan.pk,
            "fact_amount_owed": "86400",
            "fact_months_owed": "3",
            "fact_employer_uscc": USCC,
            "fact_subcontractor_name": "钱某",
            "fact_injury_date": "2026-01-01",  # another category's field: dropped
        },
    )
    request = ServiceRequest.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert request.handling_org == zhejiang.qingshan
    assert request.facts == {
        "amount_owed": "86400.00",
        "months_owed": 3,
        "employer_uscc": USCC,
        "subcontractor_name": "钱某",
    }
    body = client.get(f"/rights/{request.pk}/").content.decode()
    assert "浙江省杭州市临安区" in body and ">330112<" not in body
    assert "86,400.00" in body and USCC in body and "REC-1" in body
    assert "已报告临安区总工会、杭州市总工会" in body


def test_record_page_refuses_a_future_call_with_the_error_beside_the_field(zhejiang, client):
    client.force_login(zhejiang.hotline)
    future = (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/rights/record/",
        {
            "channel": "hotline",
            "call_started_at": future,
            "requester_name": "赵六",
            "category": "other_rights",
            "workers_involved": "1",
            "title": "咨询",
            "description": "咨询",
            "region_code": "330112",
        },
    )
    assert response.status_code == 400
    assert "通话开始时间不能晚于现在" in response.content.decode()
    assert ServiceRequest.objects.count() == 0


def test_api_shows_received_and_deadline_starts_facts_and_history_in_scope(zhejiang, client):
    first = call(zhejiang.hotline, requester_phone="13700007777", region_code="330111")
    started = (timezone.now() - dt.timedelta(days=1)).replace(microsecond=0)
    token = token_issue(user=zhejiang.hotline)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    response = client.post(
        "/api/v1/rights/requests",
        {
            **facts(region_code="330112", workers_involved=2),
            "channel": "hotline",
            "requester_name": "赵六",
            "requester_phone": "13700007777",
            "call_started_at": started.isoformat(),
            "facts": WAGE_FULL,
        },
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert dt.datetime.fromisoformat(body["received_at"]) == started
    assert body["accept_due_from"] == body["received_at"]
    assert body["accepted_at"] is None and body["resolve_due_from"] is None
    assert body["facts"]["employer_uscc"] == USCC and body["facts"]["amount_owed"] == "86400.00"
    assert body["region_name"] == "浙江省杭州市临安区"
    assert body["operator"] == zhejiang.hotline.pk
    assert [r["id"] for r in body["earlier_requests"]["items"]] == [first.pk]
    rid = body["id"]
    accepted = client.post(f"/api/v1/rights/requests/{rid}/accept", {}, content_type="application/json", **auth).json()
    assert accepted["accepted_at"] is not None and accepted["resolve_due_from"] == accepted["accepted_at"]
    # The Linan officer sees their own request; the 富阳 one is a count only.
    linan = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=zhejiang.linan_officer)}"}
    history = client.get("/api/v1/rights/requests/phone-history", {"phone": "13700007777"}, **linan).json()
    assert ([r["id"] for r in history["items"]], history["others"]) == ([rid], 1)
    bad = client.post(
        "/api/v1/rights/requests",
        {**facts(), "channel": "hotline", "requester_name": "x", "facts": {"amount_owed": "很多"}},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 422 and "fact_amount_owed" in bad.json()["error"]["fields"]


def test_twelve_three_five_one_is_a_tap_to_call_link_on_the_phone_portal(client):
    for url in ("/m/login/", "/m/requests/track/"):
        assert 'href="tel:12351"' in client.get(url).content.decode(), url


def test_recorded_request_keeps_region_and_facts_after_refresh(zhejiang):
    request = refresh(call(zhejiang.hotline, facts=WAGE))
    assert request.facts["months_owed"] == 3


def test_the_queue_export_has_the_figures_in_columns_and_keeps_to_scope(zhejiang, client):
    import io

    from python_calamine import CalamineWorkbook

    from gonghui.accounts.models import AuditLog

    mine = call(zhejiang.hotline, workers_involved=12, facts=WAGE_FULL)
    other = call(zhejiang.hotline, region_code="330111", title="富阳的欠薪")
    client.force_login(zhejiang.linan_officer)
    response = client.get("/rights/export/")
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    header, body = rows[0], rows[1:]
    assert [r[0] for r in body if r[0]] == [mine.reference]  # 富阳's request is not in 临安's scope
    row = dict(zip(header, body[0], strict=False))
    assert row["欠薪：欠薪金额（元）"] == 86400
    assert row["欠薪：欠薪月数"] == 3
    assert row["欠薪：用人单位统一社会信用代码"] == USCC
    assert row["欠薪：包工头电话"] == "13812345678"
    assert row["所在地区"] == "浙江省杭州市临安区"
    assert row["涉及职工人数"] == 12
    assert other.reference not in str(rows)
    assert AuditLog.objects.filter(action="export", actor=zhejiang.linan_officer).count() == 1
