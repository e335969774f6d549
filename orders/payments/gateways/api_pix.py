"""Pix through the Banco Central's API Pix (the standard every bank and PSP implements: bacen/pix-api).

One gateway serves any PSP: the base URL, the OAuth2 client credentials and the client certificate (mTLS, as the
Bacen's security manual requires) are settings; the secret and the key come from the environment or from files.

- A charge is an immediate charge, `PUT /cob/{txid}`, with a txid derived from the Payment (so a retry names the
  same charge); the customer is shown the PSP's `pixCopiaECola`, whose QR code carries the PSP's `location`.
- The PSP's callback (`POST <webhookUrl>/pix`, `{"pix": [...]}`) reaches the portal over mTLS terminated at the
  reverse proxy, which says so in a header (PIX_WEBHOOK_CLIENT_VERIFY_HEADER); anything else is refused. Whatever a
  callback says, money moves only after `GET /cob/{txid}` answers CONCLUIDA with the amount
  (orders.services.payments.webhook_receive).
- `GET /pix?inicio=…&fim=…` is the statement the reconciliation reads; a refund is `PUT /pix/{e2eid}/devolucao/{id}`.
"""

import contextlib
import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote

import requests
from django.conf import settings
from django.core.cache import cache

from .base import (
    CardData,
    ChargeNotFound,
    ChargeResult,
    ChargeState,
    GatewayEvent,
    GatewayUnavailable,
    PaymentGateway,
    RefundResult,
    SettlementLine,
    WebhookRejected,
)

logger = logging.getLogger(__name__)

TIMEOUT = (5, 20)  # connect, read (seconds)
TOKEN_MARGIN_SECONDS = 60  # a cached token is dropped this long before the PSP says it expires
PAGE_SIZE = 100
REFUND_STATUSES = {"EM_PROCESSAMENTO": "pending", "DEVOLVIDO": "done", "NAO_REALIZADO": "failed"}


class ApiPixError(Exception):
    """The PSP refused a request (4xx other than 404): a fault in what the portal sent, not a passing outage."""

    def __init__(self, status: int, body: str):
        super().__init__(f"API Pix answered {status}: {body[:500]}")
        self.status = status
        self.body = body


def txid_for(payment) -> str:
    """The charge's txid: fixed by the Payment, so a retried PUT names the same charge (34 of [a-zA-Z0-9])."""
    return "TS" + payment.reference.hex


def _money(value: Decimal) -> str:
    return f"{Decimal(value):.2f}"


def _decimal(text) -> Decimal:
    try:
        return Decimal(str(text)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"not an amount: {text!r}") from None


def _time(text) -> datetime:
    value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("a time without a time zone")
    return value


def _rfc3339(value: datetime) -> str:
    """In UTC with a Z (a "+" in a query string is too easily read as a space), to the millisecond."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _read_secret(value: str, path: str) -> str:
    if value:
        return value
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError:
            return ""
    return ""


def client_secret() -> str:
    return _read_secret(settings.PIX_API_CLIENT_SECRET, settings.PIX_API_CLIENT_SECRET_FILE)


def _fingerprint(text: str) -> str:
    return text.replace(":", "").strip().lower()


class ApiPixGateway(PaymentGateway):
    name = "api_pix"
    methods = frozenset({"pix"})
    # A callback may be lost: the statement of received Pix is read every 10 minutes (payments_reconcile_recent).
    reconcile_by_statement = True

    # -- configuration and transport ---------------------------------------------------------------------------

    @classmethod
    def configuration_problems(cls) -> list[str]:
        problems = []
        for setting in ("PIX_API_BASE_URL", "PIX_API_TOKEN_URL", "PIX_API_CLIENT_ID", "PIX_KEY"):
            if not getattr(settings, setting):
                problems.append(f"{setting} is not set (api_pix gateway).")
        if not client_secret():
            problems.append("PIX_API_CLIENT_SECRET (or a readable PIX_API_CLIENT_SECRET_FILE) is not set (api_pix).")
        for setting in ("PIX_API_CERT_FILE", "PIX_API_KEY_FILE"):
            path = getattr(settings, setting)
            if not path:
                problems.append(f"{setting} is not set: the API Pix requires the client certificate (mTLS).")
            elif not Path(path).is_file():
                problems.append(f"{setting}={path} is not a readable file.")
        if settings.PIX_API_CA_FILE and not Path(settings.PIX_API_CA_FILE).is_file():
            problems.append(f"PIX_API_CA_FILE={settings.PIX_API_CA_FILE} is not a readable file.")
        for setting in ("PIX_API_BASE_URL", "PIX_API_TOKEN_URL"):
            url = getattr(settings, setting)
            if url and not url.startswith("https://") and not settings.DEBUG:
                problems.append(f"{setting} must be an https:// URL.")
        return problems

    def _session(self) -> requests.Session:
        return requests.Session()

    @staticmethod
    def _tls() -> dict:
        """The client certificate and the CA, given on each request: a Session's own `verify` loses to
        REQUESTS_CA_BUNDLE in the environment (requests' merge of environment settings)."""
        cert = (settings.PIX_API_CERT_FILE, settings.PIX_API_KEY_FILE or None) if settings.PIX_API_CERT_FILE else None
        return {"cert": cert, "verify": settings.PIX_API_CA_FILE or True}

    def _token(self, session: requests.Session, *, renew: bool = False) -> str:
        key = (
            "api_pix:token:"
            + hashlib.sha256(f"{settings.PIX_API_TOKEN_URL}|{settings.PIX_API_CLIENT_ID}".encode()).hexdigest()[:32]
        )
        token = None if renew else cache.get(key)
        if token:
            return token
        try:
            response = session.post(
                settings.PIX_API_TOKEN_URL,
                data={"grant_type": "client_credentials"},
                auth=(settings.PIX_API_CLIENT_ID, client_secret()),
                timeout=TIMEOUT,
                **self._tls(),
            )
        except requests.RequestException as error:
            raise GatewayUnavailable(f"API Pix token endpoint unreachable: {type(error).__name__}") from None
        if response.status_code >= 500:
            raise GatewayUnavailable(f"API Pix token endpoint answered {response.status_code}")
        if response.status_code != 200:
            raise ApiPixError(response.status_code, response.text)
        data = response.json()
        token = data["access_token"]
        lifetime = int(data.get("expires_in", 300)) - TOKEN_MARGIN_SECONDS
        if lifetime > 0:
            cache.set(key, token, lifetime)
        return token

    def _call(self, method: str, path: str, *, body=None, params=None, allow: tuple[int, ...] = ()) -> tuple[int, dict]:
        """One API call; returns (status, JSON body). 404 → ChargeNotFound unless allowed; 5xx or no answer →
        GatewayUnavailable; another 4xx → ApiPixError unless its status is in `allow`."""
        url = settings.PIX_API_BASE_URL.rstrip("/") + path
        with self._session() as session:
            for attempt in (1, 2):
                headers = {"Authorization": f"Bearer {self._token(session, renew=attempt == 2)}"}
                if body is not None:
                    headers["Content-Type"] = "application/json"
                try:
                    response = session.request(
                        method,
                        url,
                        params=params,
                        data=None if body is None else json.dumps(body),
                        headers=headers,
                        timeout=TIMEOUT,
                        **self._tls(),
                    )
                except requests.RequestException as error:
                    raise GatewayUnavailable(f"API Pix unreachable: {type(error).__name__}") from None
                if response.status_code != 401:
                    break  # a 401 once: the cached token was revoked; ask for a new one
        status = response.status_code
        if status >= 500:
            raise GatewayUnavailable(f"API Pix answered {status} to {method} {path}")
        if status in allow:
            return status, _json(response)
        if status == 404:
            raise ChargeNotFound(path)
        if status >= 400:
            raise ApiPixError(status, response.text)
        return status, _json(response)

    # -- charges ------------------------------------------------------------------------------------------------

    def create_charge(self, *, payment, card: CardData | None = None) -> ChargeResult:
        if payment.method != "pix":
            raise ValueError(f"api_pix charges Pix only, not {payment.method!r}")
        txid = txid_for(payment)
        body = {
            "calendario": {"expiracao": settings.PIX_EXPIRY_MINUTES * 60},
            "valor": {"original": _money(payment.amount)},
            "chave": settings.PIX_KEY,
            "solicitacaoPagador": f"Pedido {payment.order.number} - TecnoSign"[:140],
        }
        devedor = _devedor(payment.order)
        if devedor:
            body["devedor"] = devedor
        status, cob = self._call("PUT", f"/cob/{txid}", body=body, allow=(400, 409))
        if status in (400, 409):
            # Some PSPs refuse a PUT of a txid they already have: a retry of ours, whose charge stands.
            try:
                _, cob = self._call("GET", f"/cob/{txid}")
            except ChargeNotFound:
                raise ApiPixError(status, json.dumps(cob)) from None
            if _decimal(cob.get("valor", {}).get("original")) != Decimal(payment.amount):
                raise ApiPixError(status, json.dumps(cob))
        payload = cob.get("pixCopiaECola", "")
        if not payload:
            raise ApiPixError(status, "the charge came back without pixCopiaECola")
        return ChargeResult(charge_id=txid, details={"payload": payload, "location": cob.get("location", "")})

    def fetch_charge(self, *, charge_id: str) -> ChargeState:
        _, cob = self._call("GET", f"/cob/{quote(charge_id, safe='')}")
        return cob_state(cob, charge_id=charge_id)

    def cancel_charge(self, *, charge_id: str) -> None:
        with contextlib.suppress(ChargeNotFound):
            self._call(
                "PATCH",
                f"/cob/{quote(charge_id, safe='')}",
                body={"status": "REMOVIDA_PELO_USUARIO_RECEBEDOR"},
                allow=(400,),  # already paid or removed: nothing left to stop
            )

    # -- webhook ------------------------------------------------------------------------------------------------

    def verify_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        events = self.webhook_events(body=body, headers=headers)
        if not events:
            raise WebhookRejected("the callback names no charge")
        return events[0]

    def webhook_events(self, *, body: bytes, headers: Mapping[str, str]) -> list[GatewayEvent]:
        _authenticate(headers)
        try:
            data = json.loads(body)
            pixes = data["pix"]
            if not isinstance(pixes, list):
                raise TypeError("pix is not a list")
            events = []
            for pix in pixes:
                events += _pix_events(pix)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise WebhookRejected(f"unreadable API Pix callback: {error}") from None
        return events

    def register_webhook(self, *, url: str) -> None:
        """Tell the PSP where to post the Pix received on the key (`PUT /webhook/{chave}`); it posts to `url`/pix."""
        self._call("PUT", f"/webhook/{quote(settings.PIX_KEY, safe='@')}", body={"webhookUrl": url})

    # -- refunds and statement ----------------------------------------------------------------------------------

    def refund(self, *, payment, amount: Decimal, refund_id: str) -> RefundResult:
        state = self.fetch_charge(charge_id=payment.charge_id)
        e2eid = state.details.get("end_to_end_id")
        if not e2eid:
            return RefundResult(refund_id=refund_id, status="failed", failure_reason="Cobrança sem Pix recebido.")
        path = f"/pix/{e2eid}/devolucao/{_refund_path_id(refund_id)}"
        status, answer = self._call("PUT", path, body={"valor": _money(amount)}, allow=(400, 409))
        if status in (400, 409):
            try:  # asked before with this id: the PSP keeps the first
                _, answer = self._call("GET", path)
            except ChargeNotFound:
                return RefundResult(refund_id=refund_id, status="failed", failure_reason=_problem(answer))
        return _refund_result(refund_id, answer)

    def fetch_refund(self, *, payment, refund_id: str) -> RefundResult:
        state = self.fetch_charge(charge_id=payment.charge_id)
        e2eid = state.details.get("end_to_end_id")
        if not e2eid:
            raise ChargeNotFound(refund_id)
        _, answer = self._call("GET", f"/pix/{e2eid}/devolucao/{_refund_path_id(refund_id)}")
        return _refund_result(refund_id, answer)

    def received_pix(self, *, start: datetime, end: datetime) -> list[dict]:
        """Every Pix the PSP received between `start` and `end` (`GET /pix`, all pages)."""
        pixes, page = [], 0
        while True:
            params = {
                "inicio": _rfc3339(start),
                "fim": _rfc3339(end),
                "paginacao.paginaAtual": page,
                "paginacao.itensPorPagina": PAGE_SIZE,
            }
            _, answer = self._call("GET", "/pix", params=params)
            pixes += answer.get("pix") or []
            pages = int(answer.get("parametros", {}).get("paginacao", {}).get("quantidadeDePaginas", 1))
            page += 1
            if page >= pages:
                return pixes

    def settlements(self, *, start: datetime, end: datetime) -> list[SettlementLine]:
        lines = []
        for pix in self.received_pix(start=start, end=end):
            if not pix.get("txid"):
                continue
            e2eid = pix["endToEndId"]
            lines.append(SettlementLine(pix["txid"], "payment", _decimal(pix["valor"]), _time(pix["horario"]), e2eid))
            for devolucao in pix.get("devolucoes") or []:
                if devolucao.get("status") != "DEVOLVIDO":
                    continue
                when = devolucao.get("horario", {})
                lines.append(
                    SettlementLine(
                        pix["txid"],
                        "refund",
                        _decimal(devolucao["valor"]),
                        _time(when.get("liquidacao") or when["solicitacao"]),
                        devolucao.get("rtrId") or devolucao["id"],
                    )
                )
        return lines


def _json(response: requests.Response) -> dict:
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        return {}


def _problem(answer: dict) -> str:
    return str(answer.get("detail") or answer.get("title") or "Devolução recusada pelo PSP.")[:255]


def _refund_path_id(refund_id: str) -> str:
    """The API's devolução id is [a-zA-Z0-9]{1,35}: the portal's refund id with anything else taken out."""
    cleaned = "".join(ch for ch in refund_id if ch.isascii() and ch.isalnum())[:35]
    if not cleaned:
        raise ValueError(f"refund id {refund_id!r} has no letters or digits")
    return cleaned


def _refund_result(refund_id: str, answer: dict) -> RefundResult:
    status = REFUND_STATUSES.get(answer.get("status", ""), "pending")
    return RefundResult(
        refund_id=refund_id,
        status=status,
        provider_refund_id=answer.get("rtrId", ""),
        failure_reason=str(answer.get("motivo", ""))[:255] if status == "failed" else "",
    )


def _devedor(order) -> dict | None:
    """The payer named on the charge. A company (e-CNPJ) by its CNPJ. A person is left out: the official
    specification (2.9.0) gives `devedor.cpf` the pattern "/^\\d{11}$/", which no CPF matches, so a charge naming a
    CPF would not be valid against it (devedor is optional)."""
    if order.is_company and order.company_name:
        return {"cnpj": order.cnpj, "nome": order.company_name[:200]}
    return None


def cob_state(cob: dict, *, charge_id: str) -> ChargeState:
    """A `GET /cob/{txid}` answer in the portal's words."""
    status = cob.get("status", "")
    charged = _decimal(cob.get("valor", {}).get("original"))
    if status == "CONCLUIDA":
        pixes = cob.get("pix") or []
        paid = sum((_decimal(pix["valor"]) for pix in pixes), Decimal("0.00"))
        returned = sum(
            (
                _decimal(devolucao["valor"])
                for pix in pixes
                for devolucao in pix.get("devolucoes") or []
                if devolucao.get("status") == "DEVOLVIDO"
            ),
            Decimal("0.00"),
        )
        first = min(pixes, key=lambda pix: _time(pix["horario"])) if pixes else None
        return ChargeState(
            charge_id=charge_id,
            status="refunded" if pixes and returned >= paid else "paid",
            amount=paid if pixes else charged,
            paid_at=_time(first["horario"]) if first else None,
            refunded_amount=returned,
            details={"end_to_end_id": first["endToEndId"]} if first else {},
        )
    if status.startswith("REMOVIDA"):
        return ChargeState(charge_id=charge_id, status="expired", amount=charged)
    return ChargeState(charge_id=charge_id, status="pending", amount=charged)


def _authenticate(headers: Mapping[str, str]) -> None:
    """The callback came over the PSP's mTLS channel: the reverse proxy verified its client certificate and says so
    (a header it sets, and clears on every other route so a client cannot send it)."""
    verify = headers.get(settings.PIX_WEBHOOK_CLIENT_VERIFY_HEADER, "")
    if verify != "SUCCESS":
        raise WebhookRejected("the callback did not come over the PSP's mutual TLS channel")
    allowed = {_fingerprint(item) for item in settings.PIX_WEBHOOK_CLIENT_FINGERPRINTS if item}
    if allowed:
        presented = _fingerprint(headers.get(settings.PIX_WEBHOOK_CLIENT_FINGERPRINT_HEADER, ""))
        if presented not in allowed:
            raise WebhookRejected("the callback's client certificate is not the PSP's")


def _pix_events(pix: dict) -> list[GatewayEvent]:
    txid = pix.get("txid")
    if not txid:
        return []  # a plain transfer to the key, not a charge of ours
    e2eid = str(pix["endToEndId"])
    if not e2eid or len(e2eid) > 64:
        raise ValueError("endToEndId missing or too long")
    events = [
        GatewayEvent(
            event_id=e2eid,
            charge_id=str(txid),
            status="paid",
            amount=_decimal(pix["valor"]),
            occurred_at=_time(pix["horario"]),
        )
    ]
    for devolucao in pix.get("devolucoes") or []:
        if devolucao.get("status") != "DEVOLVIDO":
            continue
        when = devolucao.get("horario", {})
        events.append(
            GatewayEvent(
                event_id=f"{e2eid}:{devolucao['id']}"[:128],
                charge_id=str(txid),
                status="refunded",
                amount=_decimal(devolucao["valor"]),
                occurred_at=_time(when.get("liquidacao") or when["solicitacao"]),
            )
        )
    return events
