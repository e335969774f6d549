"""The workers' heartbeat: a beat task, run by whichever worker takes it from the queue, writes the time in Redis;
/readyz calls the workers stale when it is older than WORKER_HEARTBEAT_STALE_SECONDS. It proves the whole path
(beat publishes, a worker consumes and runs), not only that a worker process exists."""

import time

import redis
from django.conf import settings

HEARTBEAT_KEY = "tecnosign:worker-heartbeat"


def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def heartbeat_write() -> None:
    client = _client()
    try:
        client.set(HEARTBEAT_KEY, repr(time.time()), ex=max(settings.WORKER_HEARTBEAT_STALE_SECONDS * 10, 60))
    finally:
        client.close()


def heartbeat_age() -> float | None:
    """Seconds since a worker last beat; None when none ever did (or Redis does not answer)."""
    client = _client()
    try:
        value = client.get(HEARTBEAT_KEY)
    except redis.RedisError:
        return None
    finally:
        client.close()
    return None if value is None else max(time.time() - float(value), 0.0)
