"""The calendar invite (.ics, RFC 5545 / iTIP) attached to booking e-mails.

One UID per order, so a reschedule updates the event already in the customer's calendar (higher
SEQUENCE) and a cancellation removes it (METHOD:CANCEL). Times carry TZID=America/Sao_Paulo with its
VTIMEZONE; DTSTAMP is UTC.
"""

from datetime import date
from email.utils import parseaddr
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone, vCalAddress

from .models import Booking
from .slots import BRASILIA

PRODID = "-//TecnoSign//Agendamento de videoconferencia//PT-BR"
FILENAME = "videoconferencia.ics"
MIMETYPE = "text/calendar"


@lru_cache(maxsize=1)
def _brasilia_vtimezone() -> Timezone:
    # Built once per process: icalendar walks the zone's transitions, tens of milliseconds that would
    # otherwise sit inside every booking transaction. Brasília has kept UTC−3 all year since 2019, so
    # from 2020 on it is a single STANDARD block.
    return Timezone.from_tzid(BRASILIA.key, first_date=date(2020, 1, 1), last_date=date(2038, 1, 1))


def invite_uid(booking: Booking) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "tecnosign"
    return f"videoconferencia-{booking.order.number}@{host}"


def booking_invite(booking: Booking, *, cancel: bool = False) -> str:
    order = booking.order
    organizer_name, organizer_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    start = booking.starts_at.astimezone(BRASILIA)
    event = Event.new(
        uid=invite_uid(booking),
        sequence=booking.sequence + (1 if cancel else 0),
        stamp=timezone.now(),  # aware UTC: written as DTSTAMP:…Z
        start=start,
        end=booking.ends_at.astimezone(BRASILIA),
        summary=f"Videoconferência do certificado digital — pedido {order.number}",
        description=(
            f"Validação por videoconferência do pedido {order.number} ({order.product.name}).\n"
            f"Link: {booking.video_url}\n"
            "Tenha em mãos o documento de identidade anexado no pedido. A videoconferência é feita somente "
            "pelo titular do certificado."
        ),
        location=booking.video_url,
        url=booking.video_url,
        organizer=vCalAddress.new(f"mailto:{organizer_email}", cn=organizer_name or "TecnoSign"),
        attendees=[vCalAddress.new(f"mailto:{order.email}", cn=order.person_name, role="REQ-PARTICIPANT", rsvp=False)],
        status="CANCELLED" if cancel else "CONFIRMED",
    )
    calendar = Calendar.new(
        prodid=PRODID, method="CANCEL" if cancel else "REQUEST", subcomponents=[_brasilia_vtimezone(), event]
    )
    return calendar.to_ical().decode()


def invite_attachment(booking: Booking, *, cancel: bool = False) -> dict:
    return {"filename": FILENAME, "content": booking_invite(booking, cancel=cancel), "mimetype": MIMETYPE}
