"""The shared cache on Redis, degrading to "nothing cached" while Redis is away.

The cache only holds throttling counters and other disposable values (the database is the source of truth),
so a Redis outage must not turn every page into a 500: reads miss, writes are dropped, counters start again,
and a warning is logged. After a failure the backend stops trying for `RETRY_AFTER` seconds, so a Redis that
does not answer costs a request one connect timeout, not one per cache call.
"""

import logging
import threading
import time
from functools import wraps

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

from .metrics import observe_cache

logger = logging.getLogger(__name__)
RETRY_AFTER = 2.0


def _degrades_to(fallback):
    """Run the Redis call; on a Redis error (or while the backend is backing off) return `fallback(*args)`."""

    def decorate(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            if time.monotonic() < self._down_until:
                observe_cache(method.__name__, "skipped", 0.0)
                return fallback(*args, **kwargs)
            started = time.perf_counter()
            try:
                result = method(self, *args, **kwargs)
            except RedisError as exc:
                observe_cache(method.__name__, "error", time.perf_counter() - started)
                with self._lock:
                    self._down_until = time.monotonic() + RETRY_AFTER
                logger.warning("cache unavailable, %s skipped: %s", method.__name__, exc)
                return fallback(*args, **kwargs)
            observe_cache(method.__name__, "ok", time.perf_counter() - started)
            return result

        return wrapper

    return decorate


def _none(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _default(key, default=None, version=None):
    return default


def _empty(*args, **kwargs):
    return {}


def _keys_not_set(data, *args, **kwargs):
    return list(data)


def _fresh_count(key, delta=1, version=None):
    # A counter that cannot be read starts again: throttles fail open while Redis is away.
    return delta


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a redis.Redis per cache call, and redis-py fills ~170 response callbacks in each
    (a tenth of a millisecond, more than the round trip on loopback). One client per connection pool: redis.Redis
    is safe to share between threads, its pool hands each command its own connection."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(index))
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._down_until = 0.0
        self._lock = threading.Lock()

    @_degrades_to(_false)
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().add(key, value, timeout, version)

    @_degrades_to(_default)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_degrades_to(_none)
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set(key, value, timeout, version)

    @_degrades_to(_false)
    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return super().touch(key, timeout, version)

    @_degrades_to(_false)
    def delete(self, key, version=None):
        return super().delete(key, version)

    @_degrades_to(_empty)
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_degrades_to(_false)
    def has_key(self, key, version=None):
        return super().has_key(key, version)

    @_degrades_to(_fresh_count)
    def incr(self, key, delta=1, version=None):
        return super().incr(key, delta, version)

    @_degrades_to(_keys_not_set)
    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return super().set_many(data, timeout, version)

    @_degrades_to(_none)
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)

    @_degrades_to(_false)
    def clear(self):
        return super().clear()
