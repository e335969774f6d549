"""Enqueueing while the broker is away: the request goes through, and the log says what was left, never with what."""

import logging

import pytest

from orders.tests.factories import UserFactory
from tecnosign.audit.services import SYSTEM
from tecnosign.tests.auth import staff_login
from tecnosign.tests.faults.conftest import app_publishing_to, free_port
from tokens.models import TokenJob
from tokens.services import workstation_pair

pytestmark = pytest.mark.django_db

PIN, NEW_PIN = "Atual#7391", "Troca#2026"
FERNET_PREFIX = "gAAAAA"  # every sealed blob (tokens.sealing) starts so


@pytest.fixture
def broker_down():
    """This process's Celery app publishing to a Redis port where nothing listens."""
    with app_publishing_to(f"redis://127.0.0.1:{free_port()}/0"):
        yield


def test_a_token_job_queued_while_the_broker_is_down_logs_no_pin_nor_sealed_blob(
    client, broker_down, caplog, on_commit
):
    # Given a staff member and a paired workstation, with every logger recording
    staff_login(client, UserFactory(is_staff=True, is_superuser=True))
    workstation = workstation_pair(
        name="Balcão 1", agent_url="http://127.0.0.1:47115", secret=b"s" * 32, agent_info={}, actor=SYSTEM
    )
    caplog.set_level(logging.DEBUG)

    # When they request a PIN change (its PINs travel sealed in the task's arguments) and Redis is unreachable
    with on_commit():
        response = client.post(
            "/admin/tokens/tokenjob/add/",
            {
                "workstation": workstation.pk,
                "operation": "change_pin",
                "token_serial": "SERIAL-1",
                "pin": PIN,
                "new_pin": NEW_PIN,
                "new_pin_again": NEW_PIN,
            },
        )

    # Then the job is saved for the sweep and the warning names the task and its arguments' kinds only
    assert response.status_code == 302, response.text
    job = TokenJob.objects.get()
    assert job.status == TokenJob.Status.PENDING
    for record in caplog.records:
        logged = record.getMessage() + repr(record.args) + (record.exc_text or "")
        assert PIN not in logged and NEW_PIN not in logged and FERNET_PREFIX not in logged, record.name
    left = [r for r in caplog.records if r.name == "tecnosign.queue"]
    assert [(r.levelno, r.getMessage().split(" left for")[0]) for r in left] == [
        (logging.WARNING, "broker unavailable, tokens.run_job(int, str)")
    ]
