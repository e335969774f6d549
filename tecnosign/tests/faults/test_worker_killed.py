"""A Celery worker killed (SIGKILL) in the middle of a task: the task comes back, and its outcome happens once.

Real workers in subprocesses (`celery -A tecnosign worker`, solo pool) on a private Redis with a 3-second
visibility timeout: a task a dead worker never acknowledged is handed to the next worker (acks_late). What is
done once is decided in the database — the hand-off's row lock and status, the CA's idempotency key, the
outbox row's claim — never by the broker.
"""

import threading
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client

from conftest import wait_for
from issuance.models import IssuanceRequest
from issuance.services import issuance_submit
from issuance.tests.fake_ac import FakeAc
from orders.models import Order
from orders.tests.factories import OrderFactory
from scheduling.tests.helpers import open_order
from tecnosign.notifications.models import OutboxMessage
from tecnosign.notifications.tasks import outbox_sweep

from .conftest import app_publishing_to, wait_until_quiet

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]

VISIBILITY_TIMEOUT = 3


@pytest.fixture
def redis_up(private_redis):
    private_redis.start()
    with app_publishing_to(private_redis.url):
        yield private_redis


@pytest.fixture
def external_ac(settings, ca_key_source):
    fake = FakeAc(key=ca_key_source("external-ac", 2048))
    fake.start()
    settings.CA_BACKEND, settings.EXTERNAL_CA_URL, settings.EXTERNAL_CA_TOKEN = "external", fake.url, fake.token
    yield fake
    if fake.hold is not None:
        fake.hold.set()
    fake.stop()


def test_a_worker_killed_while_the_ca_answers_the_hand_off_leaves_one_request_at_the_ca(
    redis_up, worker_process, external_ac
):
    env = {
        "CA_BACKEND": "external",
        "EXTERNAL_CA_URL": external_ac.url,
        "EXTERNAL_CA_TOKEN": external_ac.token,
        "EXTERNAL_CA_TIMEOUT_SECONDS": "60",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    }
    external_ac.hold = threading.Event()
    first = worker_process(redis_up.url, **env)
    order = OrderFactory(status=Order.Status.VERIFIED)
    with transaction.atomic():  # the verification centre's transaction; the task is published on commit
        request = issuance_submit(order)

    # Given the CA has recorded the submission and the worker waits for its answer, when the worker is killed
    wait_for(external_ac.holding.is_set, timeout=30)
    first.kill()
    request.refresh_from_db()
    assert (request.status, request.attempts, request.external_reference) == (IssuanceRequest.Status.QUEUED, 0, None)
    external_ac.hold.set()

    # then the unacknowledged task goes to the next worker, which hands the order off: once, at the CA too
    time.sleep(VISIBILITY_TIMEOUT + 0.5)
    second = worker_process(redis_up.url, **env)
    wait_for(lambda: Order.objects.get(pk=order.pk).status == Order.Status.RELEASED, timeout=30)
    wait_for(lambda: second.ran("issuance.submit", "released"), timeout=10)
    request.refresh_from_db()
    assert (request.status, request.attempts) == (IssuanceRequest.Status.RELEASED, 1)
    assert [call for call in external_ac.calls if call == ("POST", "/requests")] == [("POST", "/requests")] * 2
    assert list(external_ac.requests) == [request.external_reference]  # the idempotency key: one request
    released = f"issuance:{request.pk}:released"
    wait_until_quiet(lambda: second.sent_keys().count(released) == 1)
    assert second.sent_keys() == [released]


def test_a_worker_killed_while_sending_an_email_sends_it_once(redis_up, worker_process, tmp_path, settings):
    # Longer than a worker takes to start on a loaded 2-core machine (5–6 s seen), so the redelivered task
    # arrives while the dead worker's claim still looks alive.
    stale_after = 20
    settings.OUTBOX_STALE_CLAIM_SECONDS = stale_after  # the sweep runs here, in the test's process
    hold = tmp_path / "hold"
    hold.touch()
    env = {
        "TECNOSIGN_TEST_MAIL_HOLD": str(hold),
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "OUTBOX_STALE_CLAIM_SECONDS": str(stale_after),
    }
    first = worker_process(redis_up.url, **env)
    order = OrderFactory()
    customer = Client()
    open_order(customer, order)

    # Given the customer chose PIX and the worker has claimed the e-mail and is handing it to the mail server
    assert customer.post(f"/pedido/{order.number}/pagamento/", {"method": "pix"}).status_code == 302
    wait_for(lambda: (tmp_path / "hold.held").exists(), timeout=30)
    [message] = OutboxMessage.objects.filter(object_ref=f"orders.order:{order.pk}")
    assert (message.status, message.attempts) == (OutboxMessage.Status.SENDING, 1)

    # when that worker is killed and another starts
    first.kill()
    hold.unlink()
    time.sleep(VISIBILITY_TIMEOUT + 0.5)
    second = worker_process(redis_up.url, **env)

    # then the redelivered task leaves the claim alone while it may still be alive: nothing is sent twice
    wait_for(lambda: second.ran("notifications.send", "skipped"), timeout=30)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENDING and second.sent_keys() == []

    # and once the claim is stale, the sweep (a doubled beat) sends it, once
    time.sleep(max(0.0, (message.claimed_at + timedelta(seconds=stale_after + 0.5)).timestamp() - time.time()))
    outbox_sweep.apply()
    outbox_sweep.apply()
    wait_until_quiet(lambda: second.sent_keys() == [message.key])
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.SENT, 2)
