"""Refunds: the customer's withdrawal (CDC art. 49), support's refunds from the admin, retries, and money read back
from the gateway."""

import json
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from conftest import wait_for
from orders.models import CommissionEntry, Order, Payment, PaymentEvent, Refund, SandboxCharge, SandboxRefund
from orders.payments.gateways.base import ChargeState, GatewayUnavailable, RefundResult
from orders.payments.gateways.sandbox import SIGNATURE_HEADER, SandboxGateway, event_body, sandbox_bank_record, sign
from orders.tasks import retry_refunds
from tecnosign.audit.models import AuditEvent
from tecnosign.notifications.models import OutboxMessage

from .factories import OrderFactory

pytestmark = pytest.mark.django_db
SECRET = "dev-sandbox-webhook-secret"
BRT = ZoneInfo("America/Sao_Paulo")


def post_webhook(client, payment: Payment, status: str, amount=None):
    body = event_body(charge_id=payment.charge_id, status=status, amount=amount or payment.amount)
    return client.post(
        "/payments/webhooks/sandbox/",
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: sign(body, secret=SECRET)},
    )


def pay(client, customer, order: Order, method: str = "pix") -> Payment:
    """The customer picks a method; the sandbox bank receives the money and calls the webhook."""
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": method})
    payment = Payment.objects.get(order=order, status=Payment.Status.PENDING)
    sandbox_bank_record(charge_id=payment.charge_id, status="paid", amount=payment.amount)
    assert json.loads(post_webhook(client, payment, "paid").content)["outcome"] == "applied"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    return payment


def state(order: Order) -> dict:
    return {
        "order": Order.objects.values("status", "status_changed_at").get(pk=order.pk),
        "payments": list(Payment.objects.filter(order=order).values("pk", "status", "flagged")),
        "refunds": list(Refund.objects.values("pk", "status", "attempts")),
        "bank": list(SandboxRefund.objects.values_list("pk", flat=True)),
        "commissions": CommissionEntry.objects.count(),
        "messages": OutboxMessage.objects.count(),
    }


def staff_alerts() -> list:
    return [m for m in mail.outbox if m.to == ["operacao@tecnosign.test"]]


def test_withdrawal_within_seven_days_refunds_in_full_and_reverses_the_commission(client, customer, on_commit):
    # Given an order paid by PIX on Monday 7 Dec 2026, a partner's commission accrued
    with time_machine.travel(datetime(2026, 12, 7, 10, 0, tzinfo=BRT), tick=False):
        order = OrderFactory()
        payment = pay(client, customer, order)
    assert CommissionEntry.objects.filter(order=order, kind="accrual").exists()

    # When, on the seventh day, the customer withdraws from the order page
    with time_machine.travel(datetime(2026, 12, 14, 22, 0, tzinfo=BRT), tick=False):
        page = customer(order).get(f"/pedido/{order.number}/").text
        assert "Desistir da compra" in page and "14/12/2026" in page
        with on_commit():
            response = customer(order).post(f"/pedido/{order.number}/desistir/", {"confirm": "1"})
    assert response.status_code == 302

    # Then the order is cancelled and the whole payment given back once, through the sandbox gateway
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert payment.status == Payment.Status.REFUNDED and not payment.flagged
    refund = Refund.objects.get()
    assert (refund.status, refund.kind, refund.amount) == ("done", "withdrawal", payment.paid_amount)
    assert list(SandboxRefund.objects.values_list("refund_id", "amount", "status")) == [
        (refund.refund_id, payment.paid_amount, "done")
    ]
    assert sorted(CommissionEntry.objects.filter(order=order).values_list("kind", flat=True)) == [
        "accrual",
        "reversal",
    ]
    assert any(m.to == [order.email] and "Devolução" in m.subject for m in mail.outbox)
    assert not staff_alerts()
    assert AuditEvent.objects.filter(action="payment.refund_requested").exists()

    # And the provider's "refunded" callback that follows changes nothing
    before = state(order)
    assert json.loads(post_webhook(client, payment, "refunded").content)["outcome"] == "ignored"
    assert state(order) == before
    # And a second POST (a double click) refunds nothing more
    customer(order).post(f"/pedido/{order.number}/desistir/", {"confirm": "1"})
    assert state(order) == before


def test_withdrawal_on_the_eighth_day_is_refused_and_changes_nothing(client, customer, on_commit):
    with time_machine.travel(datetime(2026, 12, 7, 10, 0, tzinfo=BRT), tick=False):
        order = OrderFactory()
        pay(client, customer, order)
    with time_machine.travel(datetime(2026, 12, 15, 0, 30, tzinfo=BRT), tick=False):
        assert "Desistir da compra" not in customer(order).get(f"/pedido/{order.number}/").text
        before = state(order)
        with on_commit():
            response = customer(order).post(f"/pedido/{order.number}/desistir/", {"confirm": "1"}, follow=True)
    assert "prazo de desistência" in response.text
    assert state(order) == before
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_withdrawal_after_issuance_is_refused_and_changes_nothing(client, customer, on_commit):
    order = OrderFactory()
    pay(client, customer, order)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.ISSUED)  # the certificate was issued since
    assert "Desistir da compra" not in customer(order).get(f"/pedido/{order.number}/").text
    before = state(order)
    with on_commit():
        customer(order).post(f"/pedido/{order.number}/desistir/", {"confirm": "1"})
    assert state(order) == before


def test_withdrawal_needs_the_confirmation(client, customer, on_commit):
    order = OrderFactory()
    pay(client, customer, order)
    before = state(order)
    with on_commit():
        customer(order).post(f"/pedido/{order.number}/desistir/", {})
    assert state(order) == before


def test_a_refund_the_bank_refuses_twice_is_retried_by_the_task_and_succeeds(client, customer, on_commit, settings):
    settings.REFUND_RETRY_MINUTES = 5
    order = OrderFactory()
    payment = pay(client, customer, order)
    SandboxCharge.objects.filter(charge_id=payment.charge_id).update(refuse_refunds=2)

    with on_commit():
        customer(order).post(f"/pedido/{order.number}/desistir/", {"confirm": "1"})
    refund = Refund.objects.get()
    assert (refund.status, refund.attempts) == ("failed", 1)
    assert "recusada" in refund.last_error
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID  # not refunded yet, and not lost

    # The beat's task: nothing is due before the back-off
    assert retry_refunds.apply().get() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        assert retry_refunds.apply().get() == 1
    refund.refresh_from_db()
    assert (refund.status, refund.attempts) == ("failed", 2)
    with time_machine.travel(timezone.now() + timedelta(minutes=20), tick=False), on_commit():
        assert retry_refunds.apply().get() == 1

    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == "done"
    assert payment.status == Payment.Status.REFUNDED
    assert sorted(SandboxRefund.objects.values_list("status", flat=True)) == ["done", "failed", "failed"]
    assert SandboxRefund.objects.get(status="done").refund_id == refund.refund_id
    assert CommissionEntry.objects.filter(order=order, kind="reversal").count() == 1
    assert not staff_alerts()


def test_a_refund_that_keeps_failing_is_given_up_and_flagged_to_staff(client, customer, on_commit, settings):
    settings.REFUND_MAX_ATTEMPTS = 3
    order = OrderFactory()
    payment = pay(client, customer, order)
    SandboxCharge.objects.filter(charge_id=payment.charge_id).update(refuse_refunds=10)
    with on_commit():
        customer(order).post(f"/pedido/{order.number}/desistir/", {"confirm": "1"})
    for minutes in (10, 60):
        with time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False), on_commit():
            retry_refunds.apply()

    refund = Refund.objects.get()
    payment.refresh_from_db()
    assert (refund.status, refund.attempts, refund.next_attempt_at) == ("given_up", 3, None)
    assert payment.flagged and "falhou 3 vezes" in payment.flag_reason
    assert payment.status == Payment.Status.PAID
    assert len(staff_alerts()) == 1
    # Given up is not lost: the task leaves it alone, staff retry it from the admin (test_refunds_admin)
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        assert retry_refunds.apply().get() == 0


def test_a_boleto_the_gateway_cannot_refund_is_queued_for_staff_transfer(client, customer, on_commit, monkeypatch):
    monkeypatch.setattr(SandboxGateway, "refund_methods", frozenset({"pix", "card"}))
    order = OrderFactory()
    pay(client, customer, order, method="boleto")
    page = customer(order).get(f"/pedido/{order.number}/").text
    assert 'name="pix_key"' in page

    before = state(order)
    customer(order).post(f"/pedido/{order.number}/desistir/", {"confirm": "1"})
    assert state(order) == before  # without a key nothing changes

    with on_commit():
        customer(order).post(f"/pedido/{order.number}/desistir/", {"confirm": "1", "pix_key": "maria@exemplo.com.br"})
    refund = Refund.objects.get()
    assert (refund.status, refund.payee_pix_key) == ("transfer", "maria@exemplo.com.br")
    assert not SandboxRefund.objects.exists()
    assert Payment.objects.get(order=order, status="paid").flagged
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED


@pytest.mark.parametrize(
    ("amount", "currency"),
    [(Decimal("100.001"), "BRL"), (None, "USD")],
    ids=["sub-centavo amount", "other currency"],
)
def test_an_amount_or_currency_the_order_did_not_ask_for_is_refused_and_raised(
    client, customer, on_commit, monkeypatch, amount, currency
):
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    payment = Payment.objects.get()
    sandbox_bank_record(charge_id=payment.charge_id, status="paid", amount=payment.amount)
    reported = payment.amount + Decimal("0.001") if amount is not None else payment.amount

    def fetch_charge(self, *, charge_id):
        return ChargeState(charge_id=charge_id, status="paid", amount=reported, currency=currency)

    monkeypatch.setattr(SandboxGateway, "fetch_charge", fetch_charge)
    commissions = CommissionEntry.objects.count()
    with on_commit():
        outcome = json.loads(post_webhook(client, payment, "paid").content)["outcome"]

    assert outcome == PaymentEvent.Outcome.AMOUNT_MISMATCH
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and payment.paid_at is None
    assert payment.flagged
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert CommissionEntry.objects.count() == commissions
    assert len(staff_alerts()) == 1


def test_a_refund_the_provider_is_still_processing_is_read_back_later(client, customer, on_commit, monkeypatch):
    order = OrderFactory()
    payment = pay(client, customer, order)
    real_refund = SandboxGateway.refund

    def slow_refund(self, *, payment, amount, refund_id):
        real_refund(self, payment=payment, amount=amount, refund_id=refund_id)
        return RefundResult(refund_id=refund_id, status="pending", provider_refund_id="sbxr_slow")

    monkeypatch.setattr(SandboxGateway, "refund", slow_refund)
    with on_commit():
        customer(order).post(f"/pedido/{order.number}/desistir/", {"confirm": "1"})
    refund = Refund.objects.get()
    assert refund.status == "sent"
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PAID

    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False), on_commit():
        assert retry_refunds.apply().get() == 1
    refund.refresh_from_db()
    assert refund.status == "done"
    assert SandboxRefund.objects.count() == 1
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REFUNDED


def test_an_unreachable_gateway_keeps_the_refund_id_and_retries(client, customer, on_commit, monkeypatch):
    order = OrderFactory()
    pay(client, customer, order)
    real_refund = SandboxGateway.refund

    def down(self, **kwargs):
        raise GatewayUnavailable("timeout")

    monkeypatch.setattr(SandboxGateway, "refund", down)
    with on_commit():
        customer(order).post(f"/pedido/{order.number}/desistir/", {"confirm": "1"})
    refund = Refund.objects.get()
    first_id = refund.refund_id
    assert (refund.status, refund.attempts) == ("failed", 1)

    monkeypatch.setattr(SandboxGateway, "refund", real_refund)
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False), on_commit():
        retry_refunds.apply()
    refund.refresh_from_db()
    assert (refund.status, refund.refund_id) == ("done", first_id)
    assert SandboxRefund.objects.get().refund_id == first_id


def test_a_real_worker_sends_the_withdrawal_refund(celery_worker, client, customer):
    # Given a paid order (committed: the worker reads it from its own connection)
    order = OrderFactory()
    payment = pay(client, customer, order)

    # When the customer withdraws, the refund is queued after commit and a real worker sends it
    customer(order).post(f"/pedido/{order.number}/desistir/", {"confirm": "1"})

    # Then the sandbox bank refunded it once and the payment is refunded
    wait_for(lambda: Refund.objects.filter(status="done").exists())
    assert SandboxRefund.objects.filter(status="done").count() == 1
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REFUNDED
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
