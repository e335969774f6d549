"""Symmetric sealing of the secrets the portal must keep or pass on (Fernet, from `cryptography`).

Keys come from TOKENS_SEALING_KEYS (Fernet keys, the first seals, all open: rotation) or, by default, are
derived from SECRET_KEY. A sealed value may be opened with a maximum age: job PINs expire that way.
"""

import base64
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from tecnosign.errors import DomainError


class SealBroken(DomainError):
    code = "seal_broken"


def _fernet() -> MultiFernet:
    keys = list(settings.TOKENS_SEALING_KEYS)
    if not keys:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"tecnosign.tokens.sealing").derive(
            settings.SECRET_KEY.encode()
        )
        keys = [base64.urlsafe_b64encode(derived)]
    return MultiFernet([Fernet(key) for key in keys])


def seal(data: bytes) -> str:
    return _fernet().encrypt(data).decode()


def unseal(token: str, *, max_age: int | None = None) -> bytes:
    try:
        return _fernet().decrypt(token.encode(), ttl=max_age)
    except InvalidToken as exc:
        raise SealBroken("Dados protegidos expirados ou ilegíveis.") from exc


def seal_json(data: dict) -> str:
    return seal(json.dumps(data).encode())


def unseal_json(token: str, *, max_age: int | None = None) -> dict:
    return json.loads(unseal(token, max_age=max_age))
