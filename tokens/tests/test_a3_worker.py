"""A3 issuance at a registration agent's workstation: staff ask for it in the back office, a real Celery worker
drives the workstation's real agent on a SoftHSM2 token, and the order ends `issued` with the certificate on the
token next to the key that signs for it."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.db import transaction

from conftest import wait_for
from issuance.models import Certificate, IssuanceRequest
from issuance.services import issuance_submit
from orders.models import Order
from orders.tests.factories import A3TokenProductFactory, OrderFactory, UserFactory
from tecnosign.audit.models import AuditEvent
from tecnosign.audit.services import SYSTEM
from tecnosign.tests.auth import staff_login
from tokens.models import TokenJob
from tokens.services import workstation_pair

from .a3 import HOLDER_CN
from .harness import USER_PIN, probe_token

pytestmark = [pytest.mark.worker, pytest.mark.softhsm]


def _finished(job_id: int):
    job = TokenJob.objects.get(pk=job_id)
    return job if job.status in (TokenJob.Status.SUCCEEDED, TokenJob.Status.FAILED) else None


def test_a_workstation_job_issues_a_released_a3_order_on_the_token(celery_worker, client, agent, softhsm, local_ca):
    staff = UserFactory(username="balcao@tecnosign.test", is_staff=True, is_superuser=True)
    staff_login(client, staff)
    order = OrderFactory(product=A3TokenProductFactory(), status=Order.Status.VERIFIED)
    with transaction.atomic():
        issuance_submit(order)  # the worker hands it to the local CA, which releases it at once
    wait_for(lambda: Order.objects.get(pk=order.pk).status == Order.Status.RELEASED, timeout=30)
    request = IssuanceRequest.objects.get(order=order)
    delivered = client.post(
        "/admin/issuance/issuancerequest/",
        {"action": "mark_media_delivered", "_selected_action": [request.pk]},
        follow=True,
    )
    assert "Entrega da mídia registrada em 1 pedido(s)" in delivered.text
    workstation = workstation_pair(name="Balcão", agent_url=agent.url, secret=agent.secret, agent_info={}, actor=SYSTEM)

    response = client.post(
        "/admin/tokens/tokenjob/add/",
        {
            "workstation": workstation.pk,
            "operation": "a3_issue",
            "token_serial": softhsm.serial,
            "order_number": order.number.lower(),
            "pin": USER_PIN,
        },
    )
    assert response.status_code == 302, response.text
    job = wait_for(lambda: _finished(TokenJob.objects.latest("id").pk), timeout=90)

    assert job.status == TokenJob.Status.SUCCEEDED, job.error_message
    assert job.params == {"order_number": order.number, "key_label": f"TecnoSign {order.number}"}
    order.refresh_from_db()
    assert order.status == Order.Status.ISSUED
    record = Certificate.objects.get(order=order)
    assert (job.result["serial"], job.result["order_number"]) == (record.serial, order.number)

    # On the token: the certificate under its key's CKA_ID; the key signs what the certificate verifies.
    data = b"contrato assinado com o certificado A3"
    probe = probe_token(softhsm, USER_PIN, job.result["key_id"], data)
    (stored,) = probe["certificates"]
    certificate = x509.load_der_x509_certificate(bytes.fromhex(stored))
    assert certificate == x509.load_pem_x509_certificate(record.certificate_pem.encode())
    certificate.public_key().verify(bytes.fromhex(probe["signature"]), data, padding.PKCS1v15(), hashes.SHA256())
    assert probe["private_value_readable"] is False
    assert certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == HOLDER_CN
    assert certificate.public_key().key_size == 2048

    # The chain verifies to the local root, and is on the token too, as CA ("authority") certificates.
    issuing = x509.load_pem_x509_certificate(local_ca.issuing.certificate_pem.encode())
    root = x509.load_pem_x509_certificate(local_ca.root.certificate_pem.encode())
    on_token = {x509.load_der_x509_certificate(bytes.fromhex(der)) for der in probe["authorities"]}
    assert on_token == {issuing, root}
    certificate.verify_directly_issued_by(issuing)
    issuing.verify_directly_issued_by(root)
    root.verify_directly_issued_by(root)

    # Who did it is on record, the PIN nowhere.
    issued = AuditEvent.objects.get(action="certificate.issued")
    assert issued.actor_id == staff.pk and issued.after["kind"] == "A3"
    stored_text = str(list(TokenJob.objects.values())) + str(list(AuditEvent.objects.values("before", "after", "note")))
    assert f"'{USER_PIN}'" not in stored_text and "'pin'" not in stored_text
