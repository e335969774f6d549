"""The A1 delivery: key, certificate and chain in one PKCS#12 (PBES2: AES-256-CBC + PBKDF2-SHA256)."""

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12


def a1_bundle(
    *,
    key: RSAPrivateKey,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    password: str,
    friendly_name: str,
    kdf_rounds: int,
) -> bytes:
    encryption = (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(kdf_rounds)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode())
    )
    return pkcs12.serialize_key_and_certificates(
        name=friendly_name.encode(), key=key, cert=certificate, cas=chain, encryption_algorithm=encryption
    )
