"""Demo data for `make run`: the demo agent works weekdays 09:00–12:00 and 13:00–18:00 (Brasília).

Idempotent: the same rows are updated on every run. Also gives the agents group the admin permissions
the booking back office needs.
"""

from datetime import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from .models import AGENTS_GROUP, AvailabilityRule, Weekday

DEMO_AGENT = "agente"
WEEKDAY_WINDOWS = [(time(9), time(12)), (time(13), time(18))]  # the lunch break is the gap
AGENT_PERMISSIONS = [
    "view_booking",
    "change_booking",
    "view_availabilityrule",
    "add_availabilityrule",
    "change_availabilityrule",
    "delete_availabilityrule",
    "view_availabilityexception",
    "add_availabilityexception",
    "change_availabilityexception",
    "delete_availabilityexception",
    "view_agentprofile",
]


def demo_availability() -> list[str]:
    group, _ = Group.objects.get_or_create(name=AGENTS_GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="scheduling", codename__in=AGENT_PERMISSIONS)
    )
    agent = get_user_model().objects.filter(username=DEMO_AGENT).first()
    if agent is None:
        return []
    for weekday in (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY):
        for start, end in WEEKDAY_WINDOWS:
            AvailabilityRule.objects.update_or_create(agent=agent, weekday=weekday, start=start, defaults={"end": end})
    return [f"Agent {DEMO_AGENT}: Monday–Friday 09:00–12:00 and 13:00–18:00 (Brasília), national holidays off"]
