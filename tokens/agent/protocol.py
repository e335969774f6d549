"""The wire contract between the portal and the agent, shared by both sides (no Django here).

Every request is signed with the pairing secret: HMAC-SHA256 over the method, the request target (path and
query), a timestamp, a nonce and the SHA-256 of the body. Every answer is signed back over the request's
nonce, the status and the body, so a program squatting on the agent's port cannot pass for it.
"""

import base64
import hashlib
import hmac
import re
import secrets

VERSION = "TSAGENT1"
HEADER_TIMESTAMP = "X-TecnoSign-Timestamp"
HEADER_NONCE = "X-TecnoSign-Nonce"
HEADER_SIGNATURE = "X-TecnoSign-Signature"
MAX_CLOCK_SKEW_SECONDS = 300
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

SECRET_BYTES = 20  # 160 bits: 32 base32 characters, typed or pasted as 8 groups of 4
_CODE_RE = re.compile(r"^[A-Z2-7]{32}$")


def _sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def request_signature(secret: bytes, *, method: str, target: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = "\n".join([VERSION, method.upper(), target, timestamp, nonce, _sha256_hex(body)])
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def response_signature(secret: bytes, *, nonce: str, status: int, body: bytes) -> str:
    message = "\n".join([VERSION + "-RESPONSE", nonce, str(status), _sha256_hex(body)])
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def signatures_match(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def pairing_code(secret: bytes) -> str:
    """The secret as people read it: `ABCD-EFGH-…`, eight groups of four base32 characters."""
    text = base64.b32encode(secret).decode().rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def secret_from_pairing_code(code: str) -> bytes:
    """Accept the code as typed (case, spaces and dashes do not matter); ValueError when it is not one."""
    text = re.sub(r"[\s-]", "", code or "").upper()
    if not _CODE_RE.match(text):
        raise ValueError("O código de pareamento tem 32 letras (A–Z) e algarismos (2–7), em grupos de 4.")
    return base64.b32decode(text + "=" * (-len(text) % 8))
