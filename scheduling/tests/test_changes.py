"""Rescheduling and cancelling (with the cut-off), by the customer and by the partner who sold the order."""

import pytest
from django.core import mail
from django.test import Client, override_settings
from icalendar import Calendar

from orders.models import Order
from orders.tests.factories import PartnerFactory
from scheduling.models import Booking, BookingTimer

from .factories import make_agent, ready_order
from .helpers import book_url, brasilia, open_order, slot_ids

pytestmark = pytest.mark.django_db

NOW = (2026, 11, 19, 9, 10)  # Thursday, 09:10 in Brasília


def _event(message):
    [(_, content, _)] = message.attachments
    calendar = Calendar.from_ical(content)
    [event] = calendar.events
    return str(calendar["METHOD"]), event


@pytest.fixture
def booked(client, clock, on_commit):
    """An order booked for Monday 23/11 at 10:00, the customer on its page."""
    clock(*NOW)
    make_agent("ana")
    order = ready_order()
    open_order(client, order)
    with on_commit():
        assert client.post(book_url(order), {"slot": "2026-11-23T10:00"}).status_code == 302
    mail.outbox.clear()
    return order


def test_rescheduling_moves_the_booking_and_updates_the_same_calendar_event(client, booked, on_commit):
    old = Booking.objects.get(order=booked)
    page = client.get(book_url(booked))
    assert "Remarcar para outro horário" in page.text and "2026-11-24T11:00" in slot_ids(page)

    with on_commit():
        response = client.post(book_url(booked), {"slot": "2026-11-24T11:00"})

    assert response.status_code == 302
    old.refresh_from_db()
    new = Booking.objects.get(order=booked, status=Booking.Status.SCHEDULED)
    assert old.status == Booking.Status.RESCHEDULED and old.replaced_by == new
    assert new.starts_at == brasilia(2026, 11, 24, 11)
    booked.refresh_from_db()
    assert booked.status == Order.Status.SCHEDULED
    assert set(old.timers.values_list("status", flat=True)) == {BookingTimer.Status.SKIPPED}
    assert set(new.timers.values_list("status", flat=True)) == {BookingTimer.Status.PENDING}
    [email] = mail.outbox
    assert "Videoconferência remarcada: 24/11/2026 às 11:00 (Brasília)" in email.subject
    method, event = _event(email)
    assert method == "REQUEST" and event["SEQUENCE"] == 1 and str(event["UID"]).startswith("videoconferencia-")
    assert event.start == new.starts_at


def test_a_reschedule_to_a_taken_slot_keeps_the_booking_as_it_was(client, booked, on_commit):
    other = ready_order()
    other_client = Client()
    open_order(other_client, other)
    with on_commit():
        other_client.post(book_url(other), {"slot": "2026-11-24T11:00"})

    response = client.post(book_url(booked), {"slot": "2026-11-24T11:00"})

    assert response.status_code == 409 and "acabou de ser reservado" in response.text
    booking = Booking.objects.get(order=booked)
    assert booking.status == Booking.Status.SCHEDULED and booking.starts_at == brasilia(2026, 11, 23, 10)


def test_cancelling_frees_the_slot_returns_the_order_to_booking_and_removes_the_event(client, booked, on_commit):
    with on_commit():
        response = client.post(f"/pedido/{booked.number}/agendar/cancelar/", follow=True)

    assert "Videoconferência cancelada" in response.text
    booking = Booking.objects.get(order=booked)
    assert booking.status == Booking.Status.CANCELLED and booking.closed_at is not None
    booked.refresh_from_db()
    assert booked.status == Order.Status.DOCUMENTS_RECEIVED
    [email] = mail.outbox
    method, event = _event(email)
    assert (method, str(event["STATUS"]), event["SEQUENCE"]) == ("CANCEL", "CANCELLED", 1)

    with on_commit():
        client.post(book_url(booked), {"slot": "2026-11-23T10:00"})
    again = Booking.objects.get(order=booked, status=Booking.Status.SCHEDULED)
    assert again.sequence == 2  # above the cancellation notice, so calendars show the new time


def test_after_the_cut_off_the_booking_can_no_longer_be_changed(client, booked, clock):
    clock(2026, 11, 23, 8, 5)  # 1 h 55 before the 10:00 appointment; the cut-off is 2 h
    open_order(client, booked)  # days later: the session has expired

    page = client.get(book_url(booked))
    moved = client.post(book_url(booked), {"slot": "2026-11-24T11:00"})
    cancelled = client.post(f"/pedido/{booked.number}/agendar/cancelar/", follow=True)

    assert "até 2 horas antes" in page.text and slot_ids(page) == [] and "Cancelar" not in page.text
    assert moved.status_code == 409 and "até 2 horas antes do horário marcado" in moved.text
    assert "até 2 horas antes do horário marcado" in cancelled.text
    booking = Booking.objects.get(order=booked)
    assert booking.status == Booking.Status.SCHEDULED and booking.starts_at == brasilia(2026, 11, 23, 10)


@override_settings(BOOKING_CHANGE_CUTOFF_MINUTES=30)
def test_the_cut_off_is_a_setting(client, booked, clock, on_commit):
    clock(2026, 11, 23, 8, 5)
    open_order(client, booked)

    with on_commit():
        response = client.post(f"/pedido/{booked.number}/agendar/cancelar/")

    assert response.status_code == 302
    assert Booking.objects.get(order=booked).status == Booking.Status.CANCELLED


def _partner_client(partner) -> Client:
    partner_client = Client()
    logged = partner_client.post(
        "/parceiros/entrar/", {"username": partner.user.username, "password": "senha-de-teste-123"}
    )
    assert logged.status_code == 302
    return partner_client


def test_a_partner_books_for_a_client_after_confirming_the_clients_mobile(clock, on_commit):
    clock(*NOW)
    make_agent("ana")
    partner = PartnerFactory()
    order = ready_order(link__partner=partner, partner=partner)
    partner_client = _partner_client(partner)
    url = f"/parceiros/pedidos/{order.number}/agendar/"

    page = partner_client.get(url)
    wrong = partner_client.post(url, {"slot": "2026-11-23T10:00", "mobile": "(11) 91234-5678"})
    missing = partner_client.post(url, {"slot": "2026-11-23T10:00"})
    with on_commit():
        right = partner_client.post(url, {"slot": "2026-11-23T10:00", "mobile": "(11) 98765-4321"})

    assert (
        page.status_code == 200 and "Celular do cliente, para confirmar" in page.text and "(11) 98765-4321" in page.text
    )
    assert wrong.status_code == 400 and "não confere com o cadastrado no pedido" in wrong.text
    assert missing.status_code == 400 and "Confirme o celular do cliente" in missing.text
    assert right.status_code == 302
    booking = Booking.objects.get(order=order)
    assert (booking.channel, booking.booked_by, booking.mobile_confirmed) == ("partner", partner.user, "+5511987654321")
    assert [m.to for m in mail.outbox] == [[order.email]]  # the link goes to the client, not the partner


def test_a_partner_reschedules_and_cancels_until_the_cut_off(clock, on_commit):
    clock(*NOW)
    make_agent("ana")
    partner = PartnerFactory()
    order = ready_order(link__partner=partner, partner=partner)
    partner_client = _partner_client(partner)
    url = f"/parceiros/pedidos/{order.number}/agendar/"
    with on_commit():
        partner_client.post(url, {"slot": "2026-11-23T10:00", "mobile": "11987654321"})
        moved = partner_client.post(url, {"slot": "2026-11-23T11:00", "mobile": "11987654321"})
        cancelled = partner_client.post(f"{url}cancelar/")

    assert moved.status_code == cancelled.status_code == 302
    assert list(Booking.objects.filter(order=order).order_by("pk").values_list("status", flat=True)) == [
        "rescheduled",
        "cancelled",
    ]


def test_only_the_partner_who_sold_the_order_may_book_it(client, clock):
    clock(*NOW)
    make_agent("ana")
    order = ready_order()
    url = f"/parceiros/pedidos/{order.number}/agendar/"

    anonymous = client.get(url)
    stranger = _partner_client(PartnerFactory())
    customer_as_partner = Client()
    open_order(customer_as_partner, order)

    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/parceiros/entrar/")
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, {"slot": "2026-11-23T10:00", "mobile": "11987654321"}).status_code == 404
    assert stranger.post(f"{url}cancelar/").status_code == 404
    assert customer_as_partner.get(url).status_code == 302
    assert not Booking.objects.exists()
