"""The officer's workbench: every count equals the total of the queue its link opens, per role,
and no officer counts another union's items."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from gonghui.core import calendar_entry
from gonghui.core.workbench import Urgency, workbench_for
from gonghui.jobs.services import job_create, job_fail
from gonghui.notifications.selectors import unread_count
from gonghui.notifications.services import notify
from tests.assistance.support import MONDAY, filed_file, rights_for_all, submitted_file
from tests.conftest import PASSWORD, id_number, make_worker
from tests.rights.rights_support import record

ROW_KEYS = ("rows", "results", "items")


def queue_total(client, url: str) -> int:
    """Rows of the queue page at `url`, following its next-page links to the end."""
    total = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        rows = next(response.context[k] for k in ROW_KEYS if k in response.context)
        total += len(rows)
        assert not response.context.get("truncated"), url
        nxt = response.context.get("next_url") or ""
        url = f"{urlsplit(url).path}{nxt}" if nxt else ""
    return total


@pytest.fixture
def busy(tree):
    """Work waiting in district A (one grassroots union) and district B, of every urgency."""
    rights_for_all(tree)
    long_ago = timezone.now() - dt.timedelta(days=30)
    record(tree.officer_a1, now=long_ago)  # overdue at union A1
    record(tree.officer_a1)  # waiting to be accepted at union A1
    record(tree.officer_a, handling_org=tree.street_a.pk, now=long_ago)  # overdue at the street
    record(tree.officer_b, now=long_ago)  # district B's
    record(tree.officer_b)
    submitted_file(tree, seq=1)  # hardship file of union A1 waiting to be verified
    filed_file(tree, seq=2)
    submitted_file(tree, seq=3, org=tree.union_b1, actor=tree.officer_b, now=MONDAY)
    from gonghui.joining.services import application_submit
    from tests.joining.conftest import APPLICATION

    for seq, org, now in ((21, tree.union_a1, long_ago), (22, tree.union_a1, None), (23, tree.union_b1, long_ago)):
        worker = make_worker(f"1370000{seq:04d}", name="李四", id_no=id_number(seq))
        application_submit(worker=worker, org=org, data=APPLICATION, now=now)
    failed = job_create(actor=tree.officer_a1, kind="member_import", org=tree.union_a1, input_name="名册.xlsx")
    job_fail(job=failed, message="第 3 行：证件号码校验位不正确")
    job_create(actor=tree.officer_b, kind="member_import", org=tree.union_b1)  # still queued: not counted
    notify([tree.officer_a1], topic="t", title="一")
    notify([tree.officer_a1], topic="t", title="二")
    notify([tree.officer_b], topic="t", title="三")
    for user in (tree.city_admin, tree.officer_a, tree.viewer_a, tree.officer_b, tree.officer_a1):
        user.refresh_from_db()
    return tree


ROLES = ("city_admin", "officer_a1", "officer_a", "viewer_a", "officer_b")


@pytest.mark.parametrize("role", ROLES)
def test_each_count_is_the_total_of_the_queue_it_links_to(busy, client, role):
    actor = getattr(busy, role)
    client.force_login(actor)
    entries = workbench_for(actor)
    assert entries, role
    for entry in entries:
        if entry.key == "core.holiday_schedule":  # a prompt (count 1 while missing), not a queue
            continue
        assert queue_total(client, entry.url) == entry.count, (role, entry.key, entry.url)


def test_the_items_come_most_urgent_first_and_empty_ones_last(busy):
    entries = workbench_for(busy.officer_a1)
    waiting = [e for e in entries if e.count]
    assert [e.urgency for e in waiting] == sorted(e.urgency for e in waiting)
    assert waiting[0].urgency == Urgency.OVERDUE
    assert all(e.count == 0 for e in entries[len(waiting) :])


def test_a_grassroots_officer_counts_only_their_union(busy):
    counts = {e.key: e.count for e in workbench_for(busy.officer_a1)}
    assert counts["rights.overdue"] == 1  # not the street's, not district B's
    assert counts["rights.to_accept"] == 2
    assert counts["joining.overdue"] == 1 and counts["joining.pending"] == 2
    assert counts["assistance.to_verify"] == 1
    assert counts["jobs.failed"] == 1
    assert counts["notifications.unread"] == unread_count(busy.officer_a1) > 0
    district_b = {e.key: e.count for e in workbench_for(busy.officer_b)}
    assert district_b["rights.overdue"] == 1 and district_b["joining.pending"] == 1
    assert district_b["jobs.failed"] == 0
    assert district_b["assistance.to_verify"] == 1
    assert district_b["notifications.unread"] == unread_count(busy.officer_b)
    district_a = {e.key: e.count for e in workbench_for(busy.officer_a)}
    assert district_a["rights.overdue"] == 2 and district_a["joining.pending"] == 2
    city = {e.key: e.count for e in workbench_for(busy.city_admin)}
    assert city["rights.overdue"] == 3 and city["joining.pending"] == 3


def test_a_read_only_officer_sees_what_is_overdue_but_no_action_queues(busy):
    keys = {e.key for e in workbench_for(busy.viewer_a)}
    assert {"rights.overdue", "joining.overdue", "notifications.unread"} <= keys
    assert not keys & {"rights.to_accept", "joining.pending", "assistance.to_verify", "campaigns.grants_to_approve"}


def test_hardship_items_need_the_assistance_right(tree):
    keys = {e.key for e in workbench_for(tree.officer_a1)}
    assert "rights.to_accept" in keys
    assert not [k for k in keys if k.startswith(("assistance.", "campaigns.", "medical_aid."))]


def test_the_home_page_shows_the_items_with_links_and_figures(busy, client):
    client.force_login(busy.officer_a1)
    page = client.get("/").content.decode()
    assert 'data-testid="workbench"' in page
    assert 'data-key="rights.overdue" data-urgency="overdue"' in page
    assert 'href="/rights/?due=overdue"' in page
    assert 'data-testid="stat-open-requests">2<' in page
    assert 'data-testid="stat-hardship">' in page


def test_the_holiday_prompt_is_an_item_for_administrators(tree, monkeypatch):
    monkeypatch.setattr(calendar_entry, "_today", lambda: dt.date(2026, 11, 2))
    monkeypatch.setattr(calendar_entry, "schedule_known", lambda year: year < 2027)
    entry = next(e for e in workbench_for(tree.city_admin) if e.key == "core.holiday_schedule")
    assert (entry.count, entry.url, entry.urgency) == (1, "/calendar/", Urgency.SOON)
    assert "2027 年节假日安排尚未录入" in entry.hint
    assert "core.holiday_schedule" not in {e.key for e in workbench_for(tree.officer_a1)}


def test_the_api_answers_the_same_items(busy, client):
    client.force_login(busy.officer_a1)
    body = client.get("/api/v1/workbench").json()
    expected = [(e.key, e.count, e.url, e.urgency_name) for e in workbench_for(busy.officer_a1)]
    assert [(i["key"], i["count"], i["url"], i["urgency"]) for i in body["items"]] == expected


def test_the_api_refuses_an_account_without_a_union(client, db):
    worker = make_worker("13900009999")
    client.post("/api/v1/portal/login", {"phone": "13900009999", "password": PASSWORD}, content_type="application/json")
    response = client.get("/api/v1/workbench")
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"error"}
    assert worker.pk
