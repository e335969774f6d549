"""Enqueueing while the broker is away: the request goes through, and the log says what was left, never with what."""

import logging

import pytest
from django.db import transaction

from orders.tests.factories import UserFactory
from tecnosign.audit.services import SYSTEM
from tecnosign.notifications.models import OutboxMessage
from tecnosign.queue import enqueue_task_on_commit
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


def test_a_task_enqueued_by_name_runs_after_commit_in_eager_mode(on_commit):
    # Given a failed message and the suite's eager Celery (as `make run`)
    message = OutboxMessage.objects.create(
        kind="t", channel=OutboxMessage.Channel.EMAIL, key="queue-test", recipient="a@example.com", subject="s"
    )

    # When a service enqueues its delivery by the task's registered name inside a transaction
    with on_commit(), transaction.atomic():
        enqueue_task_on_commit("notifications.send", message.pk)
        still_pending = OutboxMessage.objects.get(pk=message.pk).status

    # Then nothing ran before the commit, and the task ran in-process after it
    assert still_pending == OutboxMessage.Status.PENDING
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxMessage.Status.SENT


def test_an_unknown_task_name_fails_inside_the_callers_transaction():
    # Given a name no tasks module registers
    # When a service asks for it after writing a row
    with pytest.raises(KeyError), transaction.atomic():
        OutboxMessage.objects.create(kind="t", key="typo", recipient="a@example.com", subject="s")
        enqueue_task_on_commit("notifications.sendd", 1)

    # Then the error rolls the write back instead of being lost after the commit
    assert not OutboxMessage.objects.filter(key="typo").exists()
