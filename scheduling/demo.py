"""Demo data for `make run`: the demo agent works weekdays 09:00–12:00 and 13:00–18:00 (Brasília).

Idempotent: the same rows are updated on every run. The groups' permissions come from `scheduling.roles`.
"""

from datetime import time

from django.contrib.auth import get_user_model

from .models import AvailabilityRule, Weekday

DEMO_AGENT = "agente"
WEEKDAY_WINDOWS = [(time(9), time(12)), (time(13), time(18))]  # the lunch break is the gap


def demo_availability() -> list[str]:
    agent = get_user_model().objects.filter(username=DEMO_AGENT).first()
    if agent is None:
        return []
    for weekday in (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY):
        for start, end in WEEKDAY_WINDOWS:
            AvailabilityRule.objects.update_or_create(agent=agent, weekday=weekday, start=start, defaults={"end": end})
    return [f"Agent {DEMO_AGENT}: Monday–Friday 09:00–12:00 and 13:00–18:00 (Brasília), national holidays off"]
