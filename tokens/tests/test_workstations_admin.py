"""Pairing a workstation in the back office with the code its agent printed."""

import pytest

from orders.tests.factories import UserFactory
from tecnosign.audit.models import AuditEvent
from tecnosign.tests.auth import staff_login
from tokens import sealing
from tokens.models import Workstation

pytestmark = [pytest.mark.django_db, pytest.mark.softhsm]

ADD_URL = "/admin/tokens/workstation/add/"


@pytest.fixture
def staff(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    staff_login(client, user)
    return user


def test_pairing_with_the_agents_code_stores_the_secret_sealed_and_never_shows_it(client, staff, agent):
    response = client.post(
        ADD_URL, {"name": "Balcão 1", "agent_url": agent.url, "active": "on", "pairing_code": agent.pairing_code}
    )

    assert response.status_code == 302, response.text
    workstation = Workstation.objects.get(name="Balcão 1")
    assert workstation.paired_by == staff
    assert workstation.agent_info["module"]["description"] == "Implementation of PKCS11"
    assert sealing.unseal(workstation.secret_sealed) == agent.secret
    assert agent.pairing_code.replace("-", "") not in workstation.secret_sealed
    page = client.get(f"/admin/tokens/workstation/{workstation.pk}/change/").text
    assert agent.pairing_code not in page and agent.pairing_code.replace("-", "") not in page
    assert workstation.secret_sealed not in page
    event = AuditEvent.objects.get(action="tokens.workstation.paired")
    assert event.actor == staff and agent.pairing_code not in str(event.after)


def test_a_code_from_another_agent_is_refused(client, staff, agent):
    from tokens.agent import protocol

    other_code = protocol.pairing_code(protocol.new_secret())

    response = client.post(ADD_URL, {"name": "Balcão 2", "agent_url": agent.url, "pairing_code": other_code})

    assert response.status_code == 200
    assert "Pareamento recusado: Assinatura inválida" in response.text
    assert not Workstation.objects.exists()


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [
        (None, "não-é-um-código", "O código de pareamento tem 32 letras"),
        ("http://127.0.0.1:9", None, "Não foi possível falar com o agente em http://127.0.0.1:9"),
        ("ftp://127.0.0.1:21", None, "Endereço do agente inválido"),
    ],
)
def test_bad_pairing_input_gets_a_clear_message(client, staff, agent, url, code, message):
    response = client.post(
        ADD_URL, {"name": "Balcão 3", "agent_url": url or agent.url, "pairing_code": code or agent.pairing_code}
    )

    assert response.status_code == 200
    assert message in response.text
    assert not Workstation.objects.exists()


def test_editing_a_workstation_keeps_its_pairing(client, staff, agent):
    client.post(
        ADD_URL, {"name": "Balcão 1", "agent_url": agent.url, "active": "on", "pairing_code": agent.pairing_code}
    )
    workstation = Workstation.objects.get()

    response = client.post(
        f"/admin/tokens/workstation/{workstation.pk}/change/",
        {"name": "Balcão principal", "agent_url": agent.url, "pairing_code": ""},
    )

    assert response.status_code == 302
    workstation.refresh_from_db()
    assert workstation.name == "Balcão principal" and workstation.active is False
    assert sealing.unseal(workstation.secret_sealed) == agent.secret
    assert AuditEvent.objects.filter(action="tokens.workstation.updated").count() == 1
