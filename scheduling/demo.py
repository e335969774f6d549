"""Demo data for `make run`: the demo agent works weekdays 09:00–12:00 and 13:00–18:00 (Brasília).

Idempotent: the same rows are updated on every run. The groups' permissions come from `scheduling.roles`.
"""

from datetime import time

from django.contrib.auth import get_user_model
from django.utils import timezone

from orders.models import Order
from tecnosign.audit.services import Actor

from .models import AvailabilityRule, Weekday
from .selectors import free_slots
from .services import booking_create

DEMO_AGENT = "agente"
DEMO_BOOKED_EMAIL = "demo-agendado@exemplo.com.br"  # one of orders.demo.DEMO_ORDERS
WEEKDAY_WINDOWS = [(time(9), time(12)), (time(13), time(18))]  # the lunch break is the gap


def demo_availability() -> list[str]:
    agent = get_user_model().objects.filter(username=DEMO_AGENT).first()
    if agent is None:
        return []
    for weekday in (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY):
        for start, end in WEEKDAY_WINDOWS:
            AvailabilityRule.objects.update_or_create(agent=agent, weekday=weekday, start=start, defaults={"end": end})
    lines = [f"Agent {DEMO_AGENT}: Monday–Friday 09:00–12:00 and 13:00–18:00 (Brasília), national holidays off"]
    return lines + _demo_booking()


def _demo_booking() -> list[str]:
    """Book the demo order that waits for it at the first free slot, so the agent's agenda has one."""
    order = Order.objects.filter(email=DEMO_BOOKED_EMAIL, status=Order.Status.DOCUMENTS_RECEIVED).first()
    if order is None:
        return []
    now = timezone.now()
    slots = sorted(free_slots(now=now), key=lambda slot: slot.starts_at)
    if not slots:
        return []
    booking = booking_create(order=order, start=slots[0].starts_at, actor=Actor(label="demo"))
    return [f"Demo booking: order {order.number} on {timezone.localtime(booking.starts_at):%d/%m/%Y %H:%M} (Brasília)"]
