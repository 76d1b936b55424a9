"""Counters that hold under concurrency: count a try first, then decide, then do the costly check.

`hit(key, window=…)` counts one try in a fixed window and returns the count including it, in one
atomic step: Redis `INCR` + `PEXPIRE` in one Lua call when REDIS_URL is set, otherwise one
`INSERT … ON CONFLICT DO UPDATE … RETURNING` on the database. Fifteen parallel tries therefore
read fifteen different counts, and only those under the limit go on to check a password or code.

Redis configured but unreachable: the database counts instead (a warning is logged, and Redis is
not asked again for a few seconds), so a Redis outage never turns a sign-in into a 500. The two
stores do not share counts; after an outage a window may start again in the other.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import RateCounter

logger = logging.getLogger(__name__)

KEY_PREFIX = "gonghui:rl:"
REDIS_RETRY_SECONDS = 5.0  # after a failed call, how long the database counts alone

# INCR, start the window on the first hit, and repair a key that lost its expiry; one round trip.
_HIT_SCRIPT = """
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
"""
# Give one try back (never below zero), keeping the window.
_RELEASE_SCRIPT = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return n
"""


@dataclass(frozen=True)
class Hit:
    """A counter after one more try: how many in this window, and when the window ends."""

    count: int
    resets_at: dt.datetime

    def over(self, limit: int) -> bool:
        """Whether this try goes beyond `limit` tries per window."""
        return self.count > limit


class _RedisState:
    lock = threading.Lock()
    down_until = 0.0


@functools.cache
def _redis_client(url: str):
    import redis

    # Short timeouts: a Redis that hangs must not hold a sign-in longer than a Redis that is gone.
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


def _redis():
    url = getattr(settings, "REDIS_URL", "")
    if not url or time.monotonic() < _RedisState.down_until:
        return None
    return _redis_client(url)


def _redis_failed(exc: Exception) -> None:
    with _RedisState.lock:
        _RedisState.down_until = time.monotonic() + REDIS_RETRY_SECONDS
    logger.warning("rate limits: Redis unavailable (%s); counting in the database", exc)


def _now_ms() -> int:
    return int(timezone.now().timestamp() * 1000)


def _moment(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def hit(key: str, *, window: dt.timedelta) -> Hit:
    """Count one try of `key` in its window (started by the window's first try); the new count."""
    window_ms = max(int(window.total_seconds() * 1000), 1)
    client = _redis()
    if client is not None:
        import redis

        try:
            count, ttl = client.eval(_HIT_SCRIPT, 1, KEY_PREFIX + key, window_ms)
            return Hit(count=int(count), resets_at=_moment(_now_ms() + int(ttl)))
        except redis.RedisError as exc:
            _redis_failed(exc)
    return _db_hit(key, window_ms)


def _db_hit(key: str, window_ms: int) -> Hit:
    now = _now_ms()
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    key_column = connection.ops.quote_name("key")
    # One statement: concurrent tries queue on the row and each reads its own count. Both
    # PostgreSQL and SQLite evaluate every SET expression against the row as it was.
    sql = (
        f"INSERT INTO {table} ({key_column}, hits, expires_ms) VALUES (%s, 1, %s) "  # noqa: S608 - identifiers only
        f"ON CONFLICT ({key_column}) DO UPDATE SET "
        f"hits = CASE WHEN {table}.expires_ms <= %s THEN 1 ELSE {table}.hits + 1 END, "
        f"expires_ms = CASE WHEN {table}.expires_ms <= %s THEN excluded.expires_ms ELSE {table}.expires_ms END "
        f"RETURNING hits, expires_ms"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [key, now + window_ms, now, now])
        count, expires_ms = cursor.fetchone()
    return Hit(count=int(count), resets_at=_moment(int(expires_ms)))


def hold(key: str, *, until: dt.datetime) -> None:
    """Keep the counter (and so whatever its count blocks) until `until`, e.g. a lockout's end."""
    until_ms = int(until.timestamp() * 1000)
    client = _redis()
    if client is not None:
        import redis

        try:
            client.pexpireat(KEY_PREFIX + key, until_ms)
            return
        except redis.RedisError as exc:
            _redis_failed(exc)
    RateCounter.objects.filter(key=key).update(expires_ms=until_ms)


def release(key: str) -> None:
    """Give one try back (a try that turned out fine must not count against a shared limit)."""
    client = _redis()
    if client is not None:
        import redis

        try:
            client.eval(_RELEASE_SCRIPT, 1, KEY_PREFIX + key)
            return
        except redis.RedisError as exc:
            _redis_failed(exc)
    from django.db.models import F

    RateCounter.objects.filter(key=key, hits__gt=0).update(hits=F("hits") - 1)


def reset(key: str) -> None:
    """Forget the counter (a successful sign-in clears its account's failed tries)."""
    client = _redis()
    if client is not None:
        import redis

        try:
            client.delete(KEY_PREFIX + key)
        except redis.RedisError as exc:
            _redis_failed(exc)
    # Also the database's: the counter may have been counted there while Redis was away.
    RateCounter.objects.filter(key=key).delete()


def purge_expired() -> int:
    """Delete the database's counters whose window has ended (a periodic task calls this)."""
    deleted, _detail = RateCounter.objects.filter(expires_ms__lte=_now_ms()).delete()
    return deleted
