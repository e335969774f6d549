"""Booking from the order page: eligibility, the confirmation with its invite, bad slots, lost races."""

import re
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.test import Client, override_settings
from icalendar import Calendar

from orders.models import HolderBiometrics, Order
from orders.tests.factories import A3TokenProductFactory, CnpjProductFactory, valid_cpf
from orders.tests.links import BOOKING_LINK, link_in, open_access_link
from scheduling.models import AgentProfile, Booking, BookingTimer
from tecnosign.audit.models import AuditEvent

from .factories import make_agent, ready_order
from .helpers import book_url, brasilia, open_order, slot_ids

pytestmark = pytest.mark.django_db

NOW = (2026, 11, 19, 9, 10)  # Thursday, 09:10 in Brasília
MONDAY_10 = "2026-11-23T10:00"


def _book(client, order, slot=MONDAY_10, on_commit=None):
    if on_commit is None:
        return client.post(book_url(order), {"slot": slot})
    with on_commit():
        return client.post(book_url(order), {"slot": slot})


def _invite(message) -> Calendar:
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == ("videoconferencia.ics", "text/calendar")
    return Calendar.from_ical(content)


def test_customer_books_and_gets_the_link_the_checklist_and_a_valid_invite(client, clock, on_commit):
    clock(*NOW)
    agent = make_agent("ana")
    order = ready_order()
    open_order(client, order)

    response = _book(client, order, on_commit=on_commit)

    assert response.status_code == 302 and response["Location"] == f"/pedido/{order.number}/"
    order.refresh_from_db()
    assert order.status == Order.Status.SCHEDULED
    booking = Booking.objects.get(order=order)
    assert (booking.agent, booking.status, booking.channel) == (agent, "scheduled", "customer")
    assert booking.eligibility_basis == "certificado com validade de 12 meses"
    assert re.fullmatch(r"https://meet\.jit\.si/TecnoSign-[0-9a-f]{32}", booking.video_url)  # 128 random bits

    [email] = mail.outbox
    assert email.to == [order.email]
    assert "Videoconferência agendada: 23/11/2026 às 10:00 (Brasília)" in email.subject
    assert "Segunda-feira, 23/11/2026 às 10:00 (horário de Brasília)" in email.body
    assert booking.video_url in email.body and booking.video_url in email.alternatives[0][0]
    for item in ("silencioso e bem iluminado", "documento de identidade original", "bateria", "somente pelo titular"):
        assert item in email.body
    assert f"/pedido/{order.number}/agendar/acesso/" in email.body

    invite = _invite(email)
    assert str(invite["METHOD"]) == "REQUEST"
    [event] = invite.events
    assert event.start == booking.starts_at == datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    assert event.end == booking.ends_at
    assert event["DTSTART"].params["TZID"] == "America/Sao_Paulo"
    assert event.DTSTAMP.tzinfo is not None and event.DTSTAMP.utcoffset().total_seconds() == 0
    assert str(event["UID"]) == f"videoconferencia-{order.number}@testserver" and event["SEQUENCE"] == 0
    assert str(event["LOCATION"]) == booking.video_url
    assert str(event["ATTENDEE"]) == f"mailto:{order.email}"
    [zone] = invite.timezones
    assert zone.tz_name == "America/Sao_Paulo"
    assert b"TZOFFSETTO:-0300" in email.attachments[0][1].encode()

    page = client.get(f"/pedido/{order.number}/")
    assert "Videoconferência" in page.text and booking.video_url in page.text and "23/11/2026" in page.text
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"booking.created", "order.status"} <= actions
    assert set(booking.timers.values_list("kind", flat=True)) == {"day_before", "ten_minutes", "agent_late_check"}


def test_each_booking_gets_its_own_unguessable_jitsi_room(client, clock, on_commit):
    clock(*NOW)
    make_agent("ana")
    rooms = set()
    for slot in (MONDAY_10, "2026-11-23T10:30", "2026-11-23T11:00"):
        order = ready_order()
        open_order(client, order)
        _book(client, order, slot, on_commit)
        rooms.add(Booking.objects.get(order=order).video_url)
    assert len(rooms) == 3


@override_settings(VIDEOCONFERENCE_PROVIDER="agent")
def test_with_fixed_links_only_agents_with_a_link_are_booked_and_their_link_is_used(client, clock, on_commit):
    clock(*NOW)
    make_agent("sem_link")
    order = ready_order()
    open_order(client, order)
    assert slot_ids(client.get(book_url(order))) == []

    ana = make_agent("ana")
    teams = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_ana"
    AgentProfile.objects.create(user=ana, meeting_provider="teams", meeting_url=teams)
    assert MONDAY_10 in slot_ids(client.get(book_url(order)))
    _book(client, order, on_commit=on_commit)

    booking = Booking.objects.get(order=order)
    assert (booking.agent, booking.video_url) == (ana, teams)


def test_the_least_loaded_agent_of_the_day_gets_the_booking(client, clock, on_commit):
    clock(*NOW)
    ana, bia = make_agent("ana"), make_agent("bia")
    earlier = ready_order(status=Order.Status.VALIDATED)
    Booking.objects.create(
        order=earlier,
        agent=ana,
        attendee_cpf=earlier.person_cpf,
        starts_at=brasilia(2026, 11, 23, 9),
        ends_at=brasilia(2026, 11, 23, 9, 30),
        status=Booking.Status.COMPLETED,
        outcome=Booking.Outcome.VALIDATED,
        finished_at=brasilia(2026, 11, 23, 9, 25),
        video_url="https://meet.jit.si/x",
        eligibility_basis="certificado com validade de 12 meses",
    )
    assigned = []
    for slot in (MONDAY_10, MONDAY_10, "2026-11-23T10:30"):
        order = ready_order()
        open_order(client, order)
        assert _book(client, order, slot, on_commit).status_code == 302
        assigned.append(Booking.objects.get(order=order).agent)

    # bia had nothing that day; ana is the only one left at 10:00; then bia again (1 against ana's 2).
    assert assigned == [bia, ana, bia]


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (Order.Status.AWAITING_PAYMENT, "O pagamento do pedido ainda não foi confirmado"),
        (Order.Status.PAID, "Envie o documento de identidade antes de agendar"),
        (Order.Status.VALIDATED, "A videoconferência deste pedido já foi feita"),
        (Order.Status.CANCELLED, "Este pedido foi cancelado"),
    ],
)
def test_an_order_that_cannot_book_is_told_why_and_nothing_is_booked(client, clock, status, reason):
    clock(*NOW)
    make_agent("ana")
    order = ready_order(status=status)
    open_order(client, order)

    page = client.get(book_url(order))
    posted = client.post(book_url(order), {"slot": MONDAY_10})

    assert page.status_code == 200 and reason in page.text and slot_ids(page) == []
    assert posted.status_code == 409 and reason in posted.text
    assert not Booking.objects.exists()
    order.refresh_from_db()
    assert order.status == status


def test_a_24_month_certificate_needs_biometrics_on_file_and_the_basis_is_recorded(client, clock, on_commit):
    clock(*NOW)
    make_agent("ana")
    order = ready_order(product=A3TokenProductFactory())
    open_order(client, order)

    refused = _book(client, order)
    assert refused.status_code == 409
    assert "certificados de até 12 meses ou para quem já tem biometria" in refused.text

    HolderBiometrics.objects.create(cpf=order.person_cpf, source=HolderBiometrics.Source.PSBIO)
    assert _book(client, order, on_commit=on_commit).status_code == 302
    assert Booking.objects.get(order=order).eligibility_basis == "biometria: Rede biométrica ICP-Brasil (PSBio)"


@override_settings(VIDEOCONFERENCE_ELIGIBILITY_RULE="biometrics")
def test_the_biometrics_only_rule_refuses_a_12_month_certificate_without_biometrics(client, clock):
    clock(*NOW)
    make_agent("ana")
    order = ready_order()
    open_order(client, order)

    response = _book(client, order)

    assert response.status_code == 409 and "exige biometria já cadastrada" in response.text


@pytest.mark.parametrize(
    ("slot", "message"),
    [
        ("", "Escolha um horário para a videoconferência."),
        ("amanhã às dez", "Horário inválido."),
        ("2026-13-45T99:99", "Horário inválido."),
        ("x" * 200, "Horário inválido."),
        ("2026-11-19T08:00", "Este horário já passou."),
        ("2026-11-19T10:00", "pelo menos 60 minutos de antecedência"),
        ("2026-11-20T10:00", "não está na agenda de atendimento"),  # national holiday
        ("2026-11-23T12:00", "não está na agenda de atendimento"),  # lunch break
        ("2026-11-23T10:10", "não está na agenda de atendimento"),  # not a slot boundary
        ("2026-12-03T10:00", "Só é possível agendar nos próximos 14 dias"),
    ],
)
def test_a_malformed_or_impossible_slot_gets_a_400_with_a_message(client, clock, slot, message):
    clock(*NOW)
    make_agent("ana")
    order = ready_order()
    open_order(client, order)

    response = client.post(book_url(order), {"slot": slot})

    assert response.status_code == 400
    assert message in response.text
    assert not Booking.objects.exists()
    order.refresh_from_db()
    assert order.status == Order.Status.DOCUMENTS_RECEIVED


def test_a_slot_taken_meanwhile_is_refused_in_portuguese_with_the_nearest_free_ones(client, clock, on_commit):
    clock(*NOW)
    make_agent("ana")
    order, other = ready_order(), ready_order()
    open_order(client, order)
    page = client.get(book_url(order))
    assert MONDAY_10 in slot_ids(page)
    other_client = Client()
    open_order(other_client, other)
    _book(other_client, other, on_commit=on_commit)

    response = _book(client, order)

    assert response.status_code == 409
    assert "O horário de 23/11/2026 às 10:00 acabou de ser reservado por outra pessoa." in response.text
    assert "Horários livres mais próximos" in response.text
    nearest = re.search(r"Horários livres mais próximos</legend>(.*?)</fieldset>", response.text, re.S).group(1)
    assert slot_ids_in(nearest) == ["2026-11-23T09:00", "2026-11-23T09:30", "2026-11-23T10:30", "2026-11-23T11:00"]
    assert Booking.objects.filter(order=order).count() == 0


def slot_ids_in(html: str) -> list[str]:
    return re.findall(r'value="([^"]+)"', html)


def test_one_person_is_never_in_two_calls_at_once_even_for_two_certificates(client, clock, on_commit):
    clock(*NOW)
    make_agent("ana")
    make_agent("bia")
    ecpf = ready_order(person_cpf=valid_cpf(42))
    ecnpj = ready_order(
        person_cpf=valid_cpf(42), product=CnpjProductFactory(), cnpj="11222333000181", company_name="Padaria"
    )
    open_order(client, ecpf)
    _book(client, ecpf, on_commit=on_commit)
    open_order(client, ecnpj)

    response = _book(client, ecnpj)

    assert response.status_code == 409
    assert "Esta pessoa já tem outra videoconferência marcada para 23/11/2026 às 10:00." in response.text
    assert "Cada certificado é atendido separadamente" in response.text
    assert _book(client, ecnpj, "2026-11-23T10:30", on_commit).status_code == 302


def test_the_booking_pages_need_the_order_number_and_document_first(client, clock):
    clock(*NOW)
    order = ready_order()

    for response in (client.get(book_url(order)), client.post(book_url(order), {"slot": MONDAY_10})):
        assert response.status_code == 302 and response["Location"] == "/pedido/"
    assert client.get(f"/pedido/{order.number}/agendar/convite.ics").status_code == 302
    assert not Booking.objects.exists()


def test_the_invite_can_be_downloaded_again_from_the_order(client, clock, on_commit):
    clock(*NOW)
    make_agent("ana")
    order = ready_order()
    open_order(client, order)
    assert client.get(f"/pedido/{order.number}/agendar/convite.ics").status_code == 404
    _book(client, order, on_commit=on_commit)

    response = client.get(f"/pedido/{order.number}/agendar/convite.ics")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    [event] = Calendar.from_ical(response.content).events
    assert event.start == Booking.objects.get(order=order).starts_at


def test_the_link_in_the_e_mail_opens_the_booking_page_and_a_forged_one_does_not(clock, on_commit):
    clock(*NOW)
    make_agent("ana")
    order = ready_order()
    customer = Client()
    open_order(customer, order)
    _book(customer, order, on_commit=on_commit)
    link = link_in(mail.outbox[0].body, BOOKING_LINK)

    fresh = Client()
    opened = open_access_link(fresh, link)
    second = Client().post(link)
    forged = Client().get(f"/pedido/{order.number}/agendar/acesso/forjado:abc/")
    other_order = Client().get(link.replace(order.number, "TS22222222"))

    assert opened.redirect_chain[-1][0] == book_url(order) and "Horário marcado" in opened.text
    assert second.status_code == 410 and "Este link de acesso não vale mais" in second.text  # one-time
    assert forged.status_code == 404 and "Este link de acesso não vale mais" in forged.text
    assert other_order.status_code == 404  # the link is of this order only


def test_timers_follow_the_booking(client, clock, on_commit):
    clock(*NOW)
    make_agent("ana")
    order = ready_order()
    open_order(client, order)

    _book(client, order, "2026-11-19T11:00", on_commit)  # less than a day ahead: no day-before reminder

    timers = {t.kind: t for t in BookingTimer.objects.filter(booking__order=order)}
    assert set(timers) == {"ten_minutes", "agent_late_check"}
    assert timers["ten_minutes"].due_at == brasilia(2026, 11, 19, 10, 50)
    assert timers["agent_late_check"].due_at == brasilia(2026, 11, 19, 11, 10)
