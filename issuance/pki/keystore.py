"""Where the local CA's private keys live (CA_KEY_STORE), so that every node of a cluster signs with the same keys
and none of them depends on a file only one machine has.

- "database": sealed in the CertificateAuthority row (issuance.pki.keys), the default.
- "secret": one file per authority, `<slug>.key` in CA_KEYS_DIR — a Kubernetes Secret mounted read-only in every
  pod — sealed as in the database (Argon2id + AES-256-GCM under CA_KEY_PASSPHRASE; a PKCS#8 PEM encrypted with the
  passphrase also opens). `manage.py ca_init --export-keys DIR` writes them. `cryptography` writes encrypted PKCS#8
  only with PBKDF2 at 2,048 rounds, which this project already retired (issuance.pki.keys), hence the sealed record.
- "pkcs11": RSA keys generated on an HSM token by `ca_init`, sensitive and non-extractable; certificates, CRLs and
  OCSP responses are signed on the token. The row then holds only a reference (token label and CKA_ID).

The token's key is wrapped as a `cryptography` RSAPrivateKey whose `sign()` calls C_Sign, rather than signing the
TBS bytes over PKCS#11 and assembling the DER ourselves: `cryptography`'s builders call `key.sign(data, padding,
hash)` on any RSAPrivateKey, so the certificate, CRL and OCSP code stays as it is and no ASN.1 is hand-assembled.
"""

import json
import os
import threading
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .keys import decrypt_private_key, encrypt_private_key

STORES = ("database", "secret", "pkcs11")
REFERENCE_FORMAT = "tecnosign-ca-key-ref"


class CaNotReady(ImproperlyConfigured):
    """The local CA cannot sign: a deployment fault (no `ca_init`, a wrong passphrase, no token), staff's to fix."""


class KeyUnavailable(ValueError):
    """The key is not where its store says (no file in CA_KEYS_DIR, no object on the token)."""


def store_name() -> str:
    store = settings.CA_KEY_STORE
    if store not in STORES:
        raise ImproperlyConfigured(f"CA_KEY_STORE must be one of {', '.join(STORES)}, not {store!r}.")
    return store


# --- references kept in the row instead of a sealed key -------------------------------------------------------


def reference(store: str, **fields) -> str:
    return json.dumps({"format": REFERENCE_FORMAT, "version": 1, "store": store, **fields}, sort_keys=True)


def parse_reference(stored: str) -> dict | None:
    """The reference a row holds, or None when the row holds a sealed key."""
    if not stored.lstrip().startswith("{"):
        return None
    try:
        record = json.loads(stored)
    except ValueError:
        return None
    return record if isinstance(record, dict) and record.get("format") == REFERENCE_FORMAT else None


# --- "secret": encrypted PEM files in a read-only directory ---------------------------------------------------


def secret_file_name(slug: str) -> str:
    return f"{slug}.key"


def write_secret_file(directory: Path, slug: str, key: RSAPrivateKey) -> Path:
    """The key sealed as in the database (Argon2id + AES-256-GCM under CA_KEY_PASSPHRASE), mode 0600."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / secret_file_name(slug)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(encrypt_private_key(key))
    return path


def load_secret_key(slug: str) -> RSAPrivateKey:
    """Reads `<slug>.key` from CA_KEYS_DIR: a sealed record, or a PKCS#8 PEM encrypted with CA_KEY_PASSPHRASE."""
    if not settings.CA_KEYS_DIR:
        raise ImproperlyConfigured("CA_KEY_STORE=secret needs CA_KEYS_DIR (the mounted Secret's directory).")
    path = Path(settings.CA_KEYS_DIR) / secret_file_name(slug)
    try:
        stored = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyUnavailable(f"{path} is missing from the mounted CA key Secret") from None
    return decrypt_private_key(stored)  # ValueError: the passphrase does not open it


# --- "pkcs11": keys on an HSM token ---------------------------------------------------------------------------

_HASH_MECHANISMS = {"sha256": "SHA256_RSA_PKCS", "sha384": "SHA384_RSA_PKCS", "sha512": "SHA512_RSA_PKCS"}
_token_lock = threading.Lock()
_token_state: dict = {"pid": None, "session": None, "lib": None}


def _pin() -> str:
    if not settings.CA_PKCS11_PIN:
        raise ImproperlyConfigured("CA_KEY_STORE=pkcs11 needs CA_PKCS11_PIN or CA_PKCS11_PIN_FILE.")
    return settings.CA_PKCS11_PIN


def _session():
    """One logged-in session per process (opened again after a fork: PKCS#11 handles do not survive one)."""
    import pkcs11

    if _token_state["session"] is not None and _token_state["pid"] == os.getpid():
        return _token_state["session"]
    if not (settings.CA_PKCS11_MODULE and settings.CA_PKCS11_TOKEN_LABEL):
        raise ImproperlyConfigured("CA_KEY_STORE=pkcs11 needs CA_PKCS11_MODULE and CA_PKCS11_TOKEN_LABEL.")
    lib = pkcs11.lib(settings.CA_PKCS11_MODULE)
    if _token_state["pid"] is not None:  # forked, or reset: the module must start afresh in this process
        lib.reinitialize()
    try:
        token = lib.get_token(token_label=settings.CA_PKCS11_TOKEN_LABEL)
        session = token.open(user_pin=_pin(), rw=True)
    except (pkcs11.PKCS11Error, pkcs11.NoSuchToken) as exc:
        raise CaNotReady(
            f"cannot log in to PKCS#11 token {settings.CA_PKCS11_TOKEN_LABEL!r}: {type(exc).__name__}"
        ) from exc
    _token_state.update(pid=os.getpid(), session=session, lib=lib)
    return session


def reset_token_session() -> None:
    """Forget the session (tests that point SOFTHSM2_CONF elsewhere; the next use re-initialises the module)."""
    with _token_lock:
        _token_state.update(session=None, pid=_token_state["pid"] or -1)


class TokenRsaPrivateKey(RSAPrivateKey):
    """An RSA private key that stays on the token: `sign()` runs C_Sign there; it cannot be exported."""

    def __init__(self, key_id: bytes, public: RSAPublicKey):
        self.key_id = key_id
        self._public = public

    def sign(self, data: bytes, padding, algorithm) -> bytes:
        import pkcs11
        from pkcs11 import Mechanism, ObjectClass

        if not isinstance(padding, asym_padding.PKCS1v15) or not isinstance(algorithm, hashes.HashAlgorithm):
            raise UnsupportedAlgorithm("the token signs PKCS#1 v1.5 with SHA-2 only")
        mechanism = _HASH_MECHANISMS.get(algorithm.name)
        if mechanism is None:
            raise UnsupportedAlgorithm(f"the token does not sign with {algorithm.name}")
        for attempt in (1, 2):
            with _token_lock:
                session = _session()
                try:
                    key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=self.key_id)
                    return key.sign(data, mechanism=getattr(Mechanism, mechanism))
                except (pkcs11.NoSuchKey, pkcs11.MultipleObjectsReturned) as exc:
                    raise CaNotReady(f"no single private key with id {self.key_id.hex()} on the token") from exc
                except pkcs11.PKCS11Error as exc:  # a session the HSM dropped (restart, fail-over): log in again once
                    _token_state["session"] = None
                    if attempt == 2:
                        raise CaNotReady(f"the HSM token did not sign: {type(exc).__name__}") from exc
        raise AssertionError("unreachable")

    @property
    def key_size(self) -> int:
        return self._public.key_size

    def public_key(self) -> RSAPublicKey:
        return self._public

    def decrypt(self, ciphertext: bytes, padding) -> bytes:
        raise UnsupportedAlgorithm("the CA's token keys only sign")

    def private_numbers(self):
        raise TypeError("the key is non-extractable: it never leaves the token")

    def private_bytes(self, encoding, format, encryption_algorithm):
        raise TypeError("the key is non-extractable: it never leaves the token")

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


def _public_from_token(session, key_id: bytes) -> RSAPublicKey:
    from pkcs11 import Attribute, ObjectClass

    public = session.get_key(object_class=ObjectClass.PUBLIC_KEY, id=key_id)
    modulus = int.from_bytes(public[Attribute.MODULUS], "big")
    exponent = int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big")
    return rsa.RSAPublicNumbers(exponent, modulus).public_key()


def generate_on_token(label: str, size: int) -> tuple[TokenRsaPrivateKey, str]:
    """A new RSA key pair on the token (private half sensitive, non-extractable); the key and the row's reference."""
    from pkcs11 import Attribute, KeyType

    key_id = os.urandom(16)
    with _token_lock:
        session = _session()
        session.generate_keypair(
            KeyType.RSA,
            size,
            id=key_id,
            label=label,
            store=True,
            public_template={Attribute.VERIFY: True, Attribute.ENCRYPT: False, Attribute.WRAP: False},
            private_template={
                Attribute.PRIVATE: True,
                Attribute.SENSITIVE: True,
                Attribute.EXTRACTABLE: False,
                Attribute.SIGN: True,
                Attribute.DECRYPT: False,
                Attribute.UNWRAP: False,
            },
        )
        public = _public_from_token(session, key_id)
    stored = reference("pkcs11", token=settings.CA_PKCS11_TOKEN_LABEL, id=key_id.hex(), label=label)
    return TokenRsaPrivateKey(key_id, public), stored


def load_token_key(record: dict) -> TokenRsaPrivateKey:
    import pkcs11

    key_id = bytes.fromhex(record["id"])
    with _token_lock:
        session = _session()
        try:
            public = _public_from_token(session, key_id)
        except (pkcs11.NoSuchKey, pkcs11.MultipleObjectsReturned) as exc:
            raise KeyUnavailable(f"no key with id {record['id']} on token {record.get('token')!r}") from exc
    return TokenRsaPrivateKey(key_id, public)
