"""The join-application queue: urgency order, the sort control, the total, and batch approval."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from tests.api.conftest import ApiClient

from gonghui.core.batch import BATCH_MAX
from gonghui.joining import services
from gonghui.joining.models import JoinApplication, JoinState
from gonghui.members.models import Member


@pytest.fixture
def queue(tree, new_worker, apply):
    """Five applications to union_a1 with their deadlines set: (name → application)."""
    now = dt.datetime.now(dt.UTC)
    made = {}
    for seq, name in enumerate(["甲", "乙", "丙", "丁", "戊"], start=1):
        made[name] = apply(new_worker(seq, name=name), tree.union_a1)
    due = {
        "甲": (now - dt.timedelta(days=1), now),  # overdue and flagged to the union
        "乙": (now - dt.timedelta(days=2), None),  # overdue longer, not flagged yet
        "丙": (now + dt.timedelta(days=5), None),
        "丁": (now + dt.timedelta(days=2), None),
        "戊": (now + dt.timedelta(days=1), None),  # decided below: no deadline runs
    }
    for name, (due_at, flagged_at) in due.items():
        JoinApplication.objects.filter(pk=made[name].pk).update(due_at=due_at, flagged_at=flagged_at)
    services.application_approve(actor=tree.officer_a, application=made["戊"])
    return made


def _names(items, queue):
    by_id = {a.pk: name for name, a in queue.items()}
    return [by_id[item["id"]] for item in items]


def test_api_lists_overdue_first_escalated_before_then_nearest_deadline(tree, queue):
    api = ApiClient(tree.officer_a)
    body = api.get("/joining/applications").json()
    assert _names(body["items"], queue) == ["甲", "乙", "丁", "丙", "戊"]
    assert _names(api.get("/joining/applications", {"sort": "deadline"}).json()["items"], queue) == [
        "乙", "甲", "丁", "丙", "戊",
    ]  # fmt: skip
    assert _names(api.get("/joining/applications", {"sort": "newest"}).json()["items"], queue) == [
        "戊", "丁", "丙", "乙", "甲",
    ]  # fmt: skip
    assert _names(api.get("/joining/applications", {"sort": "oldest"}).json()["items"], queue) == [
        "甲", "乙", "丙", "丁", "戊",
    ]  # fmt: skip
    assert _names(api.get("/joining/applications", {"sort": "name"}).json()["items"], queue) == sorted(
        queue, key=lambda name: name
    )


@pytest.mark.parametrize("sort", ["urgency", "deadline", "name", "newest", "oldest"])
def test_api_cursor_walks_every_sort_without_gaps_or_repeats(tree, queue, sort):
    api = ApiClient(tree.officer_a)
    whole = [item["id"] for item in api.get("/joining/applications", {"sort": sort}).json()["items"]]
    seen, cursor = [], None
    while True:
        params = {"sort": sort, "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get("/joining/applications", params).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == whole
    assert len(whole) == 5


def test_api_bad_sort_or_cursor_is_a_clear_error(tree, queue):
    api = ApiClient(tree.officer_a)
    bad = api.get("/joining/applications", {"sort": "size"})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "bad_sort"
    assert bad.json()["error"]["message"].startswith("排序方式无效")
    wrong = api.get("/joining/applications", {"cursor": "bm9wZQ"})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["code"] == "bad_cursor"


def _page_names(html: str) -> list[str]:
    return re.findall(r'data-testid="application-row">.*?<a href="/joining/\d+/">([^<]+)</a>', html, re.S)


def test_page_orders_by_urgency_marks_overdue_shows_total_and_sorts(client, tree, queue):
    client.force_login(tree.officer_a)
    html = client.get("/joining/").content.decode()
    assert _page_names(html) == ["甲", "乙", "丁", "丙", "戊"]
    assert html.count('data-overdue="1"') == 2
    assert 'data-testid="list-total">共 5 条<' in html
    newest = client.get("/joining/", {"sort": "newest"}).content.decode()
    assert _page_names(newest) == ["戊", "丁", "丙", "乙", "甲"]
    assert 'aria-current="true" data-testid="sort-newest"' in newest
    pending = client.get("/joining/", {"state": "submitted"}).content.decode()
    assert 'data-testid="list-total">共 4 条<' in pending
    # Another district's officer sees none of them.
    client.force_login(tree.officer_b)
    assert 'data-testid="list-total">共 0 条<' in client.get("/joining/").content.decode()


def test_api_batch_approve_does_the_good_ones_and_reports_the_bad(tree, queue, new_worker, apply):
    elsewhere = apply(new_worker(9, name="己"), tree.union_b1)
    ids = [queue["甲"].pk, elsewhere.pk, queue["戊"].pk, queue["丁"].pk, 999999]
    response = ApiClient(tree.officer_a).post("/joining/applications/batch-approve", {"ids": ids})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["done"], body["failed"]) == (2, 3)
    assert [(r["id"], r["ok"]) for r in body["results"]] == [
        (ids[0], True), (ids[1], False), (ids[2], False), (ids[3], True), (ids[4], False),
    ]  # fmt: skip
    assert body["results"][1]["message"] == "记录不存在或不在您的数据范围内"
    assert body["results"][2]["message"] != "成功"
    states = dict(JoinApplication.objects.values_list("pk", "state"))
    assert states[queue["甲"].pk] == states[queue["丁"].pk] == JoinState.APPROVED
    assert states[elsewhere.pk] == states[queue["乙"].pk] == states[queue["丙"].pk] == JoinState.SUBMITTED
    # Each approved one as a single approval writes it: a member with a card, an "approved" event.
    for name in ("甲", "丁"):
        app = JoinApplication.objects.get(pk=queue[name].pk)
        assert app.member is not None and app.member.card_number
        assert [e.kind for e in app.events.all()] == ["submitted", "approved"]
    assert Member.objects.filter(org=tree.union_b1).count() == 0


def test_api_batch_refuses_too_many_or_none_and_read_only(tree, queue):
    api = ApiClient(tree.officer_a)
    too_many = api.post("/joining/applications/batch-approve", {"ids": list(range(1, BATCH_MAX + 2))})
    assert too_many.status_code == 422
    assert too_many.json()["error"]["code"] == "batch_too_large"
    assert "一次最多处理 200 条" in too_many.json()["error"]["message"]
    assert api.post("/joining/applications/batch-approve", {"ids": []}).status_code == 422
    viewer = ApiClient(tree.viewer_a).post("/joining/applications/batch-approve", {"ids": [queue["甲"].pk]})
    assert viewer.status_code == 403
    assert JoinApplication.objects.filter(state=JoinState.SUBMITTED).count() == 4


def test_page_batch_approve_lists_each_result(client, tree, queue):
    client.force_login(tree.officer_a1)
    response = client.post("/joining/batch-approve/", {"ids": [queue["乙"].pk, queue["戊"].pk, queue["丙"].pk]})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-ok="1"') == 2
    assert html.count('data-ok="0"') == 1
    assert "成功 2 条，未办理 1 条" in html
    assert JoinApplication.objects.get(pk=queue["乙"].pk).state == JoinState.APPROVED
    # None ticked: back to the list with the reason, nothing done.
    empty = client.post("/joining/batch-approve/", {}, follow=True)
    assert "请至少选择一条记录" in empty.content.decode()
    assert JoinApplication.objects.filter(state=JoinState.SUBMITTED).count() == 2
