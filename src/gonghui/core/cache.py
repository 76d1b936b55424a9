"""Django's Redis cache that survives Redis being away, with one `redis.Redis` client per pool.

Redis is a cache here, never a single point of failure: when it cannot be reached (refused,
reset, or silent past a short timeout), a read answers as a miss and a write or delete does
nothing (logged), so callers go to the database as they do on any miss. A circuit breaker keeps
a dead or hung Redis from costing every call its timeout: after a failure the cache answers
misses at once for `GONGHUI_REDIS_RETRY_SECONDS`, then one call tries Redis again.

Deletes that could not reach Redis are kept (a bounded set) and sent first when Redis answers
again: a deleted entry is how a revocation reaches the other processes (the token lookup), and
an entry written before the outage could otherwise outlive it until its timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis.exceptions
from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# What "Redis is away" looks like from redis-py (refused, reset, timed out, still loading its data).
REDIS_UNAVAILABLE: tuple[type[Exception], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OSError,
)
PENDING_DELETES_MAX = 10_000
T = TypeVar("T")


class CacheUnavailable(ValueError):
    """`incr`/`decr` while Redis is away. A ValueError, as Django's answer for a missing key: a
    counter has no safe "miss", and callers already handle that one (a limiter falls back to the
    database on it)."""


class CircuitBreaker:
    """Closed: every call goes through. After a failure: open for `open_for` seconds (calls are
    skipped), then one caller probes; its success closes the breaker, its failure opens it again."""

    def __init__(self, name: str, *, open_for: float) -> None:
        self.name = name
        self.open_for = open_for
        self._open_until = 0.0  # 0: closed
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._open_until != 0.0

    def allows(self) -> bool:
        if self._open_until == 0.0:
            return True
        now = time.monotonic()
        if now < self._open_until:
            return False
        with self._lock:  # one probe per period, however many threads are waiting
            if now < self._open_until:
                return False
            self._open_until = now + self.open_for
            return True

    def failed(self, exc: BaseException) -> None:
        was_closed = self._open_until == 0.0
        self._open_until = time.monotonic() + self.open_for
        if was_closed:
            logger.warning(
                "%s unreachable (%s); answering without it, retrying every %.0f s",
                self.name,
                exc.__class__.__name__,
                self.open_for,
            )

    def succeeded(self) -> None:
        if self._open_until != 0.0:
            self._open_until = 0.0
            logger.warning("%s reachable again", self.name)


class _SharedClientRedisCacheClient(RedisCacheClient):
    """Builds `redis.Redis` once per pool: Django builds one for every cache call, and building it
    (its table of ~170 response callbacks) took 50 µs — more than the round trip to Redis that
    follows, on every API request (the token lookup). A client is safe to share between threads:
    each command takes a connection from the pool and returns it.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # not in django-stubs
        client = self._clients.get(id(pool))
        if client is None:
            # The pools live as long as this object, so a pool's id is never reused for another.
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    """`django.core.cache.backends.redis.RedisCache` sharing its clients and answering misses while
    Redis is away (see the module's docstring).

    OPTIONS default to a 0.25 s connect and 0.5 s read timeout, without retries: a healthy Redis
    answers in well under a millisecond, and a hung one must cost a request little.
    """

    def __init__(self, server, params) -> None:
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", settings.GONGHUI_REDIS_CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", settings.GONGHUI_REDIS_TIMEOUT)
        options.setdefault("retry", Retry(NoBackoff(), 0))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._class = _SharedClientRedisCacheClient
        self.breaker = CircuitBreaker(f"Redis cache {server}", open_for=settings.GONGHUI_REDIS_RETRY_SECONDS)
        self._pending_deletes: set[str] = set()
        self._pending_lock = threading.Lock()

    # -- the guard -------------------------------------------------------------------------------

    def _guarded(self, call: Callable[[], T], fallback: T, *, forgets: list[str] | None = None) -> T:
        if not self.breaker.allows():
            self._remember(forgets)
            return fallback
        try:
            if self._pending_deletes:
                self._send_pending_deletes()
            result = call()
        except REDIS_UNAVAILABLE as exc:
            self.breaker.failed(exc)
            self._remember(forgets)
            return fallback
        self.breaker.succeeded()
        return result

    def _remember(self, keys: list[str] | None) -> None:
        if not keys:
            return
        with self._pending_lock:
            if len(self._pending_deletes) + len(keys) > PENDING_DELETES_MAX:
                # Beyond this the entries' own timeouts (seconds for the token lookups) bound them.
                logger.warning("Redis cache: %d deletes not kept while Redis is away", len(keys))
                return
            self._pending_deletes.update(keys)

    def _send_pending_deletes(self) -> None:
        with self._pending_lock:
            keys, self._pending_deletes = list(self._pending_deletes), set()
        try:
            if keys:
                self._cache.delete_many(keys)
        except BaseException:
            self._remember(keys)
            raise

    # -- Django's cache API ----------------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        # Not stored: an add used as a lock or a first-writer-wins check must not think it won.
        return self._guarded(lambda: super(RedisCache, self).add(key, value, timeout, version), False)

    def get(self, key, default=None, version=None) -> Any:
        return self._guarded(lambda: super(RedisCache, self).get(key, default, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self._guarded(lambda: super(RedisCache, self).set(key, value, timeout, version), None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._guarded(lambda: super(RedisCache, self).touch(key, timeout, version), False)

    def delete(self, key, version=None) -> bool:
        forgets = [self.make_and_validate_key(key, version=version)]
        return self._guarded(lambda: super(RedisCache, self).delete(key, version), False, forgets=forgets)

    def get_many(self, keys, version=None) -> dict:
        return self._guarded(lambda: super(RedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None) -> bool:
        return self._guarded(lambda: super(RedisCache, self).has_key(key, version), False)

    def incr(self, key, delta=1, version=None) -> int:
        marker = object()
        result = self._guarded(lambda: super(RedisCache, self).incr(key, delta, version), marker)
        if result is marker:
            raise CacheUnavailable(f"Redis unavailable: counter {key!r} not changed")
        return result  # type: ignore[return-value]

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        return self._guarded(lambda: super(RedisCache, self).set_many(data, timeout, version), list(data))

    def delete_many(self, keys, version=None) -> None:
        keys = list(keys)
        forgets = [self.make_and_validate_key(key, version=version) for key in keys]
        self._guarded(lambda: super(RedisCache, self).delete_many(keys, version), None, forgets=forgets)

    def clear(self) -> None:
        self._guarded(lambda: super(RedisCache, self).clear(), None)
