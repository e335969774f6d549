"""Adapter for a real AC's HTTP JSON API: where a contracted certificate authority plugs in.

The API it speaks (bearer token; JSON unless said otherwise):

    POST /requests                         {request_key, order_number, identity} → {reference, status, message}
                                           (Idempotency-Key header = request_key; a repeat returns the same)
    GET  /requests/<reference>             → {reference, status, message}
    POST /requests/<reference>/certificate {csr: PEM} → {certificate: PEM, chain: [PEM, …]}
    POST /revocations                      {serial: hex, reason: RFC 5280 code, revoked_at: ISO 8601}
                                           → 201, or 409 when already revoked (taken as done)
    POST /negative-list/queries            {cpf, cnpj} → {listed: bool, reference, reason}
                                           (the Lista Negativa; the CPF travels in the body, never in a URL)
    GET  /crl                              → DER, application/pkix-crl
    POST /ocsp                             application/ocsp-request → application/ocsp-response

Statuses are "pending", "released" and "rejected". Errors are `{"error": {"code", "message"}}`. A real
AC's API will differ in names; its mapping belongs here and nowhere else.
"""

import uuid
from datetime import datetime

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..pki.names import HolderIdentity
from .base import (
    CaBackend,
    CaError,
    CaMisconfigured,
    CaRejected,
    CaUnavailable,
    CaUnknown,
    IssuedCertificate,
    NegativeListAnswer,
    Submission,
)

STATUSES = {Submission.PENDING, Submission.RELEASED, Submission.REJECTED}


class ExternalCa(CaBackend):
    name = "external"

    def __init__(self, *, base_url: str, token: str, timeout: float, session: requests.Session | None = None):
        if not base_url or not token:
            raise CaMisconfigured("EXTERNAL_CA_URL and EXTERNAL_CA_TOKEN must be set for CA_BACKEND=external")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", "User-Agent": "TecnoSign-AR/1"})

    # -- transport -----------------------------------------------------------------------------------

    def _call(self, method: str, path: str, *, also_ok: tuple[int, ...] = (), **kwargs) -> requests.Response:
        where = f"{method} {path}"
        try:
            response = self.session.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            raise CaUnavailable(f"{where}: no answer within {self.timeout}s") from exc
        except requests.RequestException as exc:
            raise CaUnavailable(f"{where}: {exc.__class__.__name__}") from exc
        status = response.status_code
        if status < 400 or status in also_ok:
            return response
        detail = f"{where}: HTTP {status} {self._error_message(response)}"
        if status in (401, 403):
            raise CaMisconfigured(detail)
        if status == 404:
            raise CaUnknown(detail)
        if status in (408, 425, 429) or status >= 500:
            raise CaUnavailable(detail)
        raise CaRejected(detail)

    @staticmethod
    def _error_message(response: requests.Response) -> str:
        try:
            return str(response.json()["error"]["message"])[:300]
        except (ValueError, KeyError, TypeError):
            return response.text[:300]

    def _json(self, response: requests.Response, *keys: str) -> dict:
        try:
            data = response.json()
        except ValueError as exc:
            raise CaUnavailable(f"{response.request.method} {response.url}: the answer is not JSON") from exc
        if not isinstance(data, dict) or any(key not in data for key in keys):
            raise CaUnavailable(f"{response.url}: the answer lacks {', '.join(keys)}")
        return data

    def _submission(self, response: requests.Response) -> Submission:
        data = self._json(response, "reference", "status")
        if data["status"] not in STATUSES:
            raise CaUnavailable(f"{response.url}: unknown status {data['status']!r}")
        return Submission(str(data["reference"]), data["status"], str(data.get("message") or ""))

    # -- the interface -------------------------------------------------------------------------------

    def submit(self, *, request_key: uuid.UUID, order_number: str, identity: HolderIdentity) -> Submission:
        body = {"request_key": str(request_key), "order_number": order_number, "identity": identity.as_json()}
        response = self._call("POST", "/requests", json=body, headers={"Idempotency-Key": str(request_key)})
        return self._submission(response)

    def negative_list_check(self, *, cpf: str, cnpj: str = "") -> NegativeListAnswer:
        data = self._json(
            self._call("POST", "/negative-list/queries", json={"cpf": cpf, "cnpj": cnpj}), "listed", "reference"
        )
        if not isinstance(data["listed"], bool):
            raise CaUnavailable("POST /negative-list/queries: `listed` is not a boolean")
        return NegativeListAnswer(
            listed=data["listed"], reference=str(data["reference"])[:100], reason=str(data.get("reason") or "")[:500]
        )

    def poll(self, reference: str) -> Submission:
        return self._submission(self._call("GET", f"/requests/{requests.utils.quote(reference, safe='')}"))

    def issue(self, *, reference: str, csr: x509.CertificateSigningRequest) -> IssuedCertificate:
        body = {"csr": csr.public_bytes(serialization.Encoding.PEM).decode()}
        path = f"/requests/{requests.utils.quote(reference, safe='')}/certificate"
        data = self._json(self._call("POST", path, json=body), "certificate", "chain")
        try:
            certificate = x509.load_pem_x509_certificate(data["certificate"].encode())
            chain = [x509.load_pem_x509_certificate(pem.encode()) for pem in data["chain"]]
        except (ValueError, AttributeError, TypeError) as exc:
            raise CaUnavailable(f"POST {path}: the certificate in the answer does not parse") from exc
        if certificate.public_key() != csr.public_key():
            raise CaError(f"POST {path}: the AC returned a certificate for another key")
        return IssuedCertificate(certificate=certificate, chain=chain)

    def revoke(self, *, serial: int, reason: int, revoked_at: datetime) -> None:
        body = {"serial": format(serial, "X"), "reason": reason, "revoked_at": revoked_at.isoformat()}
        # 409: revoked already, which is what was asked.
        self._call("POST", "/revocations", json=body, also_ok=(409,))

    def publish_crl(self) -> bytes:
        response = self._call("GET", "/crl", headers={"Accept": "application/pkix-crl"})
        try:
            x509.load_der_x509_crl(response.content)
        except ValueError as exc:
            raise CaUnavailable("GET /crl: the answer is not a DER CRL") from exc
        return response.content

    def ocsp_response(self, request_der: bytes) -> bytes:
        response = self._call(
            "POST",
            "/ocsp",
            data=request_der,
            headers={"Content-Type": "application/ocsp-request", "Accept": "application/ocsp-response"},
        )
        return response.content
