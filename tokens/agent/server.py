"""The agent's HTTP API on 127.0.0.1: signed JSON requests in, signed JSON answers out.

Each request must come from an allowed Origin (when it has one: browsers always send it cross-origin), be
addressed to the loopback host (DNS rebinding), carry a valid HMAC with the pairing secret, a timestamp
within five minutes and a nonce never seen before. Bodies are never logged.
"""

import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from . import protocol
from .device import TokenDevice
from .errors import AgentError
from .software import SoftwareKeys, default_folder, sign_with_pkcs12

logger = logging.getLogger("tecnosign.agent")

LOOPBACK = "127.0.0.1"
MAX_BODY_BYTES = 64 * 1024
AGENT_NAME = "tecnosign-agent"
AGENT_VERSION = "1"
SERIAL = r"(?P<serial>[A-Za-z0-9%._-]{1,64})"
KEY_ID = r"(?P<key_id>[0-9a-f]{40})"


class NonceCache:
    """Nonces seen within the clock-skew window; a repeat inside it is a replay."""

    def __init__(self, ttl: int = protocol.MAX_CLOCK_SKEW_SECONDS * 2, limit: int = 100_000):
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._ttl, self._limit = ttl, limit
        self._lock = threading.Lock()

    def first_use(self, nonce: str) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._seen and (next(iter(self._seen.values())) < now or len(self._seen) >= self._limit):
                self._seen.popitem(last=False)
            if nonce in self._seen:
                return False
            self._seen[nonce] = now + self._ttl
            return True


@dataclass
class Route:
    method: str
    pattern: re.Pattern
    handler: Callable


def _route(method: str, path: str, handler: Callable) -> Route:
    return Route(method, re.compile(f"^{path}$"), handler)


def _require(body: dict, name: str):
    if name not in body:
        raise AgentError("missing_field", f"Campo obrigatório ausente: {name}.", field=name)
    return body[name]


class AgentApp:
    """What the HTTP handler needs: the secret, the allowed origins, the device, the A1 keys, the replay cache."""

    def __init__(
        self,
        *,
        secret: bytes,
        origins: list[str],
        device: TokenDevice,
        software: SoftwareKeys | None = None,
        clock=time.time,
    ):
        self.secret = secret
        self.origins = set(origins)
        self.device = device
        self.software = software or SoftwareKeys(default_folder())
        self.nonces = NonceCache()
        self.clock = clock
        self.port = 0
        d, a1 = device, self.software
        self.routes = [
            # A1 in a file, for browsers without Web Crypto RSA (tokens.agent.software): no token involved.
            _route(
                "POST",
                "/v1/a1/keys",
                lambda body: a1.generate(subject=_require(body, "subject"), bits=body.get("bits", 2048)),
            ),
            _route(
                "POST",
                f"/v1/a1/keys/{KEY_ID}/pkcs12",
                lambda body, key_id: a1.write_pkcs12(
                    key_id,
                    certificate=_require(body, "certificate"),
                    chain=body.get("chain"),
                    password=_require(body, "password"),
                    friendly_name=_require(body, "friendly_name"),
                    filename=_require(body, "filename"),
                    kdf_rounds=_require(body, "kdf_rounds"),
                ),
            ),
            # A1 online renewal: the customer's own PKCS#12 opened here, never sent to the portal.
            _route(
                "POST",
                "/v1/a1/sign",
                lambda body: sign_with_pkcs12(
                    pkcs12=_require(body, "pkcs12"), password=_require(body, "password"), data=_require(body, "data")
                ),
            ),
            _route("GET", "/v1/status", lambda body: self.status()),
            _route("GET", "/v1/tokens", lambda body: {"tokens": d.list_tokens()}),
            _route(
                "POST", f"/v1/tokens/{SERIAL}/objects", lambda body, serial: d.list_objects(serial, body.get("pin"))
            ),
            _route(
                "POST",
                f"/v1/tokens/{SERIAL}/pin",
                lambda body, serial: {"token": d.change_pin(serial, _require(body, "pin"), _require(body, "new_pin"))},
            ),
            _route(
                "POST",
                f"/v1/tokens/{SERIAL}/puk",
                lambda body, serial: {"token": d.change_puk(serial, _require(body, "puk"), _require(body, "new_puk"))},
            ),
            _route(
                "POST",
                f"/v1/tokens/{SERIAL}/unblock",
                lambda body, serial: {"token": d.unblock_pin(serial, _require(body, "puk"), _require(body, "new_pin"))},
            ),
            _route("GET", f"/v1/tokens/{SERIAL}/erase", lambda body, serial: d.erase_preview(serial)),
            _route(
                "POST",
                f"/v1/tokens/{SERIAL}/erase",
                lambda body, serial: d.erase(
                    serial,
                    puk=_require(body, "puk"),
                    label=_require(body, "label"),
                    new_pin=_require(body, "new_pin"),
                    confirm_token_label=_require(body, "confirm_token_label"),
                    confirm_labels=_require(body, "confirm_labels"),
                ),
            ),
            _route(
                "POST",
                f"/v1/tokens/{SERIAL}/keys",
                lambda body, serial: d.generate_key(
                    serial, pin=_require(body, "pin"), label=body.get("label") or "TecnoSign"
                ),
            ),
            _route(
                "POST",
                f"/v1/tokens/{SERIAL}/csr",
                lambda body, serial: d.create_csr(
                    serial,
                    pin=_require(body, "pin"),
                    key_id=_require(body, "key_id"),
                    subject=_require(body, "subject"),
                    subject_alt_name=body.get("subject_alt_name"),
                ),
            ),
            _route(
                "POST",
                f"/v1/tokens/{SERIAL}/sign",
                lambda body, serial: d.sign_with_certificate(
                    serial, pin=_require(body, "pin"), key_id=_require(body, "key_id"), data=_require(body, "data")
                ),
            ),
            _route(
                "POST",
                f"/v1/tokens/{SERIAL}/certificates",
                lambda body, serial: d.import_certificate(
                    serial,
                    pin=_require(body, "pin"),
                    certificate=_require(body, "certificate"),
                    label=body.get("label"),
                    chain=body.get("chain"),
                ),
            ),
        ]

    def status(self) -> dict:
        return {
            "agent": AGENT_NAME,
            "version": AGENT_VERSION,
            "module": self.device.describe_module(),
            "a1": self.software.describe(),
        }

    def authenticate(self, *, method: str, target: str, headers, body: bytes) -> str:
        """Check the request's signature, freshness and nonce; return the nonce (it signs the answer)."""
        timestamp = headers.get(protocol.HEADER_TIMESTAMP, "")
        nonce = headers.get(protocol.HEADER_NONCE, "")
        signature = headers.get(protocol.HEADER_SIGNATURE, "")
        if not (timestamp and nonce and signature):
            raise AgentError("unsigned", "Requisição sem assinatura: pareie o portal com este agente.", status=401)
        if not protocol.NONCE_RE.match(nonce) or not timestamp.isdigit():
            raise AgentError("bad_signature", "Assinatura da requisição malformada.", status=401)
        expected = protocol.request_signature(
            self.secret, method=method, target=target, timestamp=timestamp, nonce=nonce, body=body
        )
        if not protocol.signatures_match(expected, signature):
            raise AgentError(
                "bad_signature", "Assinatura inválida: o código de pareamento não confere com este agente.", status=401
            )
        if abs(self.clock() - int(timestamp)) > protocol.MAX_CLOCK_SKEW_SECONDS:
            raise AgentError(
                "stale_request",
                "Requisição fora do prazo (mais de 5 minutos): confira o relógio deste computador.",
                status=401,
            )
        if not self.nonces.first_use(nonce):
            raise AgentError("replayed_request", "Requisição repetida recusada.", status=401)
        return nonce

    def dispatch(self, method: str, path: str, body: dict) -> dict:
        allowed = False
        for route in self.routes:
            match = route.pattern.match(path)
            if not match:
                continue
            allowed = True
            if route.method == method:
                kwargs = {key: unquote(value) for key, value in match.groupdict().items()}
                return route.handler(body, **kwargs)
        if allowed:
            raise AgentError("method_not_allowed", "Método não permitido neste endereço.", status=405)
        raise AgentError("not_found", "Endereço desconhecido.", status=404)


class AgentRequestHandler(BaseHTTPRequestHandler):
    server_version = "TecnoSignAgent/1"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 30
    app: AgentApp  # set on the subclass made by make_server

    # -- HTTP verbs -------------------------------------------------------------------------------------

    def do_OPTIONS(self):
        origin = self.headers.get("Origin")
        if not origin or origin not in self.app.origins:
            self._send_error(AgentError("origin_not_allowed", "Origem não autorizada a usar este agente.", status=403))
            return
        self.send_response(HTTPStatus.NO_CONTENT)
        self._cors_headers(origin)
        self.send_header("Access-Control-Allow-Methods", "GET, POST")
        self.send_header(
            "Access-Control-Allow-Headers",
            ", ".join(["Content-Type", protocol.HEADER_TIMESTAMP, protocol.HEADER_NONCE, protocol.HEADER_SIGNATURE]),
        )
        self.send_header("Access-Control-Max-Age", "600")
        if self.headers.get("Access-Control-Request-Private-Network") == "true":
            # Chrome asks before a public site may reach a loopback address (Private Network Access).
            self.send_header("Access-Control-Allow-Private-Network", "true")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_DELETE(self):
        self._handle("DELETE")

    # -- the pipeline -----------------------------------------------------------------------------------

    def _handle(self, method: str) -> None:
        started = time.monotonic()
        nonce = None
        status = 500
        try:
            self._check_origin_and_host()
            raw = self._read_body()
            nonce = self.app.authenticate(method=method, target=self.path, headers=self.headers, body=raw)
            body = self._parse_json(raw) if method == "POST" else {}
            path = self.path.split("?", 1)[0]
            payload, status = self.app.dispatch(method, path, body), 200
        except AgentError as error:
            payload, status = error.as_json(), error.status
        except Exception:
            # The boundary: a bug must still answer in JSON rather than drop the connection. The traceback goes
            # to the log; request bodies (PINs) are never part of it.
            logger.exception("%s %s failed", method, self.path.split("?", 1)[0])
            payload = {"error": {"code": "internal_error", "message": "Erro interno do agente. Tente de novo."}}
            status = 500
        self._send_json(status, payload, nonce=nonce)
        logger.info("%s %s %s %.0fms", method, self.path.split("?", 1)[0], status, (time.monotonic() - started) * 1000)

    def _check_origin_and_host(self) -> None:
        origin = self.headers.get("Origin")
        if origin is not None and origin not in self.app.origins:
            raise AgentError("origin_not_allowed", "Origem não autorizada a usar este agente.", status=403)
        # A DNS-rebinding page reaches us under its own host name; a loopback name (any port: an SSH tunnel
        # may forward from another one) is the only legitimate Host.
        host = (self.headers.get("Host") or "").lower().rsplit(":", 1)[0]
        if host not in {LOOPBACK, "localhost"}:
            raise AgentError("host_not_allowed", "Acesse o agente por 127.0.0.1.", status=403)

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length") or "0"
        if not length.isdigit():
            raise AgentError("bad_request", "Content-Length inválido.", status=400)
        if int(length) > MAX_BODY_BYTES:
            self.close_connection = True
            raise AgentError("payload_too_large", "Requisição grande demais.", status=413)
        return self.rfile.read(int(length)) if int(length) else b""

    @staticmethod
    def _parse_json(raw: bytes) -> dict:
        try:
            body = json.loads(raw or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise AgentError("invalid_json", "O corpo da requisição não é um JSON válido.", status=400) from exc
        if not isinstance(body, dict):
            raise AgentError("invalid_json", "O corpo da requisição deve ser um objeto JSON.", status=400)
        return body

    # -- answers ----------------------------------------------------------------------------------------

    def _cors_headers(self, origin: str | None) -> None:
        if origin and origin in self.app.origins:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Expose-Headers", protocol.HEADER_SIGNATURE)
        self.send_header("Vary", "Origin")

    def _send_json(self, status: int, payload: dict, *, nonce: str | None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if nonce:
            signature = protocol.response_signature(self.app.secret, nonce=nonce, status=status, body=data)
            self.send_header(protocol.HEADER_SIGNATURE, signature)
        self._cors_headers(self.headers.get("Origin"))
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, error: AgentError) -> None:
        self._send_json(error.status, error.as_json(), nonce=None)

    def log_message(self, format, *args):
        """The default logs every request line to stderr; `_handle` logs the method, path and status only."""


def make_server(app: AgentApp, *, host: str = LOOPBACK, port: int = 0) -> ThreadingHTTPServer:
    if host != LOOPBACK:
        raise ValueError(f"O agente só escuta em {LOOPBACK} (recebido: {host}).")
    handler = type("BoundAgentRequestHandler", (AgentRequestHandler,), {"app": app})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    app.port = server.server_address[1]
    return server
