"""Pix through the API Pix (`api_pix` gateway), against a stand-in PSP behind Prism, a proxy that validates every
request against the Banco Central's official specification (vendored in orders/tests/specs/) and refuses (422) any
request it does not allow: charge, callback, read back, paid; forged, replayed and wrong-amount callbacks change
nothing; refunds and the reconciliation of a lost callback; the API over mTLS for real."""

import io
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone

from orders.models import Order, Payment, PaymentEvent
from orders.payments.gateways import ChargeNotFound, get_gateway
from orders.payments.gateways.api_pix import txid_for
from orders.payments.pix import parse_tlv
from orders.tasks import reconcile_payments

from .factories import OrderFactory
from .fake_api_pix import CLIENT_ID, CLIENT_SECRET, FakeApiPix

pytestmark = [pytest.mark.django_db, pytest.mark.prism]

ROOT = Path(__file__).resolve().parents[2]
SPEC = Path(__file__).parent / "specs" / "bacen-pix-api-2.9.0" / "openapi.yaml"
PRISM = ROOT / "node_modules" / ".bin" / "prism"
WEBHOOK_URL = "https://pix-webhook.tecnosign.test/payments/webhooks/api_pix"
# Answers the specification 2.9.0 itself gets wrong, which a real PSP sends so (and the stand-in with it).
SPEC_ERRATA = ('location must match format "uri"', "must have required property 'cobs'")
PROXY_HEADERS = {"X-SSL-Client-Verify": "SUCCESS"}  # what the reverse proxy sets after verifying the PSP's cert


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Prism:
    def __init__(self, upstream: str, log: Path):
        self.port = _free_port()
        self.log = log
        self.url = f"http://127.0.0.1:{self.port}"
        # Proxy mode: every request is validated against the specification and forwarded; each violation is logged
        # ("Violation: request…"), and the tests assert there is none. (Not --errors: it would also turn into 500s
        # the answers that trip the specification's own errata — `location` without a scheme, as the BR Code
        # manual wants it and every PSP sends it, against `format: uri`; PixConsultados requiring a `cobs` list.)
        command = [str(PRISM), "proxy", str(SPEC), upstream, "-p", str(self.port)]
        self.process = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT)  # noqa: S603 (our own command line)
        deadline = time.monotonic() + 60
        while "Prism is listening" not in log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("Prism did not start:\n" + log.read_text()[-2000:])
            time.sleep(0.2)

    def mark(self) -> int:
        return len(self.log.read_text())

    def violations(self, since: int = 0) -> list[str]:
        lines = self.log.read_text()[since:].splitlines()
        return [
            line
            for line in lines
            if ("Violation: request" in line or "terminated with error" in line)
            or ("Violation: response" in line and not any(erratum in line for erratum in SPEC_ERRATA))
        ]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def psp(tmp_path_factory):
    """The stand-in PSP and Prism in front of it, once per module (Prism takes seconds to start)."""
    if not PRISM.exists() or not shutil.which("node"):
        message = "this test needs node and @stoplight/prism-cli (npm ci)"
        if os.environ.get("TECNOSIGN_CI") == "1":
            pytest.fail(message + " — CI must provide it", pytrace=False)
        pytest.skip(message)
    fake = FakeApiPix()
    fake.start()
    prism = Prism(fake.url, tmp_path_factory.mktemp("prism") / "prism.log")
    yield fake, prism
    prism.stop()
    fake.stop()


@pytest.fixture
def api_pix(psp, settings, client):
    """Settings naming the api_pix gateway for Pix, through Prism; callbacks delivered to the portal's webhook URL as
    the reverse proxy would after verifying the PSP's client certificate. Yields (fake, prism, deliveries)."""
    fake, prism = psp
    settings.PAYMENT_GATEWAY_PIX = "api_pix"
    settings.PIX_API_BASE_URL = prism.url
    settings.PIX_API_TOKEN_URL = fake.url + "/oauth/token"
    settings.PIX_API_CLIENT_ID = CLIENT_ID
    settings.PIX_API_CLIENT_SECRET = CLIENT_SECRET
    settings.PIX_WEBHOOK_URL = WEBHOOK_URL
    deliveries = []

    def deliver(url: str, body: bytes) -> None:
        response = client.post(urlsplit(url).path, body, content_type="application/json", headers=PROXY_HEADERS)
        deliveries.append(response)

    fake.deliver = deliver
    mark = prism.mark()
    output = io.StringIO()
    call_command("pix_webhook_register", stdout=output)
    assert f"Webhook registered: {WEBHOOK_URL}" in output.getvalue()
    yield fake, prism, deliveries
    fake.deliver = None
    time.sleep(0.2)  # Prism writes its log asynchronously
    assert prism.violations(mark) == [], "a request or answer the API Pix specification does not allow"


def start_pix(customer, order) -> Payment:
    page = customer(order)
    response = page.post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    assert response.status_code == 302
    return Payment.objects.get(order=order, status=Payment.Status.PENDING)


def state(order: Order) -> dict:
    return {
        "order": Order.objects.get(pk=order.pk).status,
        "payments": list(Payment.objects.filter(order=order).values_list("status", "paid_amount", "flagged")),
        "events": PaymentEvent.objects.count(),
    }


def test_a_pix_order_is_paid_through_the_api_pix_after_the_charge_is_read_back(api_pix, customer):
    fake, _prism, deliveries = api_pix
    order = OrderFactory()
    payment = start_pix(customer, order)

    txid = txid_for(payment)
    assert payment.gateway == "api_pix" and payment.charge_id == txid and len(txid) == 34
    cob = fake.cobs[txid]
    assert cob["valor"]["original"] == "159.90" and cob["calendario"]["expiracao"] == 30 * 60
    assert fake.webhooks == {"pagamentos@tecnosign.com.br": WEBHOOK_URL}
    # The customer is shown the PSP's own code: a dynamic BR Code carrying its location, not one built here.
    assert payment.pix_payload == cob["pixCopiaECola"]
    assert parse_tlv(parse_tlv(payment.pix_payload)["26"])["25"] == cob["location"]
    detail = customer(order).get(f"/pedido/{order.number}/").text
    assert payment.pix_payload in detail and 'src="data:image/png;base64,' in detail

    pix = fake.pay(txid)

    assert [response.status_code for response in deliveries] == [200]
    assert deliveries[0].json()["outcome"] == "applied"
    payment.refresh_from_db()
    assert (payment.status, payment.paid_amount) == ("paid", Decimal("159.90"))
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert PaymentEvent.objects.get(event_id=pix["endToEndId"]).outcome == "applied"
    assert ("GET", f"/cob/{txid}") in fake.requests  # read back before acting

    # The same callback again (the PSP retries): applied once.
    before = state(order)
    fake.notify([pix])
    assert deliveries[-1].json()["outcome"] == "duplicate"
    assert state(order) == before


def test_a_forged_callback_pays_nothing(api_pix, customer, client):
    fake, _prism, _deliveries = api_pix
    order = OrderFactory()
    payment = start_pix(customer, order)
    before = state(order)
    forged = {
        "pix": [
            {
                "endToEndId": "E" + secrets.token_hex(15) + "0",
                "txid": payment.charge_id,
                "valor": "159.90",
                "horario": timezone.now().isoformat(),
            }
        ]
    }
    response = client.post(
        "/payments/webhooks/api_pix/pix", json.dumps(forged), content_type="application/json", headers=PROXY_HEADERS
    )

    assert response.status_code == 200 and response.json()["outcome"] == "not_confirmed"
    assert fake.cobs[payment.charge_id]["status"] == "ATIVA"
    after = state(order)
    assert after["order"] == before["order"] == Order.Status.AWAITING_PAYMENT
    assert after["payments"] == before["payments"] and after["events"] == before["events"] + 1

    # Replayed: stored once, still nothing paid.
    again = client.post(
        "/payments/webhooks/api_pix/pix", json.dumps(forged), content_type="application/json", headers=PROXY_HEADERS
    )
    assert again.json()["outcome"] == "duplicate" and state(order) == after


def test_a_callback_without_the_proxys_mtls_header_is_refused_and_stores_nothing(api_pix, customer, client, settings):
    fake, _prism, _deliveries = api_pix
    order = OrderFactory()
    payment = start_pix(customer, order)
    fake.pay(payment.charge_id, notify=False)  # even a true callback, when it did not come over the PSP's channel
    body = (fake.callbacks and fake.callbacks[-1][1]) or json.dumps({"pix": [fake.cobs[payment.charge_id]["pix"][0]]})
    before = state(order)

    for headers in ({}, {"X-SSL-Client-Verify": "FAILED:unable to verify"}, {"X-SSL-Client-Verify": "NONE"}):
        response = client.post("/payments/webhooks/api_pix/pix", body, content_type="application/json", headers=headers)
        assert response.status_code == 400 and response.json()["error"] == "webhook_rejected"
    # With fingerprints pinned, a verified certificate that is not the PSP's is refused too.
    settings.PIX_WEBHOOK_CLIENT_FINGERPRINTS = ["AB:CD:" + "00:" * 29 + "EF"]
    response = client.post(
        "/payments/webhooks/api_pix/",
        body,
        content_type="application/json",
        headers={**PROXY_HEADERS, "X-SSL-Client-Fingerprint": "ab" * 32},
    )
    assert response.status_code == 400
    assert state(order) == before


def test_a_charge_concluded_with_another_amount_does_not_pay_the_order(api_pix, customer):
    fake, _prism, deliveries = api_pix
    order = OrderFactory()
    payment = start_pix(customer, order)

    fake.pay(payment.charge_id, amount="1.00")

    assert deliveries[-1].json()["outcome"] == "amount_mismatch"
    payment.refresh_from_db()
    assert payment.status == "pending" and payment.flagged and "R$ 1,00" in payment.flag_reason
    assert Order.objects.get(pk=order.pk).status == Order.Status.AWAITING_PAYMENT


def test_a_retried_charge_names_the_same_cob_and_a_replaced_one_is_removed(api_pix, customer):
    fake, _prism, _deliveries = api_pix
    order = OrderFactory()
    payment = start_pix(customer, order)
    gateway = get_gateway("api_pix")

    again = gateway.create_charge(payment=payment)  # the PSP refuses the PUT of a known txid: read it instead
    assert again.charge_id == payment.charge_id and again.details["payload"] == payment.pix_payload
    assert sum(1 for txid in fake.cobs if txid == payment.charge_id) == 1

    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "boleto"})
    assert fake.cobs[payment.charge_id]["status"] == "REMOVIDA_PELO_USUARIO_RECEBEDOR"
    assert gateway.fetch_charge(charge_id=payment.charge_id).status == "expired"
    with pytest.raises(ChargeNotFound):
        gateway.fetch_charge(charge_id="TS" + "0" * 32)


def test_a_refund_reaches_devolvido_and_cancels_the_order(api_pix, customer):
    fake, _prism, deliveries = api_pix
    order = OrderFactory()
    payment = start_pix(customer, order)
    fake.pay(payment.charge_id)
    payment.refresh_from_db()
    gateway = get_gateway("api_pix")

    asked = gateway.refund(payment=payment, amount=Decimal("159.90"), refund_id="ref-1")
    assert asked.status == "pending" and asked.provider_refund_id.startswith("D")
    assert gateway.refund(payment=payment, amount=Decimal("159.90"), refund_id="ref-1") == asked  # idempotent
    pix = fake.cobs[payment.charge_id]["pix"][0]
    assert len(pix["devolucoes"]) == 1

    fake.settle_refunds()

    assert gateway.fetch_refund(payment=payment, refund_id="ref-1").status == "done"
    assert deliveries[-1].json()["outcome"] == "applied"
    payment.refresh_from_db()
    assert payment.status == "refunded"
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert gateway.fetch_charge(charge_id=payment.charge_id).status == "refunded"
    lines = gateway.settlements(start=timezone.now() - timedelta(hours=1), end=timezone.now() + timedelta(minutes=1))
    mine = [(line.kind, line.amount) for line in lines if line.charge_id == payment.charge_id]
    assert mine == [("payment", Decimal("159.90")), ("refund", Decimal("159.90"))]


def test_the_reconciliation_pays_an_order_whose_callback_was_lost(api_pix, customer):
    fake, _prism, deliveries = api_pix
    order = OrderFactory()
    payment = start_pix(customer, order)
    pix = fake.pay(payment.charge_id, notify=False)  # the callback is lost
    assert Order.objects.get(pk=order.pk).status == Order.Status.AWAITING_PAYMENT

    result = reconcile_payments()

    assert result["api_pix"]["applied"] == 1
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert PaymentEvent.objects.get(event_id=pix["endToEndId"]).outcome == "applied"
    assert reconcile_payments()["api_pix"]["applied"] == 0  # nothing twice
    fake.notify([pix])  # the callback arrives at last: a duplicate
    assert deliveries[-1].json()["outcome"] == "duplicate"
    assert Payment.objects.get(pk=payment.pk).paid_amount == Decimal("159.90")


def test_prism_refuses_a_request_the_specification_does_not_allow(psp):
    """The check is not vacuous: a charge with an amount the spec forbids is refused and reported by Prism."""
    fake, prism = psp
    token = requests.post(
        fake.url + "/oauth/token", data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET), timeout=5
    ).json()["access_token"]
    mark = prism.mark()
    response = requests.put(
        prism.url + "/cob/TS" + "a" * 32,
        json={"calendario": {"expiracao": 1800}, "valor": {"original": "159,90"}, "chave": "x@example.com"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    reported = prism.violations(mark)
    assert any("Violation: request.body.valor.original" in line for line in reported), reported
    assert response.status_code in (201, 400, 422)  # forwarded or refused: what counts is the report


@pytest.mark.django_db(transaction=True)
def test_the_psp_calls_the_running_portal_over_http(api_pix, live_server, customer):
    """The same journey with the callback sent over the network to a running portal, as the PSP (through the
    reverse proxy that verified its certificate) would."""
    fake, _prism, _deliveries = api_pix
    sent = []

    def deliver(url: str, body: bytes) -> None:
        response = requests.post(
            live_server.url + urlsplit(url).path,
            data=body,
            headers={"Content-Type": "application/json", **PROXY_HEADERS},
            timeout=30,
        )
        sent.append(response)

    fake.deliver = deliver
    order = OrderFactory()
    payment = start_pix(customer, order)

    fake.pay(payment.charge_id)

    assert [(response.status_code, response.json()["outcome"]) for response in sent] == [(200, "applied")]
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert Payment.objects.get(pk=payment.pk).paid_amount == Decimal("159.90")
