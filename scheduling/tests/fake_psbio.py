"""A stand-in for a CA's PSBio query (the shape documented in scheduling.biometrics.psbio), served on 127.0.0.1 over
TLS that requires the AR's client certificate, as a CA's would. Certificates are made on the fly (EC P-256)."""

import base64
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USERNAME, PASSWORD = "ar-tecnosign", "senha-da-ar-na-psbio"


@dataclass
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(key, path: Path) -> Path:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return path


def _issue(subject: str, key, issuer_cert, issuer_key, *, ca: bool = False, ip: bool = False) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_cert.subject if issuer_cert else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ip:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), False)
    return builder.sign(issuer_key, hashes.SHA256())


def make_pki(folder: Path) -> Pki:
    pem = serialization.Encoding.PEM
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _issue("PSBio de testes — AC", ca_key, None, ca_key, ca=True)
    server_key, client_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    server_cert = _issue("127.0.0.1", server_key, ca_cert, ca_key, ip=True)
    client_cert = _issue("AR TecnoSign", client_key, ca_cert, ca_key)
    (folder / "ca.pem").write_bytes(ca_cert.public_bytes(pem))
    (folder / "server.pem").write_bytes(server_cert.public_bytes(pem))
    (folder / "client.pem").write_bytes(client_cert.public_bytes(pem))
    return Pki(
        ca=folder / "ca.pem",
        server_cert=folder / "server.pem",
        server_key=_write_key(server_key, folder / "server-key.pem"),
        client_cert=folder / "client.pem",
        client_key=_write_key(client_key, folder / "client-key.pem"),
    )


@dataclass
class FakePsbio:
    pki: Pki
    # CPF → (resultado, nome); the default answer is "positivo" under DEFAULT_NAME with the sample as the face.
    answers: dict[str, tuple[str, str]] = field(default_factory=dict)
    failures: list[tuple[int, bytes, str]] = field(default_factory=list)  # answered first, in order
    answer_delay: float = 0.0
    received: list[dict] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    DEFAULT_NAME = "MARIA DA SILVA"

    def start(self) -> str:
        psbio = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                psbio._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.pki.server_cert, self.pki.server_key)
        context.verify_mode = ssl.CERT_REQUIRED  # the AR's client certificate, signed by the CA's test root
        context.load_verify_locations(self.pki.ca)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        host, port = self._server.server_address
        return f"https://{host}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, http: BaseHTTPRequestHandler) -> None:
        body = http.rfile.read(int(http.headers.get("Content-Length") or 0))
        if self.answer_delay:
            time.sleep(self.answer_delay)
        expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if http.path != "/v1/consultas":
            return self._send(http, 404, {"erro": {"codigo": "nao_encontrado", "mensagem": http.path}})
        if http.headers.get("Authorization") != expected:
            return self._send(http, 401, {"erro": {"codigo": "credenciais", "mensagem": "credenciais inválidas"}})
        request = json.loads(body)
        self.received.append({"headers": dict(http.headers), "body": request})
        if self.failures:
            status, payload, content_type = self.failures.pop(0)
            return self._send_raw(http, status, payload, content_type)
        result, name = self.answers.get(request["cpf"], ("positivo", self.DEFAULT_NAME))
        answer = {"protocolo": f"PSB-{len(self.received):06d}", "resultado": result}
        if result == "positivo":
            answer["titular"] = {"nome": name, "face": request["amostra"]}
        self._send(http, 200, answer)

    def _send(self, http, status: int, data: dict) -> None:
        self._send_raw(http, status, json.dumps(data).encode(), "application/json")

    @staticmethod
    def _send_raw(http, status: int, payload: bytes, content_type: str) -> None:
        try:
            http.send_response(status)
            http.send_header("Content-Type", content_type)
            http.send_header("Content-Length", str(len(payload)))
            http.end_headers()
            http.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout test does it on purpose)
