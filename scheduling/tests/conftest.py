import pytest
import time_machine

from tecnosign.notifications import whatsapp

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
