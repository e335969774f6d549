"""CA private keys at rest: PKCS#8 DER sealed with AES-256-GCM under a key Argon2id derives from CA_KEY_PASSPHRASE.

A stored key is self-describing JSON — format and version, the KDF with its parameters and salt, the cipher with
its nonce, the ciphertext — and that header is the cipher's associated data, so it cannot be altered unnoticed.
Each key records what opens it, so the parameters can grow (CA_KEY_KDF_*) and `manage.py ca_rewrap_keys` re-wraps
the keys made before. Keys stored as PKCS#8 PEM (PBES2 with PBKDF2 at 2,048 rounds, until 2026-12) still open.
"""

import base64
import binascii
import json
import os
from functools import cache

from argon2.exceptions import HashingError
from argon2.low_level import Type, hash_secret_raw
from asn1crypto import keys as asn1_keys
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ImproperlyConfigured

FORMAT = "tecnosign-ca-key"
VERSION = 1
KDF = "argon2id"
CIPHER = "aes-256-gcm"
KDF_PARALLELISM = 4  # lanes; recorded in each key, so it may change later
SALT_BYTES, NONCE_BYTES, KEY_BYTES = 16, 12, 32
LEGACY_PEM = "pkcs8-pem"

# The passphrase policy with DEBUG off (issuance.checks at start-up, `_passphrase()` at every use).
PASSPHRASE_MIN_LENGTH = 20
PASSPHRASE_MIN_DISTINCT_CHARACTERS = 8
# settings.py's value when DEBUG=1: public in the repository, so it protects nothing in production.
DEVELOPMENT_PASSPHRASE = "dev-only-ca-passphrase"  # noqa: S105


class KeyFormatError(ValueError):
    """A stored key this code cannot read (unknown format, version or algorithm, or a damaged record)."""


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(CommonPasswordValidator().passwords)


def passphrase_weakness(value: str) -> str | None:
    """Why `value` may not protect production CA keys, or None when it may."""
    if len(value) < PASSPHRASE_MIN_LENGTH:
        return f"is shorter than {PASSPHRASE_MIN_LENGTH} characters"
    if value == DEVELOPMENT_PASSPHRASE:
        return "is the development default, public in the repository"
    if len(set(value)) < PASSPHRASE_MIN_DISTINCT_CHARACTERS:
        return f"has fewer than {PASSPHRASE_MIN_DISTINCT_CHARACTERS} distinct characters"
    if value.lower().strip() in _common_passwords():
        return "is a common password"
    return None


def _passphrase() -> bytes:
    value = settings.CA_KEY_PASSPHRASE
    if not value:
        raise ImproperlyConfigured("CA_KEY_PASSPHRASE must be set to use the local CA's keys when DEBUG is off.")
    if not settings.DEBUG and (weakness := passphrase_weakness(value)):
        raise ImproperlyConfigured(f"CA_KEY_PASSPHRASE {weakness}: too weak to protect the CA's keys.")
    return value.encode()


def current_kdf_parameters() -> dict[str, int]:
    return {
        "memory_kib": settings.CA_KEY_KDF_MEMORY_KIB,
        "time_cost": settings.CA_KEY_KDF_TIME_COST,
        "parallelism": KDF_PARALLELISM,
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _associated_data(header: dict) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()


def _derive(passphrase: bytes, *, salt: bytes, memory_kib: int, time_cost: int, parallelism: int) -> bytes:
    return hash_secret_raw(
        secret=passphrase,
        salt=salt,
        time_cost=time_cost,
        memory_cost=memory_kib,
        parallelism=parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def encrypt_private_key(key: RSAPrivateKey) -> str:
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    parameters = current_kdf_parameters()
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "kdf": {"name": KDF, **parameters, "salt": _b64(salt)},
        "cipher": {"name": CIPHER, "nonce": _b64(nonce)},
    }
    sealing_key = _derive(_passphrase(), salt=salt, **parameters)
    ciphertext = AESGCM(sealing_key).encrypt(nonce, der, _associated_data(header))
    return json.dumps({**header, "ciphertext": _b64(ciphertext)}, sort_keys=True)


def _parse(stored: str) -> tuple[dict, bytes]:
    """The header and ciphertext of a key in the current format; KeyFormatError for anything else."""
    try:
        record = json.loads(stored)
        header = {name: record[name] for name in ("format", "version", "kdf", "cipher")}
        ciphertext = _unb64(record["ciphertext"])
        kdf, cipher = header["kdf"], header["cipher"]
        valid = (
            header["format"] == FORMAT
            and header["version"] == VERSION
            and kdf["name"] == KDF
            and cipher["name"] == CIPHER
            and all(type(kdf[name]) is int and kdf[name] > 0 for name in ("memory_kib", "time_cost", "parallelism"))
            and len(_unb64(kdf["salt"])) >= SALT_BYTES
            and len(_unb64(cipher["nonce"])) == NONCE_BYTES
        )
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise KeyFormatError(f"not a stored CA key: {error}") from None
    if not valid:
        raise KeyFormatError("a stored CA key of an unknown format, version or algorithm")
    return header, ciphertext


def _is_legacy(stored: str) -> bool:
    return stored.lstrip().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")


def decrypt_private_key(stored: str) -> RSAPrivateKey:
    """Raises ValueError when the passphrase does not open the key (or the record is not a key)."""
    if _is_legacy(stored):
        key = serialization.load_pem_private_key(stored.encode(), password=_passphrase())
    else:
        header, ciphertext = _parse(stored)
        kdf = header["kdf"]
        try:
            sealing_key = _derive(
                _passphrase(),
                salt=_unb64(kdf["salt"]),
                memory_kib=kdf["memory_kib"],
                time_cost=kdf["time_cost"],
                parallelism=kdf["parallelism"],
            )
            der = AESGCM(sealing_key).decrypt(_unb64(header["cipher"]["nonce"]), ciphertext, _associated_data(header))
        except HashingError as error:  # parameters Argon2 refuses (a damaged record)
            raise KeyFormatError(f"the stored key's KDF parameters are unusable: {error}") from None
        except InvalidTag:
            raise ValueError("the passphrase does not open the key, or the record was altered") from None
        key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("the local CA signs with RSA keys only")
    return key


def key_protection(stored: str) -> dict:
    """How a stored key is protected, without secrets (the audit trail's before/after of a re-wrap)."""
    if _is_legacy(stored):
        algorithm = asn1_keys.EncryptedPrivateKeyInfo.load(_pem_body(stored))["encryption_algorithm"]
        return {"format": LEGACY_PEM, "kdf": algorithm.kdf, "iterations": algorithm.kdf_iterations}
    header, _ = _parse(stored)
    kdf = {name: value for name, value in header["kdf"].items() if name != "salt"}
    return {"format": f"{FORMAT}/v{header['version']}", "kdf": kdf, "cipher": header["cipher"]["name"]}


def _pem_body(pem: str) -> bytes:
    lines = [line for line in pem.strip().splitlines() if not line.startswith("-----")]
    return base64.b64decode("".join(lines))


def key_needs_rewrap(stored: str) -> bool:
    """A legacy PEM key, or one sealed with other KDF parameters than the current settings."""
    if _is_legacy(stored):
        return True
    header, _ = _parse(stored)
    return {name: header["kdf"][name] for name in ("memory_kib", "time_cost", "parallelism")} != (
        current_kdf_parameters()
    )
