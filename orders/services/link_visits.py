"""The link page's visit counter: counted in Redis, folded into the statistics by a beat task.

A partner's campaign sends many clients to one link at once; counting with an UPDATE of the link's row made
every visit queue on that row's lock. A visit is now one round trip to Redis: INCR of the link's counter for
the day (Brasília), a key that lives a few days. `link_visits_fold` (beat, every minute) reads each counter and
writes the day's total to `LinkVisitDay`, adding only the difference to `ReferralLink.visits`, under the day
row's lock: folding the same counter twice, or two folds at once, counts nothing twice, and a visit made while
folding is in the counter for the next fold. If Redis lost its data (a restart without persistence), the
counter is found below the folded total; the fold raises it by that total, atomically, so the visits after
the loss still count.

Redis away: the visit is dropped and a warning logged (the page never waits for a statistic); after a failure
the counter stops trying for `RETRY_AFTER` seconds. Without REDIS_URL (`make run`) the visit updates the row
as before.
"""

import logging
import threading
import time
from datetime import date

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from redis.exceptions import RedisError

from ..models import LinkVisitDay, ReferralLink

logger = logging.getLogger(__name__)


def key_prefix() -> str:
    """Where the counters live in Redis (settings.LINK_VISITS_KEY_PREFIX: deployments or test runs that share one
    Redis keep apart)."""
    return settings.LINK_VISITS_KEY_PREFIX


KEY_TTL = 7 * 24 * 60 * 60  # a week: a fold missed for days still finds the counters
RETRY_AFTER = 2.0

_clients: dict[str, redis.Redis] = {}  # one connection pool per process (and per URL: tests change it)
_client_lock = threading.Lock()
_down_until = 0.0


def _redis() -> redis.Redis | None:
    url = settings.REDIS_URL
    if not url:
        return None
    with _client_lock:
        if url not in _clients:
            _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        return _clients[url]


def _key(link_id: int, day: date) -> str:
    return f"{key_prefix()}{day.isoformat()}:{link_id}"


def link_register_visit(link: ReferralLink) -> None:
    global _down_until
    client = _redis()
    if client is None:
        ReferralLink.objects.filter(pk=link.pk).update(visits=F("visits") + 1)
        return
    if time.monotonic() < _down_until:
        return
    key = _key(link.pk, timezone.localdate())
    try:
        pipe = client.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, KEY_TTL)
        pipe.execute()
    except RedisError as exc:
        _down_until = time.monotonic() + RETRY_AFTER
        logger.warning("link visit not counted (Redis unavailable; visits dropped for %.0f s): %s", RETRY_AFTER, exc)


def link_visits_fold() -> int:
    """Fold every day counter into the statistics; returns the visits added. Idempotent."""
    client = _redis()
    if client is None:
        return 0
    added = 0
    prefix = key_prefix()
    for raw_key in client.scan_iter(match=f"{prefix}*", count=500):
        key = raw_key.decode()
        day, link_id = key.removeprefix(prefix).split(":")
        added += _fold_counter(client, key, link_id=int(link_id), day=date.fromisoformat(day))
    return added


@transaction.atomic
def _fold_counter(client: redis.Redis, key: str, *, link_id: int, day: date) -> int:
    if not ReferralLink.objects.filter(pk=link_id).exists():
        return 0
    LinkVisitDay.objects.get_or_create(link_id=link_id, day=day)
    row = LinkVisitDay.objects.select_for_update().get(link_id=link_id, day=day)
    # Read under the row's lock: a concurrent fold waits and then sees this one's total.
    counted = int(client.get(key) or 0)
    if counted < row.visits:
        counted = client.incrby(key, row.visits)  # Redis lost the counter: what it counted since comes on top
    delta = counted - row.visits
    if delta:
        row.visits = counted
        row.save(update_fields=["visits"])
        ReferralLink.objects.filter(pk=link_id).update(visits=F("visits") + delta)
    return delta
