"""The appointment and the seed's 10-minute tolerance, both ways: customer no-show and agent late."""

import pytest
from django.core import mail
from django.test import Client

from orders.models import Order
from orders.tests.links import BOOKING_LINK, link_in, open_access_link
from scheduling.models import Booking, BookingTimer
from scheduling.roles import ensure_roles
from scheduling.tasks import timers_due
from tecnosign.audit.models import AuditEvent
from tecnosign.tests.auth import staff_login

from .factories import make_agent, ready_order
from .helpers import book_url, brasilia, open_order

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/scheduling/booking/"


@pytest.fixture
def agent():
    ensure_roles()  # the agents group's permissions, as after `migrate`
    return make_agent("ana")


@pytest.fixture
def booking(agent, clock, on_commit):
    """Monday 23/11 at 10:00 (Brasília), booked by the customer on the Thursday before."""
    clock(2026, 11, 19, 9, 10)
    order = ready_order()
    customer = Client()
    open_order(customer, order)
    with on_commit():
        assert customer.post(book_url(order), {"slot": "2026-11-23T10:00"}).status_code == 302
    mail.outbox.clear()
    return Booking.objects.get(order=order)


def _agent_client(user) -> Client:
    return staff_login(Client(), user)


def _admin_action(agent_client, action: str, booking: Booking):
    return agent_client.post(CHANGELIST, {"action": action, "_selected_action": [booking.pk]}, follow=True)


def test_the_agent_cannot_close_as_no_show_before_the_tolerance(agent, booking, clock):
    clock(2026, 11, 23, 10, 9)

    response = _admin_action(_agent_client(agent), "close_as_no_show", booking)

    assert "Aguarde a tolerância de 10 minutos: o cliente ainda pode entrar até 10:10 (Brasília)." in response.text
    booking.refresh_from_db()
    assert booking.status == Booking.Status.SCHEDULED
    assert Order.objects.get(pk=booking.order_id).status == Order.Status.SCHEDULED


def test_after_the_tolerance_the_customer_is_a_no_show_and_books_again(agent, booking, clock, on_commit):
    clock(2026, 11, 23, 9, 58)
    agent_client = _agent_client(agent)
    _admin_action(agent_client, "start_appointment", booking)
    clock(2026, 11, 23, 10, 10)

    with on_commit():
        response = _admin_action(agent_client, "close_as_no_show", booking)

    assert "1 videoconferência(s) encerrada(s) como não comparecimento." in response.text
    booking.refresh_from_db()
    assert (booking.status, booking.outcome) == (Booking.Status.NO_SHOW, Booking.Outcome.CUSTOMER_NO_SHOW)
    assert booking.started_at == brasilia(2026, 11, 23, 9, 58) and booking.finished_at == brasilia(2026, 11, 23, 10, 10)
    order = Order.objects.get(pk=booking.order_id)
    assert order.status == Order.Status.NO_SHOW
    assert not booking.timers.filter(status=BookingTimer.Status.PENDING).exists()
    [email] = mail.outbox
    assert email.to == [order.email] and "agende um novo horário" in email.subject
    customer = Client()
    page = open_access_link(customer, link_in(email.body, BOOKING_LINK))
    assert "Não identificamos a sua entrada na videoconferência de 23/11/2026 às 10:00" in page.text
    with on_commit():
        rebooked = customer.post(book_url(order), {"slot": "2026-11-24T09:00"})
    assert rebooked.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.SCHEDULED
    assert Booking.objects.get(order=order, status=Booking.Status.SCHEDULED).sequence == 1


def test_an_agent_acts_only_on_their_own_bookings(booking, clock):
    other = make_agent("bia")
    clock(2026, 11, 23, 10, 15)

    response = _admin_action(_agent_client(other), "start_appointment", booking)

    assert "Só o agente designado pode conduzir esta videoconferência." in response.text
    booking.refresh_from_db()
    assert booking.status == Booking.Status.SCHEDULED


def test_the_appointment_cannot_be_started_long_before_its_time(agent, booking, clock):
    clock(2026, 11, 23, 9, 40)

    response = _admin_action(_agent_client(agent), "start_appointment", booking)

    assert "Ainda é cedo: o atendimento pode ser iniciado a partir de 09:45 (Brasília)." in response.text


def _beat(on_commit):
    """What Celery beat does every minute: send `scheduling.timers_due` (here run in-process)."""
    with on_commit():
        return timers_due.apply().get()


def test_an_agent_who_has_not_started_after_10_minutes_is_flagged_and_the_customer_gets_an_apology(
    booking, clock, on_commit
):
    clock(2026, 11, 23, 10, 9, 59)
    _beat(on_commit)
    booking.refresh_from_db()
    assert booking.agent_late_at is None and not any("Desculpe" in m.subject for m in mail.outbox)

    clock(2026, 11, 23, 10, 10)
    _beat(on_commit)
    _beat(on_commit)  # a second beat finds nothing more to do

    booking.refresh_from_db()
    assert booking.agent_late_at == brasilia(2026, 11, 23, 10, 10)
    apology = [m for m in mail.outbox if m.to == [booking.order.email] and "Desculpe o atraso" in m.subject]
    staff = [m for m in mail.outbox if m.to == ["operacao@tecnosign.test"]]
    assert len(apology) == 1 and len(staff) == 1
    assert "não foi iniciada 10 minutos depois do horário" in staff[0].body and "ana" in staff[0].body.lower()
    assert AuditEvent.objects.filter(action="booking.agent_late").count() == 1

    # "Ninguém apareceu": the customer picks a new slot right away, past the usual cut-off.
    customer = Client()
    page = open_access_link(customer, link_in(apology[0].body, BOOKING_LINK))
    assert "Pedimos desculpas pelo atraso" in page.text
    with on_commit():
        moved = customer.post(book_url(booking.order), {"slot": "2026-11-23T14:00"})
    assert moved.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.RESCHEDULED
    assert Booking.objects.get(order=booking.order, status="scheduled").starts_at == brasilia(2026, 11, 23, 14)


def test_an_agent_who_started_in_time_is_not_flagged(agent, booking, clock, on_commit):
    clock(2026, 11, 23, 10, 2)
    _admin_action(_agent_client(agent), "start_appointment", booking)
    clock(2026, 11, 23, 10, 30)

    _beat(on_commit)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.IN_PROGRESS and booking.agent_late_at is None
    assert not any("atraso" in m.subject.lower() for m in mail.outbox)
    assert booking.timers.get(kind="agent_late_check").status == BookingTimer.Status.SKIPPED
