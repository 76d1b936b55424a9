"""Per-process copies of hot cache entries (core.localcache), alone and kept in step over Redis."""

from __future__ import annotations

import os
import time
import uuid

import pytest
from django.core.cache import cache
from django.utils import timezone

from gonghui.accounts import services as accounts
from gonghui.accounts.models import ApiToken
from gonghui.accounts.services import token_authenticate, token_issue
from gonghui.core import localcache
from gonghui.core.localcache import LocalMirror

REDIS_URL = os.environ.get("GONGHUI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _until(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@pytest.fixture
def mirrors():
    """Mirrors on one fresh channel of the test Redis, as separate processes would hold them."""
    channel = "test:mirror:" + uuid.uuid4().hex
    made: list[LocalMirror] = []

    def make(ttl: float = 30) -> LocalMirror:
        mirror = LocalMirror(channel, ttl=ttl, redis_url=REDIS_URL)
        made.append(mirror)
        mirror.generation  # noqa: B018 - starts its listener
        assert _until(mirror._serving), "the listener never subscribed"
        return mirror

    yield make
    for mirror in made:
        mirror.stop()


def test_alone_it_keeps_values_for_their_time_and_forgets_them_at_once():
    mirror = LocalMirror("test:alone", ttl=0.2, redis_url="")
    mirror.put("a", 1, mirror.generation)
    mirror.put("b", 2, mirror.generation)
    assert (mirror.get("a"), mirror.get("b"), mirror.get("c")) == (1, 2, None)
    mirror.forget(["a"])
    assert (mirror.get("a"), mirror.get("b")) == (None, 2)
    time.sleep(0.25)
    assert mirror.get("b") is None


def test_a_value_read_before_something_was_forgotten_is_not_kept():
    mirror = LocalMirror("test:race", ttl=30, redis_url="")
    before = mirror.generation  # a lookup starts ...
    mirror.forget(["other"])  # ... a change is announced meanwhile ...
    mirror.put("a", "possibly stale", before)  # ... and what the lookup read is not kept
    assert mirror.get("a") is None
    mirror.put("a", "fresh", mirror.generation)
    assert mirror.get("a") == "fresh"


def test_it_holds_at_most_max_entries_dropping_the_oldest():
    mirror = LocalMirror("test:size", ttl=30, max_entries=3, redis_url="")
    for n in range(5):
        mirror.put(f"k{n}", n, mirror.generation)
    assert [mirror.get(f"k{n}") for n in range(5)] == [None, None, 2, 3, 4]


def test_a_key_forgotten_in_one_process_is_dropped_in_the_others(mirrors):
    first, second = mirrors(), mirrors()
    first.put("token", "account", first.generation)
    second.put("token", "account", second.generation)

    second.forget(["token"])
    assert second.get("token") is None
    assert _until(lambda: first.get("token") is None, seconds=2)


def test_without_its_listener_a_process_serves_nothing_from_its_copy(mirrors):
    mirror = mirrors()
    mirror.put("token", "account", mirror.generation)
    assert mirror.get("token") == "account"

    mirror.stop()  # the subscription is gone: a forget elsewhere could be missed
    assert mirror.get("token") is None
    mirror.put("token", "account", mirror.generation)
    assert mirror.get("token") is None


def test_a_listener_that_hears_nothing_stops_serving(mirrors, monkeypatch):
    mirror = mirrors()
    mirror.put("token", "account", mirror.generation)
    monkeypatch.setattr(mirror, "_heard_at", time.monotonic() - localcache.STALE_AFTER - 1)
    assert mirror.get("token") is None


def test_an_unreachable_redis_means_no_serving_from_the_copy():
    mirror = LocalMirror("test:down", ttl=30, redis_url="redis://127.0.0.1:1/0")
    mirror.put("token", "account", mirror.generation)
    time.sleep(0.2)
    assert mirror.get("token") is None
    mirror.forget(["token"])  # announcing fails quietly; nothing here to drop
    mirror.stop()


@pytest.mark.django_db
def test_a_token_revoked_in_another_process_stops_working_here_at_once(tree, mirrors, monkeypatch):
    here, elsewhere = mirrors(), mirrors()
    monkeypatch.setattr(accounts, "_TOKENS", here)
    raw = token_issue(user=tree.officer_a)
    key = "gonghui:token:" + ApiToken.digest_of(raw)
    assert token_authenticate(raw) == tree.officer_a
    assert here.get(key) is not None  # later requests here answer from the copy
    # (token_issue announced the new token's key; this process ignores its own announcements,
    # so that message arriving now does not cost the next request a miss)

    first, second = token_authenticate(raw), token_authenticate(raw)
    assert first == second == tree.officer_a
    assert first is not second and first.org is not second.org  # each request its own copy
    first.org.name = "changed by one request"
    assert token_authenticate(raw).org.name == tree.officer_a.org.name

    # Another process revokes it: the row changes, the shared cache entry goes, the key is announced.
    ApiToken.objects.filter(digest=ApiToken.digest_of(raw)).update(revoked_at=timezone.now())
    cache.delete(key)
    elsewhere.forget([key])
    assert _until(lambda: here.get(key) is None, seconds=2)
    assert token_authenticate(raw) is None
