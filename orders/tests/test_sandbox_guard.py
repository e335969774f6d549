"""The sandbox gateway pays orders with test cards: where it is not allowed, nothing of it pays or even answers.

Production refuses to start with it (tecnosign/tests/test_startup.py); these tests are the defence behind that
check, with the sandbox disallowed as in a production process (DEBUG off, SANDBOX_ALLOWED unset).
"""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.core.management import CommandError, call_command

from orders.models import Order, Payment, PaymentEvent
from orders.payments.gateways.sandbox import SIGNATURE_HEADER, event_body, sign
from tecnosign.startup import STARTUP

from .factories import OrderFactory

pytestmark = pytest.mark.django_db
SECRET = "dev-sandbox-webhook-secret"
APPROVED_CARD = {"number": "4111 1111 1111 1111", "holder_name": "MARIA SILVA", "expiry": "12/30", "cvv": "123"}


@pytest.fixture
def order_with_pix(customer):
    """An order awaiting payment with a live sandbox PIX charge, made while the sandbox was allowed."""
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    return order, Payment.objects.get(order=order)


@pytest.fixture
def production(settings):
    """The sandbox as a production process sees it: DEBUG off (pytest-django's default) and no staging setting."""
    settings.DEBUG, settings.SANDBOX_ALLOWED = False, False
    return settings


def _unpaid(order: Order, payment: Payment) -> bool:
    order.refresh_from_db()
    payment.refresh_from_db()
    return order.status == Order.Status.AWAITING_PAYMENT and payment.status == Payment.Status.PENDING


def test_the_simulate_button_is_gone_and_its_url_refuses(customer, order_with_pix, production, on_commit):
    order, payment = order_with_pix
    page = customer(order)

    with on_commit():
        response = page.post(f"/pedido/{order.number}/pagamento/simular/")

    assert response.status_code == 404
    assert "Simular pagamento" not in page.get(f"/pedido/{order.number}/").text
    assert _unpaid(order, payment) and not PaymentEvent.objects.exists()


def test_a_test_card_pays_nothing(customer, production, on_commit):
    order = OrderFactory()

    with on_commit():
        response = customer(order).post(f"/pedido/{order.number}/pagamento/cartao/", APPROVED_CARD)

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert not Payment.objects.exists() and not PaymentEvent.objects.exists()


def test_a_signed_sandbox_webhook_is_refused(client, order_with_pix, production, on_commit):
    order, payment = order_with_pix
    body = event_body(charge_id=payment.charge_id, status="paid", amount=payment.amount)

    with on_commit():
        response = client.post(
            "/payments/webhooks/sandbox/",
            body,
            content_type="application/json",
            headers={SIGNATURE_HEADER: sign(body, secret=SECRET)},
        )

    assert response.status_code == 404
    assert _unpaid(order, payment) and not PaymentEvent.objects.exists()


def test_the_admins_sandbox_confirmation_pays_nothing(admin_client, order_with_pix, production, on_commit):
    order, payment = order_with_pix

    with on_commit():
        admin_client.post("/admin/orders/payment/", {"action": "sandbox_confirm", "_selected_action": [payment.pk]})

    # The action's webhook reaches the gateway, which refuses it before anything is stored.
    assert _unpaid(order, payment) and not PaymentEvent.objects.exists()


def test_load_demo_refuses_and_creates_no_user(production):
    users = get_user_model().objects.count()

    with pytest.raises(CommandError, match="SANDBOX_ALLOWED=1"):
        call_command("load_demo", stdout=StringIO())

    assert get_user_model().objects.count() == users
    assert not get_user_model().objects.filter(username="admin").exists()
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("gateway", "allowed", "secret", "expected"),
    [
        ("", False, "", ["orders.E001"]),
        ("paypal", False, "", ["orders.E002"]),
        ("sandbox", False, SECRET, ["orders.E003"]),
        ("sandbox", True, "", ["orders.E004"]),
        ("sandbox", True, SECRET, []),
    ],
)
def test_the_start_up_check_names_the_gateway_problem(settings, gateway, allowed, secret, expected):
    settings.DEBUG = False
    settings.PAYMENT_GATEWAY, settings.SANDBOX_ALLOWED, settings.SANDBOX_WEBHOOK_SECRET = gateway, allowed, secret

    found = [message.id for message in run_checks(tags=[STARTUP]) if message.id.startswith("orders.")]

    assert found == expected


def test_each_payment_methods_gateway_is_checked_and_named(settings):
    settings.DEBUG, settings.SANDBOX_ALLOWED, settings.SANDBOX_WEBHOOK_SECRET = False, False, SECRET
    settings.PAYMENT_GATEWAY, settings.PAYMENT_GATEWAY_CARD = "sandbox", "paypal"

    found = {(m.id, m.msg.split(" ")[0]) for m in run_checks(tags=[STARTUP]) if m.id.startswith("orders.E00")}

    # the card's own gateway is unknown; pix and boleto fall back to the sandbox, refused in production (said once)
    assert found == {("orders.E002", "PAYMENT_GATEWAY_CARD"), ("orders.E003", "PAYMENT_GATEWAY=sandbox")}
