"""A local, stateful Mercado Pago for the tests: the REST endpoints the portal calls, a hosted checkout page where a
buyer pays by card, and signed webhooks (real HMAC, Mercado Pago's manifest) sent to the portal.

It answers from the exchanges kept in `fixtures/mercadopago/` (see its README), filling in ids, amounts, references
and dates, and checks what the portal sends against the request shapes there. It follows the published API: the same
paths and status codes, `Authorization: Bearer <access token>`, `X-Idempotency-Key` (the same key answers the first
result again, never a second payment or refund).
"""

import copy
import html
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import requests

from orders.payments.boleto import boleto_build
from orders.payments.gateways.mercadopago import sign

FIXTURES = Path(__file__).parent / "fixtures" / "mercadopago"
BRT = ZoneInfo("America/Sao_Paulo")
# Mercado Pago's test cards (Brazil): the holder name picks the outcome (APRO approved, OTHE rejected).
TEST_CARDS = {"5031433215406351": "master", "4235647728025682": "visa"}


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _now() -> str:
    return datetime.now(BRT).isoformat(timespec="milliseconds")


def _missing_keys(shape: dict, sent: dict, prefix: str = "") -> list[str]:
    """Keys of the fixture's request shape that the portal's request lacks (nested dicts checked too)."""
    missing = []
    for key, value in shape.items():
        if key not in sent:
            missing.append(prefix + key)
        elif isinstance(value, dict) and isinstance(sent[key], dict):
            missing += _missing_keys(value, sent[key], f"{prefix}{key}.")
    return missing


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    request: dict | None
    response: object
    headers: dict = field(default_factory=dict)


class FakeMercadoPago:
    def __init__(self, *, access_token: str, webhook_secret: str):
        self.access_token = access_token
        self.webhook_secret = webhook_secret
        self.payments: dict[int, dict] = {}
        self.preferences: dict[str, dict] = {}
        self.idempotent: dict[tuple[str, str], tuple[int, dict]] = {}
        self.exchanges: list[Exchange] = []
        self.webhooks: list[requests.Response] = []
        self.fail_next: int = 0  # answer 500 to this many API calls (an outage)
        self._next_id = 1311000001
        self._lock = threading.RLock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    # What the buyer and Mercado Pago's back office do.

    def payment_of(self, external_reference: str) -> dict:
        return next(p for p in reversed(self.payments.values()) if p["external_reference"] == external_reference)

    def pay_boleto(self, payment_id: int, *, notify: bool = True) -> requests.Response | None:
        """The buyer pays the boleto at a bank; Mercado Pago approves it and calls the notification URL."""
        with self._lock:
            payment = self.payments[payment_id]
            payment |= {"status": "approved", "status_detail": "accredited", "date_approved": _now()}
            payment["date_last_updated"] = payment["date_approved"]
        return self.notify(payment_id) if notify else None

    def notify(
        self, payment_id: int, *, action: str = "payment.updated", secret: str | None = None, ts: int | None = None
    ) -> requests.Response:
        """POST Mercado Pago's notification for a payment to its notification_url, signed as Mercado Pago signs."""
        payment = self.payments[payment_id]
        body = fixture("notification.json") | {
            "id": int(time.time() * 1000),
            "action": action,
            "date_created": _now(),
            "data": {"id": str(payment_id)},
        }
        request_id = str(uuid.uuid4())
        ts_value = str(int(time.time()) if ts is None else ts)
        signature = sign(
            secret=self.webhook_secret if secret is None else secret,
            data_id=str(payment_id),
            request_id=request_id,
            ts=ts_value,
        )
        response = requests.post(
            payment["notification_url"] + "?" + urlencode({"data.id": payment_id, "type": "payment"}),
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "x-signature": signature, "x-request-id": request_id},
            timeout=30,
        )
        self.webhooks.append(response)
        return response

    # The API.

    def _id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id - 1

    def _create_boleto(self, body: dict) -> tuple[int, dict]:
        missing = _missing_keys(fixture("boleto_payment_request.json"), body)
        if missing or body.get("payment_method_id") != "bolbradesco":
            return 400, fixture("error_400.json") | {"message": f"missing: {', '.join(missing) or 'payment_method_id'}"}
        payment_id = self._id()
        amount = Decimal(str(body["transaction_amount"]))
        due = date.fromisoformat(body["date_of_expiration"][:10])
        boleto = boleto_build(bank="237", amount=amount, due=due, free_field=f"{payment_id:025d}")
        payment = fixture("boleto_payment_response.json")
        payment |= {
            "id": payment_id,
            "date_created": _now(),
            "date_last_updated": _now(),
            "date_of_expiration": body["date_of_expiration"],
            "description": body.get("description", ""),
            "external_reference": body["external_reference"],
            "notification_url": body["notification_url"],
            "transaction_amount": body["transaction_amount"],
            "payer": {"email": body["payer"]["email"], "identification": body["payer"]["identification"]},
            "barcode": {"content": boleto.barcode},
        }
        payment["transaction_details"] |= {
            "digitable_line": boleto.line,
            "total_paid_amount": body["transaction_amount"],
            "external_resource_url": f"{self.url}/payments/{payment_id}/ticket",
        }
        self.payments[payment_id] = payment
        return 201, payment

    def _create_preference(self, body: dict) -> tuple[int, dict]:
        missing = _missing_keys(fixture("preference_request.json"), body)
        if missing or not body.get("items"):
            return 400, fixture("error_400.json") | {"message": f"missing: {', '.join(missing) or 'items'}"}
        preference_id = f"202809963-{uuid.uuid4()}"
        preference = fixture("preference_response.json") | {
            key: body[key]
            for key in (
                "items",
                "external_reference",
                "notification_url",
                "back_urls",
                "auto_return",
                "payment_methods",
            )
        }
        preference |= {
            "id": preference_id,
            "date_created": _now(),
            "expires": body.get("expires", False),
            "expiration_date_to": body.get("expiration_date_to"),
            "init_point": f"{self.url}/checkout/v1/redirect?pref_id={preference_id}",
            "sandbox_init_point": f"{self.url}/checkout/v1/redirect?pref_id={preference_id}",
        }
        self.preferences[preference_id] = preference
        return 201, preference

    def _pay_card(self, preference: dict, form: dict) -> dict:
        """The buyer submits the hosted checkout's card form: a payment is made for the preference."""
        number = form.get("card_number", "").replace(" ", "")
        installments = int(form.get("installments", "1"))
        approved = number in TEST_CARDS and form.get("cardholder_name") == "APRO"
        payment = fixture("card_payment_response.json")
        now = _now()
        payment |= {
            "id": self._id(),
            "date_created": now,
            "date_approved": now if approved else None,
            "date_last_updated": now,
            "payment_method_id": TEST_CARDS.get(number, "master"),
            "status": "approved" if approved else "rejected",
            "status_detail": "accredited" if approved else "cc_rejected_other_reason",
            "external_reference": preference["external_reference"],
            "notification_url": preference["notification_url"],
            "transaction_amount": preference["items"][0]["unit_price"],
            "installments": installments,
            "card": {
                "first_six_digits": number[:6],
                "last_four_digits": number[-4:],
                "cardholder": {"name": form.get("cardholder_name", "")},
            },
        }
        self.payments[payment["id"]] = payment
        return payment

    def expired(self, preference: dict) -> bool:
        until = preference.get("expiration_date_to")
        return bool(preference.get("expires") and until and datetime.fromisoformat(until) <= datetime.now(BRT))

    def _search(self, query: dict) -> dict:
        found = list(self.payments.values())
        if "external_reference" in query:
            found = [p for p in found if p["external_reference"] == query["external_reference"]]
        if "status" in query:
            found = [p for p in found if p["status"] == query["status"]]
        if "range" in query:
            begin = datetime.fromisoformat(query["begin_date"])
            end = datetime.fromisoformat(query["end_date"])
            found = [
                p for p in found if p.get(query["range"]) and begin <= datetime.fromisoformat(p[query["range"]]) <= end
            ]
        found.sort(key=lambda p: p["date_created"], reverse=query.get("criteria") == "desc")
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 30))
        answer = fixture("payment_search_response.json")
        answer["paging"] = {"total": len(found), "limit": limit, "offset": offset}
        answer["results"] = found[offset : offset + limit]
        return answer

    def _refund(self, payment: dict, body: dict) -> tuple[int, dict]:
        refundable = Decimal(str(payment["transaction_amount"])) - Decimal(str(payment["transaction_amount_refunded"]))
        amount = Decimal(str(body.get("amount", refundable)))
        if payment["status"] != "approved":
            return 400, fixture("error_400.json") | {
                "message": "The action requested is not valid for the current payment state"
            }
        if amount <= 0 or amount > refundable:
            return 400, fixture("error_400.json") | {"message": "amount-attribute-must-be-positive"}
        refund = fixture("refund_response.json") | {
            "id": self._id() + 8_000_000_000,
            "payment_id": payment["id"],
            "amount": float(amount),
            "metadata": body.get("metadata") or {},
            "date_created": _now(),
        }
        payment.setdefault("refunds", []).append(refund)
        payment["transaction_amount_refunded"] = float(
            Decimal(str(payment["transaction_amount"])) - refundable + amount
        )
        if amount == refundable:
            payment["status"], payment["status_detail"] = "refunded", "refunded"
        payment["date_last_updated"] = _now()
        return 201, refund

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body, *, content_type="application/json", headers=None):
                raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(raw)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

            def _body(self) -> dict | None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                    return {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                return json.loads(raw) if raw else None

            def _api(self, method: str):
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = self._body()
                parts = [p for p in url.path.split("/") if p]
                if parts[:2] == ["checkout", "v1"]:
                    return self._checkout(parts, query, body)
                if parts[:1] == ["payments"] and parts[-1:] == ["ticket"]:
                    return self._send(200, f"%PDF-1.4 boleto {parts[1]}", content_type="application/pdf")
                if self.headers.get("Authorization") != f"Bearer {fake.access_token}":
                    return self._answer(method, url.path, 401, body, fixture("error_401.json"))
                if fake.fail_next:
                    fake.fail_next -= 1
                    return self._answer(method, url.path, 500, body, {"message": "internal_error", "status": 500})
                key = self.headers.get("X-Idempotency-Key", "")
                if method == "POST" and key and (url.path, key) in fake.idempotent:
                    status, answer = fake.idempotent[(url.path, key)]
                    return self._answer(method, url.path, status, body, answer)
                with fake._lock:
                    status, answer = self._route(method, parts, query, body or {})
                    if method == "POST" and key and status < 300:
                        fake.idempotent[(url.path, key)] = (status, answer)
                return self._answer(method, url.path, status, body, answer)

            def _answer(self, method, path, status, body, answer):
                fake.exchanges.append(
                    Exchange(method, path, status, body, copy.deepcopy(answer), dict(self.headers.items()))
                )
                self._send(status, answer)

            def _route(self, method, parts, query, body) -> tuple[int, object]:
                if parts == ["v1", "payments"] and method == "POST":
                    if not self.headers.get("X-Idempotency-Key"):
                        return 400, fixture("error_400.json") | {"message": "Header X-Idempotency-Key can't be null"}
                    return fake._create_boleto(body)
                if parts == ["v1", "payments", "search"] and method == "GET":
                    return 200, fake._search(query)
                if parts == ["checkout", "preferences"] and method == "POST":
                    return fake._create_preference(body)
                if parts == ["checkout", "preferences", "search"] and method == "GET":
                    found = [
                        {key: p[key] for key in ("id", "external_reference", "date_created", "expires")}
                        for p in fake.preferences.values()
                        if p["external_reference"] == query.get("external_reference")
                    ]
                    return 200, fixture("preference_search_response.json") | {
                        "elements": found,
                        "next_offset": len(found),
                        "total": len(found),
                    }
                if parts[:2] == ["checkout", "preferences"] and len(parts) == 3 and method == "PUT":
                    preference = fake.preferences.get(parts[2])
                    if preference is None:
                        return 404, fixture("error_404.json") | {"message": "preference not found"}
                    preference |= {k: body[k] for k in ("expires", "expiration_date_to") if k in body}
                    return 200, preference
                if len(parts) >= 3 and parts[:2] == ["v1", "payments"] and parts[2].isdigit():
                    payment = fake.payments.get(int(parts[2]))
                    if payment is None:
                        return 404, fixture("error_404.json")
                    if len(parts) == 3 and method == "GET":
                        return 200, payment
                    if len(parts) == 3 and method == "PUT":
                        if body.get("status") == "cancelled" and payment["status"] == "pending":
                            payment |= {"status": "cancelled", "status_detail": "by_collector"}
                            payment["date_last_updated"] = _now()
                            return 200, payment
                        return 400, fixture("error_400.json") | {"message": "Invalid status transition"}
                    if parts[3:] == ["refunds"] and method == "POST":
                        if not self.headers.get("X-Idempotency-Key"):
                            return 400, fixture("error_400.json") | {
                                "message": "Header-X-Idempotency-Key-can't-be-null"
                            }
                        return fake._refund(payment, body)
                    if parts[3:] == ["refunds"] and method == "GET":
                        return 200, payment.get("refunds", [])
                return 404, fixture("error_404.json") | {"message": "resource not found"}

            def _checkout(self, parts, query, body):
                """Mercado Pago's hosted checkout: a card form, and its submission (3-D Secure is its business)."""
                if parts == ["checkout", "v1", "redirect"]:
                    preference = fake.preferences.get(query.get("pref_id", ""))
                    if preference is None:
                        return self._send(404, "<p>preferência não encontrada</p>", content_type="text/html")
                    if fake.expired(preference):
                        return self._send(410, "<p>Este link de pagamento expirou.</p>", content_type="text/html")
                    item = preference["items"][0]
                    options = "".join(
                        f'<option value="{n}">{n}x</option>'
                        for n in range(1, preference["payment_methods"]["installments"] + 1)
                    )
                    page = (
                        f"<h1>Mercado Pago</h1><p>{html.escape(item['title'])}: R$ {item['unit_price']}</p>"
                        f'<form method="post" action="/checkout/v1/pay?pref_id={preference["id"]}">'
                        '<input name="card_number"><input name="cardholder_name"><input name="expiration">'
                        f'<input name="security_code"><select name="installments">{options}</select>'
                        "<button>Pagar</button></form>"
                    )
                    return self._send(200, page, content_type="text/html; charset=utf-8")
                if parts == ["checkout", "v1", "pay"]:
                    preference = fake.preferences.get(query.get("pref_id", ""))
                    if preference is None:
                        return self._send(404, "<p>preferência não encontrada</p>", content_type="text/html")
                    if fake.expired(preference):
                        return self._send(410, "<p>Este link de pagamento expirou.</p>", content_type="text/html")
                    with fake._lock:
                        payment = fake._pay_card(preference, body or {})
                    fake.notify(payment["id"], action="payment.created")
                    approved = payment["status"] == "approved"
                    back = preference["back_urls"]["success" if approved else "failure"]
                    back_query = urlencode(
                        {
                            "collection_id": payment["id"],
                            "collection_status": payment["status"],
                            "payment_id": payment["id"],
                            "status": payment["status"],
                            "external_reference": payment["external_reference"],
                            "preference_id": preference["id"],
                        }
                    )
                    base, _, anchor = back.partition("#")
                    location = f"{base}?{back_query}" + (f"#{anchor}" if anchor else "")
                    return self._send(302, "", content_type="text/plain", headers={"Location": location})
                return self._send(404, "not found", content_type="text/plain")

            def do_GET(self):
                self._api("GET")

            def do_POST(self):
                self._api("POST")

            def do_PUT(self):
                self._api("PUT")

        return Handler
