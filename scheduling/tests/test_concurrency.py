"""Races decided by PostgreSQL: real threads, real connections, real HTTP requests at the same moment."""

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, connections, transaction
from django.test import Client

from orders.models import Order
from orders.tests.factories import valid_cpf
from scheduling.errors import AttendeeBusy
from scheduling.models import Booking
from scheduling.services import booking_create
from tecnosign.audit.services import Actor
from tecnosign.errors import DomainError

from .factories import make_agent, overlapping_active_bookings, ready_order
from .helpers import book_url, brasilia, open_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOW = brasilia(2026, 11, 19, 9, 10)


def _race(attempts: list[tuple[Client, Order, str]]) -> list:
    """Fire every (client, order, slot) POST at once, each thread on its own database connection."""
    barrier = threading.Barrier(len(attempts))
    responses = [None] * len(attempts)

    def attempt(index: int, client: Client, order: Order, slot: str) -> None:
        try:
            barrier.wait()
            responses[index] = client.post(book_url(order), {"slot": slot})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i, *args)) for i, args in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def _customer(order: Order) -> Client:
    client = Client()
    open_order(client, order)
    return client


def test_32_customers_racing_for_4_slots_of_2_agents_get_exactly_8_bookings():
    slots = ["2026-11-23T09:00", "2026-11-23T09:30", "2026-11-23T10:00", "2026-11-23T10:30"]
    with time_machine.travel(NOW, tick=False):
        make_agent("ana")
        make_agent("bia")
        orders = [ready_order() for _ in range(32)]
        attempts = [(_customer(order), order, slots[i % len(slots)]) for i, order in enumerate(orders)]

        responses = _race(attempts)

    assert Counter(r.status_code for r in responses) == {302: 8, 409: 24}
    assert all("acabou de ser reservado por outra pessoa" in r.text for r in responses if r.status_code == 409)
    active = Booking.objects.filter(status__in=Booking.ACTIVE)
    assert active.count() == 8
    assert set(Counter(active.values_list("agent_id", "starts_at")).values()) == {1}
    assert Counter(b.starts_at.astimezone(NOW.tzinfo).strftime("%H:%M") for b in active) == dict.fromkeys(
        ["09:00", "09:30", "10:00", "10:30"], 2
    )
    assert overlapping_active_bookings() == 0
    assert Order.objects.filter(status=Order.Status.SCHEDULED).count() == 8
    assert Order.objects.filter(status=Order.Status.DOCUMENTS_RECEIVED).count() == 24


def test_one_order_submitted_eight_times_at_once_holds_one_booking():
    with time_machine.travel(NOW, tick=False):
        for name in ("ana", "bia", "caio"):
            make_agent(name)
        order = ready_order()
        client = _customer(order)
        # The same browser session, eight tabs, eight different slots.
        attempts = [(client, order, f"2026-11-23T{hour:02d}:00") for hour in (9, 10, 11, 13, 14, 15, 16, 17)]

        responses = _race(attempts)

    assert Counter(r.status_code for r in responses) == {302: 1, 409: 7}
    assert all("já tem uma videoconferência agendada" in r.text for r in responses if r.status_code == 409)
    assert Booking.objects.filter(order=order, status__in=Booking.ACTIVE).count() == 1


def test_one_person_racing_with_six_certificates_for_one_slot_gets_one():
    with time_machine.travel(NOW, tick=False):
        for i in range(6):
            make_agent(f"agente{i}")
        orders = [ready_order(person_cpf=valid_cpf(4242)) for _ in range(6)]
        attempts = [(_customer(order), order, "2026-11-23T10:00") for order in orders]

        responses = _race(attempts)

    assert Counter(r.status_code for r in responses) == {302: 1, 409: 5}
    assert all("Cada certificado é atendido separadamente" in r.text for r in responses if r.status_code == 409)
    assert Booking.objects.filter(status__in=Booking.ACTIVE).count() == 1
    assert overlapping_active_bookings() == 0


def test_the_database_refuses_overlaps_that_do_not_start_at_the_same_minute():
    """The exclusion constraints, not only the same-start unique ones: a 15-minute grid against a 30-minute one."""
    agent = make_agent("ana")
    first, second, third = ready_order(), ready_order(), ready_order(person_cpf=valid_cpf(1))
    start = brasilia(2026, 11, 23, 10)

    def insert(order, begins, agent=agent):
        with transaction.atomic():
            return Booking.objects.create(
                order=order,
                agent=agent,
                attendee_cpf=order.person_cpf,
                starts_at=begins,
                ends_at=begins + timedelta(minutes=30),
                video_url="https://meet.jit.si/x",
                eligibility_basis="teste",
            )

    insert(first, start)
    with pytest.raises(IntegrityError, match="booking_agent_no_overlap"):
        insert(second, start + timedelta(minutes=15))
    other_agent = make_agent("bia")
    third.person_cpf = first.person_cpf
    third.save(update_fields=["person_cpf"])
    with pytest.raises(IntegrityError, match="booking_attendee_no_overlap"):
        insert(third, start + timedelta(minutes=15), agent=other_agent)
    assert insert(second, start + timedelta(minutes=30)).pk  # back to back is fine


def test_a_deadlock_between_overlapping_inserts_ends_in_a_clear_answer():
    """Exclusion checks can wait on each other: another transaction holds the same person at 10:15 (with
    carlos) and then needs bia at 10:20, while our booking (bia, that person, 10:00) waits on its first row.
    PostgreSQL fails one side of the cycle; the service retries its savepoint and answers in Portuguese."""
    with time_machine.travel(NOW, tick=False):
        bia = make_agent("bia")
        carlos = make_agent("carlos", weekdays=())
        order = ready_order(person_cpf=valid_cpf(31))
        someone_else, same_person = ready_order(person_cpf=valid_cpf(32)), ready_order(person_cpf=valid_cpf(31))
        holding, go_on, outcome = threading.Event(), threading.Event(), {}

        def row(booked: Order, agent, hour: int, minute: int) -> Booking:
            start = brasilia(2026, 11, 23, hour, minute)
            return Booking.objects.create(
                order=booked,
                agent=agent,
                attendee_cpf=booked.person_cpf,
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
                video_url="https://meet.jit.si/outro",
                eligibility_basis="teste",
            )

        def other_transaction() -> None:
            try:
                with transaction.atomic():
                    row(same_person, carlos, 10, 15)
                    holding.set()
                    go_on.wait(10)
                    row(someone_else, bia, 10, 20)
            finally:
                connections.close_all()

        def customer() -> None:
            try:
                booking_create(order=order, start=brasilia(2026, 11, 23, 10), actor=Actor(label="cliente"))
            except DomainError as error:
                outcome["error"] = error
            finally:
                connections.close_all()

        other = threading.Thread(target=other_transaction)
        other.start()
        holding.wait(10)
        booking = threading.Thread(target=customer)
        booking.start()
        time.sleep(0.5)  # the booking now waits on the other transaction's row
        go_on.set()
        other.join(30)
        booking.join(30)

    assert isinstance(outcome["error"], AttendeeBusy)
    assert "Esta pessoa já tem outra videoconferência marcada para 23/11/2026 às 10:15." in outcome["error"].message
    assert not Booking.objects.filter(order=order).exists()
    assert Booking.objects.filter(status="scheduled").count() == 2
    assert overlapping_active_bookings() == 0
