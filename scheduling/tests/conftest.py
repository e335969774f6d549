import pytest
import time_machine

from scheduling.roles import ensure_roles
from tecnosign.notifications import whatsapp

from .backoffice import make_verifier
from .factories import make_agent
from .helpers import brasilia


@pytest.fixture(autouse=True)
def _whatsapp_outbox():
    whatsapp.outbox.clear()
    yield
    whatsapp.outbox.clear()


@pytest.fixture
def clock():
    """Freeze "now" at a Brasília wall-clock time: `clock(2026, 11, 19, 9, 10)`; call again to move it."""
    travellers = []

    def move(*args):
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(brasilia(*args), tick=False)
        traveller.start()
        travellers.append(traveller)

    yield move
    while travellers:
        travellers.pop().stop()


@pytest.fixture
def team():
    """Ana works weekdays, Beto has no hours (nothing is booked with him), Vera verifies; the roles as after
    `migrate`."""
    ensure_roles()
    return {
        "ana": make_agent("ana", email="ana@ts.test"),
        "beto": make_agent("beto", email="beto@ts.test", weekdays=()),
        "vera": make_verifier("vera"),
    }
