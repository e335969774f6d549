"""OCSP responses (RFC 6960) for one CA, signed by that CA or by its delegated responder."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.x509 import ocsp

from .crl import REASON_FLAGS


@dataclass(frozen=True)
class CertificateState:
    """What the CA knows of a serial: "good", "revoked" (with time and RFC 5280 reason) or "unknown"."""

    status: str
    revoked_at: datetime | None = None
    reason: int | None = None


def issuer_hashes(issuer_cert: x509.Certificate, algorithm: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    """CertID's issuerNameHash and issuerKeyHash (RFC 6960 §4.1.1) of `issuer_cert` under `algorithm`."""
    name = issuer_cert.subject.public_bytes()
    # The hash covers the subjectPublicKey BIT STRING's content, which for RSA is the PKCS#1 RSAPublicKey.
    key = issuer_cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return hashlib.new(algorithm.name, name).digest(), hashlib.new(algorithm.name, key).digest()


_STATUS = {"good": ocsp.OCSPCertStatus.GOOD, "revoked": ocsp.OCSPCertStatus.REVOKED}


def build_response(
    *,
    request: ocsp.OCSPRequest,
    state: CertificateState,
    responder_cert: x509.Certificate,
    responder_key: RSAPrivateKey,
    delegated: bool,
    this_update: datetime,
    next_update: datetime,
) -> bytes:
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=request.issuer_name_hash,
        issuer_key_hash=request.issuer_key_hash,
        serial_number=request.serial_number,
        algorithm=request.hash_algorithm,
        cert_status=_STATUS.get(state.status, ocsp.OCSPCertStatus.UNKNOWN),
        this_update=this_update,
        next_update=next_update,
        revocation_time=state.revoked_at if state.status == "revoked" else None,
        revocation_reason=REASON_FLAGS[state.reason] if state.status == "revoked" and state.reason else None,
    )
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, responder_cert)
    if delegated:
        # A delegated responder's certificate travels with the response so the client can check it (§4.2.2.2).
        builder = builder.certificates([responder_cert])
    try:
        nonce = request.extensions.get_extension_for_class(x509.OCSPNonce)
    except x509.ExtensionNotFound:
        pass
    else:
        builder = builder.add_extension(nonce.value, critical=False)
    return builder.sign(responder_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)
