"""A real Celery worker drives a workstation's agent, on a real SoftHSM2 token, end to end."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from conftest import wait_for
from orders.tests.factories import UserFactory
from tecnosign.audit.services import SYSTEM
from tecnosign.tests.auth import staff_login
from tokens.models import TokenJob
from tokens.services import workstation_pair

from .harness import USER_PIN, issue_for_csr, throwaway_ca

pytestmark = [pytest.mark.worker, pytest.mark.softhsm]

SUBJECT = "C=BR\nO=ICP-Brasil\nOU=AC TecnoSign de Teste\nOU=videoconferencia\nCN=JOSE DE SOUZA:11144477735"


def _done(job_id: int):
    job = TokenJob.objects.get(pk=job_id)
    return job if job.status in (TokenJob.Status.SUCCEEDED, TokenJob.Status.FAILED) else None


def _request(client, **fields) -> int:
    response = client.post("/admin/tokens/tokenjob/add/", fields)
    assert response.status_code == 302, response.text
    return TokenJob.objects.latest("id").pk


def test_a_worker_makes_the_key_and_csr_then_writes_the_certificate_on_the_token(celery_worker, client, agent, softhsm):
    staff_login(client, UserFactory(is_staff=True, is_superuser=True))
    workstation = workstation_pair(name="Balcão", agent_url=agent.url, secret=agent.secret, agent_info={}, actor=SYSTEM)
    base = {"workstation": workstation.pk, "token_serial": softhsm.serial, "pin": USER_PIN}

    keygen_id = _request(client, **base, operation="generate_key_and_csr", key_label="Chave A3", subject=SUBJECT)
    keygen = wait_for(lambda: _done(keygen_id), timeout=60)

    assert keygen.status == TokenJob.Status.SUCCEEDED, keygen.error_message
    csr = x509.load_pem_x509_csr(keygen.result["csr"].encode())
    assert csr.is_signature_valid
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "JOSE DE SOUZA:11144477735"
    assert "pin" not in str(keygen.params).lower() and USER_PIN not in str(keygen.result)

    certificate = issue_for_csr(csr, *throwaway_ca())
    import_id = _request(
        client,
        **base,
        operation="import_certificate",
        certificate=certificate.public_bytes(serialization.Encoding.PEM).decode(),
    )
    imported = wait_for(lambda: _done(import_id), timeout=60)

    assert imported.status == TokenJob.Status.SUCCEEDED, imported.error_message
    assert imported.result["key_id"] == keygen.result["key_id"]
    objects = agent.client().list_objects(softhsm.serial, pin=USER_PIN)["objects"]
    assert {(o["type"], o["id"]) for o in objects} == {
        ("certificate", keygen.result["key_id"]),
        ("private_key", keygen.result["key_id"]),
        ("public_key", keygen.result["key_id"]),
    }
