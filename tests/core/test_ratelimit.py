"""core.ratelimit: one atomic count per try, in Redis when configured, in the database otherwise."""

from __future__ import annotations

import datetime as dt

import pytest
import redis
from django.db import connection
from django.test import override_settings

from gonghui.core import ratelimit
from gonghui.core.models import RateCounter
from tests.concurrency import run_parallel

REDIS_URL = "redis://127.0.0.1:6379/3"
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def own_redis():
    """The suite's Redis database (index 3), with this module's keys removed before and after."""
    client = redis.Redis.from_url(REDIS_URL)

    def clean():
        for key in client.scan_iter(ratelimit.KEY_PREFIX + "*"):
            client.delete(key)

    clean()
    ratelimit._RedisState.down_until = 0.0
    with override_settings(REDIS_URL=REDIS_URL):
        yield client
    clean()
    ratelimit._RedisState.down_until = 0.0


def test_database_counts_tries_in_a_window(db):
    assert [ratelimit.hit("t:a", window=MINUTE).count for _ in range(3)] == [1, 2, 3]
    assert ratelimit.hit("t:b", window=MINUTE).count == 1
    assert RateCounter.objects.get(key="t:a").hits == 3


def test_database_window_starts_again_when_it_has_ended(db):
    before = dt.datetime.now(dt.UTC)
    first = ratelimit.hit("t:a", window=MINUTE)
    assert before + MINUTE - dt.timedelta(seconds=1) <= first.resets_at <= dt.datetime.now(dt.UTC) + MINUTE
    RateCounter.objects.filter(key="t:a").update(expires_ms=0)  # the window is over
    again = ratelimit.hit("t:a", window=MINUTE)
    assert again.count == 1 and again.resets_at >= first.resets_at


def test_hold_release_and_reset_in_the_database(db):
    for _ in range(3):
        ratelimit.hit("t:a", window=MINUTE)
    until = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    ratelimit.hold("t:a", until=until)
    assert RateCounter.objects.get(key="t:a").expires_ms == int(until.timestamp() * 1000)
    ratelimit.release("t:a")
    assert RateCounter.objects.get(key="t:a").hits == 2
    ratelimit.reset("t:a")
    assert not RateCounter.objects.filter(key="t:a").exists()
    assert ratelimit.hit("t:a", window=MINUTE).count == 1


def test_purge_forgets_ended_windows_only(db):
    ratelimit.hit("t:old", window=MINUTE)
    ratelimit.hit("t:new", window=MINUTE)
    RateCounter.objects.filter(key="t:old").update(expires_ms=0)
    assert ratelimit.purge_expired() == 1
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["t:new"]


def test_redis_counts_with_expiry_and_the_database_stays_empty(db, own_redis):
    assert [ratelimit.hit("t:a", window=MINUTE).count for _ in range(3)] == [1, 2, 3]
    assert 0 < own_redis.pttl(ratelimit.KEY_PREFIX + "t:a") <= 60_000
    ratelimit.release("t:a")
    assert int(own_redis.get(ratelimit.KEY_PREFIX + "t:a")) == 2
    ratelimit.hold("t:a", until=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=15))
    assert own_redis.pttl(ratelimit.KEY_PREFIX + "t:a") > 60_000
    ratelimit.reset("t:a")
    assert own_redis.get(ratelimit.KEY_PREFIX + "t:a") is None
    assert RateCounter.objects.count() == 0


def test_parallel_hits_on_redis_each_read_their_own_count(db, own_redis):
    results = run_parallel([lambda: ratelimit.hit("t:race", window=MINUTE).count] * 15)
    assert sorted(results) == list(range(1, 16))


@override_settings(REDIS_URL="redis://127.0.0.1:1/3")  # nothing listens there
def test_unreachable_redis_falls_back_to_the_database(db):
    ratelimit._RedisState.down_until = 0.0
    try:
        assert [ratelimit.hit("t:a", window=MINUTE).count for _ in range(2)] == [1, 2]
        ratelimit.release("t:a")
        ratelimit.hold("t:a", until=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
        ratelimit.reset("t:a")
    finally:
        ratelimit._RedisState.down_until = 0.0
    assert not RateCounter.objects.filter(key="t:a").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL")
def test_parallel_hits_in_postgresql_each_read_their_own_count():
    results = run_parallel([lambda: ratelimit.hit("t:race", window=MINUTE).count] * 15)
    assert sorted(results) == list(range(1, 16))
