"""`make run`'s demo agent can be booked at once, whatever the day and hour the demo is set up: extra hours from
the set-up's moment, the prepared demo booking out of the way, and the short lead time of the embedded default."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from scheduling.models import AvailabilityException, Booking
from scheduling.selectors import free_slots

pytestmark = pytest.mark.django_db


def load_demo(on_commit) -> None:
    with on_commit():  # the summary and the box are printed after commit
        call_command("load_demo")


@override_settings(BOOKING_LEAD_MINUTES=5)
def test_on_a_saturday_night_the_demo_agent_is_free_within_the_next_half_hour(clock, on_commit, capsys):
    # given the demo set up on Saturday 28/11/2026 at 21:07 (Brasília), twice
    clock(2026, 11, 28, 21, 7)
    load_demo(on_commit)
    load_demo(on_commit)

    # then the agent has one window of extra hours from 21:05, and the first free slot starts within half an hour
    extra = AvailabilityException.objects.get(agent__username="agente", kind=AvailabilityException.Kind.EXTRA)
    assert (extra.start.strftime("%H:%M"), extra.end.strftime("%H:%M")) == ("21:05", "23:55")
    now = timezone.now()
    first = min(slot.starts_at for slot in free_slots(now=now))
    assert now < first <= now + timedelta(minutes=35)
    # and the prepared demo booking leaves the first slots to the newcomer
    prepared = Booking.objects.get(order__email="demo-agendado@exemplo.com.br", status=Booking.Status.SCHEDULED)
    assert prepared.starts_at >= now + timedelta(hours=1)
    assert "extra hours today 21:05–23:55" in capsys.readouterr().out


def test_minutes_before_midnight_no_extra_window_is_made(clock, on_commit):
    # given the demo set up at 23:50
    clock(2026, 11, 28, 23, 50)
    load_demo(on_commit)

    # then no window too short for a call was made (the weekly hours remain)
    assert not AvailabilityException.objects.filter(agent__username="agente").exists()


def test_the_embedded_default_lead_time_is_short_and_production_keeps_an_hour():
    # the settings module as `make run` (DEBUG) and production (DEBUG=0) read it
    def lead(debug: str) -> str:
        code = "import tecnosign.settings as s; print(s.BOOKING_LEAD_MINUTES)"
        env = {"DEBUG": debug, "SECRET_KEY": "x" * 50, "CA_KEY_PASSPHRASE": "p" * 40, "PATH": "/usr/bin:/bin"}
        return subprocess.run(  # noqa: S603
            [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
        ).stdout.strip()

    assert (lead("1"), lead("0")) == ("5", "60")
