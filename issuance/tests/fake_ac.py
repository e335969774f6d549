"""A stand-in for a contracted AC's HTTP API (the one documented in issuance.backends.external), served on
127.0.0.1 by the tests. It behaves like an AC: it keeps requests, releases them, signs real certificates from
CSRs, revokes, and signs real CRLs and OCSP responses with its own key."""

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp

from issuance.pki import ocsp as ocsp_pki
from issuance.pki.crl import RevokedEntry, build_crl
from issuance.pki.names import HolderIdentity
from issuance.pki.profile import PublicationUrls, ca_certificate, ca_name, holder_certificate

AC_NAME = "AC Externa de Testes v5"


class FakeAc:
    def __init__(self, *, key, token: str = "token-de-teste"):  # noqa: S107 (a test server)
        self.key = key
        self.token = token
        now = datetime.now(UTC).replace(microsecond=0)
        subject = ca_name(AC_NAME, unit="Autoridade Certificadora de Testes")
        self.certificate = ca_certificate(
            subject=subject,
            public_key=key.public_key(),
            issuer=subject,
            issuer_key=key,
            not_before=now - timedelta(days=1),
            not_after=now + timedelta(days=900),
            path_length=0,
        )
        self.requests: dict[str, dict] = {}
        self.references_by_key: dict[str, str] = {}
        self.issued: dict[int, dict] = {}
        self.release_delay = timedelta(0)
        self.failures: list[tuple[int, bytes, str]] = []  # answered, in order, before the real handling
        self.answer_delay = 0.0
        self.crl_number = 0
        # The Lista Negativa: CPF/CNPJ → the AC's reason. Queries are kept (document, reference) for the tests.
        self.negative_list: dict[str, str] = {}
        self.negative_queries: list[tuple[str, str, str]] = []
        self.calls: list[tuple[str, str]] = []
        # While `hold` is set up and not released, a submission is recorded and then its answer is held back
        # (`holding` tells the test): the AC has the request, the caller is still waiting for the reference.
        self.hold: threading.Event | None = None
        self.holding = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- server --------------------------------------------------------------------------------------

    def start(self) -> str:
        ac = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                ac._handle(self, "GET")

            def do_POST(self):
                ac._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        host, port = self._server.server_address
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- handling ------------------------------------------------------------------------------------

    def _handle(self, http: BaseHTTPRequestHandler, method: str) -> None:
        body = http.rfile.read(int(http.headers.get("Content-Length") or 0))
        self.calls.append((method, http.path))
        if self.answer_delay:
            time.sleep(self.answer_delay)
        if http.headers.get("Authorization") != f"Bearer {self.token}":
            return self._send(http, 401, self._error("unauthorized", "token inválido"))
        with self._lock:
            if self.failures:
                return self._send(http, *self.failures.pop(0))
            status, payload, content_type = self._route(method, http.path, body, http.headers)
        if self.hold is not None and (method, http.path) == ("POST", "/requests") and not self.hold.is_set():
            self.holding.set()
            self.hold.wait(timeout=120)
        self._send(http, status, payload, content_type)

    @staticmethod
    def _send(http, status: int, payload: bytes, content_type: str = "application/json") -> None:
        try:
            http.send_response(status)
            http.send_header("Content-Type", content_type)
            http.send_header("Content-Length", str(len(payload)))
            http.end_headers()
            http.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout test does it on purpose)

    @staticmethod
    def _error(code: str, message: str) -> bytes:
        return json.dumps({"error": {"code": code, "message": message}}).encode()

    def _json(self, status: int, data: dict):
        return status, json.dumps(data).encode(), "application/json"

    def _route(self, method: str, path: str, body: bytes, headers):
        parts = [part for part in path.split("/") if part]
        if method == "POST" and parts == ["requests"]:
            return self._submit(json.loads(body), headers.get("Idempotency-Key"))
        if method == "GET" and len(parts) == 2 and parts[0] == "requests":
            request = self.requests.get(parts[1])
            if request is None:
                return 404, self._error("not_found", "protocolo desconhecido"), "application/json"
            return self._json(200, self._state(parts[1]))
        if method == "POST" and len(parts) == 3 and parts[0] == "requests" and parts[2] == "certificate":
            return self._issue(parts[1], json.loads(body))
        if method == "POST" and parts == ["revocations"]:
            return self._revoke(json.loads(body))
        if method == "POST" and parts == ["negative-list", "queries"]:
            return self._negative_list(json.loads(body))
        if method == "GET" and parts == ["crl"]:
            return 200, self._crl(), "application/pkix-crl"
        if method == "POST" and parts == ["ocsp"]:
            return 200, self._ocsp(body), "application/ocsp-response"
        return 404, self._error("not_found", path), "application/json"

    def _submit(self, data: dict, idempotency_key: str | None):
        if not data.get("identity", {}).get("person_cpf"):
            return 422, self._error("invalid", "CPF do titular ausente"), "application/json"
        key = idempotency_key or data["request_key"]
        reference = self.references_by_key.get(key)
        if reference is None:
            reference = f"EXT-{uuid.uuid4().hex[:12].upper()}"
            self.references_by_key[key] = reference
            self.requests[reference] = {
                "identity": data["identity"],
                "release_at": datetime.now(UTC) + self.release_delay,
            }
        return self._json(201, self._state(reference))

    def _state(self, reference: str) -> dict:
        released = datetime.now(UTC) >= self.requests[reference]["release_at"]
        return {"reference": reference, "status": "released" if released else "pending", "message": ""}

    def _issue(self, reference: str, data: dict):
        request = self.requests.get(reference)
        if request is None:
            return 404, self._error("not_found", "protocolo desconhecido"), "application/json"
        if datetime.now(UTC) < request["release_at"]:
            return 409, self._error("not_released", "pedido ainda não liberado"), "application/json"
        csr = x509.load_pem_x509_csr(data["csr"].encode())
        if not csr.is_signature_valid:
            return 422, self._error("bad_csr", "assinatura do CSR inválida"), "application/json"
        now = datetime.now(UTC).replace(microsecond=0)
        serial = x509.random_serial_number()
        certificate = holder_certificate(
            identity=HolderIdentity.from_json(request["identity"]),
            public_key=csr.public_key(),
            issuer_cert=self.certificate,
            issuer_key=self.key,
            issuing_ca_name=AC_NAME,
            ar_cnpj="24680135000103",
            serial=serial,
            not_before=now,
            not_after=now + timedelta(days=365),
            urls=PublicationUrls(crl=f"{self.url}/crl", ocsp=f"{self.url}/ocsp", ca_issuers=f"{self.url}/ac.crt"),
        )
        self.issued[serial] = {"revoked_at": None, "reason": None}
        pem = serialization.Encoding.PEM
        return self._json(
            201,
            {
                "certificate": certificate.public_bytes(pem).decode(),
                "chain": [self.certificate.public_bytes(pem).decode()],
            },
        )

    def _revoke(self, data: dict):
        serial = int(data["serial"], 16)
        entry = self.issued.get(serial)
        if entry is None:
            return 404, self._error("not_found", "série desconhecida"), "application/json"
        if entry["revoked_at"] is not None:
            return 409, self._error("already_revoked", "já revogado"), "application/json"
        entry.update(revoked_at=datetime.fromisoformat(data["revoked_at"]), reason=int(data["reason"]))
        return self._json(201, {"serial": data["serial"]})

    def _negative_list(self, data: dict):
        cpf, cnpj = data.get("cpf") or "", data.get("cnpj") or ""
        if not cpf:
            return 422, self._error("invalid", "CPF ausente"), "application/json"
        reference = f"LN-{uuid.uuid4().hex[:12].upper()}"
        self.negative_queries.append((cpf, cnpj, reference))
        reason = self.negative_list.get(cpf) or (self.negative_list.get(cnpj) if cnpj else None)
        return self._json(200, {"listed": reason is not None, "reference": reference, "reason": reason or ""})

    def _crl(self) -> bytes:
        self.crl_number += 1
        now = datetime.now(UTC).replace(microsecond=0)
        crl = build_crl(
            issuer_cert=self.certificate,
            issuer_key=self.key,
            number=self.crl_number,
            this_update=now,
            next_update=now + timedelta(hours=12),
            entries=[
                RevokedEntry(serial, entry["revoked_at"], entry["reason"])
                for serial, entry in self.issued.items()
                if entry["revoked_at"] is not None
            ],
        )
        return crl.public_bytes(serialization.Encoding.DER)

    def _ocsp(self, body: bytes) -> bytes:
        try:
            request = ocsp.load_der_ocsp_request(body)
        except ValueError:
            return ocsp_pki.unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        entry = self.issued.get(request.serial_number)
        if entry is None:
            state = ocsp_pki.CertificateState("unknown")
        elif entry["revoked_at"] is None:
            state = ocsp_pki.CertificateState("good")
        else:
            state = ocsp_pki.CertificateState("revoked", revoked_at=entry["revoked_at"], reason=entry["reason"])
        now = datetime.now(UTC).replace(microsecond=0)
        return ocsp_pki.build_response(
            request=request,
            state=state,
            responder_cert=self.certificate,
            responder_key=self.key,
            delegated=False,
            this_update=now,
            next_update=now + timedelta(hours=1),
        )
