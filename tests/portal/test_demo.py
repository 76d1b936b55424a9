"""The portal's part of the demo: workers' accounts opened and bound through the services."""

from __future__ import annotations

import random

from gonghui.accounts.models import User
from gonghui.demo import services as demo_services
from gonghui.demo.services import _demo_places, demo_load
from gonghui.notifications.models import Notification
from gonghui.portal.demo import DEMO_WORKER_PASSWORD, demo_worker_logins, load_demo
from gonghui.portal.models import BindingRequest, WorkerAccount
from gonghui.portal.selectors import current_member
from gonghui.portal.services import card_check, card_token, worker_login_check


def test_demo_workers(db, monkeypatch):
    monkeypatch.setattr(demo_services, "DEMO_EXTENSIONS", ())  # the portal's part alone
    outcome = demo_load()
    places = _demo_places(outcome.result)
    admin = User.objects.get(username="admin")

    counts = load_demo(places=places, admin=admin, rng=random.Random(2026))

    assert counts["worker_accounts"] == WorkerAccount.objects.count() == 31
    assert counts["bound_members"] == 24 and counts["bound_non_members"] == 3 and counts["unbound"] == 3
    assert counts["pending_bindings"] == 1
    # The union's queue is not empty: one request waits for places["union"]'s officers.
    waiting = BindingRequest.objects.get(state="pending")
    assert waiting.org == places["union"] and not waiting.worker.is_verified
    workers = list(WorkerAccount.objects.order_by("phone"))
    held = [current_member(w) for w in workers]
    assert sum(m is not None for m in held) == 24
    assert sum(m is not None and m.org == places["union"] for m in held) == 20
    assert sum(w.is_verified and m is None for w, m in zip(workers, held, strict=True)) == 3
    assert sum(not w.is_verified for w in workers) == 4
    assert all(w.phone.startswith("1380000") and len(w.phone) == 11 for w in workers)
    prompts = Notification.objects.filter(
        recipient__worker__isnull=False, topic__in=["portal.welcome", "portal.verify"]
    )
    assert counts["notifications"] == prompts.count() == 31

    logins = demo_worker_logins()
    assert len(logins) == 3
    member_login = logins[0]
    user = worker_login_check(phone=member_login.phone, password=DEMO_WORKER_PASSWORD)
    member = current_member(user.worker)
    assert member is not None and member.org.name in member_login.description
    assert card_check(token=card_token(member=member)).is_valid
    assert "尚未入会" in logins[1].description and "未实名认证" in logins[2].description
