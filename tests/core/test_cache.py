"""The Redis cache backend production uses (REDIS_URL), against the local Redis server."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from gonghui.accounts.models import ApiToken
from gonghui.accounts.services import token_authenticate, token_issue
from gonghui.core.cache import RedisCache

REDIS_URL = os.environ.get("GONGHUI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_caches() -> dict:
    # A key prefix of its own, and never clear(): FLUSHDB would also empty the Celery test's queue
    # in the same Redis database, in a suite running alongside.
    return {
        "default": {"BACKEND": "gonghui.core.cache.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": uuid.uuid4().hex}
    }


def test_one_client_serves_every_call_and_values_round_trip():
    backend = RedisCache(REDIS_URL, {"KEY_PREFIX": uuid.uuid4().hex})
    client = backend._cache.get_client()
    assert backend._cache.get_client(write=True) is client

    backend.set("a", {"名": "张三", "n": 1}, 30)
    backend.set_many({"b": 2, "c": [3]}, 30)
    assert backend.get("a") == {"名": "张三", "n": 1}
    assert backend.get_many(["b", "c", "missing"]) == {"b": 2, "c": [3]}
    assert backend.incr("b") == 3
    backend.delete_many(["a", "b", "c"])
    assert backend.get("a", "gone") == "gone"
    assert backend._cache.get_client() is client


def test_the_shared_client_serves_concurrent_threads():
    backend = RedisCache(REDIS_URL, {"KEY_PREFIX": uuid.uuid4().hex})  # never clear(): see _redis_caches
    failures: list[str] = []

    def worker(i: int) -> None:
        for j in range(200):
            key = f"t{i}-{j}"
            backend.set(key, (i, j), 30)
            if backend.get(key) != (i, j):
                failures.append(key)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    backend.delete_many([f"t{i}-{j}" for i in range(8) for j in range(200)])
    assert failures == []


@pytest.mark.django_db
def test_tokens_are_cached_in_redis_and_a_revocation_clears_them_at_once(tree):
    with override_settings(CACHES=_redis_caches()):
        raw = token_issue(user=tree.officer_a)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        assert Client().get("/api/v1/me", **auth).status_code == 200
        key = "gonghui:token:" + ApiToken.digest_of(raw)
        assert cache.get(key)[2] == tree.officer_a  # cached in Redis, the account with it
        assert token_authenticate(raw) == tree.officer_a

        token = ApiToken.objects.get(digest=ApiToken.digest_of(raw))
        token.revoked_at = timezone.now()
        token.save()
        assert cache.get(key) is None
        assert Client().get("/api/v1/me", **auth).status_code == 401
        assert cache.get(key) is None  # an unknown (revoked) token is never cached
