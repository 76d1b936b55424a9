"""Django's Redis cache, with one `redis.Redis` client per connection pool instead of one per call."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


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
    """`django.core.cache.backends.redis.RedisCache` sharing its clients (see above)."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _SharedClientRedisCacheClient
