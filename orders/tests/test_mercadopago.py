"""Boleto and card through Mercado Pago, against a local fake of its API (orders/tests/fake_mercadopago.py) that
calls the portal's webhook on a live server, signed as Mercado Pago signs."""

import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.utils import timezone

from orders.models import CommissionEntry, Order, Payment, PaymentEvent
from orders.payments.gateways import get_gateway
from orders.payments.gateways.mercadopago import MercadoPagoGateway, sign
from tecnosign.notifications.models import OutboxMessage

from .factories import OrderFactory
from .fake_mercadopago import FakeMercadoPago, fixture

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "TEST-6295877106812064-120415-0123456789abcdef-202809963"
SECRET = "mp-webhook-secret-of-the-tests"
CARD = {"card_number": "5031 4332 1540 6351", "cardholder_name": "APRO", "expiration": "11/30", "security_code": "123"}


@pytest.fixture
def mp(settings, live_server):
    with FakeMercadoPago(access_token=TOKEN, webhook_secret=SECRET) as fake:
        settings.PAYMENT_GATEWAY_BOLETO = "mercadopago"
        settings.PAYMENT_GATEWAY_CARD = "mercadopago"
        settings.MERCADOPAGO_API_URL = fake.url
        settings.MERCADOPAGO_ACCESS_TOKEN = TOKEN
        settings.MERCADOPAGO_WEBHOOK_SECRET = SECRET
        settings.MERCADOPAGO_NOTIFICATION_URL = f"{live_server.url}/payments/webhooks/mercadopago/"
        settings.SITE_URL = live_server.url
        yield fake


def state(order: Order) -> dict:
    return {
        "order": Order.objects.values("status", "status_changed_at").get(pk=order.pk),
        "payments": list(Payment.objects.filter(order=order).values("pk", "status", "paid_at", "paid_amount")),
        "events": PaymentEvent.objects.count(),
        "commissions": CommissionEntry.objects.count(),
    }


def boleto_for(customer, order: Order, mp: FakeMercadoPago) -> tuple[Payment, dict]:
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "boleto"})
    payment = Payment.objects.get(order=order)
    return payment, mp.payment_of(payment.reference.hex)


def test_a_boleto_order_is_registered_at_mercado_pago_and_paid_by_its_webhook(customer, mp):
    order = OrderFactory()
    page = customer(order)

    # the customer chooses boleto on the order page
    page.post(f"/pedido/{order.number}/pagamento/", {"method": "boleto"})
    payment = Payment.objects.get(order=order)
    registered = mp.payment_of(payment.reference.hex)

    # Mercado Pago registered it as asked: the portal's reference, the due date at the end of the day in Brasília,
    # the payer's CPF, an idempotency key, the access token
    sent = next(e for e in mp.exchanges if e.path == "/v1/payments" and e.method == "POST")
    assert sent.status == 201
    assert sent.headers["X-Idempotency-Key"] == payment.reference.hex
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.request["date_of_expiration"] == f"{payment.due_date.isoformat()}T23:59:59.000-03:00"
    assert sent.request["payer"]["identification"] == {"type": "CPF", "number": order.person_cpf}
    assert sent.request["transaction_amount"] == 159.9
    assert set(fixture("boleto_payment_request.json")) <= set(sent.request)

    # the page shows Mercado Pago's digitable line and links its PDF
    assert (payment.gateway, payment.charge_id) == ("mercadopago", payment.reference.hex)
    assert payment.boleto_line == registered["transaction_details"]["digitable_line"] and len(payment.boleto_line) == 47
    assert payment.boleto_barcode == registered["barcode"]["content"]
    detail = page.get(f"/pedido/{order.number}/").text
    assert payment.boleto_line in detail and registered["transaction_details"]["external_resource_url"] in detail
    assert requests.get(payment.checkout_url, timeout=10).headers["Content-Type"] == "application/pdf"
    instructions = OutboxMessage.objects.get(key=f"payment:{payment.pk}:instructions")
    assert payment.boleto_line in instructions.body_text and payment.checkout_url in instructions.body_text

    # a retried request never registers a second boleto
    again = MercadoPagoGateway().create_charge(payment=payment)
    assert again.details["line"] == payment.boleto_line and len(mp.payments) == 1

    # the buyer pays at a bank: Mercado Pago calls the webhook, the portal reads the payment back, the order is paid
    response = mp.pay_boleto(registered["id"])

    assert response.status_code == 200 and response.json()["outcome"] == "applied"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.PAID and payment.status == Payment.Status.PAID
    assert payment.paid_amount == Decimal("159.90")
    entry = CommissionEntry.objects.get(order=order)
    assert (entry.kind, entry.amount, entry.partner_id) == ("accrual", Decimal("15.99"), order.partner_id)
    assert any(e.path == "/v1/payments/search" for e in mp.exchanges)  # read back before money moved
    assert "Pago em" in page.get(f"/pedido/{order.number}/").text


def test_a_card_order_is_paid_on_mercado_pagos_checkout_and_confirmed_by_its_webhook(customer, mp, live_server):
    order = OrderFactory()
    page = customer(order)

    # the order page offers Mercado Pago's checkout, not a card form; its CSP lets the form go on to the checkout
    detail = page.get(f"/pedido/{order.number}/")
    assert "pelo Mercado Pago" in detail.text and 'name="cvv"' not in detail.text
    form_action = next(
        d for d in detail["Content-Security-Policy"].split(";") if d.strip().startswith("form-action")
    ).split()
    assert "'self'" in form_action and "https://www.mercadopago.com.br" in form_action

    # the customer is sent to the hosted checkout
    response = page.post(f"/pedido/{order.number}/pagamento/cartao/")
    assert response.status_code == 302
    checkout_url = response["Location"]
    assert checkout_url.startswith(f"{mp.url}/checkout/v1/redirect?pref_id=")
    payment = Payment.objects.get(order=order)
    assert (payment.method, payment.status, payment.checkout_url) == ("card", "pending", checkout_url)
    assert payment.expires_at > timezone.now()
    preference = next(e for e in mp.exchanges if e.path == "/checkout/preferences")
    assert preference.request["external_reference"] == payment.reference.hex
    assert preference.request["payment_methods"]["installments"] == 12
    assert preference.request["items"][0]["unit_price"] == 159.9
    assert preference.request["back_urls"]["success"] == f"{live_server.url}/pedido/{order.number}/#pagamento"
    assert "Continuar o pagamento" in page.get(f"/pedido/{order.number}/").text

    # and pays there, in 3 instalments: Mercado Pago calls the webhook and sends the buyer back to the order page
    form = requests.get(checkout_url, timeout=10)
    assert form.status_code == 200 and '<option value="12">' in form.text
    pref_id = parse_qs(urlsplit(checkout_url).query)["pref_id"][0]
    back = requests.post(
        f"{mp.url}/checkout/v1/pay?pref_id={pref_id}",
        data={**CARD, "installments": "3"},
        allow_redirects=False,
        timeout=30,
    )

    assert back.status_code == 302 and back.headers["Location"].startswith(f"{live_server.url}/pedido/{order.number}/")
    assert mp.webhooks[-1].status_code == 200 and mp.webhooks[-1].json()["outcome"] == "applied"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert Payment.objects.get(order=order).status == Payment.Status.PAID
    assert "5031433215406351" not in str(list(Payment.objects.values())) + str(list(PaymentEvent.objects.values()))


def test_a_rejected_card_leaves_the_order_payable(customer, mp):
    order = OrderFactory()
    checkout_url = customer(order).post(f"/pedido/{order.number}/pagamento/cartao/")["Location"]
    pref_id = parse_qs(urlsplit(checkout_url).query)["pref_id"][0]

    requests.post(f"{mp.url}/checkout/v1/pay?pref_id={pref_id}", data={**CARD, "cardholder_name": "OTHE"}, timeout=10)

    assert mp.webhooks[-1].json()["outcome"] == "applied"  # the charge failed, as Mercado Pago says
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert Payment.objects.get(order=order).status == Payment.Status.FAILED


@pytest.mark.parametrize("fault", ["wrong secret", "stale", "no header"])
def test_a_badly_signed_webhook_is_400_and_nothing_is_stored(customer, mp, fault):
    order = OrderFactory()
    _, registered = boleto_for(customer, order, mp)
    mp.pay_boleto(registered["id"], notify=False)  # paid at Mercado Pago: only the signature stands in the way
    before = state(order)

    if fault == "no header":
        response = requests.post(
            f"{registered['notification_url']}?data.id={registered['id']}&type=payment",
            json=fixture("notification.json") | {"data": {"id": str(registered["id"])}},
            timeout=10,
        )
    elif fault == "stale":
        response = mp.notify(registered["id"], ts=int(time.time()) - 3600)
    else:
        response = mp.notify(registered["id"], secret="not-the-secret")

    assert response.status_code == 400 and response.json()["error"] == "webhook_rejected"
    assert state(order) == before


def test_a_signed_webhook_for_a_payment_still_pending_pays_nothing(customer, mp):
    order = OrderFactory()
    payment, registered = boleto_for(customer, order, mp)

    response = mp.notify(registered["id"], action="payment.created")

    assert response.status_code == 200 and response.json()["outcome"] == "ignored"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT and payment.status == Payment.Status.PENDING
    assert not CommissionEntry.objects.exists()


def test_a_retried_webhook_is_applied_once(customer, mp):
    order = OrderFactory()
    payment, registered = boleto_for(customer, order, mp)
    assert mp.pay_boleto(registered["id"]).json()["outcome"] == "applied"

    again = mp.notify(registered["id"])
    created = mp.notify(registered["id"], action="payment.created")

    assert again.json()["outcome"] == "duplicate" and created.json()["outcome"] == "duplicate"
    assert PaymentEvent.objects.filter(payment=payment).count() == 1
    assert CommissionEntry.objects.filter(order=order).count() == 1


def test_mercado_pago_unreachable_answers_503_and_the_retry_is_applied(customer, mp):
    order = OrderFactory()
    _, registered = boleto_for(customer, order, mp)
    mp.pay_boleto(registered["id"], notify=False)
    before = state(order)

    mp.fail_next = 1
    assert mp.notify(registered["id"]).status_code == 503
    assert state(order) == before

    assert mp.notify(registered["id"]).json()["outcome"] == "applied"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_a_replaced_charge_can_no_longer_be_paid_at_mercado_pago(customer, mp):
    order = OrderFactory()
    page = customer(order)
    page.post(f"/pedido/{order.number}/pagamento/", {"method": "boleto"})
    boleto = Payment.objects.get(order=order)

    # the customer goes for the card instead: the boleto is cancelled at Mercado Pago
    checkout_url = page.post(f"/pedido/{order.number}/pagamento/cartao/")["Location"]
    assert mp.payment_of(boleto.reference.hex)["status"] == "cancelled"
    boleto.refresh_from_db()
    assert boleto.status == Payment.Status.CANCELLED
    assert requests.get(checkout_url, timeout=10).status_code == 200

    # and back to a boleto: the checkout expires at Mercado Pago
    page.post(f"/pedido/{order.number}/pagamento/", {"method": "boleto"})
    expired = requests.get(checkout_url, timeout=10)
    assert expired.status_code == 410 and "expirou" in expired.text
    assert list(order.payments.order_by("created_at").values_list("method", "status")) == [
        ("boleto", "cancelled"),
        ("card", "cancelled"),
        ("boleto", "pending"),
    ]


def test_refund_is_idempotent_and_its_webhook_cancels_the_order(customer, mp):
    order = OrderFactory()
    payment, registered = boleto_for(customer, order, mp)
    mp.pay_boleto(registered["id"])
    payment.refresh_from_db()
    gateway = get_gateway(payment.gateway)

    first = gateway.refund(payment=payment, amount=payment.amount, refund_id="refund-0001")
    again = gateway.refund(payment=payment, amount=payment.amount, refund_id="refund-0001")

    assert first.status == "done" and again == first
    assert len(registered["refunds"]) == 1 and registered["status"] == "refunded"
    sent = [e for e in mp.exchanges if e.path.endswith("/refunds") and e.method == "POST"]
    assert {e.headers["X-Idempotency-Key"] for e in sent} == {"refund-0001"}
    assert gateway.fetch_refund(payment=payment, refund_id="refund-0001") == first
    assert gateway.fetch_charge(charge_id=payment.charge_id).status == "refunded"
    refused = gateway.refund(payment=payment, amount=Decimal("1.00"), refund_id="refund-0002")
    assert refused.status == "failed" and refused.failure_reason

    # Mercado Pago tells the portal: the order is cancelled and the commission reversed
    assert mp.notify(registered["id"]).json()["outcome"] == "applied"
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert CommissionEntry.objects.filter(order=order).values_list("kind", flat=True).count() == 2

    # and the statement has the payment and the refund
    now = timezone.now()
    lines = gateway.settlements(start=now - timedelta(hours=1), end=now + timedelta(minutes=1))
    assert [(line.charge_id, line.kind, line.amount) for line in lines] == [
        (payment.charge_id, "payment", Decimal("159.90")),
        (payment.charge_id, "refund", Decimal("159.90")),
    ]


def test_configuration_problems_name_what_is_missing(settings):
    settings.MERCADOPAGO_ACCESS_TOKEN = ""
    settings.MERCADOPAGO_WEBHOOK_SECRET = ""
    settings.MERCADOPAGO_NOTIFICATION_URL = "http://127.0.0.1:8000/payments/webhooks/mercadopago/"
    settings.DEBUG = False

    problems = " ".join(MercadoPagoGateway.configuration_problems())

    assert "MERCADOPAGO_ACCESS_TOKEN" in problems and "MERCADOPAGO_WEBHOOK_SECRET" in problems
    assert "MERCADOPAGO_NOTIFICATION_URL" in problems
    settings.MERCADOPAGO_ACCESS_TOKEN, settings.MERCADOPAGO_WEBHOOK_SECRET = TOKEN, SECRET
    settings.MERCADOPAGO_NOTIFICATION_URL = "https://portal.example.com.br/payments/webhooks/mercadopago/"
    assert MercadoPagoGateway.configuration_problems() == []


def test_the_sandboxs_simulated_payment_never_touches_a_mercado_pago_charge(customer, mp):
    # Pix stays with the sandbox here; the boleto is Mercado Pago's
    order = OrderFactory()
    page = customer(order)
    _, registered = boleto_for(customer, order, mp)
    assert "Simular pagamento" not in page.get(f"/pedido/{order.number}/").text
    before = state(order)

    response = page.post(f"/pedido/{order.number}/pagamento/simular/", follow=True)

    assert "Não há cobrança em aberto para simular." in response.text
    assert state(order) == before and registered["status"] == "pending"


def test_mercado_pago_down_when_the_customer_chooses_leaves_nothing_behind(customer, mp):
    order = OrderFactory()
    page = customer(order)
    mp.fail_next = 1

    response = page.post(f"/pedido/{order.number}/pagamento/", {"method": "boleto"}, follow=True)

    assert "o meio de pagamento não respondeu" in response.text
    assert not Payment.objects.exists() and not mp.payments
    page.post(f"/pedido/{order.number}/pagamento/", {"method": "boleto"})  # a moment later it works
    assert Payment.objects.get(order=order).boleto_line


def test_a_signed_notification_of_a_payment_mercado_pago_does_not_know_is_ignored(customer, mp, live_server):
    order = OrderFactory()
    _, registered = boleto_for(customer, order, mp)
    before = state(order)
    unknown_id = 424242  # validly signed (the secret leaked, say), but no such payment at Mercado Pago
    request_id, ts = "0f6c1b3e-req", str(int(time.time()))

    response = requests.post(
        f"{live_server.url}/payments/webhooks/mercadopago/?data.id={unknown_id}&type=payment",
        json=fixture("notification.json") | {"data": {"id": str(unknown_id)}},
        headers={
            "x-signature": sign(secret=SECRET, data_id=str(unknown_id), request_id=request_id, ts=ts),
            "x-request-id": request_id,
        },
        timeout=10,
    )

    assert response.status_code == 200 and response.json()["outcome"] == "ignored"
    assert state(order) == before and registered["status"] == "pending"
    assert any(e.path == f"/v1/payments/{unknown_id}" and e.status == 404 for e in mp.exchanges)


def test_a_signature_with_its_timestamp_in_milliseconds_is_accepted(customer, mp):
    order = OrderFactory()
    _, registered = boleto_for(customer, order, mp)
    mp.pay_boleto(registered["id"], notify=False)

    response = mp.notify(registered["id"], ts=int(time.time() * 1000))

    assert response.json()["outcome"] == "applied"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_production_refuses_mercado_pago_without_its_credentials_and_reads_them_from_files(tmp_path):
    from tecnosign.tests.test_startup import PROCESSES, production_env, run

    staging = {
        "PAYMENT_GATEWAY": "sandbox",  # Pix stays with the sandbox on this staging deployment
        "SANDBOX_ALLOWED": "1",
        "SANDBOX_WEBHOOK_SECRET": "staging-" + "w" * 24,
        "PAYMENT_GATEWAY_BOLETO": "mercadopago",
        "PAYMENT_GATEWAY_CARD": "mercadopago",
    }
    refused = run(PROCESSES["manage.py check"], production_env(tmp_path, **staging))
    assert refused.returncode != 0
    assert "(orders.E011) MERCADOPAGO_ACCESS_TOKEN" in refused.stderr and "MERCADOPAGO_WEBHOOK_SECRET" in refused.stderr

    (tmp_path / "token").write_text(TOKEN + "\n")
    (tmp_path / "secret").write_text(SECRET + "\n")
    files = {
        "MERCADOPAGO_ACCESS_TOKEN_FILE": str(tmp_path / "token"),
        "MERCADOPAGO_WEBHOOK_SECRET_FILE": str(tmp_path / "secret"),
    }
    started = run(PROCESSES["manage.py check"], production_env(tmp_path, **staging, **files))
    assert started.returncode == 0, started.stderr[-2000:]
