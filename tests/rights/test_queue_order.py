"""The rights queue in urgency order: overdue first (escalated before not), then nearest deadline."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from gonghui.rights import services
from gonghui.rights.models import ServiceRequest
from tests.api.conftest import ApiClient

from .rights_support import file, plain_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(tree):
    """Six requests held by 望京街道工会, deadlines set around now; the last one resolved."""
    now = dt.datetime.now(dt.UTC)
    made = {}
    for key, accept_due, level in [
        ("late", now - dt.timedelta(days=3), 0),
        ("late_escalated", now - dt.timedelta(days=1), 1),
        ("soon", now + dt.timedelta(days=1), 0),
        ("later", now + dt.timedelta(days=4), 0),
        ("fresh", now + dt.timedelta(days=2), 0),
        ("done", now - dt.timedelta(days=9), 0),
    ]:
        made[key] = file(plain_worker())
        ServiceRequest.objects.filter(pk=made[key].pk).update(accept_due_at=accept_due, escalation_level=level)
    done = ServiceRequest.objects.get(pk=made["done"].pk)
    services.request_reject(actor=tree.officer_a, request=done, reason="不属于受理范围")
    return made


ORDER = ["late_escalated", "late", "soon", "fresh", "later", "done"]


def test_api_urgency_order_and_cursor(tree, queue):
    api = ApiClient(tree.officer_a)
    by_id = {r.pk: key for key, r in queue.items()}
    assert [by_id[i["id"]] for i in api.get("/rights/requests").json()["items"]] == ORDER
    seen, cursor = [], None
    while True:
        body = api.get("/rights/requests", {"limit": 4, **({"cursor": cursor} if cursor else {})}).json()
        seen += [by_id[i["id"]] for i in body["items"]]
        if not (cursor := body["next_cursor"]):
            break
    assert seen == ORDER
    deadline = [by_id[i["id"]] for i in api.get("/rights/requests", {"sort": "deadline"}).json()["items"]]
    assert deadline == ["late", "late_escalated", "soon", "fresh", "later", "done"]


def test_page_urgency_order_marks_overdue_and_total(client, tree, queue):
    client.force_login(tree.officer_a)
    html = client.get("/rights/").content.decode()
    refs = re.findall(r'href="/rights/(\d+)/"', html)
    by_id = {str(r.pk): key for key, r in queue.items()}
    assert [by_id[i] for i in dict.fromkeys(refs)] == ORDER
    assert html.count('data-testid="overdue-badge"') == 2
    assert 'data-testid="list-total">共 6 条<' in html
    assert 'data-testid="list-total">共 5 条<' in client.get("/rights/", {"open": "on"}).content.decode()
