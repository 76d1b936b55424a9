"""A per-process copy of a few hot cache entries that every process drops at once when one forgets them.

For lookups on every request (the API token → account): reading Redis costs a network round trip
(~70 µs here, as much as the database) and unpickling the value; this copy costs a dictionary
lookup. `forget()` drops the keys here and publishes them on a Redis channel that every process
listens to in a background thread, so an entry forgotten anywhere is gone everywhere within the
message's delivery (well under a millisecond on one network).

A process serves from its copy only while it is listening: until its subscription is confirmed,
after the connection fails, and when the listener has not heard from Redis (its own pings
included) for `STALE_AFTER` seconds, `get()` finds nothing and callers go to the shared cache as
before — a missed message can never keep a forgotten entry alive. A listener that hears Redis
again after such a silence (a hung Redis that resumes) starts from an empty copy, and keys this
process could not announce while Redis was away are announced as soon as it is back. Without Redis (the embedded
default) there are no other processes sharing the cache: the copy is this process's alone, and
`forget()` drops it here, as the local-memory cache did.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from typing import Any

logger = logging.getLogger(__name__)

PING_EVERY = 1.0  # seconds between the listener's pings
STALE_AFTER = 3.0  # no message or pong for this long: stop serving from the copy
RETRY_AFTER = 1.0  # seconds before reconnecting after a failure
SOCKET_TIMEOUT = 0.5  # publishing: a hung Redis must cost a revocation little
UNANNOUNCED_MAX = 10_000


class LocalMirror:
    def __init__(self, channel: str, *, ttl: float, max_entries: int = 10_000, redis_url: str | None = None) -> None:
        """`redis_url`: None for settings.REDIS_URL, read at first use; "" for this process alone."""
        self.channel = channel
        self.ttl = ttl
        self.max_entries = max_entries
        self._redis_url = redis_url
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._generation = 0  # bumped by every drop: a lookup that saw another generation must not store
        self._pid: int | None = None
        self._listening = False
        self._heard_at = 0.0
        self._publisher: Any = None
        self._sender = ""  # this process's mirror on the channel: its own messages are not news
        self._unannounced: set[str] = set()  # forgotten while Redis was away: announced when it is back
        self._stop = threading.Event()

    # -- reads and writes ------------------------------------------------------------------------

    @property
    def generation(self) -> int:
        """Take before looking a value up elsewhere; pass to `put()` with what was found."""
        self._ensure_started()
        return self._generation

    def get(self, key: str) -> Any:
        """The value put for `key` within `ttl` seconds, or None (also while not listening)."""
        if self.ttl <= 0 or not self._serving():
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: str, value: Any, generation: int) -> None:
        """Keep `value` unless something was forgotten since `generation` was taken: the value may
        have been read before a change that another process has already announced."""
        if self.ttl <= 0 or not self._serving():
            return
        with self._lock:
            if generation != self._generation:
                return
            self._entries[key] = (time.monotonic() + self.ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, keys: list[str] | tuple[str, ...]) -> None:
        """Drop `keys` here at once and in every listening process."""
        if not keys:
            return
        self._ensure_started()
        self._drop(keys)
        if self._url():
            self._announce(list(keys))

    def _announce(self, keys: list[str]) -> None:
        try:
            self._publisher_client().publish(self.channel, "\n".join([self._sender, *keys]))
        except Exception as exc:
            # Redis away: every listener stops serving from its copy within STALE_AFTER (at once if
            # its connection broke) and starts empty when it hears Redis again; the keys are also
            # announced again then, for a listener that had not yet noticed.
            logger.warning("could not announce forgotten cache keys on %s: %r", self.channel, exc)
            with self._lock:
                if len(self._unannounced) < UNANNOUNCED_MAX:
                    self._unannounced.update(keys)

    def _announce_unannounced(self) -> None:
        with self._lock:
            keys, self._unannounced = list(self._unannounced), set()
        if keys:
            self._announce(keys)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1

    # -- listening -------------------------------------------------------------------------------

    def _url(self) -> str:
        if self._redis_url is None:
            from django.conf import settings

            return settings.REDIS_URL
        return self._redis_url

    def _serving(self) -> bool:
        self._ensure_started()
        if not self._url():
            return True
        return self._listening and time.monotonic() - self._heard_at < STALE_AFTER

    def _ensure_started(self) -> None:
        pid = os.getpid()
        if self._pid == pid:
            return
        with self._lock:
            if self._pid == pid:
                return
            # First use in this process (a forked child inherits its parent's state but not its thread).
            self._entries.clear()
            self._generation += 1
            self._listening = False
            self._publisher = None
            self._sender = uuid.uuid4().hex
            self._stop = threading.Event()
            self._pid = pid
            if self._url():
                threading.Thread(target=self._listen, name=f"mirror:{self.channel}", daemon=True).start()

    def _publisher_client(self):
        if self._publisher is None:
            import redis

            self._publisher = redis.Redis.from_url(
                self._url(), socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
            )
        return self._publisher

    def _drop(self, keys) -> None:
        with self._lock:
            for key in keys:
                self._entries.pop(key, None)
            self._generation += 1

    def _listen(self) -> None:
        import redis

        stop = self._stop
        failed_before = False
        while not stop.is_set():
            pubsub = None
            try:
                pubsub = redis.Redis.from_url(
                    self._url(), socket_timeout=PING_EVERY * 2, socket_connect_timeout=PING_EVERY
                ).pubsub()
                pubsub.subscribe(self.channel)
                pinged = time.monotonic()
                while not stop.is_set():
                    if time.monotonic() - pinged >= PING_EVERY:
                        pubsub.ping()
                        pinged = time.monotonic()
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if self._listening and time.monotonic() - self._heard_at >= STALE_AFTER:
                        # Heard again after a silence (a hung Redis resumed): messages may have
                        # been lost meanwhile, so nothing kept from before is trusted.
                        self.clear()
                    self._heard_at = time.monotonic()
                    if self._unannounced:
                        self._announce_unannounced()
                    if message["type"] == "subscribe":
                        # Anything kept before now may have missed a message: start empty.
                        self.clear()
                        self._listening = True
                        if failed_before:
                            logger.warning("cache mirror %s hears Redis again", self.channel)
                            failed_before = False
                    elif message["type"] == "message":
                        data = message["data"]
                        sender, *keys = (data.decode() if isinstance(data, bytes) else data).split("\n")
                        if sender != self._sender:  # its own were dropped here when announced
                            self._drop(keys)
            except Exception as exc:
                if self._listening or not failed_before:  # once per outage, not every retry
                    logger.warning("cache mirror %s lost Redis (%r); not serving from the copy", self.channel, exc)
                failed_before = True
            finally:
                self._listening = False
                self.clear()
                if pubsub is not None:
                    with contextlib.suppress(Exception):  # closing a broken connection
                        pubsub.close()
            stop.wait(RETRY_AFTER)

    def stop(self) -> None:
        """End this process's listener (tests)."""
        self._stop.set()
        self._listening = False
