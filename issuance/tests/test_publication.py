"""Revocation at the CA, the CRL and the OCSP responder at the URLs named in the certificates."""

import base64
import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.db import transaction

from issuance.models import Certificate, RevocationList
from issuance.services import certificate_revoke, issuance_submit
from issuance.services.publication import crl_publish, crl_publish_if_due
from issuance.services.revocation import AlreadyRevoked, RevocationFailed
from orders.models import Order
from orders.tests.factories import OrderFactory, UserFactory
from tecnosign.audit.models import AuditEvent
from tecnosign.audit.services import Actor

from .helpers import a1_issue_as_customer, ocsp_request, openssl

pytestmark = pytest.mark.django_db
PASSWORD = "Emissao#2026"
CRL_URL = "/ac/ac-tecnosign-dev-v5.crl"


@pytest.fixture
def issue_certificate(local_ca, on_commit):
    """Issue an A1 for a fresh order through the services; returns (record, certificate, issuing CA)."""
    issuing = x509.load_pem_x509_certificate(local_ca.issuing.certificate_pem.encode())
    counter = iter(range(1000))

    def make():
        order = OrderFactory(status=Order.Status.VERIFIED, email=f"cliente{next(counter)}@exemplo.com.br")
        with on_commit(), transaction.atomic():
            issuance_submit(order)
        order.refresh_from_db()
        _, issued = a1_issue_as_customer(order, password=PASSWORD, actor=Actor(label="cliente", ip="203.0.113.9"))
        certificate = x509.load_pem_x509_certificate(issued.certificate_pem.encode())
        return issued.certificate, certificate, issuing

    return make


def revoke(record, on_commit, reason=Certificate.Reason.KEY_COMPROMISE):
    staff = UserFactory(username="suporte")
    with on_commit():
        return certificate_revoke(
            certificate=record, reason=reason, actor=Actor(user=staff, label="suporte"), note="computador roubado"
        )


def fetch_crl(client) -> x509.CertificateRevocationList:
    response = client.get(CRL_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pkix-crl"
    return x509.load_der_x509_crl(response.content)


def post_ocsp(client, der: bytes) -> ocsp.OCSPResponse:
    response = client.post("/ac/ocsp", data=der, content_type="application/ocsp-request")
    assert response.status_code == 200 and response["Content-Type"] == "application/ocsp-response"
    return ocsp.load_der_ocsp_response(response.content)


def test_a_revoked_serial_is_revoked_in_the_crl_and_in_an_ocsp_answer(client, issue_certificate, on_commit):
    record, certificate, issuing = issue_certificate()
    _, survivor_cert, _ = issue_certificate()
    before = fetch_crl(client)

    revoked = revoke(record, on_commit)

    assert (revoked.status, revoked.revocation_reason) == (Certificate.Status.REVOKED, 1)
    crl = fetch_crl(client)
    assert crl.is_signature_valid(issuing.public_key())
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number > (
        before.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    )
    assert crl.next_update_utc - crl.last_update_utc == timedelta(hours=12)
    entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
    assert entry.revocation_date_utc == revoked.revoked_at
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.key_compromise
    assert crl.get_revoked_certificate_by_serial_number(survivor_cert.serial_number) is None

    nonce = b"nonce-do-cliente-1234"
    answer = post_ocsp(client, ocsp_request(certificate, issuing, nonce=nonce))
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason == x509.ReasonFlags.key_compromise
    assert answer.revocation_time_utc == revoked.revoked_at
    assert answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce
    # Signed by the delegated responder, whose certificate (issued by the CA, id-kp-OCSPSigning) comes along.
    [responder] = answer.certificates
    responder.verify_directly_issued_by(issuing)
    assert ExtendedKeyUsageOID.OCSP_SIGNING in responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    responder.public_key().verify(
        answer.signature, answer.tbs_response_bytes, padding.PKCS1v15(), answer.signature_hash_algorithm
    )

    good = post_ocsp(client, ocsp_request(survivor_cert, issuing))
    assert good.certificate_status == ocsp.OCSPCertStatus.GOOD
    event = AuditEvent.objects.get(action="certificate.revoked")
    assert (event.actor_label, event.after["reason"], event.note) == ("suporte", 1, "computador roubado")
    assert Order.objects.get(pk=record.order_id).status == Order.Status.ISSUED  # the caller moves the order


def test_ocsp_get_form_and_unknown_serial_and_foreign_issuer(client, issue_certificate):
    _, certificate, issuing = issue_certificate()
    der = ocsp_request(certificate, issuing)
    real = ocsp.load_der_ocsp_request(der)
    stranger = (
        ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(real.issuer_name_hash, real.issuer_key_hash, 12345, hashes.SHA1())  # noqa: S303
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    foreign = (
        ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(b"\x01" * 20, b"\x02" * 20, certificate.serial_number, hashes.SHA1())  # noqa: S303
        .build()
        .public_bytes(serialization.Encoding.DER)
    )

    by_get = client.get("/ac/ocsp/" + urllib.parse.quote(base64.b64encode(der).decode(), safe=""))
    unknown = post_ocsp(client, stranger)
    unauthorized = post_ocsp(client, foreign)
    malformed = post_ocsp(client, b"\x30\x03\x02\x01\x00")
    wrong_type = client.post("/ac/ocsp", data=der, content_type="application/json")
    bad_base64 = client.get("/ac/ocsp/%%%")

    assert by_get.status_code == 200 and by_get["Cache-Control"] == "public, max-age=60"
    assert ocsp.load_der_ocsp_response(by_get.content).certificate_status == ocsp.OCSPCertStatus.GOOD
    assert unknown.certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    assert unauthorized.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED
    assert malformed.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    assert wrong_type.status_code == 415
    assert ocsp.load_der_ocsp_response(bad_base64.content).response_status == (
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )


def test_openssl_accepts_the_crl_and_the_ocsp_exchange(client, issue_certificate, on_commit, local_ca, tmp_path):
    record, certificate, issuing = issue_certificate()
    revoke(record, on_commit, reason=Certificate.Reason.SUPERSEDED)
    pem = serialization.Encoding.PEM
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(pem))
    (tmp_path / "issuing.pem").write_bytes(issuing.public_bytes(pem))
    (tmp_path / "chain.pem").write_text(local_ca.issuing.certificate_pem + local_ca.root.certificate_pem)
    (tmp_path / "crl.der").write_bytes(client.get(CRL_URL).content)

    crl_check = openssl(
        "crl",
        "-inform",
        "DER",
        "-in",
        str(tmp_path / "crl.der"),
        "-CAfile",
        str(tmp_path / "chain.pem"),
        "-noout",
        "-text",
    )
    request = openssl(
        "ocsp",
        "-issuer",
        str(tmp_path / "issuing.pem"),
        "-cert",
        str(tmp_path / "cert.pem"),
        "-reqout",
        str(tmp_path / "req.der"),
    )
    answer = client.post("/ac/ocsp", data=(tmp_path / "req.der").read_bytes(), content_type="application/ocsp-request")
    (tmp_path / "resp.der").write_bytes(answer.content)
    response_check = openssl(
        "ocsp",
        "-respin",
        str(tmp_path / "resp.der"),
        "-issuer",
        str(tmp_path / "issuing.pem"),
        "-cert",
        str(tmp_path / "cert.pem"),
        "-CAfile",
        str(tmp_path / "chain.pem"),
        "-no_nonce",
    )

    assert crl_check.returncode == 0 and "verify OK" in crl_check.stderr, crl_check.stderr
    serial = format(certificate.serial_number, "X")
    serial = serial.rjust(len(serial) + len(serial) % 2, "0")  # openssl prints whole bytes
    assert f"Serial Number: {serial}" in crl_check.stdout
    assert "Superseded" in crl_check.stdout
    assert request.returncode == 0, request.stderr
    assert response_check.returncode == 0, response_check.stderr
    assert "Response verify OK" in response_check.stderr
    assert "cert.pem: revoked" in response_check.stdout and "Reason: superseded" in response_check.stdout


def test_revoking_twice_or_with_an_unknown_reason_is_refused(issue_certificate, on_commit):
    record, _, _ = issue_certificate()
    revoke(record, on_commit)

    with pytest.raises(AlreadyRevoked, match="já foi revogado em"):
        revoke(record, on_commit)
    other, _, _ = issue_certificate()
    with pytest.raises(RevocationFailed, match="Motivo de revogação inválido"):
        revoke(other, on_commit, reason=6)  # certificateHold: ICP-Brasil has no suspension
    assert Certificate.objects.get(pk=other.pk).status == Certificate.Status.VALID


def test_the_crl_is_republished_on_schedule_at_least_every_six_hours(local_ca):
    start = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        first = crl_publish()
        clock.shift(timedelta(hours=5, minutes=44))
        too_soon = crl_publish_if_due()
        clock.shift(timedelta(minutes=1))
        due = crl_publish_if_due()

    assert too_soon is None
    assert due.number == first.number + 1
    assert due.this_update - first.this_update < timedelta(hours=6)
    assert due.next_update == due.this_update + timedelta(hours=12)


def test_a_stale_crl_is_never_served(client, local_ca):
    start = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        crl_publish()
        clock.shift(timedelta(hours=13))  # the beat stopped and nextUpdate has passed
        crl = fetch_crl(client)

    assert crl.last_update_utc == start + timedelta(hours=13)
    assert RevocationList.objects.count() >= 2


def test_the_ca_certificates_are_served_for_the_aia_link(client, local_ca):
    response = client.get("/ac/ac-tecnosign-dev-v5.crt")
    unknown = client.get("/ac/nao-existe.crl")

    assert response.status_code == 200 and response["Content-Type"] == "application/pkix-cert"
    served = x509.load_der_x509_certificate(response.content)
    assert served == x509.load_pem_x509_certificate(local_ca.issuing.certificate_pem.encode())
    assert unknown.status_code == 404
