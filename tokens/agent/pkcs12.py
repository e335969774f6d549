"""The A1 file the agent writes: key, certificate and chain in one PKCS#12 (PBES2: AES-256-CBC + PBKDF2-SHA256,
SHA-256 MAC) — the same protection the issuance page's PKI.js gives the file it makes in the browser.

cryptography (50) writes the MAC with 2,048 iterations whatever `kdf_rounds` says (the count is fixed in its Rust
serializer), so a password guess checked against the MAC would cost a fraction of one checked against the key bag.
`a1_bundle` therefore recomputes the MAC over the same contents with `kdf_rounds` iterations: HMAC-SHA256 keyed by
RFC 7292's PKCS#12 KDF (appendix B.2), as OpenSSL and Windows verify it.
"""

import hashlib
import hmac
import os

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12

MAC_SALT_BYTES = 16
_MAC_KEY_ID = 3  # RFC 7292 B.3: the diversifier of MAC keys
_SHA256_BLOCK = 64  # v in RFC 7292 B.2


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
    bundle = pkcs12.serialize_key_and_certificates(
        name=friendly_name.encode(), key=key, cert=certificate, cas=chain, encryption_algorithm=encryption
    )
    return with_mac_iterations(bundle, password=password, iterations=kdf_rounds)


def pkcs12_mac_key(password: str, salt: bytes, iterations: int) -> bytes:
    """RFC 7292 B.2 with SHA-256 for a 32-byte MAC key: one hash block long, so one round of the KDF.

    The password is a BMPString with its two-byte terminator (UTF-16BE), as OpenSSL encodes a UTF-8 one.
    """
    block = _SHA256_BLOCK

    def repeat_to_blocks(data: bytes) -> bytes:
        size = block * -(-len(data) // block)
        return (data * (size // len(data) + 1))[:size]

    secret = password.encode("utf-16-be") + b"\x00\x00"
    digest = hashlib.sha256(bytes([_MAC_KEY_ID]) * block + repeat_to_blocks(salt) + repeat_to_blocks(secret)).digest()
    for _ in range(iterations - 1):
        digest = hashlib.sha256(digest).digest()
    return digest


def with_mac_iterations(bundle: bytes, *, password: str, iterations: int, salt: bytes | None = None) -> bytes:
    """`bundle` with its MAC recomputed (HMAC-SHA256, a fresh salt) at `iterations`; the contents are untouched."""
    pfx = asn1_pkcs12.Pfx.load(bundle)
    salt = os.urandom(MAC_SALT_BYTES) if salt is None else salt
    authenticated = pfx["auth_safe"]["content"].contents
    digest = hmac.new(pkcs12_mac_key(password, salt, iterations), authenticated, hashlib.sha256).digest()
    mac_data = asn1_pkcs12.MacData(
        {
            "mac": {"digest_algorithm": {"algorithm": "sha256"}, "digest": digest},
            "mac_salt": salt,
            "iterations": iterations,
        }
    )
    return asn1_pkcs12.Pfx({"version": "v3", "auth_safe": pfx["auth_safe"], "mac_data": mac_data}).dump()
