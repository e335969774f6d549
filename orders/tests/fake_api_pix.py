"""A stand-in PSP implementing the Banco Central's API Pix (2.9.0) as its specification describes it: the OAuth2
token endpoint, immediate charges (`/cob/{txid}`), the webhook (`/webhook/{chave}`), received Pix (`/pix`) and
refunds (`/pix/{e2eid}/devolucao/{id}`). Stateful, on 127.0.0.1, over plain HTTP (behind the spec-validating Prism
proxy) or over TLS requiring a client certificate, as a PSP's API does.

Test hooks play the other banks: `pay(txid)` is a payer's bank settling the charge (the PSP records a Pix with its
endToEndId and, when a webhook is registered, calls it back with `{"pix": [...]}`); `settle_refunds()` completes the
refunds in process.
"""

import base64
import json
import re
import secrets
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from orders.payments.pix import GUI, _plain, _tlv, crc16_ccitt_false

CLIENT_ID, CLIENT_SECRET = "tecnosign-client", "segredo-do-cliente-no-psp"
ISPB = "12345678"
LOCATION_HOST = "pix.psp-de-testes.example.com/qr/v2/"
COB = re.compile(r"^/cob/([a-zA-Z0-9]{26,35})$")
DEVOLUCAO = re.compile(r"^/pix/([a-zA-Z0-9]{32})/devolucao/([a-zA-Z0-9]{1,35})$")
WEBHOOK = re.compile(r"^/webhook/([^/]+)$")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def dynamic_brcode(*, location: str, merchant_name: str, merchant_city: str) -> str:
    """The BR Code of a dynamic charge: field 26 carries the PSP's location (25), field 62 the txid "***"."""
    payload = (
        _tlv("00", "01")
        + _tlv("01", "12")
        + _tlv("26", _tlv("00", GUI.upper()) + _tlv("25", location))
        + _tlv("52", "0000")
        + _tlv("53", "986")
        + _tlv("58", "BR")
        + _tlv("59", _plain(merchant_name, 25))
        + _tlv("60", _plain(merchant_city, 15))
        + _tlv("62", _tlv("05", "***"))
        + "6304"
    )
    return payload + f"{crc16_ccitt_false(payload.encode()):04X}"


@dataclass
class FakeApiPix:
    tls: object | None = None  # a fake_psbio.Pki-like object: server cert/key and the CA clients must chain to
    cobs: dict[str, dict] = field(default_factory=dict)
    pixes: dict[str, dict] = field(default_factory=dict)  # e2eid → pix (devolucoes inside)
    webhooks: dict[str, str] = field(default_factory=dict)  # chave → webhookUrl
    tokens: set[str] = field(default_factory=set)
    requests: list[tuple[str, str]] = field(default_factory=list)
    callbacks: list[tuple[str, bytes]] = field(default_factory=list)
    # How a callback is delivered: (url, body) → None. Set by the test (the portal's webhook, through the proxy).
    deliver: object = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # -- server ---------------------------------------------------------------------------------------------------

    def start(self) -> str:
        psp = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                psp._handle(self, "GET")

            def do_PUT(self):
                psp._handle(self, "PUT")

            def do_PATCH(self):
                psp._handle(self, "PATCH")

            def do_POST(self):
                psp._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self.tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.tls.server_cert, self.tls.server_key)
            context.verify_mode = ssl.CERT_REQUIRED  # mTLS: the merchant's client certificate, as the standard asks
            context.load_verify_locations(self.tls.ca)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        host, port = self._server.server_address
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, http: BaseHTTPRequestHandler, method: str) -> None:
        length = int(http.headers.get("Content-Length") or 0)
        raw = http.rfile.read(length) if length else b""
        parts = urlsplit(http.path)
        path, query = unquote(parts.path), {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self.lock:
            self.requests.append((method, path))
            if method == "POST" and path == "/oauth/token":
                return self._token(http, raw)
            if http.headers.get("Authorization", "").removeprefix("Bearer ") not in self.tokens:
                return self._problem(http, 401, "AcessoNegado", "Token ausente ou inválido.")
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                return self._problem(http, 400, "RequisicaoInvalida", "Corpo não é JSON.")
            if match := COB.match(path):
                handler = {"PUT": self._cob_put, "GET": self._cob_get, "PATCH": self._cob_patch}.get(method)
                if handler:
                    return handler(http, match.group(1), body)
            if (match := DEVOLUCAO.match(path)) and method in ("PUT", "GET"):
                e2eid, devolucao_id = match.groups()
                if method == "PUT":
                    return self._devolucao_put(http, e2eid, devolucao_id, body)
                return self._devolucao_get(http, e2eid, devolucao_id)
            if (match := WEBHOOK.match(path)) and method == "PUT":
                self.webhooks[match.group(1)] = body["webhookUrl"]
                return self._send(http, 200, None)
            if path == "/pix" and method == "GET":
                return self._pix_list(http, query)
        return self._problem(http, 404, "NaoEncontrado", "Recurso não encontrado.")

    def _send(self, http, status: int, data, content_type: str = "application/json") -> None:
        payload = b"" if data is None else json.dumps(data).encode()
        http.send_response(status)
        if data is not None:
            http.send_header("Content-Type", content_type)
        http.send_header("Content-Length", str(len(payload)))
        http.end_headers()
        http.wfile.write(payload)

    def _problem(self, http, status: int, kind: str, detail: str, **extra) -> None:
        problem = {
            "type": f"https://pix.bcb.gov.br/api/v2/error/{kind}",
            "title": kind,
            "status": status,
            "detail": detail,
            **extra,
        }
        self._send(http, status, problem, "application/problem+json")

    # -- OAuth2 -----------------------------------------------------------------------------------------------------

    def _token(self, http, raw: bytes) -> None:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        form = parse_qs(raw.decode())
        if http.headers.get("Authorization") != expected or form.get("grant_type") != ["client_credentials"]:
            return self._send(http, 401, {"error": "invalid_client"})
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return self._send(
            http, 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": "cob.write"}
        )

    # -- charges ----------------------------------------------------------------------------------------------------

    def _cob_put(self, http, txid: str, body: dict) -> None:
        if txid in self.cobs:
            return self._problem(
                http,
                400,
                "CobOperacaoInvalida",
                "O txid informado já foi utilizado em outra cobrança.",
                violacoes=[{"razao": "txid já utilizado.", "propriedade": "cob.txid"}],
            )
        created = _now()
        location = LOCATION_HOST + uuid.uuid4().hex
        cob = {
            "calendario": {"criacao": created, "expiracao": int(body["calendario"].get("expiracao", 86400))},
            "txid": txid,
            "revisao": 0,
            "loc": {"id": len(self.cobs) + 1, "txid": txid, "location": location, "tipoCob": "cob", "criacao": created},
            "location": location,
            "status": "ATIVA",
            "valor": {"original": body["valor"]["original"]},
            "chave": body["chave"],
            "pixCopiaECola": dynamic_brcode(
                location=location, merchant_name="TecnoSign Certificacao", merchant_city="Sao Paulo"
            ),
        }
        for key in ("devedor", "solicitacaoPagador"):
            if key in body:
                cob[key] = body[key]
        self.cobs[txid] = cob
        return self._send(http, 201, cob)

    def _cob_get(self, http, txid: str, body: dict) -> None:
        if txid not in self.cobs:
            return self._problem(http, 404, "NaoEncontrado", "Cobrança não encontrada.")
        return self._send(http, 200, self.cobs[txid])

    def _cob_patch(self, http, txid: str, body: dict) -> None:
        cob = self.cobs.get(txid)
        if cob is None:
            return self._problem(http, 404, "NaoEncontrado", "Cobrança não encontrada.")
        if cob["status"] != "ATIVA":
            return self._problem(http, 400, "CobOperacaoInvalida", "A cobrança não está ATIVA.")
        if body.get("status") == "REMOVIDA_PELO_USUARIO_RECEBEDOR":
            cob["status"] = "REMOVIDA_PELO_USUARIO_RECEBEDOR"
        cob["revisao"] += 1
        return self._send(http, 200, cob)

    # -- received Pix and refunds -----------------------------------------------------------------------------------

    def _pix_list(self, http, query: dict) -> None:
        start = datetime.fromisoformat(query["inicio"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(query["fim"].replace("Z", "+00:00"))
        found = [
            pix
            for pix in self.pixes.values()
            if start <= datetime.fromisoformat(pix["horario"].replace("Z", "+00:00")) <= end
        ]
        page, size = int(query.get("paginacao.paginaAtual", 0)), int(query.get("paginacao.itensPorPagina", 100))
        pages = max(1, -(-len(found) // size))
        answer = {
            "parametros": {
                "inicio": query["inicio"],
                "fim": query["fim"],
                "paginacao": {
                    "paginaAtual": page,
                    "itensPorPagina": size,
                    "quantidadeDePaginas": pages,
                    "quantidadeTotalDeItens": len(found),
                },
            },
            "pix": found[page * size : (page + 1) * size],
        }
        return self._send(http, 200, answer)

    def _devolucao_put(self, http, e2eid: str, devolucao_id: str, body: dict) -> None:
        pix = self.pixes.get(e2eid)
        if pix is None:
            return self._problem(http, 404, "NaoEncontrado", "Pix não encontrado.")
        devolucoes = pix.setdefault("devolucoes", [])
        if any(item["id"] == devolucao_id for item in devolucoes):
            return self._problem(http, 400, "PixDevolucaoInvalida", "Id de devolução já utilizado.")
        returned = sum(Decimal(item["valor"]) for item in devolucoes if item["status"] != "NAO_REALIZADO")
        if Decimal(body["valor"]) + returned > Decimal(pix["valor"]):
            return self._problem(http, 400, "PixDevolucaoInvalida", "Valor acima do que resta a devolver.")
        devolucao = {
            "id": devolucao_id,
            "rtrId": f"D{ISPB}{datetime.now(UTC):%Y%m%d%H%M}{secrets.token_hex(6)}"[:32],
            "valor": body["valor"],
            "horario": {"solicitacao": _now()},
            "status": "EM_PROCESSAMENTO",
        }
        devolucoes.append(devolucao)
        return self._send(http, 201, devolucao)

    def _devolucao_get(self, http, e2eid: str, devolucao_id: str) -> None:
        pix = self.pixes.get(e2eid, {})
        for devolucao in pix.get("devolucoes", []):
            if devolucao["id"] == devolucao_id:
                return self._send(http, 200, devolucao)
        return self._problem(http, 404, "NaoEncontrado", "Devolução não encontrada.")

    # -- test hooks: the other banks ----------------------------------------------------------------------------------

    def pay(self, txid: str, *, amount: str | None = None, notify: bool = True) -> dict:
        """A payer's bank settles the charge: the PSP records the Pix and calls the registered webhook back."""
        with self.lock:
            cob = self.cobs[txid]
            pix = {
                "endToEndId": f"E{ISPB}{datetime.now(UTC):%Y%m%d%H%M}{secrets.token_hex(6)}"[:32],
                "txid": txid,
                "valor": amount or cob["valor"]["original"],
                "chave": cob["chave"],
                "horario": _now(),
                "infoPagador": "Pagamento do pedido",
            }
            self.pixes[pix["endToEndId"]] = pix
            cob["status"] = "CONCLUIDA"
            cob.setdefault("pix", []).append(pix)
        if notify:
            self.notify([pix])
        return pix

    def settle_refunds(self, status: str = "DEVOLVIDO") -> None:
        """The SPI settles every refund in process; the PSP calls back with the Pix and its final devolução."""
        settled = []
        with self.lock:
            for pix in self.pixes.values():
                for devolucao in pix.get("devolucoes", []):
                    if devolucao["status"] == "EM_PROCESSAMENTO":
                        devolucao["status"] = status
                        devolucao["horario"]["liquidacao"] = _now()
                        settled.append(pix)
        if settled:
            self.notify(settled)

    def notify(self, pixes: list[dict]) -> None:
        body = json.dumps({"pix": pixes}).encode()
        for url in list(self.webhooks.values()):
            self.callbacks.append((url + "/pix", body))
            if self.deliver:
                self.deliver(url + "/pix", body)
