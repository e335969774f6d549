"""Reminders the day before and 10 minutes before, by e-mail and WhatsApp, fired by the beat scan."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connections
from django.test import Client, override_settings
from kombu.exceptions import OperationalError

from conftest import wait_for
from scheduling.models import Booking, BookingTimer
from scheduling.services.timer_runner import timers_run_due
from scheduling.tasks import timers_due
from tecnosign.notifications import whatsapp
from tecnosign.notifications.models import OutboxMessage

from .factories import make_agent, ready_order
from .helpers import book_url, brasilia, open_order

pytestmark = pytest.mark.django_db


def _book(order, slot="2026-11-23T10:00", on_commit=None):
    customer = Client()
    open_order(customer, order)
    if on_commit is None:
        response = customer.post(book_url(order), {"slot": slot})
    else:
        with on_commit():
            response = customer.post(book_url(order), {"slot": slot})
    assert response.status_code == 302
    return Booking.objects.get(order=order, status=Booking.Status.SCHEDULED)


def _beat(on_commit):
    with on_commit():
        return timers_due.apply().get()


def _reminders() -> list:
    return [m for m in mail.outbox if "Lembrete" in m.subject or "começa em 10 minutos" in m.subject]


@pytest.fixture
def booking(clock, on_commit):
    clock(2026, 11, 19, 9, 10)
    make_agent("ana")
    booking = _book(ready_order(), on_commit=on_commit)
    mail.outbox.clear()
    return booking


def test_the_day_before_reminder_goes_once_with_the_link(booking, clock, on_commit):
    clock(2026, 11, 22, 9, 59)
    assert _beat(on_commit) == {"done": 0, "skipped": 0}
    assert _reminders() == []

    clock(2026, 11, 22, 10, 0)
    assert _beat(on_commit) == {"done": 1, "skipped": 0}
    assert _beat(on_commit) == {"done": 0, "skipped": 0}

    [email] = _reminders()
    assert email.to == [booking.order.email]
    assert "Lembrete: videoconferência amanhã às 10:00 (Brasília)" in email.subject
    assert "amanhã, segunda-feira, 23/11/2026, às 10:00" in email.body and booking.video_url in email.body
    assert whatsapp.outbox == []  # the WhatsApp channel is off by default


@override_settings(WHATSAPP_ENABLED=True)
def test_ten_minutes_before_the_link_goes_by_e_mail_and_whatsapp(booking, clock, on_commit):
    clock(2026, 11, 23, 9, 50)

    _beat(on_commit)

    [email] = _reminders()
    assert "Sua videoconferência começa em 10 minutos" in email.subject and booking.video_url in email.body
    # The day-before reminder was never sent (the beat was not running then) and is now pointless.
    assert booking.timers.get(kind="day_before").status == BookingTimer.Status.SKIPPED
    [message] = whatsapp.outbox
    assert message["to"] == "+5511987654321"
    assert booking.video_url in message["text"] and "começa em 10 minutos, às 10:00" in message["text"]
    assert OutboxMessage.objects.get(channel="whatsapp").status == OutboxMessage.Status.SENT


def test_a_beat_that_was_down_catches_up_on_what_still_makes_sense(clock, on_commit):
    clock(2026, 11, 19, 9, 10)
    make_agent("ana")
    soon = _book(ready_order(), "2026-11-23T10:00", on_commit)
    tomorrow = _book(ready_order(), "2026-11-24T09:00", on_commit)
    mail.outbox.clear()

    clock(2026, 11, 23, 9, 55)  # nothing ran since Saturday
    results = _beat(on_commit)

    # soon: its day-before reminder is stale, its 10-minute one is due; tomorrow: its day-before one is due.
    sent = {(m.to[0], "10 minutos" in m.subject) for m in _reminders()}
    assert sent == {(soon.order.email, True), (tomorrow.order.email, False)}
    assert results == {"done": 2, "skipped": 1}


def test_reminders_of_a_cancelled_booking_are_not_sent(booking, clock, on_commit):
    client = Client()
    open_order(client, booking.order)
    with on_commit():
        client.post(f"/pedido/{booking.order.number}/agendar/cancelar/")
    clock(2026, 11, 23, 9, 50)

    _beat(on_commit)

    assert _reminders() == []
    assert set(booking.timers.values_list("status", flat=True)) == {BookingTimer.Status.SKIPPED}


def test_booking_works_while_the_broker_is_down_and_nothing_is_lost(
    clock, monkeypatch, django_capture_on_commit_callbacks
):
    clock(2026, 11, 19, 9, 10)
    make_agent("ana")
    order = ready_order()

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr("celery.app.task.Task.apply_async", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            booking = _book(order)
    assert mail.outbox == []
    confirmation = OutboxMessage.objects.get(kind="booking_confirmed")
    assert confirmation.status == OutboxMessage.Status.PENDING  # the outbox sweep sends it when Redis is back
    assert booking.timers.filter(status=BookingTimer.Status.PENDING).count() == 3

    clock(2026, 11, 22, 10, 1)
    with django_capture_on_commit_callbacks(execute=True):
        timers_due.apply()
    assert len(_reminders()) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_send_each_reminder_once():
    with time_machine.travel(brasilia(2026, 11, 19, 9, 10), tick=False):
        make_agent("ana")
        make_agent("bia")
        bookings = [
            _book(ready_order(), f"2026-11-23T{hour:02d}:{minute:02d}")
            for hour in (9, 10, 11, 13, 14)
            for minute in (0, 30)
        ]
    mail.outbox.clear()
    results, barrier = [], threading.Barrier(2)

    def beat():
        try:
            barrier.wait()
            results.append(timers_run_due())
        finally:
            connections.close_all()

    with time_machine.travel(brasilia(2026, 11, 22, 16, 0), tick=False):
        threads = [threading.Thread(target=beat) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sum(result["done"] for result in results) == len(bookings)
    assert sorted(m.to[0] for m in _reminders()) == sorted(b.order.email for b in bookings)
    assert OutboxMessage.objects.filter(kind="booking_reminder").count() == len(bookings)


@pytest.mark.worker
def test_a_real_worker_fires_the_reminders_when_beat_sends_the_scan(celery_worker):
    start = brasilia(2026, 11, 19, 9, 10)
    with time_machine.travel(start, tick=True):
        make_agent("ana")
        booking = _book(ready_order())
        wait_for(lambda: any("agendada" in m.subject for m in mail.outbox))

    with time_machine.travel(booking.starts_at - timedelta(days=1, seconds=-30), tick=True):
        timers_due.delay()  # what beat publishes every minute, through Redis to the worker
        wait_for(lambda: _reminders())
        key = f"booking:{booking.pk}:day_before:email"
        wait_for(lambda: OutboxMessage.objects.get(key=key).status == OutboxMessage.Status.SENT)

    [email] = _reminders()
    assert email.to == [booking.order.email] and "amanhã às 10:00" in email.subject
    assert BookingTimer.objects.get(booking=booking, kind="day_before").status == BookingTimer.Status.DONE
