"""The portal's client for a local agent: signs each request with the pairing secret, checks the signed
answer, and turns the agent's structured errors into DomainErrors with the agent's pt-BR message.

These are the building blocks for workstation jobs and for A3 issuance (key pair, CSR, certificate).
"""

import base64
import json
import time
import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit

from tecnosign.errors import DomainError
from tokens.agent import protocol

DEFAULT_TIMEOUT = 30.0
# Generating an RSA key on a smart card can take most of a minute.
KEYGEN_TIMEOUT = 120.0


class AgentError(DomainError):
    """The agent refused or failed the operation; `status` and `details` come from its answer."""

    code = "agent_error"

    def __init__(
        self, message: str, *, code: str | None = None, field: str | None = None, status: int = 0, details=None
    ):
        super().__init__(message, code=code, field=field)
        self.status = status
        self.details = details or {}


class AgentUnreachable(AgentError):
    code = "agent_unreachable"


class AgentAuthenticationFailed(AgentError):
    code = "agent_authentication_failed"


class PinIncorrect(AgentError):
    code = "pin_incorrect"


class PinLocked(AgentError):
    code = "pin_locked"


class TokenAbsent(AgentError):
    code = "token_absent"


ERRORS_BY_CODE = {
    "pin_incorrect": PinIncorrect,
    "puk_incorrect": PinIncorrect,
    "pin_locked": PinLocked,
    "puk_locked": PinLocked,
    "token_absent": TokenAbsent,
    "unsigned": AgentAuthenticationFailed,
    "bad_signature": AgentAuthenticationFailed,
    "stale_request": AgentAuthenticationFailed,
    "replayed_request": AgentAuthenticationFailed,
    "origin_not_allowed": AgentAuthenticationFailed,
    "host_not_allowed": AgentAuthenticationFailed,
}


def validate_agent_url(url: str) -> str:
    """An agent answers at http://127.0.0.1:<port>, or through a tunnel/proxy the portal reaches by HTTPS."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise DomainError("Endereço do agente inválido: use http://127.0.0.1:47115 ou https://…", field="agent_url")
    return url.strip().rstrip("/")


class AgentClient:
    def __init__(self, base_url: str, secret: bytes, *, timeout: float = DEFAULT_TIMEOUT, clock=time.time):
        self.base_url = validate_agent_url(base_url)
        self._secret = secret
        self.timeout = timeout
        self._clock = clock
        self._prefix = urlsplit(self.base_url).path

    def __repr__(self) -> str:  # never shows the secret
        return f"AgentClient({self.base_url!r})"

    # -- operations -------------------------------------------------------------------------------------

    def status(self) -> dict:
        return self.request("GET", "/v1/status")

    def list_tokens(self) -> list[dict]:
        return self.request("GET", "/v1/tokens")["tokens"]

    def list_objects(self, serial: str, *, pin: str | None = None) -> dict:
        return self.request("POST", f"{_token_path(serial)}/objects", {"pin": pin} if pin is not None else {})

    def change_pin(self, serial: str, *, pin: str, new_pin: str) -> dict:
        return self.request("POST", f"{_token_path(serial)}/pin", {"pin": pin, "new_pin": new_pin})["token"]

    def change_puk(self, serial: str, *, puk: str, new_puk: str) -> dict:
        return self.request("POST", f"{_token_path(serial)}/puk", {"puk": puk, "new_puk": new_puk})["token"]

    def unblock_pin(self, serial: str, *, puk: str, new_pin: str) -> dict:
        return self.request("POST", f"{_token_path(serial)}/unblock", {"puk": puk, "new_pin": new_pin})["token"]

    def erase_preview(self, serial: str) -> dict:
        return self.request("GET", f"{_token_path(serial)}/erase")

    def erase(
        self, serial: str, *, puk: str, label: str, new_pin: str, confirm_token_label: str, confirm_labels: list[str]
    ) -> dict:
        payload = {
            "puk": puk,
            "label": label,
            "new_pin": new_pin,
            "confirm_token_label": confirm_token_label,
            "confirm_labels": list(confirm_labels),
        }
        return self.request("POST", f"{_token_path(serial)}/erase", payload)

    def generate_key(self, serial: str, *, pin: str, label: str) -> dict:
        """RSA 2048 on the token; returns key_id (hex), public_key (PEM), sensitive, extractable."""
        return self.request(
            "POST",
            f"{_token_path(serial)}/keys",
            {"pin": pin, "label": label},
            timeout=max(self.timeout, KEYGEN_TIMEOUT),
        )

    def sign(self, serial: str, *, pin: str, key_id: str, data: bytes) -> dict:
        """`data` signed on the token with the key `key_id` (SHA-256, RSA PKCS#1 v1.5), and the certificate by it."""
        payload = {"pin": pin, "key_id": key_id, "data": base64.b64encode(data).decode()}
        return self.request("POST", f"{_token_path(serial)}/sign", payload)

    def sign_with_pkcs12(self, *, pkcs12: bytes, password: str, data: bytes) -> dict:
        """`data` signed with the key of a PKCS#12 file opened by the agent (A1 online renewal)."""
        payload = {
            "pkcs12": base64.b64encode(pkcs12).decode(),
            "password": password,
            "data": base64.b64encode(data).decode(),
        }
        return self.request("POST", "/v1/a1/sign", payload)

    def create_csr(
        self, serial: str, *, pin: str, key_id: str, subject: list[list[str]], subject_alt_name: dict | None = None
    ) -> str:
        """A PKCS#10 request signed on the token. `subject` is ordered [attribute, value] pairs; returns PEM."""
        payload = {"pin": pin, "key_id": key_id, "subject": subject}
        if subject_alt_name:
            payload["subject_alt_name"] = subject_alt_name
        return self.request("POST", f"{_token_path(serial)}/csr", payload)["csr"]

    def import_certificate(
        self,
        serial: str,
        *,
        pin: str,
        certificate_pem: str,
        label: str | None = None,
        chain_pems: list[str] | None = None,
    ) -> dict:
        payload = {"pin": pin, "certificate": certificate_pem}
        if label:
            payload["label"] = label
        if chain_pems:
            payload["chain"] = chain_pems
        return self.request("POST", f"{_token_path(serial)}/certificates", payload)

    def a1_generate(self, *, subject: list[list[str]], bits: int = 2048) -> dict:
        """An A1 key pair made in software on the agent's computer; returns key_id and the request (csr, PEM)."""
        return self.request("POST", "/v1/a1/keys", {"subject": subject, "bits": bits}, timeout=max(self.timeout, 60))

    def a1_write_pkcs12(
        self,
        key_id: str,
        *,
        certificate_pem: str,
        chain_pems: list[str],
        password: str,
        friendly_name: str,
        filename: str,
        kdf_rounds: int,
    ) -> dict:
        """The .pfx of that key, its certificate and chain, written in the agent's A1 folder; returns its path."""
        payload = {
            "certificate": certificate_pem,
            "chain": chain_pems,
            "password": password,
            "friendly_name": friendly_name,
            "filename": filename,
            "kdf_rounds": kdf_rounds,
        }
        return self.request("POST", f"/v1/a1/keys/{key_id}/pkcs12", payload, timeout=max(self.timeout, 60))

    # -- transport --------------------------------------------------------------------------------------

    def request(self, method: str, path: str, payload: dict | None = None, *, timeout: float | None = None) -> dict:
        body = json.dumps(payload).encode() if payload is not None else b""
        target = self._prefix + path
        nonce = protocol.new_nonce()
        timestamp = str(int(self._clock()))
        headers = {
            protocol.HEADER_TIMESTAMP: timestamp,
            protocol.HEADER_NONCE: nonce,
            protocol.HEADER_SIGNATURE: protocol.request_signature(
                self._secret, method=method, target=target, timestamp=timestamp, nonce=nonce, body=body
            ),
        }
        if payload is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(  # noqa: S310 (the URL is validated to http/https)
            self.base_url + path, data=body if payload is not None else None, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:  # noqa: S310
                status, data, signature = (
                    response.status,
                    response.read(),
                    response.headers.get(protocol.HEADER_SIGNATURE),
                )
        except urllib.error.HTTPError as error:
            status, data, signature = error.code, error.read(), error.headers.get(protocol.HEADER_SIGNATURE)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise AgentUnreachable(
                f"Não foi possível falar com o agente em {self.base_url}. Confira se ele está em execução. ({error})"
            ) from error
        answer = self._parse(status, data)
        expected = protocol.response_signature(self._secret, nonce=nonce, status=status, body=data)
        if status < 400 and not (signature and protocol.signatures_match(expected, signature)):
            raise AgentAuthenticationFailed(
                "A resposta não veio do agente pareado (assinatura ausente ou inválida). Refaça o pareamento."
            )
        if status >= 400:
            error = answer.get("error") or {}
            details = {key: value for key, value in error.items() if key not in ("code", "message", "field")}
            error_class = ERRORS_BY_CODE.get(error.get("code"), AgentError)
            raise error_class(
                error.get("message") or f"O agente recusou a operação (HTTP {status}).",
                code=error.get("code") or AgentError.code,
                field=error.get("field"),
                status=status,
                details=details,
            )
        return answer

    @staticmethod
    def _parse(status: int, data: bytes) -> dict:
        try:
            answer = json.loads(data or b"{}")
        except ValueError as exc:
            raise AgentError(f"Resposta ilegível do agente (HTTP {status}).", status=status) from exc
        if not isinstance(answer, dict):
            raise AgentError(f"Resposta inesperada do agente (HTTP {status}).", status=status)
        return answer


def _token_path(serial: str) -> str:
    return f"/v1/tokens/{quote(serial, safe='')}"
