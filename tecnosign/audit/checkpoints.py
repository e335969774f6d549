"""Signed checkpoints of the audit chain's head: the keys, and the file format.

A checkpoint is the head (position and hash) at a moment, signed with an Ed25519 key the database never sees.
Whoever owns the tables can rewrite an event and recompute the keyless chain after it, but not the checkpoint
taken before: the event at that position no longer has the signed hash. Only the public key is needed to
verify, so an auditor can check the log without being able to sign.
"""

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FORMAT_VERSION = 1
# Domain separation: a signature made for a checkpoint means nothing anywhere else.
SIGNED_PREFIX = b"tecnosign-audit-checkpoint\n"


class CheckpointInvalid(Exception):
    """A stored checkpoint that cannot be trusted: unreadable, or not signed by a verify key."""


@dataclass(frozen=True)
class Checkpoint:
    name: str
    position: int
    hash: str
    at: str


def checkpoint_name(position: int) -> str:
    # Zero-padded, so the names sort by position and one name holds one position (a second write is refused).
    return f"{position:012d}.json"


def _key_material(value: str) -> bytes:
    """PEM bytes, or the raw 32 bytes, from a PEM value, a path to a key file, or base64 of the raw key."""
    value = value.strip()
    if not value.startswith("-----BEGIN"):
        try:
            if Path(value).is_file():
                value = Path(value).read_text().strip()
        except OSError:  # a base64 value too long to be a file name
            pass
    if value.startswith("-----BEGIN"):
        return value.encode()
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error as error:
        raise ValueError("not a PEM key, a key file, nor a base64 raw key") from error
    if len(raw) != 32:
        raise ValueError("a raw Ed25519 key has 32 bytes")
    return raw


def load_signing_key(value: str) -> Ed25519PrivateKey:
    material = _key_material(value)
    if len(material) == 32:
        return Ed25519PrivateKey.from_private_bytes(material)
    try:
        key = serialization.load_pem_private_key(material, password=None)
    except (TypeError, UnsupportedAlgorithm) as error:  # encrypted, or a key type this build cannot read
        raise ValueError(str(error)) from error
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def load_verify_key(value: str) -> Ed25519PublicKey:
    material = _key_material(value)
    if len(material) == 32:
        return Ed25519PublicKey.from_public_bytes(material)
    try:
        key = serialization.load_pem_public_key(material)
    except UnsupportedAlgorithm as error:
        raise ValueError(str(error)) from error
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def signing_key() -> Ed25519PrivateKey:
    if not settings.AUDIT_CHECKPOINT_SIGNING_KEY:
        raise ImproperlyConfigured("AUDIT_CHECKPOINT_SIGNING_KEY is not set: audit checkpoints cannot be signed.")
    try:
        return load_signing_key(settings.AUDIT_CHECKPOINT_SIGNING_KEY)
    except ValueError as error:
        raise ImproperlyConfigured(f"AUDIT_CHECKPOINT_SIGNING_KEY: {error}") from error


def verify_keys() -> dict[str, Ed25519PublicKey]:
    """The public keys checkpoints are checked with, by key id: the configured ones, else the signing key's."""
    try:
        if settings.AUDIT_CHECKPOINT_VERIFY_KEY:
            keys = [load_verify_key(value) for value in settings.AUDIT_CHECKPOINT_VERIFY_KEY]
        elif settings.AUDIT_CHECKPOINT_SIGNING_KEY:
            keys = [load_signing_key(settings.AUDIT_CHECKPOINT_SIGNING_KEY).public_key()]
        else:
            keys = []
    except ValueError as error:
        raise ImproperlyConfigured(f"audit checkpoint keys: {error}") from error
    return {key_id(key): key for key in keys}


def _canonical(payload: dict) -> bytes:
    return SIGNED_PREFIX + json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def checkpoint_seal(*, position: int, hash: str, at: str, key: Ed25519PrivateKey) -> bytes:
    """The stored form: the payload and its signature, as JSON."""
    payload = {"v": FORMAT_VERSION, "position": position, "hash": hash, "at": at, "key": key_id(key.public_key())}
    signature = base64.b64encode(key.sign(_canonical(payload))).decode()
    return json.dumps({"payload": payload, "signature": signature}, sort_keys=True, indent=1).encode() + b"\n"


def checkpoint_open(name: str, data: bytes, keys: dict[str, Ed25519PublicKey]) -> Checkpoint:
    """The checkpoint stored as `data`, once its signature checks out with one of `keys`."""
    try:
        envelope = json.loads(data)
        payload = envelope["payload"]
        signature = base64.b64decode(envelope["signature"], validate=True)
        position, hash_, at, kid = payload["position"], payload["hash"], payload["at"], payload["key"]
    except (ValueError, TypeError, KeyError) as error:
        raise CheckpointInvalid(f"checkpoint {name} ilegível") from error
    key = keys.get(kid)
    try:
        if key is None:
            raise InvalidSignature
        key.verify(signature, _canonical(payload))
    except InvalidSignature as error:
        raise CheckpointInvalid(
            f"checkpoint {name}: a assinatura não confere com nenhuma chave de verificação (forjado ou alterado)"
        ) from error
    if not isinstance(position, int) or not isinstance(hash_, str):
        raise CheckpointInvalid(f"checkpoint {name} ilegível")
    if name != checkpoint_name(position):
        # One name, one position: a signed checkpoint copied under another name is not where it claims to be.
        raise CheckpointInvalid(f"checkpoint {name}: guardado com o nome errado (é o da posição {position})")
    return Checkpoint(name=name, position=position, hash=hash_, at=str(at))
