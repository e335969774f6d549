"""CA private keys at rest: PKCS#8 PEM encrypted with CA_KEY_PASSPHRASE (AES-256-CBC, PBKDF2)."""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _passphrase() -> bytes:
    value = settings.CA_KEY_PASSPHRASE
    if not value:
        raise ImproperlyConfigured("CA_KEY_PASSPHRASE must be set to use the local CA's keys when DEBUG is off.")
    return value.encode()


def encrypt_private_key(key: RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_passphrase()),
    ).decode()


def decrypt_private_key(pem: str) -> RSAPrivateKey:
    """Raises ValueError when the passphrase does not open the key."""
    key = serialization.load_pem_private_key(pem.encode(), password=_passphrase())
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("the local CA signs with RSA keys only")
    return key
