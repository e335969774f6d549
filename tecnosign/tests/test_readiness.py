"""/readyz: ready only when the database and Redis answer, a worker beat recently, and the CA answers."""

import time

import pytest
import redis
from django.conf import settings
from django.test import Client

from conftest import wait_for
from tecnosign.observability.heartbeat import HEARTBEAT_KEY, heartbeat_age
from tecnosign.observability.tasks import worker_heartbeat
from tecnosign.tests.faults.conftest import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


@pytest.fixture
def broker():
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(HEARTBEAT_KEY)
    yield client
    client.delete(HEARTBEAT_KEY)
    client.close()


def readiness() -> tuple[int, dict]:
    response = Client().get("/readyz")
    return response.status_code, response.json()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_ready_once_a_worker_has_taken_the_heartbeat_from_the_queue(broker, celery_worker):
    # Before any worker beat, the portal is not ready: nobody would run its tasks
    broker.delete(HEARTBEAT_KEY)
    status, body = readiness()
    assert (status, body["status"], body["checks"]["workers"]) == (503, "not_ready", "stale")

    # When beat's heartbeat task goes through the broker to a worker
    worker_heartbeat.delay()
    wait_for(lambda: heartbeat_age() is not None, timeout=15)

    # Then every check passes
    status, body = readiness()
    assert status == 200
    assert body == {"status": "ready", "checks": {"database": "ok", "redis": "ok", "workers": "ok", "ca": "ok"}}


def test_a_stale_heartbeat_is_not_ready(broker, settings):
    broker.set(HEARTBEAT_KEY, repr(time.time() - settings.WORKER_HEARTBEAT_STALE_SECONDS - 5))
    status, body = readiness()
    assert (status, body["checks"]["workers"]) == (503, "stale")
    broker.set(HEARTBEAT_KEY, repr(time.time() - settings.WORKER_HEARTBEAT_STALE_SECONDS + 30))
    assert readiness()[0] == 200
    # /healthz (liveness) never looked at the workers
    assert Client().get("/healthz").status_code == 200


def test_a_ca_that_does_not_answer_is_not_ready(broker, settings):
    broker.set(HEARTBEAT_KEY, repr(time.time()))
    settings.CA_BACKEND, settings.EXTERNAL_CA_URL = "external", f"http://127.0.0.1:{free_port()}"
    settings.EXTERNAL_CA_TOKEN, settings.EXTERNAL_CA_TIMEOUT_SECONDS = "token", 1
    status, body = readiness()
    assert (status, body["checks"]["ca"], body["checks"]["workers"]) == (503, "down", "ok")


def test_without_a_broker_tasks_run_inline_and_no_heartbeat_is_needed(settings):
    settings.REDIS_URL = ""
    status, body = readiness()
    assert status == 200
    assert body["checks"] == {"database": "ok", "workers": "inline", "ca": "ok"}
