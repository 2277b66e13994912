"""Django's Redis cache, falling back to this process's memory while Redis is down.

Redis (REDIS_URL) holds what the processes and machines share: the rate limits, the
proofs of work accepted once, the log-in throttling, the forms posted once. None of it
is worth refusing a declaration for: with Django's RedisCache alone, a Redis that was
stopped, restarted or unreachable made every declaration a 500. Here an operation that
fails to reach Redis is done in a local-memory cache instead, and for the next
RETRY_SECONDS every operation goes there without trying Redis again (a refused or timed
out connection costs each request its wait). So while Redis is down the limits still
apply, each process counting its own share (as without Redis: a limit per submitter
becomes at most one per web process, a proof of work is accepted at most once per
process), and nothing is stored anywhere but in memory. One warning line when Redis is
lost and one when it is back; never a line per request, never the URL (it may hold a
password), never a time.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("tuidang.cache")

RETRY_SECONDS = 5.0


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._local = LocMemCache("tuidang-fallback", {
            "TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 100_000}})
        self._retry_at = 0.0  # monotonic; Redis is not tried again before it
        self._down = False
        self._state = threading.Lock()

    def _call(self, name: str, *args, **kwargs):
        if self._down and time.monotonic() < self._retry_at:
            return getattr(self._local, name)(*args, **kwargs)
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except RedisError as exc:
            with self._state:
                if not self._down:
                    logger.warning("the Redis cache cannot be reached (%s): rate limits and "
                                   "caches are kept in each process's memory until it is "
                                   "back", type(exc).__name__)
                self._down, self._retry_at = True, time.monotonic() + RETRY_SECONDS
            return getattr(self._local, name)(*args, **kwargs)
        if self._down:
            with self._state:
                if self._down:
                    logger.warning("the Redis cache is back")
                    self._down = False
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        return self._call("clear")
