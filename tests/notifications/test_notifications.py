"""Inboxes: notify() and its copies, the officers' page, the navbar badge, and the API."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gonghui.accounts.services import token_issue
from gonghui.notifications.models import Notification
from gonghui.notifications.selectors import inbox_page, unread_count
from gonghui.notifications.services import mark_read, notify, notify_org
from gonghui.portal.services import worker_token_issue
from tests.conftest import make_worker


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# --- notify -----------------------------------------------------------------------------------


def test_notify_sends_copies_only_after_commit(tree, sms_outbox, django_capture_on_commit_callbacks):
    worker = make_worker("13912340051")
    tree.officer_a.email = "officer_a@example.com"
    tree.officer_a.save()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = notify([worker.user, tree.officer_a], topic="join.approved", title="入会申请已通过", url="/m/", sms=True)
    assert len(rows) == 2
    assert mail.outbox == [] and sms_outbox == []  # nothing leaves before the commit

    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["officer_a@example.com"]]
    assert "入会申请已通过" in mail.outbox[0].subject
    assert [m.phone for m in sms_outbox] == ["13912340051"]
    assert "入会申请已通过" in sms_outbox[0].text


def test_notify_in_a_rolled_back_transaction_sends_nothing(tree, sms_outbox, django_capture_on_commit_callbacks):
    worker = make_worker("13912340052")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify([worker.user], topic="t", title="不会发出", sms=True)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == [] and sms_outbox == [] and not Notification.objects.exists()


def test_notify_org_reaches_the_unions_officers_once(tree):
    notify_org(tree.district_a, topic="t", title="区里的消息")
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"officer_a"}


def test_mark_read_touches_only_own_rows(tree):
    notify([tree.officer_a, tree.officer_b], topic="t", title="一")
    theirs = Notification.objects.get(recipient=tree.officer_b)
    assert mark_read(user=tree.officer_a, ids=[theirs.pk]) == 0
    assert unread_count(tree.officer_b) == 1
    assert mark_read(user=tree.officer_a) == 1
    assert unread_count(tree.officer_a) == 0


def test_inbox_page_keyset(tree):
    for i in range(5):
        notify([tree.officer_a], topic="t", title=f"消息{i}")
    first, cursor = inbox_page(user=tree.officer_a, limit=2)
    assert [n.title for n in first] == ["消息4", "消息3"] and cursor == first[-1].pk
    second, cursor = inbox_page(user=tree.officer_a, limit=2, before=cursor)
    assert [n.title for n in second] == ["消息2", "消息1"]
    last, cursor = inbox_page(user=tree.officer_a, limit=2, before=cursor)
    assert [n.title for n in last] == ["消息0"] and cursor is None


# --- officers' page and badge -----------------------------------------------------------------


def test_officer_inbox_page(client, tree):
    notify([tree.officer_a], topic="rights.new", title="新的诉求待受理", body="请在1个工作日内受理", url="/")
    notify([tree.officer_b], topic="t", title="乙区的消息")
    mine = Notification.objects.get(recipient=tree.officer_a)
    theirs = Notification.objects.get(recipient=tree.officer_b)
    client.force_login(tree.officer_a)

    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "新的诉求待受理" in page and "乙区的消息" not in page
    assert 'data-testid="nav-inbox"' in page and 'text-bg-warning"' in page

    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notifications:open", args=[987654])).status_code == 404
    opened = client.get(reverse("notifications:open", args=[mine.pk]))
    assert opened.status_code == 200 and "请在1个工作日内受理" in opened.content.decode()
    mine.refresh_from_db()
    assert mine.read_at is not None

    unread_only = client.get(reverse("notifications:inbox") + "?unread=1", HTTP_HX_REQUEST="true")
    assert "没有未读消息" in unread_only.content.decode() and "<html" not in unread_only.content.decode()


def test_officer_read_all(client, tree):
    notify([tree.officer_a], topic="t", title="一")
    notify([tree.officer_a], topic="t", title="二")
    client.force_login(tree.viewer_a)  # read-only officers manage their own inbox too
    notify([tree.viewer_a], topic="t", title="三")
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 302
    notify([tree.viewer_a], topic="t", title="四")
    fragment = client.post(reverse("notifications:read_all"), HTTP_HX_REQUEST="true").content.decode()
    assert '<span id="gh-nav-unread" hx-swap-oob="true"></span>' in fragment
    assert unread_count(tree.viewer_a) == 0 and unread_count(tree.officer_a) == 2


def test_navbar_badge_is_one_count_and_absent_when_signed_out(client, tree):
    notify([tree.officer_a], topic="t", title="一")
    client.force_login(tree.officer_a)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/orgs/").content.decode()  # (the home page's workbench counts them too)
    counts = [q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]]
    assert len(counts) == 1 and "COUNT" in counts[0].upper()
    assert 'data-testid="nav-inbox"' in page
    client.logout()
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("accounts:login"))
    assert not [q for q in queries.captured_queries if "notifications_notification" in q["sql"]]


def test_worker_tab_badge(client, db):
    worker = make_worker("13912340053")
    notify([worker.user], topic="t", title="一")
    client.force_login(worker.user)
    page = client.get(reverse("portal:inbox")).content.decode()
    assert 'aria-label="1条未读">1</span>' in page


# --- API --------------------------------------------------------------------------------------


@pytest.fixture
def inboxes(tree):
    worker = make_worker("13912340054")
    for i in range(3):
        notify([tree.officer_a], topic="t", title=f"甲{i}")
    notify([worker.user], topic="join.approved", title="入会申请已通过", url="/m/")
    notify([tree.officer_b], topic="t", title="乙0")
    return worker


def test_api_list_and_unread_filter(tree, inboxes):
    client = Client()
    auth = bearer(token_issue(user=tree.officer_a))
    body = client.get("/api/v1/notifications", {"limit": 2}, **auth).json()
    assert [n["title"] for n in body["items"]] == ["甲2", "甲1"] and body["next_cursor"]
    assert body["items"][0]["unread"] is True and body["items"][0]["read_at"] is None
    rest = client.get("/api/v1/notifications", {"limit": 2, "cursor": body["next_cursor"]}, **auth).json()
    assert [n["title"] for n in rest["items"]] == ["甲0"] and rest["next_cursor"] is None

    first_id = body["items"][0]["id"]
    client.post(
        "/api/v1/notifications/mark-read", json.dumps({"ids": [first_id]}), content_type="application/json", **auth
    )
    unread = client.get("/api/v1/notifications", {"unread": "true"}, **auth).json()
    assert [n["title"] for n in unread["items"]] == ["甲1", "甲0"]
    read = client.get("/api/v1/notifications", {"unread": "false"}, **auth).json()
    assert [n["title"] for n in read["items"]] == ["甲2"]


def test_api_unread_count_and_mark_all(tree, inboxes):
    client = Client()
    auth = bearer(token_issue(user=tree.officer_a))
    assert client.get("/api/v1/notifications/unread-count", **auth).json() == {"unread": 3}
    response = client.post(
        "/api/v1/notifications/mark-read", json.dumps({"all": True}), content_type="application/json", **auth
    )
    assert response.json() == {"marked": 3, "unread": 0}
    assert unread_count(tree.officer_b) == 1


def test_api_isolation_between_accounts(tree, inboxes):
    client = Client()
    theirs = Notification.objects.get(recipient=tree.officer_b)
    auth = bearer(token_issue(user=tree.officer_a))
    response = client.post(
        "/api/v1/notifications/mark-read", json.dumps({"ids": [theirs.pk]}), content_type="application/json", **auth
    )
    assert response.json()["marked"] == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    titles = [n["title"] for n in client.get("/api/v1/notifications", **auth).json()["items"]]
    assert "乙0" not in titles and "入会申请已通过" not in titles

    worker_auth = bearer(worker_token_issue(worker=inboxes))
    body = client.get("/api/v1/notifications", **worker_auth).json()
    assert [n["title"] for n in body["items"]] == ["入会申请已通过"]
    assert body["items"][0]["topic"] == "join.approved" and body["items"][0]["url"] == "/m/"


def test_api_errors(tree, inboxes):
    client = Client()
    assert client.get("/api/v1/notifications").status_code == 401
    auth = bearer(token_issue(user=tree.officer_a))
    response = client.post(
        "/api/v1/notifications/mark-read", json.dumps({"ids": "x"}), content_type="application/json", **auth
    )
    assert response.status_code == 400 and "ids" in response.json()["error"]["fields"]
    response = client.get("/api/v1/notifications", {"cursor": "!!"}, **auth)
    assert response.status_code == 422 and response.json()["error"]["code"] == "bad_cursor"
