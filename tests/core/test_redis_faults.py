"""Redis away (issue 15, finding 11): reading, signing in and uploading go on without it.

Each test starts its own redis-server on a free port (bench.servers.RedisServer) and stops it
mid-way in the two ways Redis fails: killed (connections refused at once) and frozen with SIGSTOP
(connections open, no answer: the worse case). The app's cache, the per-process token copy and
Celery's broker all point at that server; the shared Redis on 6379 is never touched.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from bench.servers import RedisServer
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from gonghui.accounts import services as account_services
from gonghui.accounts.models import ApiToken
from gonghui.accounts.services import token_issue
from gonghui.core import localcache
from gonghui.core.cache import CacheUnavailable, RedisCache
from gonghui.core.localcache import LocalMirror
from gonghui.jobs.models import Job
from gonghui.jobs.runner import UNDISPATCHED, dispatch_waiting_jobs
from tests.conftest import PASSWORD, id_number
from tests.twofactor import enrol, sign_in

pytestmark = pytest.mark.django_db

CHANNEL = "gonghui:forget:token"
CSV_HEADER = "姓名,证件类型,证件号码,手机号码,民族,学历,工作单位,单位统一社会信用代码,入会日期,是否农民工,新就业形态\n"


class Outage:
    """Stops the server the way `kind` says, and brings it back."""

    def __init__(self, server: RedisServer, kind: str) -> None:
        self.server = server
        self.kind = kind

    def begin(self) -> None:
        if self.kind == "killed":
            self.server.stop()
        else:
            self.server.pause()

    def end(self) -> None:
        if self.kind == "killed":
            self.server.start()  # back on the same port, empty (no persistence)
        else:
            self.server.resume()
        redis.Redis.from_url(self.server.url(), socket_timeout=5).ping()
        time.sleep(0.3)  # the cache's breaker (0.2 s here) lets the next call try Redis again


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["killed", "frozen"])
def outage(request, redis_server) -> Outage:
    return Outage(redis_server, request.param)


def _wait_listening(mirror: LocalMirror) -> None:
    deadline = time.monotonic() + 10
    while not mirror._serving():
        assert time.monotonic() < deadline, "the token copy never heard Redis"
        time.sleep(0.02)


@pytest.fixture
def on_redis(redis_server, settings, monkeypatch) -> Iterator[LocalMirror]:
    """The app as in production (REDIS_URL set): cache and token copies on the test's Redis."""
    url = redis_server.url()
    settings.REDIS_URL = url
    settings.GONGHUI_REDIS_RETRY_SECONDS = 0.2
    settings.CACHES = {"default": {"BACKEND": "gonghui.core.cache.RedisCache", "LOCATION": url}}
    mirror = LocalMirror(CHANNEL, ttl=account_services.TOKEN_CACHE_SECONDS, redis_url=url)
    monkeypatch.setattr(account_services, "_TOKENS", mirror)
    _wait_listening(mirror)
    yield mirror
    mirror.stop()


@pytest.fixture
def celery_on_redis(redis_server, settings):
    from gonghui.celery import app

    settings.GONGHUI_JOB_RUNNER = "celery"
    before = app.conf.broker_url

    def reset_pool() -> None:
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    reset_pool()
    app.conf.update(broker_url=redis_server.url(1), broker_connection_retry_on_startup=False)
    yield app
    reset_pool()
    app.conf.update(broker_url=before)


def _auth(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _key(raw: str) -> str:
    return "gonghui:token:" + ApiToken.digest_of(raw)


def test_token_requests_answer_from_the_database_and_revocations_hold_while_redis_is_away(tree, on_redis, outage):
    # given a token in use (its lookup cached in Redis and in this process's copy) and one never used
    client = Client()
    used, fresh = token_issue(user=tree.officer_a), token_issue(user=tree.officer_b)
    assert client.get("/api/v1/me", **_auth(used)).status_code == 200
    assert cache.get(_key(used))[2] == tree.officer_a

    # when Redis goes away
    outage.begin()

    # then both tokens answer 200, from the database, and so do lists
    me = client.get("/api/v1/me", **_auth(used))
    assert (me.status_code, me.json()["username"]) == (200, tree.officer_a.username)
    me = client.get("/api/v1/me", **_auth(fresh))
    assert (me.status_code, me.json()["username"]) == (200, tree.officer_b.username)
    assert client.get("/api/v1/orgs", **_auth(used)).status_code == 200
    assert client.get("/api/v1/members", **_auth(used)).status_code == 200
    assert cache.get(_key(fresh)) is None  # a miss, not an error

    # and a token revoked meanwhile is refused at once
    token = ApiToken.objects.get(digest=ApiToken.digest_of(used))
    token.revoked_at = timezone.now()
    token.save()
    assert client.get("/api/v1/me", **_auth(used)).status_code == 401
    assert client.get("/api/v1/me", **_auth(fresh)).status_code == 200

    # when Redis is back, the cache serves again and the revocation still holds
    outage.end()
    assert cache.get(_key(used)) is None  # a frozen Redis kept the entry: the delete was sent on return
    assert client.get("/api/v1/me", **_auth(used)).status_code == 401
    assert client.get("/api/v1/me", **_auth(fresh)).status_code == 200
    later = token_issue(user=tree.officer_a1)  # first used now: its lookup goes to Redis again
    assert client.get("/api/v1/me", **_auth(later)).status_code == 200
    assert cache.get(_key(later))[2] == tree.officer_a1


def test_another_process_stops_serving_its_copy_while_it_cannot_hear_revocations(on_redis, redis_server):
    # given another process's copy holding a token lookup
    other = LocalMirror(CHANNEL, ttl=60, redis_url=redis_server.url())
    _wait_listening(other)
    other.put("gonghui:token:x", "officer", other.generation)
    assert other.get("gonghui:token:x") == "officer"

    # when Redis hangs and this process revokes the token (the announcement cannot go out)
    redis_server.pause()
    try:
        on_redis.forget(["gonghui:token:x"])
        time.sleep(localcache.STALE_AFTER + 0.5)
        # then the other process no longer serves from its copy
        assert other.get("gonghui:token:x") is None
    finally:
        redis_server.resume()

    # and when Redis answers again, it does not serve the forgotten lookup either
    _wait_listening(other)
    assert other.get("gonghui:token:x") is None
    other.stop()


def test_signing_in_on_the_web_works_while_redis_is_away(tree, on_redis, outage):
    # given an officer holding a token (signing in saves the account, which forgets its tokens)
    token_issue(user=tree.officer_a)
    enrol(tree.officer_a)

    # when Redis goes away and the officer signs in (password, then the authenticator's code)
    outage.begin()
    client = Client()
    response = sign_in(client, tree.officer_a.username, PASSWORD)

    # then the sign-in succeeds and the session works
    assert response.status_code == 302, response.content[:500]
    assert client.get("/").status_code == 200
    outage.end()
    assert client.get("/").status_code == 200


def test_an_upload_while_the_broker_is_away_queues_the_job_for_later(
    tree, on_redis, celery_on_redis, outage, django_capture_on_commit_callbacks
):
    # given an officer on the import page, and Redis (the broker) away
    client = Client()
    client.force_login(tree.officer_a)
    outage.begin()
    upload = (CSV_HEADER + f"王五,,{id_number(61)},13700137000,汉族,本科,北京某公司,,2021-06-01,否,无\n").encode()

    # when they upload a member list
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/members/import/",
            {"org": tree.union_a1.pk, "file": SimpleUploadedFile("members.csv", upload, "text/csv")},
        )

    # then the page goes to the job, which waits, queued
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert (job.state, job.params[UNDISPATCHED]) == (Job.State.QUEUED, True)
    assert client.get(f"/jobs/{job.pk}/").status_code == 200

    # when the broker is back, the periodic task hands the job over, once
    outage.end()
    assert dispatch_waiting_jobs() == 1
    assert dispatch_waiting_jobs() == 0
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED
    assert UNDISPATCHED not in job.params
    assert redis.Redis.from_url(celery_on_redis.conf.broker_url).llen("celery") == 1


def test_with_redis_gone_every_cache_call_answers_and_the_breaker_stops_trying(redis_server, settings):
    # given the cache on a Redis that has just died
    settings.GONGHUI_REDIS_RETRY_SECONDS = 60
    backend = RedisCache(redis_server.url(), {})
    backend.set("k", 1, 30)
    assert backend.get("k") == 1
    redis_server.stop()

    # then reads are misses, writes do nothing, and nothing raises but a counter (a ValueError, as a missing key)
    assert backend.get("k", "miss") == "miss"
    assert backend.breaker.is_open

    class Unreachable:
        def __getattr__(self, name):
            raise AssertionError(f"Redis tried while the breaker is open: {name}")

    backend.__dict__["_cache"] = Unreachable()  # from now on any attempt to reach Redis fails the test
    backend.set("k", 2, 30)
    backend.delete("k")
    backend.delete_many(["k", "j"])
    assert backend.get_many(["k", "j"]) == {}
    assert backend.add("k", 3) is False
    assert backend.has_key("k") is False
    assert backend.get_or_set("k", 4) == 4
    with pytest.raises(CacheUnavailable):
        backend.incr("k")
    with pytest.raises(ValueError):
        backend.decr("k")
    assert backend._pending_deletes == {backend.make_key("k"), backend.make_key("j")}
