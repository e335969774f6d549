"""Token jobs requested in the back office and run against a workstation's real agent."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from orders.tests.factories import UserFactory
from tecnosign.audit.models import AuditEvent
from tecnosign.audit.services import SYSTEM
from tecnosign.tests.auth import staff_login
from tokens import sealing
from tokens.client import PinIncorrect
from tokens.models import TokenJob
from tokens.services import token_job_run, token_jobs_sweep, workstation_pair

from .harness import SO_PIN, USER_PIN

pytestmark = [pytest.mark.django_db, pytest.mark.softhsm]

ADD_URL = "/admin/tokens/tokenjob/add/"


@pytest.fixture
def staff(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    staff_login(client, user)
    return user


@pytest.fixture
def workstation(agent):
    return workstation_pair(name="Balcão 1", agent_url=agent.url, secret=agent.secret, agent_info={}, actor=SYSTEM)


def _post_job(client, workstation, operation, serial, **fields):
    return client.post(
        ADD_URL, {"workstation": workstation.pk, "operation": operation, "token_serial": serial, **fields}
    )


def _stored_text() -> str:
    """Everything the database keeps about jobs: the rows and their audit trail."""
    jobs = list(TokenJob.objects.values())
    events = list(AuditEvent.objects.filter(object_type="tokens.tokenjob").values("before", "after", "note"))
    return json.dumps([jobs, events], default=str, ensure_ascii=False)


def test_a_pin_change_requested_in_the_admin_runs_and_keeps_no_pin(
    client, staff, workstation, agent, softhsm, on_commit
):
    with on_commit():
        response = _post_job(
            client,
            workstation,
            "change_pin",
            softhsm.serial,
            pin=USER_PIN,
            new_pin="Troca#2026",
            new_pin_again="Troca#2026",
        )

    assert response.status_code == 302, response.text
    job = TokenJob.objects.get()
    assert job.status == TokenJob.Status.SUCCEEDED and job.requested_by == staff
    assert job.started_at and job.finished_at and job.result["token"]["serial"] == softhsm.serial
    assert agent.client().list_objects(softhsm.serial, pin="Troca#2026")["logged_in"] is True
    stored = _stored_text()
    assert "Troca#2026" not in stored and f'"{USER_PIN}"' not in stored
    assert [e.action for e in AuditEvent.objects.filter(object_type="tokens.tokenjob").order_by("id")] == [
        "tokens.job.requested",
        "tokens.job.succeeded",
    ]
    detail = client.get(f"/admin/tokens/tokenjob/{job.pk}/change/")
    assert detail.status_code == 200 and "Concluída" in detail.text


def test_a_wrong_pin_fails_the_job_with_the_agents_message(client, staff, workstation, softhsm, on_commit):
    with on_commit():
        _post_job(client, workstation, "change_pin", softhsm.serial, pin="9999", new_pin="5555", new_pin_again="5555")

    job = TokenJob.objects.get()
    assert job.status == TokenJob.Status.FAILED
    assert job.error_code == "pin_incorrect"
    assert job.error_message.startswith("PIN incorreto.") and "9999" not in job.error_message


def test_a_request_missing_what_the_operation_needs_is_refused_in_the_form(client, staff, workstation, softhsm):
    no_puk = _post_job(client, workstation, "unblock_pin", softhsm.serial, new_pin="5555", new_pin_again="5555")
    mismatch = _post_job(client, workstation, "change_pin", softhsm.serial, pin="1", new_pin="5555", new_pin_again="5")
    no_serial = _post_job(client, workstation, "change_puk", "", puk="1", new_puk="2", new_puk_again="2")

    assert no_puk.status_code == mismatch.status_code == no_serial.status_code == 200
    assert "Preencha este campo para esta operação." in no_puk.text
    assert "A confirmação não confere." in mismatch.text
    assert "Informe o número de série da mídia." in no_serial.text
    assert not TokenJob.objects.exists()


def test_an_erase_job_erases_what_was_confirmed(client, staff, workstation, agent, softhsm, on_commit):
    agent.client().generate_key(softhsm.serial, pin=USER_PIN, label="Chave antiga")

    with on_commit():
        _post_job(
            client,
            workstation,
            "erase",
            softhsm.serial,
            puk=SO_PIN,
            new_pin="2468",
            new_pin_again="2468",
            label="LIMPA",
            confirm_token_label="TITULAR",
            confirm_labels="Chave antiga\n",
        )

    job = TokenJob.objects.get()
    assert job.status == TokenJob.Status.SUCCEEDED, job.error_message
    assert job.params == {"label": "LIMPA", "confirm_token_label": "TITULAR", "confirm_labels": ["Chave antiga"]}
    assert job.result["erased_labels"] == ["Chave antiga"]
    assert agent.client().list_objects(softhsm.serial, pin="2468")["objects"] == []


def test_a_listing_job_from_the_workstation_action(client, staff, workstation, softhsm, on_commit):
    with on_commit():
        response = client.post(
            "/admin/tokens/workstation/",
            {"action": "list_connected_tokens", "_selected_action": [workstation.pk]},
        )

    assert response.status_code == 302
    job = TokenJob.objects.get()
    assert job.operation == "list_tokens" and job.status == TokenJob.Status.SUCCEEDED
    assert [token["serial"] for token in job.result["tokens"]] == [softhsm.serial]


def test_pins_sealed_for_a_job_expire(workstation, softhsm, agent, settings):
    job = TokenJob.objects.create(workstation=workstation, operation="change_pin", token_serial=softhsm.serial)
    sealed = sealing.seal_json({"pin": USER_PIN, "new_pin": "7777"})

    with time_machine.travel(timezone.now() + timedelta(seconds=settings.TOKEN_JOB_SECRETS_TTL + 5)):
        token_job_run(job_id=job.pk, sealed_secrets=sealed)

    job.refresh_from_db()
    assert job.status == TokenJob.Status.FAILED and job.error_code == "secrets_expired"
    with pytest.raises(PinIncorrect):
        agent.client().list_objects(softhsm.serial, pin="7777")


def test_a_redelivered_job_message_does_nothing(workstation, softhsm, agent):
    job = TokenJob.objects.create(workstation=workstation, operation="change_pin", token_serial=softhsm.serial)
    sealed = sealing.seal_json({"pin": USER_PIN, "new_pin": "7777"})

    first = token_job_run(job_id=job.pk, sealed_secrets=sealed)
    second = token_job_run(job_id=job.pk, sealed_secrets=sealed)

    assert first.status == TokenJob.Status.SUCCEEDED and second is None
    assert agent.client().list_objects(softhsm.serial, pin="7777")["logged_in"] is True


def test_the_sweep_fails_jobs_that_can_no_longer_run(workstation, settings):
    now = timezone.now()
    stale = TokenJob.objects.create(
        workstation=workstation, operation="list_tokens", created_at=now - timedelta(hours=1)
    )
    stuck = TokenJob.objects.create(
        workstation=workstation, operation="list_tokens", status="running", started_at=now - timedelta(hours=1)
    )
    fresh = TokenJob.objects.create(workstation=workstation, operation="list_tokens")

    assert token_jobs_sweep(now=now) == 2

    for job in (stale, stuck, fresh):
        job.refresh_from_db()
    assert (stale.status, stale.error_code) == ("failed", "not_started")
    assert (stuck.status, stuck.error_code) == ("failed", "interrupted")
    assert fresh.status == "pending"
