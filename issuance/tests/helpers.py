import base64
import shutil
import subprocess
from datetime import date

from asn1crypto import csr as asn1_csr
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from issuance.pki.names import HolderIdentity
from issuance.services.a1 import A1Issued, a1_check_issuable, a1_delivery, a1_issue_from_csr
from issuance.services.issue import issuance_password_check
from tecnosign.audit.services import Actor

ISSUANCE_PASSWORD = "Emissao#2026"  # the order factory's
HOLDER_CN = "MARIA DA SILVA:52998224725"  # the order factory's holder, as DOC-ICP-04 writes it
CUSTOMER = Actor(label="cliente", ip="198.51.100.20")
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


# -- certificate requests as a token or a browser makes them, and as an attacker would ---------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def csr_pem(key, common_name: str = HOLDER_CN) -> str:
    csr = x509.CertificateSigningRequestBuilder().subject_name(_name(common_name)).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def sha1_csr_pem(key, common_name: str = HOLDER_CN) -> str:
    """A request signed with SHA-1, which old tools still make (`cryptography` refuses to: assembled by hand)."""
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    info = asn1_csr.CertificationRequestInfo(
        {
            "version": "v1",
            "subject": asn1_x509.Name.load(_name(common_name).public_bytes()),
            "subject_pk_info": asn1_keys.PublicKeyInfo.load(spki),
            "attributes": [],
        }
    )
    signature = key.sign(info.dump(), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 (the weak hash is the point)
    request = asn1_csr.CertificationRequest(
        {"certification_request_info": info, "signature_algorithm": {"algorithm": "sha1_rsa"}, "signature": signature}
    )
    return _pem(request.dump())


def _pem(der: bytes) -> str:
    body = base64.encodebytes(der).decode()
    return f"-----BEGIN CERTIFICATE REQUEST-----\n{body}-----END CERTIFICATE REQUEST-----\n"


def with_broken_signature(pem: str) -> str:
    """The same request with one bit of its signature flipped: it still parses, it no longer verifies."""
    der = bytearray(x509.load_pem_x509_csr(pem.encode()).public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01
    return _pem(bytes(der))


# -- A1: what the issuance page's script does, in Python (tecnosign/tests/e2e drives the real page in Chromium) ----


_NAME_OIDS = {
    "C": NameOID.COUNTRY_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "CN": NameOID.COMMON_NAME,
}


def browser_key() -> rsa.RSAPrivateKey:
    """A fresh RSA-2048 key, as the page makes one per issuance (a key is certified once)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def browser_csr(order, key=None) -> tuple[rsa.RSAPrivateKey, str]:
    """A key and its PKCS#10 (PEM) with the subject the portal gives the page, signed with SHA-256."""
    key = key or browser_key()
    name = x509.Name(
        [x509.NameAttribute(_NAME_OIDS[attribute], value) for attribute, value in a1_delivery(order).subject]
    )
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return key, csr.public_bytes(serialization.Encoding.PEM).decode()


def a1_issue_as_customer(
    order, *, password: str = ISSUANCE_PASSWORD, actor: Actor = CUSTOMER
) -> tuple[rsa.RSAPrivateKey, A1Issued]:
    """The page's two steps through the services: the issuance password, then the request of a key made here."""
    issuance_password_check(request=a1_check_issuable(order), order=order, password=password, actor=actor)
    key, csr = browser_csr(order)
    return key, a1_issue_from_csr(order=order, csr_pem=csr, actor=actor)


def a1_authorise(client, order, password: str = ISSUANCE_PASSWORD):
    return client.post(
        f"/pedido/{order.number}/emitir/autorizar/", {"password": password}, content_type="application/json"
    )


def a1_send_csr(client, order, csr: str):
    return client.post(f"/pedido/{order.number}/emitir/csr/", {"csr": csr}, content_type="application/json")


def a1_issue_through_the_page(client, order, password: str = ISSUANCE_PASSWORD):
    """The page's two calls with Django's client: (the key made here, the CSR endpoint's answer)."""
    authorised = a1_authorise(client, order, password)
    if authorised.status_code != 200:
        return None, authorised
    key, csr = browser_csr(order)
    return key, a1_send_csr(client, order, csr)
