"""Redis down while customers pay and book: the pages work, and every message goes out once Redis is back.

The app's broker and cache point at a private Redis that is not running. The payment (the gateway's signed
webhook) and the booking go through the real URLs; nothing reaches Redis, and the database keeps what is owed:
pending outbox rows and booking timers. Redis starts, a real worker comes up, and the beat sweeps — each run
twice, as a doubled beat would — deliver every e-mail and reminder exactly once.
"""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client

from orders.models import Order, Payment
from orders.payments.gateways.sandbox import SIGNATURE_HEADER, event_body, sandbox_bank_record, sign
from orders.tests.factories import OrderFactory, valid_cpf
from scheduling.models import Booking, BookingTimer
from scheduling.tasks import timers_due
from scheduling.tests.factories import make_agent, ready_order
from scheduling.tests.helpers import book_url, open_order
from tecnosign.notifications.models import OutboxMessage
from tecnosign.notifications.tasks import outbox_sweep

from .conftest import app_publishing_to, wait_until_quiet

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]

BRT = ZoneInfo("America/Sao_Paulo")
THURSDAY_0910 = datetime(2026, 11, 19, 9, 10, tzinfo=BRT)
MONDAY_10 = "2026-11-23T10:00"
SECRET = "dev-sandbox-webhook-secret"


def _webhook(client, payment: Payment):
    sandbox_bank_record(charge_id=payment.charge_id, status="paid", amount=payment.amount)  # the bank received it
    body = event_body(charge_id=payment.charge_id, status="paid", amount=payment.amount)
    return client.post(
        "/payments/webhooks/sandbox/",
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: sign(body, secret=SECRET)},
    )


def _email_keys() -> list[str]:
    return list(OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL).values_list("key", flat=True))


@pytest.fixture
def redis_away(private_redis, settings):
    """The app's broker, cache and health check on the private Redis, which is not started."""
    settings.REDIS_URL = private_redis.url
    settings.CACHES = {
        "default": {
            "BACKEND": "tecnosign.cache.ResilientRedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with app_publishing_to(private_redis.url):
        yield private_redis


def test_paying_and_booking_while_redis_is_down_then_each_message_goes_out_once(redis_away, worker_process):
    with time_machine.travel(THURSDAY_0910, tick=True) as clock:
        make_agent("ana")
        paying = OrderFactory(person_cpf=valid_cpf(71), email="paga@exemplo.com.br")
        booking_order = ready_order(person_cpf=valid_cpf(72), email="agenda@exemplo.com.br")
        payer, booker = Client(), Client()

        # Given Redis is down, when the customer pays (PIX, then the gateway's webhook) and another books
        open_order(payer, paying)  # the order look-up counts failures in the cache
        chosen = payer.post(f"/pedido/{paying.number}/pagamento/", {"method": "pix"})
        webhook = _webhook(Client(), Payment.objects.get(order=paying))
        open_order(booker, booking_order)
        page = booker.get(book_url(booking_order))
        booked = booker.post(book_url(booking_order), {"slot": MONDAY_10})
        health = Client().get("/healthz")

        # then every request succeeded and the database holds the outcome and what is still owed
        assert chosen.status_code == 302 and page.status_code == 200 and booked.status_code == 302
        assert webhook.status_code == 200 and webhook.json()["outcome"] == "applied"
        assert health.status_code == 503 and json.loads(health.content)["checks"] == {"database": "ok", "redis": "down"}
        assert Order.objects.get(pk=paying.pk).status == Order.Status.PAID
        booking = Booking.objects.get(order=booking_order, status=Booking.Status.SCHEDULED)
        assert Order.objects.get(pk=booking_order.pk).status == Order.Status.SCHEDULED
        owed = _email_keys()
        assert {f"booking:{booking.pk}:confirmed"} <= set(owed) and len(owed) >= 3
        assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxMessage.Status.PENDING}
        assert mail.outbox == []  # nothing was sent around the queue

        # When Redis is back with a worker, and the outbox sweep runs twice (a doubled beat)
        redis_away.start()
        worker = worker_process(redis_away.url)
        clock.shift(timedelta(minutes=1))  # the sweep leaves messages younger than 30 s to their own task
        outbox_sweep.apply()
        outbox_sweep.apply()

        # then every message owed is delivered, each once
        wait_until_quiet(lambda: sorted(worker.sent_keys()) == sorted(owed))
        assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxMessage.Status.SENT}

        # When the reminders fall due and the timers' beat runs twice each time
        for due in (booking.starts_at - timedelta(days=1), booking.starts_at - timedelta(minutes=10)):
            clock.move_to(due + timedelta(seconds=30))
            timers_due.apply()
            timers_due.apply()

        # then the day-before and ten-minute reminders go out once each
        reminders = [f"booking:{booking.pk}:day_before:email", f"booking:{booking.pk}:ten_minutes:email"]
        wait_until_quiet(lambda: sorted(worker.sent_keys()) == sorted([*owed, *reminders]))
        fired = BookingTimer.objects.filter(booking=booking, status=BookingTimer.Status.DONE).values_list(
            "kind", flat=True
        )
        assert set(fired) == {BookingTimer.Kind.DAY_BEFORE, BookingTimer.Kind.TEN_MINUTES}
