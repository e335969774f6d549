"""The embedded CA: the default for `make run` and the tests, and a working model of what a real AC does.

It keeps its own records (LocalCaSubmission, LocalCaCertificate) apart from the portal's, exactly as an
external AC would, so the portal code above the interface cannot tell them apart.
"""

import time
import uuid
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.x509 import ocsp
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from orders.validity import certificate_validity

from ..models import CertificateAuthority, LocalCaCertificate, LocalCaSubmission, NegativeListEntry
from ..pki import ocsp as ocsp_pki
from ..pki.crl import RevokedEntry, build_crl
from ..pki.names import HolderIdentity
from ..pki.profile import holder_certificate
from ..services.authority import active_authority, publication_urls, signing_material
from .base import CaBackend, CaRejected, CaUnknown, IssuedCertificate, NegativeListAnswer, Submission

Role = CertificateAuthority.Role
MIN_HOLDER_KEY_BITS = 2048
MAX_OCSP_REQUEST_BYTES = 10_000

_certificates: dict[str, x509.Certificate] = {}
_ocsp_hashes: dict[tuple[str, str], tuple[bytes, bytes]] = {}
_authorities_cache: list = []
AUTHORITIES_TTL = 60


def _certificate(authority: CertificateAuthority) -> x509.Certificate:
    cert = _certificates.get(authority.fingerprint_sha256)
    if cert is None:
        cert = _certificates[authority.fingerprint_sha256] = x509.load_pem_x509_certificate(
            authority.certificate_pem.encode()
        )
    return cert


def _ocsp_authorities() -> list[CertificateAuthority]:
    """Issuing CAs and active responders, re-read at most every AUTHORITIES_TTL seconds: they change only
    when ca_init runs (which empties the cache through post_save), while the responder answers many requests
    a second."""
    now = time.monotonic()
    if _authorities_cache and now - _authorities_cache[0] < AUTHORITIES_TTL:
        return _authorities_cache[1]
    authorities = list(
        CertificateAuthority.objects.filter(Q(role=Role.ISSUING) | Q(role=Role.OCSP, active=True)).order_by("pk")
    )
    _authorities_cache[:] = [now, authorities]
    return authorities


@receiver(post_save, sender=CertificateAuthority, dispatch_uid="local-ca-authorities-changed")
def _authorities_changed(**kwargs) -> None:
    _authorities_cache.clear()


def _serial_hex(serial: int) -> str:
    return format(serial, "X")


class LocalCa(CaBackend):
    name = "local"

    # -- hand-off ------------------------------------------------------------------------------------

    def submit(self, *, request_key: uuid.UUID, order_number: str, identity: HolderIdentity) -> Submission:
        now = timezone.now()
        try:
            with transaction.atomic():
                submission = LocalCaSubmission.objects.create(
                    request_key=request_key,
                    reference=f"LOCAL-{uuid.uuid4().hex[:20].upper()}",
                    identity=identity.as_json(),
                    received_at=now,
                    release_at=now + timedelta(seconds=settings.LOCAL_CA_RELEASE_DELAY_SECONDS),
                )
        except IntegrityError:
            submission = LocalCaSubmission.objects.get(request_key=request_key)
        return self._state(submission)

    def poll(self, reference: str) -> Submission:
        return self._state(self._submission(reference))

    # -- the Lista Negativa ---------------------------------------------------------------------------

    def negative_list_check(self, *, cpf: str, cnpj: str = "") -> NegativeListAnswer:
        documents = [document for document in (cpf, cnpj) if document]
        entry = NegativeListEntry.objects.filter(document__in=documents, removed_at__isnull=True).order_by("pk").first()
        reference = f"LN-LOCAL-{uuid.uuid4().hex[:16].upper()}"
        if entry is None:
            return NegativeListAnswer(listed=False, reference=reference)
        return NegativeListAnswer(listed=True, reference=reference, reason=entry.reason)

    @staticmethod
    def _submission(reference: str) -> LocalCaSubmission:
        submission = LocalCaSubmission.objects.filter(reference=reference).first()
        if submission is None:
            raise CaUnknown(f"unknown reference {reference!r}")
        return submission

    @staticmethod
    def _state(submission: LocalCaSubmission) -> Submission:
        released = timezone.now() >= submission.release_at
        return Submission(submission.reference, Submission.RELEASED if released else Submission.PENDING)

    # -- issuance ------------------------------------------------------------------------------------

    def issuing_ca_name(self) -> str:
        return active_authority(Role.ISSUING).name

    def issue(self, *, reference: str, csr: x509.CertificateSigningRequest) -> IssuedCertificate:
        submission = self._submission(reference)
        if timezone.now() < submission.release_at:
            raise CaRejected(f"request {reference} is not released yet")
        if not csr.is_signature_valid:
            raise CaRejected("the CSR's signature does not verify: the requester does not hold the key")
        public_key = csr.public_key()
        if not isinstance(public_key, RSAPublicKey) or public_key.key_size < MIN_HOLDER_KEY_BITS:
            raise CaRejected(f"holder keys must be RSA of at least {MIN_HOLDER_KEY_BITS} bits")
        identity = HolderIdentity.from_json(submission.identity)
        now = timezone.now().replace(microsecond=0)
        issuing = active_authority(Role.ISSUING)
        material = signing_material(issuing)
        # The product's months from today, capped at the end of the V5 chain (orders.validity) and the issuer.
        local_now = timezone.localtime(now)
        validity = certificate_validity(identity.validity_months, start=local_now.date())
        nominal_end = timezone.make_aware(datetime.combine(validity.end, local_now.time()))
        not_after = min(nominal_end, issuing.not_after)
        serial = x509.random_serial_number()
        certificate = holder_certificate(
            identity=identity,
            public_key=public_key,
            issuer_cert=material.certificate,
            issuer_key=material.key,
            issuing_ca_name=issuing.name,
            ar_cnpj=settings.ICP_AR_CNPJ,
            serial=serial,
            not_before=now,
            not_after=not_after,
            urls=publication_urls(issuing),
        )
        LocalCaCertificate.objects.create(
            authority=issuing, serial=_serial_hex(serial), submission=submission, not_after=not_after, issued_at=now
        )
        return IssuedCertificate(certificate=certificate, chain=[material.certificate, _certificate(issuing.parent)])

    # -- revocation and publication ------------------------------------------------------------------

    def revoke(self, *, serial: int, reason: int, revoked_at: datetime) -> None:
        entry = LocalCaCertificate.objects.filter(serial=_serial_hex(serial)).only("pk").first()
        if entry is None:
            raise CaUnknown(f"serial {_serial_hex(serial)} was not issued by the local CA")
        # Idempotent: the first revocation's time and reason stand.
        LocalCaCertificate.objects.filter(pk=entry.pk, revoked_at__isnull=True).update(
            revoked_at=revoked_at, reason=reason
        )

    def publish_crl(self) -> bytes:
        issuing = active_authority(Role.ISSUING)
        material = signing_material(issuing)
        with transaction.atomic():
            # The row lock orders concurrent publications, so CRL numbers only ever grow (RFC 5280 §5.2.3).
            CertificateAuthority.objects.filter(pk=issuing.pk).update(crl_number=F("crl_number") + 1)
            number = (
                CertificateAuthority.objects.select_for_update().values_list("crl_number", flat=True).get(pk=issuing.pk)
            )
            now = timezone.now().replace(microsecond=0)
            rows = (
                LocalCaCertificate.objects.filter(authority=issuing, revoked_at__isnull=False)
                .values_list("serial", "revoked_at", "reason")
                .iterator(chunk_size=20_000)
            )
            crl = build_crl(
                issuer_cert=material.certificate,
                issuer_key=material.key,
                number=number,
                this_update=now,
                next_update=now + timedelta(hours=settings.CRL_NEXT_UPDATE_HOURS),
                entries=(RevokedEntry(int(serial, 16), revoked_at, reason) for serial, revoked_at, reason in rows),
            )
        return crl.public_bytes(serialization.Encoding.DER)

    def ocsp_response(self, request_der: bytes) -> bytes:
        if len(request_der) > MAX_OCSP_REQUEST_BYTES:
            return ocsp_pki.unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        try:
            request = ocsp.load_der_ocsp_request(request_der)
            algorithm = request.hash_algorithm
        except (ValueError, UnsupportedAlgorithm):
            return ocsp_pki.unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        authorities = _ocsp_authorities()
        issuer = next(
            (
                ca
                for ca in authorities
                if ca.role == Role.ISSUING
                and self._hashes(ca, algorithm) == (request.issuer_name_hash, request.issuer_key_hash)
            ),
            None,
        )
        if issuer is None:
            # RFC 6960 §2.3: a request about a CA we do not serve.
            return ocsp_pki.unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        entry = (
            LocalCaCertificate.objects.filter(authority=issuer, serial=_serial_hex(request.serial_number))
            .values_list("revoked_at", "reason")
            .first()
        )
        if entry is None:
            state = ocsp_pki.CertificateState("unknown")
        elif entry[0] is None:
            state = ocsp_pki.CertificateState("good")
        else:
            state = ocsp_pki.CertificateState("revoked", revoked_at=entry[0], reason=entry[1])
        responder = next((ca for ca in authorities if ca.role == Role.OCSP and ca.parent_id == issuer.pk), None)
        signer = signing_material(responder or issuer)
        now = timezone.now().replace(microsecond=0)
        return ocsp_pki.build_response(
            request=request,
            state=state,
            responder_cert=signer.certificate,
            responder_key=signer.key,
            delegated=responder is not None,
            this_update=now,
            next_update=now + timedelta(minutes=settings.OCSP_NEXT_UPDATE_MINUTES),
        )

    @staticmethod
    def _hashes(authority: CertificateAuthority, algorithm) -> tuple[bytes, bytes]:
        cache_key = (authority.fingerprint_sha256, algorithm.name)
        hashes = _ocsp_hashes.get(cache_key)
        if hashes is None:
            hashes = _ocsp_hashes[cache_key] = ocsp_pki.issuer_hashes(_certificate(authority), algorithm)
        return hashes
