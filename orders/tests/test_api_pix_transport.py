"""The api_pix gateway without the spec proxy: the API reached over mutual TLS for real, what the start-up check
asks of its settings, a PSP that cannot be reached (the callback answered 503, nothing stored)."""

import json
from decimal import Decimal

import pytest
from django.core.checks import run_checks

from orders.models import Payment, PaymentEvent
from orders.payments.gateways import GatewayUnavailable
from orders.payments.gateways.api_pix import ApiPixGateway
from scheduling.tests.fake_psbio import make_pki
from tecnosign.startup import STARTUP

from .factories import OrderFactory
from .fake_api_pix import CLIENT_ID, CLIENT_SECRET, FakeApiPix

pytestmark = pytest.mark.django_db


def test_the_api_is_reached_over_mtls_with_the_client_certificate(settings, tmp_path):
    pki = make_pki(tmp_path)
    fake = FakeApiPix(tls=pki)
    fake.start()
    try:
        settings.PIX_API_BASE_URL = fake.url
        settings.PIX_API_TOKEN_URL = fake.url + "/oauth/token"
        settings.PIX_API_CLIENT_ID = CLIENT_ID
        settings.PIX_API_CLIENT_SECRET = ""
        secret_file = tmp_path / "client-secret"
        secret_file.write_text(CLIENT_SECRET + "\n")
        settings.PIX_API_CLIENT_SECRET_FILE = str(secret_file)
        settings.PIX_API_CA_FILE = str(pki.ca)
        settings.PIX_API_CERT_FILE = str(pki.client_cert)
        settings.PIX_API_KEY_FILE = str(pki.client_key)
        assert ApiPixGateway.configuration_problems() == []
        payment = Payment(order=OrderFactory(), method="pix", gateway="api_pix", amount=Decimal("159.90"))

        result = ApiPixGateway().create_charge(payment=payment)
        assert result.charge_id in fake.cobs and result.details["payload"].startswith("000201")

        settings.PIX_API_CERT_FILE = settings.PIX_API_KEY_FILE = ""  # without the client certificate: no API
        with pytest.raises(GatewayUnavailable):
            ApiPixGateway().fetch_charge(charge_id=result.charge_id)
        problems = ApiPixGateway.configuration_problems()
        assert any("PIX_API_CERT_FILE" in problem for problem in problems)
    finally:
        fake.stop()


def test_the_start_up_check_lists_what_the_api_pix_gateway_lacks(settings, tmp_path):
    settings.DEBUG = False
    settings.PAYMENT_GATEWAY, settings.SANDBOX_ALLOWED = "sandbox", True
    settings.PAYMENT_GATEWAY_PIX = "api_pix"
    settings.PIX_API_BASE_URL = "http://pix.example-bank.test/api/v2"
    settings.PIX_API_TOKEN_URL = ""
    settings.PIX_API_CLIENT_ID = "client"
    settings.PIX_API_CLIENT_SECRET = ""
    settings.PIX_API_CLIENT_SECRET_FILE = str(tmp_path / "missing")
    settings.PIX_API_CERT_FILE = str(tmp_path / "missing.pem")
    settings.PIX_API_KEY_FILE = ""

    found = [message.msg for message in run_checks(tags=[STARTUP]) if message.id == "orders.E011"]

    assert any("PIX_API_TOKEN_URL is not set" in message for message in found)
    assert any("PIX_API_CLIENT_SECRET" in message for message in found)
    assert any("PIX_API_CERT_FILE" in message and "not a readable file" in message for message in found)
    assert any("PIX_API_KEY_FILE is not set" in message for message in found)
    assert any("PIX_API_BASE_URL must be an https:// URL" in message for message in found)

    settings.PAYMENT_GATEWAY_BOLETO = "api_pix"  # it charges Pix only
    assert any(message.id == "orders.E010" for message in run_checks(tags=[STARTUP]))


def test_a_callback_the_psp_cannot_confirm_now_is_answered_503_and_stores_nothing(settings, client, customer):
    fake = FakeApiPix()
    fake.start()
    settings.PAYMENT_GATEWAY_PIX = "api_pix"
    settings.PIX_API_BASE_URL = fake.url
    settings.PIX_API_TOKEN_URL = fake.url + "/oauth/token"
    settings.PIX_API_CLIENT_ID, settings.PIX_API_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    payment = Payment.objects.get(order=order)
    pix = fake.pay(payment.charge_id, notify=False)
    fake.stop()  # the PSP is down when its callback arrives

    response = client.post(
        "/payments/webhooks/api_pix/pix",
        json.dumps({"pix": [pix]}),
        content_type="application/json",
        headers={"X-SSL-Client-Verify": "SUCCESS"},
    )

    assert response.status_code == 503
    assert not PaymentEvent.objects.exists()
    assert Payment.objects.get(pk=payment.pk).status == "pending"


def test_a_psp_down_at_checkout_shows_a_message_and_stores_no_charge(settings, customer):
    settings.PAYMENT_GATEWAY_PIX = "api_pix"
    settings.PIX_API_BASE_URL = settings.PIX_API_TOKEN_URL = "http://127.0.0.1:9/oauth/token"  # nothing listens
    settings.PIX_API_CLIENT_ID, settings.PIX_API_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    order = OrderFactory()

    response = customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"}, follow=True)

    assert "Não foi possível gerar a cobrança agora" in response.text
    assert not Payment.objects.filter(order=order).exists()


def test_a_revoked_token_is_renewed_once_and_plain_transfers_are_not_charges(settings):
    fake = FakeApiPix()
    fake.start()
    try:
        settings.PIX_API_BASE_URL = fake.url
        settings.PIX_API_TOKEN_URL = fake.url + "/oauth/token"
        settings.PIX_API_CLIENT_ID, settings.PIX_API_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
        payment = Payment(order=OrderFactory(), method="pix", gateway="api_pix", amount=Decimal("159.90"))
        gateway = ApiPixGateway()
        charge = gateway.create_charge(payment=payment)
        assert gateway.fetch_charge(charge_id=charge.charge_id).status == "pending"
        assert [path for method, path in fake.requests if path == "/oauth/token"] == ["/oauth/token"]  # cached

        fake.tokens.clear()  # the PSP revoked it
        assert gateway.fetch_charge(charge_id=charge.charge_id).status == "pending"
        assert [path for method, path in fake.requests if path == "/oauth/token"] == ["/oauth/token"] * 2
    finally:
        fake.stop()

    # A Pix to the key without a txid (someone's transfer) is no charge of ours; a pinned fingerprint must match.
    transfer = {"endToEndId": "E" + "1" * 31, "valor": "10.00", "horario": "2026-12-04T10:00:00-03:00"}
    headers = {"X-SSL-Client-Verify": "SUCCESS", "X-SSL-Client-Fingerprint": "AB:CD"}
    assert gateway.webhook_events(body=json.dumps({"pix": [transfer]}).encode(), headers=headers) == []
    settings.PIX_WEBHOOK_CLIENT_FINGERPRINTS = ["abcd"]
    assert gateway.webhook_events(body=json.dumps({"pix": [transfer]}).encode(), headers=headers) == []
