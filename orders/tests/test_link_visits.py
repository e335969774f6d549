"""The link page's visit counter: Redis on the hot path, folded into the partner's numbers by the beat task."""

import logging
import threading
import urllib.request

import pytest
import redis
from django.conf import settings

from orders.models import LinkVisitDay, ReferralLink
from orders.services import link_visits
from orders.tasks import fold_link_visits

from .factories import LinkFactory, ProductFactory

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def _visits(link) -> int:
    return ReferralLink.objects.get(pk=link.pk).visits


def test_concurrent_visits_to_one_link_are_all_counted_once(live_server):
    # given one link that a campaign sends many clients to at once
    ProductFactory()
    link = LinkFactory()
    url = f"{live_server.url}/l/{link.code}/"
    statuses, lock = [], threading.Lock()

    def client():
        for _ in range(20):
            with urllib.request.urlopen(url, timeout=10) as response, lock:  # noqa: S310 (the test's server)
                statuses.append(response.status)

    # when 8 clients open it 20 times each, at the same time, with a fold running in between
    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    folded_meanwhile = fold_link_visits()
    for thread in threads:
        thread.join()

    # then every visit was answered and, after the beat, counted exactly once (a second beat adds nothing)
    assert statuses == [200] * 160
    assert folded_meanwhile + fold_link_visits() == 160
    assert fold_link_visits() == 0
    assert _visits(link) == 160
    assert LinkVisitDay.objects.get(link=link).visits == 160


def test_visits_after_a_fold_are_added_and_a_lost_counter_does_not_undo_the_day(db, client):
    ProductFactory()
    link = LinkFactory()
    for _ in range(3):
        assert client.get(f"/l/{link.code}/").status_code == 200
    assert fold_link_visits() == 3

    # Redis loses its data (restarted without persistence); two more visits come in
    redis.Redis.from_url(settings.REDIS_URL).delete(*redis.Redis.from_url(settings.REDIS_URL).keys("*link-visits*"))
    for _ in range(2):
        client.get(f"/l/{link.code}/")

    assert fold_link_visits() == 2
    assert fold_link_visits() == 0
    assert _visits(link) == 5


def test_the_link_page_works_with_redis_unreachable_and_drops_the_count_with_a_warning(
    db, client, settings, monkeypatch, caplog
):
    # given Redis unreachable, for the visit counter and the page cache alike
    ProductFactory()
    link = LinkFactory(visits=7)
    unreachable = "redis://127.0.0.1:1/0"
    settings.REDIS_URL = unreachable
    settings.CACHES = {
        "default": {
            "BACKEND": "tecnosign.cache.ResilientRedisCache",
            "LOCATION": unreachable,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    monkeypatch.setattr(link_visits, "_down_until", 0.0)

    # when a client opens the link page twice
    with caplog.at_level(logging.WARNING, logger="orders.services.link_visits"):
        first = client.get(f"/l/{link.code}/")
        second = client.get(f"/l/{link.code}/")

    # then the page is served as usual, the visits are dropped and said so in the log, nothing else changed
    assert (first.status_code, second.status_code) == (200, 200)
    assert "Indicação de" in second.text
    assert any("link visit not counted" in record.getMessage() for record in caplog.records)
    assert _visits(link) == 7
    monkeypatch.setattr(link_visits, "_down_until", 0.0)
