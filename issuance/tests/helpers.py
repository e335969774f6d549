import shutil
import subprocess
from datetime import date

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from issuance.pki.names import HolderIdentity

_keys: list = []


def holder_key():
    """One RSA-2048 key reused by the tests that only need *a* holder key (generation is the slow part)."""
    if not _keys:
        _keys.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _keys[0]


def csr_for(key) -> x509.CertificateSigningRequest:
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "teste")]))
        .sign(key, hashes.SHA256())
    )


def identity(**overrides) -> HolderIdentity:
    data = dict(
        holder_type="cpf",
        person_name="Maria da Silva",
        person_cpf="52998224725",
        person_birth_date=date(1985, 4, 12),
        email="maria@exemplo.com.br",
        policy_oid="2.16.76.1.2.1.133",
        validity_months=12,
    )
    return HolderIdentity(**{**data, **overrides})


def ocsp_request(cert: x509.Certificate, issuer: x509.Certificate, *, nonce: bytes | None = None) -> bytes:
    # SHA-1 CertIDs are what OCSP clients send by default (openssl among them).
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1())  # noqa: S303
    if nonce:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def openssl(*args: str) -> subprocess.CompletedProcess:
    """Run the system's openssl (scripts/system-deps.sh installs it) and return what it said."""
    binary = shutil.which("openssl")
    assert binary, "openssl is not installed (scripts/system-deps.sh)"
    return subprocess.run([binary, *args], capture_output=True, text=True, check=False)  # noqa: S603 (our args)
