"""Mercado Pago: registered boletos (`bolbradesco`) and cards on its hosted checkout (Checkout Pro).

Plain `requests` against Mercado Pago's documented REST API rather than its SDK (`mercadopago` on PyPI): the SDK's
base URL is a private constant of its `Config` class, so pointing it at the local fake the tests run would mean
patching the SDK; the handful of endpoints used here are simple JSON calls.

The portal's own reference (`Payment.reference.hex`) is the charge id for both methods: it is the `external_reference`
of the boleto payment and of the checkout preference, and the read-back searches Mercado Pago's payments by it. A card
is typed on Mercado Pago's page (3-D Secure and instalments are its own), never on the portal.

Webhooks are verified by Mercado Pago's scheme: header `x-signature: ts=<ts>,v1=<hex>`, the HMAC-SHA256 with the
application's secret of the manifest `id:<data.id>;request-id:<x-request-id>;ts:<ts>;`. A notification only names a
Mercado Pago payment: the payment is read from the API (`GET /v1/payments/{id}`) to learn its charge and status, and
`webhook_receive` reads the charge back again before money moves.
"""

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Mapping
from datetime import datetime
from datetime import time as day_time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.urls import reverse

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
BRASILIA = ZoneInfo("America/Sao_Paulo")
TIMEOUT_SECONDS = 15
SIGNATURE_HEADER = "x-signature"
REQUEST_ID_HEADER = "x-request-id"

# Mercado Pago's payment status → the portal's charge status.
STATUS = {
    "approved": "paid",
    "pending": "pending",
    "in_process": "pending",
    "in_mediation": "pending",
    "authorized": "pending",
    "rejected": "failed",
    "cancelled": "expired",
    "expired": "expired",
    "refunded": "refunded",
    "charged_back": "refunded",
}
REFUND_STATUS = {"approved": "done", "in_process": "pending", "pending": "pending"}


def manifest(*, data_id: str, request_id: str, ts: str) -> str:
    """The text Mercado Pago signs: a part missing from the notification is left out, the id lowercased."""
    parts = []
    if data_id:
        parts.append(f"id:{data_id.lower() if data_id.isalnum() else data_id};")
    if request_id:
        parts.append(f"request-id:{request_id};")
    parts.append(f"ts:{ts};")
    return "".join(parts)


def sign(*, secret: str, data_id: str, request_id: str, ts: str) -> str:
    """The `x-signature` header Mercado Pago sends (used by the tests' fake; the portal only verifies)."""
    digest = hmac.new(secret.encode(), manifest(data_id=data_id, request_id=request_id, ts=ts).encode(), hashlib.sha256)
    return f"ts={ts},v1={digest.hexdigest()}"


def _money(value) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=BRASILIA)


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


class MercadoPagoGateway(PaymentGateway):
    name = "mercadopago"
    methods = frozenset({"boleto", "card"})
    hosted_card_checkout = True
    # Checkout Pro's init_point, and where it may send the buyer on (signing in to pay with a Mercado Pago account).
    checkout_origins = (
        "https://www.mercadopago.com.br",
        "https://*.mercadopago.com.br",
        "https://*.mercadolivre.com.br",
        "https://*.mercadolibre.com",
    )

    @classmethod
    def configuration_problems(cls) -> list[str]:
        problems = []
        if not settings.MERCADOPAGO_ACCESS_TOKEN:
            problems.append("MERCADOPAGO_ACCESS_TOKEN (or MERCADOPAGO_ACCESS_TOKEN_FILE) is not set.")
        if not settings.MERCADOPAGO_WEBHOOK_SECRET:
            problems.append(
                "MERCADOPAGO_WEBHOOK_SECRET (or _FILE) is not set: Mercado Pago's webhooks could not be verified."
            )
        if not settings.MERCADOPAGO_API_URL.startswith(("https://", "http://")):
            problems.append("MERCADOPAGO_API_URL must be an http(s) URL.")
        url = settings.MERCADOPAGO_NOTIFICATION_URL
        if not url.startswith("https://") and not settings.DEBUG:
            problems.append(
                "MERCADOPAGO_NOTIFICATION_URL must be the portal's public https webhook URL "
                "(…/payments/webhooks/mercadopago/)."
            )
        return problems

    # The API.

    def _call(self, method: str, path: str, *, body=None, params=None, idempotency_key: str = "") -> requests.Response:
        headers = {"Authorization": f"Bearer {settings.MERCADOPAGO_ACCESS_TOKEN}", "Accept": "application/json"}
        if idempotency_key:
            headers["X-Idempotency-Key"] = idempotency_key
        try:
            response = requests.request(
                method,
                settings.MERCADOPAGO_API_URL + path,
                json=body,
                params=params,
                headers=headers,
                timeout=TIMEOUT_SECONDS,
            )
        except requests.RequestException as error:
            raise GatewayUnavailable(f"Mercado Pago unreachable: {error.__class__.__name__}") from None
        if response.status_code >= 500 or response.status_code in (401, 403, 429):
            # A server fault, throttling or a credential problem: nothing the request itself did wrong; retried.
            raise GatewayUnavailable(f"Mercado Pago answered {response.status_code} to {method} {path}")
        return response

    def _json(self, response: requests.Response) -> dict:
        try:
            data = response.json()
        except ValueError:
            raise GatewayUnavailable("Mercado Pago answered something that is not JSON") from None
        if not isinstance(data, dict):
            raise GatewayUnavailable("Mercado Pago answered an unexpected JSON value")
        return data

    def _search(self, **params) -> list[dict]:
        """Every payment the search finds, page by page (Mercado Pago answers `results` and `paging`)."""
        found, offset = [], 0
        while True:
            query = {"sort": "date_created", "criteria": "desc", "limit": 100, "offset": offset, **params}
            response = self._call("GET", "/v1/payments/search", params=query)
            if response.status_code != 200:
                raise GatewayUnavailable(f"payment search refused: {response.status_code}")
            data = self._json(response)
            page = list(data.get("results") or [])
            found += page
            offset += len(page)
            if not page or offset >= int((data.get("paging") or {}).get("total") or 0):
                return found

    def _payments_of(self, charge_id: str) -> list[dict]:
        return self._search(external_reference=charge_id)

    def _the_payment(self, charge_id: str) -> dict:
        """The approved (or refunded) payment of a charge if any, else the latest attempt."""
        found = self._payments_of(charge_id)
        if not found:
            raise ChargeNotFound(charge_id)
        settled = [item for item in found if item.get("status") in ("approved", "refunded", "charged_back")]
        return (settled or found)[0]

    # Charges.

    def create_charge(self, *, payment, card: CardData | None = None) -> ChargeResult:
        if payment.method == "boleto":
            return self._boleto(payment)
        if payment.method == "card":
            return self._checkout(payment)
        raise ValueError(f"Mercado Pago is not configured to charge {payment.method!r}")

    def _payer(self, order) -> dict:
        if order.cnpj:
            return {
                "email": order.email,
                "first_name": order.company_name[:60] or order.person_name[:60],
                "last_name": "",
                "entity_type": "association",
                "identification": {"type": "CNPJ", "number": order.cnpj},
            }
        first, _, last = order.person_name.partition(" ")
        return {
            "email": order.email,
            "first_name": first,
            "last_name": last or first,
            "entity_type": "individual",
            "identification": {"type": "CPF", "number": order.person_cpf},
        }

    def _boleto(self, payment) -> ChargeResult:
        order = payment.order
        due = datetime.combine(payment.due_date, day_time(23, 59, 59), tzinfo=BRASILIA)
        body = {
            "payment_method_id": "bolbradesco",
            "transaction_amount": float(payment.amount),
            "description": f"Pedido {order.number} — {order.product.name}"[:255],
            "date_of_expiration": due.isoformat(timespec="milliseconds"),
            "external_reference": payment.reference.hex,
            "notification_url": settings.MERCADOPAGO_NOTIFICATION_URL,
            "payer": self._payer(order),
        }
        # The payment's reference is the idempotency key: a retried request never makes a second boleto.
        response = self._call("POST", "/v1/payments", body=body, idempotency_key=payment.reference.hex)
        data = self._json(response)
        if response.status_code not in (200, 201):
            logger.warning("Mercado Pago refused a boleto: %s %s", response.status_code, data.get("message", ""))
            return ChargeResult(
                payment.reference.hex,
                status="failed",
                failure_reason="O boleto não pôde ser gerado agora. Tente de novo ou pague por PIX.",
            )
        transaction_details = data.get("transaction_details") or {}
        return ChargeResult(
            payment.reference.hex,
            details={
                "barcode": _digits((data.get("barcode") or {}).get("content", ""))[:44],
                "line": _digits(transaction_details.get("digitable_line", ""))[:47],
                "document_url": transaction_details.get("external_resource_url", "") or "",
                "provider_id": str(data.get("id", "")),
            },
        )

    def _checkout(self, payment) -> ChargeResult:
        order = payment.order
        back = settings.SITE_URL + reverse("orders:detail", kwargs={"number": order.number}) + "#pagamento"
        body = {
            "items": [
                {
                    "id": order.product.code,
                    "title": order.product.name[:256],
                    "quantity": 1,
                    "currency_id": "BRL",
                    "unit_price": float(payment.amount),
                }
            ],
            "payer": {"email": order.email},
            "external_reference": payment.reference.hex,
            "notification_url": settings.MERCADOPAGO_NOTIFICATION_URL,
            "back_urls": {"success": back, "pending": back, "failure": back},
            "auto_return": "approved",
            # Cards only (boleto and Pix have their own charges), in up to MERCADOPAGO_MAX_INSTALLMENTS instalments.
            "payment_methods": {
                "excluded_payment_types": [{"id": "ticket"}, {"id": "bank_transfer"}, {"id": "atm"}],
                "installments": settings.MERCADOPAGO_MAX_INSTALLMENTS,
            },
            "statement_descriptor": "TECNOSIGN",
        }
        if payment.expires_at:
            body |= {"expires": True, "expiration_date_to": payment.expires_at.isoformat(timespec="milliseconds")}
        response = self._call("POST", "/checkout/preferences", body=body, idempotency_key=payment.reference.hex)
        data = self._json(response)
        if response.status_code not in (200, 201) or not data.get("init_point"):
            logger.warning("Mercado Pago refused a preference: %s %s", response.status_code, data.get("message", ""))
            return ChargeResult(
                payment.reference.hex,
                status="failed",
                failure_reason="O pagamento com cartão não pôde ser iniciado agora. Tente de novo em instantes.",
            )
        return ChargeResult(payment.reference.hex, status="pending", redirect_url=data["init_point"])

    def cancel_charge(self, *, charge_id: str) -> None:
        """A pending boleto is cancelled at Mercado Pago, and an open checkout preference expires now: a replaced
        charge can no longer be paid (one paid all the same is still accepted by `webhook_receive`)."""
        for item in self._payments_of(charge_id):
            if item.get("status") == "pending" and item.get("payment_type_id") == "ticket":
                response = self._call("PUT", f"/v1/payments/{item['id']}", body={"status": "cancelled"})
                if response.status_code not in (200, 201):
                    logger.warning("Mercado Pago did not cancel boleto %s: %s", item["id"], response.status_code)
        response = self._call("GET", "/checkout/preferences/search", params={"external_reference": charge_id})
        if response.status_code != 200:
            raise GatewayUnavailable(f"preference search refused: {response.status_code}")
        now = datetime.now(BRASILIA).isoformat(timespec="milliseconds")
        for preference in self._json(response).get("elements") or []:
            response = self._call(
                "PUT", f"/checkout/preferences/{preference['id']}", body={"expires": True, "expiration_date_to": now}
            )
            if response.status_code not in (200, 201):
                logger.warning("Mercado Pago did not expire preference %s: %s", preference["id"], response.status_code)

    def fetch_charge(self, *, charge_id: str) -> ChargeState:
        data = self._the_payment(charge_id)
        status = STATUS.get(str(data.get("status")), "pending")
        return ChargeState(
            charge_id=charge_id,
            status=status,
            amount=_money(data.get("transaction_amount")),
            currency=str(data.get("currency_id") or ""),
            paid_at=_when(data.get("date_approved")),
            refunded_amount=_money(data.get("transaction_amount_refunded")) or Decimal("0.00"),
            details={"provider_id": str(data.get("id", "")), "provider_status": str(data.get("status", ""))},
        )

    # Webhooks.

    def verify_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        events = self.webhook_events(body=body, headers=headers)
        if not events:
            raise WebhookRejected("the notification names no payment")
        return events[0]

    def webhook_events(self, *, body: bytes, headers: Mapping[str, str]) -> list[GatewayEvent]:
        try:
            data = json.loads(body)
            kind = str(data.get("type") or data.get("topic") or "")
            data_id = str(data["data"]["id"])
        except (ValueError, KeyError, TypeError, AttributeError):
            raise WebhookRejected("unreadable Mercado Pago notification") from None
        # Mercado Pago signs the `data.id` of the query string, which is the body's `data.id`; the body's is the one
        # acted on, so it is the one verified (the portal's webhook view passes the body and the headers).
        self._verify_signature(data_id=data_id, headers=headers)
        if kind != "payment" or not data_id.isdigit():
            return []  # other topics (merchant orders, chargebacks' own topic…) move no money here
        response = self._call("GET", f"/v1/payments/{data_id}")
        if response.status_code == 404:
            return []  # signed, but Mercado Pago does not know it: nothing to act on
        if response.status_code != 200:
            raise GatewayUnavailable(f"payment read refused: {response.status_code}")
        found = self._json(response)
        charge_id = str(found.get("external_reference") or "")
        occurred_at = _when(found.get("date_last_updated")) or _when(found.get("date_created"))
        if not charge_id or occurred_at is None:
            return []
        status = STATUS.get(str(found.get("status")), "pending")
        return [
            GatewayEvent(
                # One event per payment and status: Mercado Pago's retries and its created/updated pair are
                # duplicates, a later refund is a new event.
                event_id=f"mp:{data_id}:{status}",
                charge_id=charge_id,
                status=status,
                amount=_money(found.get("transaction_amount")),
                occurred_at=occurred_at,
            )
        ]

    def _verify_signature(self, *, data_id: str, headers: Mapping[str, str]) -> None:
        secret = settings.MERCADOPAGO_WEBHOOK_SECRET
        if not secret:
            raise WebhookRejected("Mercado Pago webhook secret is not configured")
        header = headers.get(SIGNATURE_HEADER, "")
        parts = dict(item.strip().split("=", 1) for item in header.split(",") if "=" in item)
        ts, received = parts.get("ts", ""), parts.get("v1", "")
        if not ts.isdigit() or not received:
            raise WebhookRejected("missing or malformed x-signature header")
        expected = hmac.new(
            secret.encode(),
            manifest(data_id=data_id, request_id=headers.get(REQUEST_ID_HEADER, ""), ts=ts).encode(),
            hashlib.sha256,
        ).hexdigest()
        if not hmac.compare_digest(expected.encode(), received.encode("utf-8", "replace")):
            raise WebhookRejected("signature does not match")
        seconds = int(ts) / 1000 if int(ts) > 10**11 else int(ts)  # Mercado Pago has sent ts in ms as well as in s
        if abs(time.time() - seconds) > settings.WEBHOOK_TOLERANCE_SECONDS:
            raise WebhookRejected("signature timestamp outside the tolerance window")

    # Refunds and statements.

    def refund(self, *, payment, amount: Decimal, refund_id: str) -> RefundResult:
        paid = self._the_payment(payment.charge_id)
        response = self._call(
            "POST",
            f"/v1/payments/{paid['id']}/refunds",
            body={"amount": float(amount), "metadata": {"refund_id": refund_id}},
            idempotency_key=refund_id,
        )
        data = self._json(response)
        if response.status_code not in (200, 201):
            return RefundResult(
                refund_id=refund_id,
                status="failed",
                failure_reason=str(data.get("message") or f"recusado ({response.status_code})")[:255],
            )
        return self._refund_result(refund_id, data)

    def _refund_result(self, refund_id: str, data: dict) -> RefundResult:
        status = REFUND_STATUS.get(str(data.get("status")), "failed")
        return RefundResult(
            refund_id=refund_id,
            status=status,
            provider_refund_id=str(data.get("id", "")),
            failure_reason="" if status != "failed" else f"Mercado Pago: {data.get('status')}",
        )

    def fetch_refund(self, *, payment, refund_id: str) -> RefundResult:
        paid = self._the_payment(payment.charge_id)
        response = self._call("GET", f"/v1/payments/{paid['id']}/refunds")
        if response.status_code == 404:
            raise ChargeNotFound(refund_id)
        if response.status_code != 200:
            raise GatewayUnavailable(f"refund list refused: {response.status_code}")
        try:
            refunds = response.json()
        except ValueError:
            raise GatewayUnavailable("Mercado Pago answered something that is not JSON") from None
        for item in refunds if isinstance(refunds, list) else []:
            if str((item.get("metadata") or {}).get("refund_id", "")) == refund_id:
                return self._refund_result(refund_id, item)
        raise ChargeNotFound(refund_id)

    def settlements(self, *, start: datetime, end: datetime) -> list[SettlementLine]:
        window = {
            "begin_date": start.isoformat(timespec="milliseconds"),
            "end_date": end.isoformat(timespec="milliseconds"),
        }
        # Payments approved in the window, and those updated in it (a refund of an older payment).
        found = {item["id"]: item for item in self._search(range="date_approved", **window)}
        found |= {item["id"]: item for item in self._search(range="date_last_updated", **window)}
        lines = []
        for item in found.values():
            charge_id = str(item.get("external_reference") or "")
            paid_at = _when(item.get("date_approved"))
            if item.get("status") in ("approved", "refunded", "charged_back") and paid_at and start <= paid_at < end:
                lines.append(
                    SettlementLine(
                        charge_id, "payment", _money(item.get("transaction_amount")), paid_at, str(item["id"])
                    )
                )
            for refund in item.get("refunds") or []:
                when = _when(refund.get("date_created"))
                if refund.get("status") == "approved" and when and start <= when < end:
                    lines.append(
                        SettlementLine(charge_id, "refund", _money(refund.get("amount")), when, str(refund.get("id")))
                    )
        return sorted(lines, key=lambda line: line.occurred_at)
