"""The same behaviour from both CA backends: the local CA, and the external adapter against a fake AC's API."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.utils import timezone

from issuance.backends import CaBackend, CaRejected, CaUnknown, Submission, get_backend
from issuance.backends.external import ExternalCa

from .fake_ac import FakeAc
from .helpers import csr_for, holder_key, identity, ocsp_request

pytestmark = pytest.mark.django_db


@dataclass
class Harness:
    backend: CaBackend
    hold_releases: Callable[[], None]


@pytest.fixture(params=["local", "external"])
def ca(request, settings, ca_key_source):
    if request.param == "local":
        request.getfixturevalue("local_ca")

        def hold():
            settings.LOCAL_CA_RELEASE_DELAY_SECONDS = 3600

        yield Harness(get_backend("local"), hold)
        return
    fake = FakeAc(key=ca_key_source("external-ac", 2048))
    fake.start()

    def hold():
        fake.release_delay = timedelta(hours=1)

    yield Harness(ExternalCa(base_url=fake.url, token=fake.token, timeout=5), hold)
    fake.stop()


def _released(ca: Harness) -> str:
    submission = ca.backend.submit(request_key=uuid.uuid4(), order_number="TS2345ABCD", identity=identity())
    assert submission.status == Submission.RELEASED
    return submission.reference


def test_submitting_the_same_request_twice_gives_one_reference(ca):
    key = uuid.uuid4()

    first = ca.backend.submit(request_key=key, order_number="TS2345ABCD", identity=identity())
    second = ca.backend.submit(request_key=key, order_number="TS2345ABCD", identity=identity())
    other = ca.backend.submit(request_key=uuid.uuid4(), order_number="TS2345ABCE", identity=identity())

    assert first.reference == second.reference != other.reference
    assert ca.backend.poll(first.reference) == first


def test_an_unknown_reference_is_reported_unknown(ca):
    with pytest.raises(CaUnknown):
        ca.backend.poll("NAO-EXISTE-123")


def test_a_request_not_released_yet_is_pending_and_cannot_be_issued(ca):
    ca.hold_releases()

    submission = ca.backend.submit(request_key=uuid.uuid4(), order_number="TS2345ABCD", identity=identity())

    assert submission.status == Submission.PENDING
    assert ca.backend.poll(submission.reference).status == Submission.PENDING
    with pytest.raises(CaRejected):
        ca.backend.issue(reference=submission.reference, csr=csr_for(holder_key()))


def test_issue_signs_the_requesters_key_with_the_submitted_identity(ca):
    reference = _released(ca)
    key = holder_key()

    issued = ca.backend.issue(reference=reference, csr=csr_for(key))

    certificate = issued.certificate
    assert certificate.public_key() == key.public_key()
    certificate.verify_directly_issued_by(issued.chain[0])
    assert certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "MARIA DA SILVA:52998224725"
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == ["maria@exemplo.com.br"]
    assert certificate.not_valid_after_utc > timezone.now() + timedelta(days=300)


def test_a_csr_whose_signature_does_not_verify_is_rejected(ca):
    reference = _released(ca)
    der = bytearray(csr_for(holder_key()).public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01  # the last byte of the signature
    forged = x509.load_der_x509_csr(bytes(der))

    with pytest.raises(CaRejected):
        ca.backend.issue(reference=reference, csr=forged)


def test_a_revocation_reaches_the_crl_and_the_ocsp_answer(ca):
    issued = ca.backend.issue(reference=_released(ca), csr=csr_for(holder_key()))
    certificate, issuer = issued.certificate, issued.chain[0]
    query = ocsp_request(certificate, issuer)
    before = ocsp.load_der_ocsp_response(ca.backend.ocsp_response(query))
    revoked_at = timezone.now().replace(microsecond=0)

    ca.backend.revoke(serial=certificate.serial_number, reason=1, revoked_at=revoked_at)
    ca.backend.revoke(serial=certificate.serial_number, reason=1, revoked_at=revoked_at)  # idempotent

    assert before.certificate_status == ocsp.OCSPCertStatus.GOOD
    crl = x509.load_der_x509_crl(ca.backend.publish_crl())
    assert crl.is_signature_valid(issuer.public_key())
    entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
    assert entry.revocation_date_utc == revoked_at
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.key_compromise
    after = ocsp.load_der_ocsp_response(ca.backend.ocsp_response(query))
    assert after.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert after.revocation_reason == x509.ReasonFlags.key_compromise
    assert after.serial_number == certificate.serial_number


def test_revoking_a_serial_the_ca_never_issued_is_refused(ca):
    with pytest.raises(CaUnknown):
        ca.backend.revoke(serial=x509.random_serial_number(), reason=1, revoked_at=timezone.now())


def test_ocsp_answers_unknown_for_a_serial_never_issued_and_refuses_garbage(ca):
    issued = ca.backend.issue(reference=_released(ca), csr=csr_for(holder_key()))
    real = ocsp.load_der_ocsp_request(ocsp_request(issued.certificate, issued.chain[0]))
    query = (
        ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(
            real.issuer_name_hash,
            real.issuer_key_hash,
            x509.random_serial_number(),
            hashes.SHA1(),  # noqa: S303
        )
        .build()
        .public_bytes(serialization.Encoding.DER)
    )

    unknown = ocsp.load_der_ocsp_response(ca.backend.ocsp_response(query))
    garbage = ocsp.load_der_ocsp_response(ca.backend.ocsp_response(b"isto nao e DER"))

    assert unknown.certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    assert garbage.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
