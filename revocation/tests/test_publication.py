"""A certificate the customer revoked is reported revoked, with its reason, by the CRL and by OCSP."""

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp

from issuance.models import Certificate
from issuance.tests.helpers import ocsp_request, openssl

from .helpers import brt, issue_a1, open_revocation, revoke

pytestmark = pytest.mark.django_db
CRL_URL = "/ac/ac-tecnosign-dev-v5.crl"
ISSUED_AT = brt(2026, 12, 1, 10, 0)


def _revoked_by_the_customer(client, on_commit, reason: str, **extra):
    order, record = issue_a1(on_commit, at=ISSUED_AT)
    with time_machine.travel(brt(2026, 12, 4, 16, 45), tick=False):
        open_revocation(client, order)
        with on_commit():
            response = revoke(client, record, reason, **extra)
    assert response.status_code == 302
    record.refresh_from_db()
    return record, x509.load_pem_x509_certificate(record.certificate_pem.encode())


@pytest.mark.parametrize(
    ("reason", "flag"),
    [
        ("computer_stolen", x509.ReasonFlags.key_compromise),
        ("access_withdrawn", x509.ReasonFlags.cessation_of_operation),
        ("file_corrupted", x509.ReasonFlags.superseded),
    ],
)
def test_the_crl_and_an_ocsp_answer_report_the_revocation_with_its_reason_code(
    client, on_commit, local_ca, reason, flag
):
    record, certificate = _revoked_by_the_customer(client, on_commit, reason)
    issuing = x509.load_pem_x509_certificate(local_ca.issuing.certificate_pem.encode())

    with time_machine.travel(brt(2026, 12, 4, 16, 50), tick=False):
        crl_response = client.get(CRL_URL)
        ocsp_response = client.post(
            "/ac/ocsp", data=ocsp_request(certificate, issuing), content_type="application/ocsp-request"
        )

    assert crl_response.status_code == 200 and crl_response["Content-Type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(crl_response.content)
    assert crl.is_signature_valid(issuing.public_key())
    entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
    assert entry is not None and entry.revocation_date_utc == record.revoked_at
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == flag
    answer = ocsp.load_der_ocsp_response(ocsp_response.content)
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answer.serial_number == certificate.serial_number
    assert answer.revocation_reason == flag and answer.revocation_time_utc == record.revoked_at


def test_openssl_accepts_the_crl_and_the_ocsp_answer_for_a_customers_revocation(client, on_commit, local_ca, tmp_path):
    record, certificate = _revoked_by_the_customer(client, on_commit, "computer_stolen")
    pem = serialization.Encoding.PEM
    issuing = x509.load_pem_x509_certificate(local_ca.issuing.certificate_pem.encode())
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(pem))
    (tmp_path / "issuing.pem").write_bytes(issuing.public_bytes(pem))
    (tmp_path / "chain.pem").write_text(local_ca.issuing.certificate_pem + local_ca.root.certificate_pem)

    with time_machine.travel(brt(2026, 12, 4, 16, 50), tick=False):
        (tmp_path / "crl.der").write_bytes(client.get(CRL_URL).content)
        request = openssl(
            "ocsp", "-issuer", str(tmp_path / "issuing.pem"), "-cert", str(tmp_path / "cert.pem"),
            "-reqout", str(tmp_path / "req.der"),
        )  # fmt: skip
        answer = client.post(
            "/ac/ocsp", data=(tmp_path / "req.der").read_bytes(), content_type="application/ocsp-request"
        )
    (tmp_path / "resp.der").write_bytes(answer.content)
    crl_check = openssl(
        "crl", "-inform", "DER", "-in", str(tmp_path / "crl.der"), "-CAfile", str(tmp_path / "chain.pem"),
        "-noout", "-text",
    )  # fmt: skip
    # openssl checks the answer's times against the real clock, which the frozen one is ahead of: allow for it.
    response_check = openssl(
        "ocsp", "-respin", str(tmp_path / "resp.der"), "-issuer", str(tmp_path / "issuing.pem"),
        "-cert", str(tmp_path / "cert.pem"), "-CAfile", str(tmp_path / "chain.pem"), "-no_nonce",
        "-validity_period", str(366 * 24 * 3600),
    )  # fmt: skip

    assert request.returncode == 0, request.stderr
    assert crl_check.returncode == 0 and "verify OK" in crl_check.stderr, crl_check.stderr
    serial = record.serial.rjust(len(record.serial) + len(record.serial) % 2, "0")  # openssl prints whole bytes
    assert f"Serial Number: {serial}" in crl_check.stdout and "Key Compromise" in crl_check.stdout
    assert response_check.returncode == 0, response_check.stderr
    assert "Response verify OK" in response_check.stderr
    assert "cert.pem: revoked" in response_check.stdout and "Reason: keyCompromise" in response_check.stdout
    assert Certificate.objects.get(pk=record.pk).status == Certificate.Status.REVOKED
