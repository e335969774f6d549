"""Demo data for `make run`: the demo agent works weekdays 09:00–12:00 and 13:00–18:00 (Brasília), plus extra
hours from the moment of set-up (whatever the day or hour), so a newcomer can book the next half hour at once.

Idempotent: the same rows are updated on every run. The groups' permissions come from `scheduling.roles`.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from orders.models import Order
from tecnosign.audit.services import Actor

from .models import AvailabilityException, AvailabilityRule, Weekday
from .selectors import free_slots
from .services import booking_create

DEMO_AGENT = "agente"
DEMO_BOOKED_EMAIL = "demo-agendado@exemplo.com.br"  # one of orders.demo.DEMO_ORDERS
WEEKDAY_WINDOWS = [(time(9), time(12)), (time(13), time(18))]  # the lunch break is the gap
DEMO_EXTRA_NOTE = "demo: horário a partir do make run"
DEMO_EXTRA_HOURS = timedelta(hours=3)
DEMO_BOOKING_AFTER = timedelta(hours=1)  # the prepared booking leaves the next slots to the newcomer


def demo_availability() -> list[str]:
    agent = get_user_model().objects.filter(username=DEMO_AGENT).first()
    if agent is None:
        return []
    for weekday in (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY):
        for start, end in WEEKDAY_WINDOWS:
            AvailabilityRule.objects.update_or_create(agent=agent, weekday=weekday, start=start, defaults={"end": end})
    lines = [f"Agent {DEMO_AGENT}: Monday–Friday 09:00–12:00 and 13:00–18:00 (Brasília), national holidays off"]
    return lines + _demo_extra_hours(agent) + _demo_booking()


def _demo_extra_hours(agent) -> list[str]:
    """Extra hours from now (rounded down to five minutes) for three hours, ending at midnight at the latest."""
    AvailabilityException.objects.filter(agent=agent, note=DEMO_EXTRA_NOTE).delete()
    now = timezone.localtime()
    start = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    midnight = datetime.combine(start.date() + timedelta(days=1), time.min, tzinfo=start.tzinfo)
    end = min(start + DEMO_EXTRA_HOURS, midnight - timedelta(minutes=5))
    if end - start < timedelta(minutes=settings.BOOKING_SLOT_MINUTES + settings.BOOKING_LEAD_MINUTES):
        return []  # minutes before midnight: the weekly hours (and tomorrow) remain
    AvailabilityException.objects.create(
        agent=agent,
        date=start.date(),
        kind=AvailabilityException.Kind.EXTRA,
        start=start.time(),
        end=end.time(),
        note=DEMO_EXTRA_NOTE,
    )
    return [f"Agent {DEMO_AGENT}: extra hours today {start:%H:%M}–{end:%H:%M} (Brasília), for the demo"]


def _demo_booking() -> list[str]:
    """Book the demo order that waits for it at the first free slot, so the agent's agenda has one."""
    order = Order.objects.filter(email=DEMO_BOOKED_EMAIL, status=Order.Status.DOCUMENTS_RECEIVED).first()
    if order is None:
        return []
    now = timezone.now()
    slots = sorted(free_slots(now=now), key=lambda slot: slot.starts_at)
    if not slots:
        return []
    later = [slot for slot in slots if slot.starts_at >= now + DEMO_BOOKING_AFTER]
    booking = booking_create(order=order, start=(later or slots)[0].starts_at, actor=Actor(label="demo"))
    return [f"Demo booking: order {order.number} on {timezone.localtime(booking.starts_at):%d/%m/%Y %H:%M} (Brasília)"]
