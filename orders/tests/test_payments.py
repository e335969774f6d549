"""Paying an order through the order page and the gateway's signed webhook."""

import json
import time
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from conftest import wait_for
from orders.models import CommissionEntry, Order, Payment, PaymentEvent, SandboxCharge
from orders.payments.gateways.sandbox import SIGNATURE_HEADER, event_body, sandbox_bank_record, sign
from orders.payments.pix import parse_tlv
from orders.services.payments import payments_expire
from orders.services.transitions import order_transition
from tecnosign.audit.models import AuditEvent
from tecnosign.notifications.models import OutboxMessage

from .factories import DiscountLinkFactory, OrderFactory

pytestmark = pytest.mark.django_db
SECRET = "dev-sandbox-webhook-secret"
BRT = ZoneInfo("America/Sao_Paulo")


def post_webhook(client, body: bytes, *, secret: str = SECRET, timestamp: int | None = None, header=None):
    signature = header if header is not None else sign(body, secret=secret, timestamp=timestamp)
    return client.post(
        "/payments/webhooks/sandbox/", body, content_type="application/json", headers={SIGNATURE_HEADER: signature}
    )


def paid_body(
    payment: Payment, *, amount=None, status="paid", event_id=None, occurred_at=None, bank: bool = True
) -> bytes:
    """The sandbox's callback for `payment`. With `bank`, the sandbox "bank" first settles the charge so (as a real
    provider does before it calls back): the portal reads the charge back from it before acting."""
    if bank:
        sandbox_bank_record(
            charge_id=payment.charge_id, status=status, amount=payment.amount if amount is None else amount
        )
    body = json.loads(
        event_body(
            charge_id=payment.charge_id,
            status=status,
            amount=payment.amount if amount is None else amount,
            occurred_at=occurred_at,
        )
    )
    if event_id:
        body["id"] = event_id
    return json.dumps(body).encode()


def payment_state(order: Order) -> dict:
    """What a refused webhook must leave alone: the order, its charges, the events, commissions, messages, audit."""
    return {
        "order": Order.objects.values("status", "status_changed_at").get(pk=order.pk),
        "payments": list(
            Payment.objects.filter(order=order).order_by("pk").values("pk", "status", "paid_at", "paid_amount")
        ),
        "events": list(PaymentEvent.objects.order_by("pk").values_list("pk", flat=True)),
        "commissions": CommissionEntry.objects.count(),
        "messages": OutboxMessage.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


@pytest.mark.parametrize("method", ["boleto", "pix"])
def test_boleto_and_pix_are_paid_by_a_signed_webhook(client, customer, on_commit, method):
    order = OrderFactory()
    page = customer(order)

    with on_commit():
        page.post(f"/pedido/{order.number}/pagamento/", {"method": method})
    payment = Payment.objects.get(order=order)
    detail = page.get(f"/pedido/{order.number}/").text
    if method == "boleto":
        assert len(payment.boleto_line) == 47 and payment.boleto_line in detail
        assert "até 2 dias úteis para compensar" in detail
    else:
        assert parse_tlv(payment.pix_payload)["54"] == "159.90" and payment.pix_payload in detail
        assert 'src="data:image/png;base64,' in detail
    assert (
        mail.outbox[-1].to == [order.email] and payment.amount.to_eng_string().replace(".", ",") in mail.outbox[-1].body
    )

    with on_commit():
        response = post_webhook(client, paid_body(payment))

    assert response.status_code == 200 and response.json()["outcome"] == "applied"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.PAID and payment.status == Payment.Status.PAID
    assert "Pagamento confirmado" in mail.outbox[-1].subject
    entry = CommissionEntry.objects.get(order=order)
    assert (entry.kind, entry.amount, entry.partner_id) == ("accrual", Decimal("15.99"), order.partner_id)
    assert "Pago em" in page.get(f"/pedido/{order.number}/").text


def test_card_approved_and_declined(customer, on_commit):
    order = OrderFactory(link=DiscountLinkFactory())
    page = customer(order)
    card = {"number": "4000 0000 0000 0002", "holder_name": "MARIA SILVA", "expiry": "12/30", "cvv": "123"}

    declined = page.post(f"/pedido/{order.number}/pagamento/cartao/", card, follow=True)
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert "Cartão recusado pelo emissor." in declined.text

    with on_commit():
        page.post(f"/pedido/{order.number}/pagamento/cartao/", {**card, "number": "4111 1111 1111 1111"})
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert list(order.payments.values_list("status", "card_last4").order_by("id")) == [
        ("failed", "0002"),
        ("paid", "1111"),
    ]
    assert not CommissionEntry.objects.exists()  # a discount link pays no commission
    assert "4111111111111111" not in str(list(Payment.objects.values()))


def test_bad_card_input_gets_messages_and_charges_nothing(customer):
    order = OrderFactory()
    page = customer(order)
    response = page.post(
        f"/pedido/{order.number}/pagamento/cartao/",
        {"number": "4111 1111 1111 1112", "holder_name": "", "expiry": "13/20", "cvv": "1"},
        follow=True,
    )
    assert "Número de cartão inválido" in response.text and "Mês de validade inválido" in response.text
    assert not Payment.objects.exists()


def test_duplicate_and_replayed_webhooks_change_nothing_twice(client, customer, on_commit):
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    payment = Payment.objects.get()
    body = paid_body(payment)

    with on_commit():
        first = post_webhook(client, body)
        again = post_webhook(client, body)
    before_stale = payment_state(order)
    stale = post_webhook(client, body, timestamp=int(time.time()) - 301)

    assert first.json()["outcome"] == "applied" and again.json()["outcome"] == "duplicate"
    assert stale.status_code == 400 and payment_state(order) == before_stale
    assert PaymentEvent.objects.count() == 1 and CommissionEntry.objects.count() == 1
    assert sum("Pagamento confirmado" in m.subject for m in mail.outbox) == 1


@pytest.mark.parametrize(
    "header",
    ["", "t=1,v1=deadbeef", "garbage", sign(b"{}", secret="another-secret")],
    ids=["none", "wrong", "junk", "key"],
)
def test_badly_signed_webhook_is_400_and_nothing_changes(client, customer, header):
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    payment = Payment.objects.get()
    body = paid_body(payment)
    before = payment_state(order)

    response = post_webhook(client, body, header=header or "", secret="another-secret")

    assert response.status_code == 400 and response.json()["error"] == "webhook_rejected"
    assert payment_state(order) == before
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT and not PaymentEvent.objects.exists()


def test_tampered_body_breaks_the_signature(client, customer):
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    payment = Payment.objects.get()
    body = paid_body(payment, amount=Decimal("1.00"))
    signature = sign(body, secret=SECRET)
    before = payment_state(order)

    response = post_webhook(client, body.replace(b'"1.00"', b'"159.90"'), header=signature)

    assert response.status_code == 400
    assert payment_state(order) == before
    assert Payment.objects.get().status == Payment.Status.PENDING


def test_wrong_amount_is_recorded_and_flagged_never_paid(client, customer, on_commit):
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "boleto"})
    payment = Payment.objects.get()

    with on_commit():
        response = post_webhook(client, paid_body(payment, amount=Decimal("15.99")))

    assert response.json()["outcome"] == "amount_mismatch"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT and payment.status == Payment.Status.PENDING
    assert payment.flagged and "R$ 15,99" in payment.flag_reason
    assert mail.outbox[-1].to == ["operacao@tecnosign.test"]
    assert PaymentEvent.objects.get().body.startswith("{")


def test_a_forged_callback_the_bank_never_saw_pays_nothing(client, customer, on_commit):
    # Given a Pix charge, and a correctly signed "paid" callback for it that the bank never settled (a leaked
    # webhook secret, a replay against another environment)
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    payment = Payment.objects.get()
    before = payment_state(order)

    with on_commit():
        response = post_webhook(client, paid_body(payment, bank=False))

    # Then the read-back says the charge is still pending: the event is kept, and nothing else moves
    assert response.status_code == 200 and response.json()["outcome"] == "not_confirmed"
    assert PaymentEvent.objects.get().outcome == "not_confirmed"
    after = payment_state(order)
    assert {key: value for key, value in after.items() if key != "events"} == {
        key: value for key, value in before.items() if key != "events"
    }
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT and not CommissionEntry.objects.exists()


def test_the_amount_acted_on_is_the_banks_not_the_callbacks(client, customer, on_commit):
    # Given a boleto the bank received in full, and a callback that (wrongly) says R$ 1,00
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "boleto"})
    payment = Payment.objects.get()
    sandbox_bank_record(charge_id=payment.charge_id, status="paid", amount=payment.amount)

    with on_commit():
        response = post_webhook(client, paid_body(payment, amount=Decimal("1.00"), bank=False))

    # Then the order is paid with the amount the bank states
    assert response.json()["outcome"] == "applied"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.paid_amount == payment.amount == Decimal("159.90")


def test_a_callback_for_a_charge_the_bank_does_not_know_changes_nothing(client, customer):
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    payment = Payment.objects.get()
    SandboxCharge.objects.filter(charge_id=payment.charge_id).delete()  # the bank has no such charge
    before = payment_state(order)

    response = post_webhook(client, paid_body(payment, bank=False))

    assert response.json()["outcome"] == "not_confirmed"
    assert payment_state(order)["payments"] == before["payments"] and not CommissionEntry.objects.exists()


def test_late_pending_or_failed_never_undoes_paid(client, customer):
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    payment = Payment.objects.get()

    post_webhook(client, paid_body(payment))
    late_pending = post_webhook(client, paid_body(payment, status="pending"))
    late_failed = post_webhook(client, paid_body(payment, status="failed"))

    # the bank says paid: a late "failed" is not confirmed by the read-back, a "pending" tells nothing
    assert (late_pending.json()["outcome"], late_failed.json()["outcome"]) == ("ignored", "not_confirmed")
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.PAID and order.status == Order.Status.PAID


def test_switching_method_replaces_the_live_charge_and_an_old_boleto_still_counts(client, customer):
    order = OrderFactory()
    page = customer(order)
    page.post(f"/pedido/{order.number}/pagamento/", {"method": "boleto"})
    page.post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    boleto, pix = Payment.objects.order_by("id")
    assert (boleto.status, pix.status) == ("cancelled", "pending")

    post_webhook(client, paid_body(boleto))  # the customer had paid the boleto anyway

    boleto.refresh_from_db()
    pix.refresh_from_db()
    order.refresh_from_db()
    assert (boleto.status, pix.status, order.status) == ("paid", "cancelled", "paid")


def test_refund_reverses_the_commission_and_cancels_the_order(client, customer):
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    payment = Payment.objects.get()
    post_webhook(client, paid_body(payment))

    post_webhook(client, paid_body(payment, status="refunded"))

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert sorted(CommissionEntry.objects.values_list("kind", "amount")) == [
        ("accrual", Decimal("15.99")),
        ("reversal", Decimal("-15.99")),
    ]


def staff_alerts() -> list:
    return [m for m in mail.outbox if m.to == ["operacao@tecnosign.test"]]


def test_a_refund_that_arrives_before_its_payment_is_kept_and_the_order_is_not_paid(client, customer, on_commit):
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    payment = Payment.objects.get()
    paid_at = timezone.now() - timedelta(minutes=3)
    # at the bank the charge was paid, then refunded; its callbacks arrive in the other order
    paid = paid_body(payment, occurred_at=paid_at)
    refunded = paid_body(payment, status="refunded", occurred_at=paid_at + timedelta(minutes=2))

    with on_commit():
        first = post_webhook(client, refunded)  # the gateway's retries delivered the refund first
        late = post_webhook(client, paid)
        duplicate = post_webhook(client, refunded)
    replayed = post_webhook(client, paid, timestamp=int(time.time()) - 301)

    assert (first.json()["outcome"], late.json()["outcome"]) == ("applied", "superseded")
    assert duplicate.json()["outcome"] == "duplicate" and replayed.status_code == 400
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert payment.status == Payment.Status.REFUNDED and payment.paid_at is None
    assert payment.flagged and "Estorno recebido antes da confirmação do pagamento" in payment.flag_reason
    assert sorted(PaymentEvent.objects.values_list("status", "outcome")) == [
        ("paid", "superseded"),
        ("refunded", "applied"),
    ]
    [alert] = staff_alerts()
    assert order.number in alert.subject + alert.body
    assert not any("Pagamento confirmado" in m.subject for m in mail.outbox)
    assert not CommissionEntry.objects.exists()
    assert AuditEvent.objects.filter(action="payment.refunded_unpaid", object_id=str(order.pk)).count() == 1
    assert not AuditEvent.objects.filter(action="order.status", object_id=str(order.pk)).exists()


def test_paid_then_refunded_in_order_cancels_the_order_as_before(client, customer, on_commit):
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    payment = Payment.objects.get()
    paid_at = timezone.now() - timedelta(minutes=3)

    with on_commit():
        paid = post_webhook(client, paid_body(payment, occurred_at=paid_at))
        refund = post_webhook(client, paid_body(payment, status="refunded", occurred_at=paid_at + timedelta(minutes=2)))

    assert paid.json()["outcome"] == refund.json()["outcome"] == "applied"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and payment.status == Payment.Status.REFUNDED
    assert sorted(CommissionEntry.objects.values_list("kind", flat=True)) == ["accrual", "reversal"]
    assert not payment.flagged and not staff_alerts()


def test_a_refund_after_the_order_moved_on_reverses_the_commission_and_alerts_staff(client, customer, on_commit):
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    payment = Payment.objects.get()
    post_webhook(client, paid_body(payment))
    order_transition(order=order, to=Order.Status.DOCUMENTS_RECEIVED, note="Documentos enviados")

    with on_commit():
        refund = post_webhook(client, paid_body(payment, status="refunded"))

    assert refund.json()["outcome"] == "applied"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert sorted(CommissionEntry.objects.values_list("kind", "amount")) == [
        ("accrual", Decimal("15.99")),
        ("reversal", Decimal("-15.99")),
    ]
    assert payment.flagged and "Documentos recebidos" in payment.flag_reason
    assert len(staff_alerts()) == 1


def test_a_payment_the_gateway_dates_after_the_refund_changes_nothing_and_is_flagged(client, customer, on_commit):
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    payment = Payment.objects.get()
    refunded_at = timezone.now() - timedelta(minutes=3)
    paid_after = paid_body(payment, occurred_at=refunded_at + timedelta(minutes=1))
    refunded = paid_body(payment, status="refunded", occurred_at=refunded_at)

    with on_commit():
        post_webhook(client, refunded)
        late = post_webhook(client, paid_after)

    assert late.json()["outcome"] == "superseded"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT and payment.status == Payment.Status.REFUNDED
    assert "depois do estorno" in payment.flag_reason and len(staff_alerts()) == 2


def test_a_webhook_without_the_event_time_is_refused(client, customer):
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    body = json.loads(paid_body(Payment.objects.get()))
    del body["occurred_at"]
    before = payment_state(order)

    response = post_webhook(client, json.dumps(body).encode())

    assert response.status_code == 400 and not PaymentEvent.objects.exists()
    assert payment_state(order) == before
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT


def test_boleto_expiry_across_a_holiday_and_a_new_boleto(customer, on_commit):
    # Wednesday 18/11/2026: due Tue 24/11 (Fri 20/11 is Consciência Negra); clears until Thu 26/11.
    with time_machine.travel(datetime(2026, 11, 18, 10, 0, tzinfo=BRT), tick=False):
        order = OrderFactory()
        page = customer(order)
        page.post(f"/pedido/{order.number}/pagamento/", {"method": "boleto"})
        payment = Payment.objects.get()
        assert payment.due_date.isoformat() == "2026-11-24"
        assert "26/11/2026" in page.get(f"/pedido/{order.number}/").text

    with time_machine.travel(datetime(2026, 11, 26, 23, 0, tzinfo=BRT), tick=False):
        assert payments_expire() == {"charges": 0, "orders": 0}

    with time_machine.travel(datetime(2026, 11, 27, 0, 30, tzinfo=BRT), tick=False), on_commit():
        assert payments_expire() == {"charges": 1, "orders": 1}
    order.refresh_from_db()
    assert order.status == Order.Status.PAYMENT_EXPIRED
    assert "prazo de pagamento" in mail.outbox[-1].subject.lower()

    with time_machine.travel(datetime(2026, 11, 27, 9, 0, tzinfo=BRT), tick=False):
        page = customer(order)  # a week later the customer opens the order again (the e-mailed link)
        page.post(f"/pedido/{order.number}/pagamento/", {"method": "boleto"})
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert Payment.objects.filter(status="pending").get().due_date.isoformat() == "2026-12-02"


def test_pix_code_lapses_after_30_minutes_but_the_order_stays_payable(customer):
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})

    payments_expire(now=timezone.now() + timedelta(minutes=31))

    assert Payment.objects.get().status == Payment.Status.EXPIRED
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT


def test_simulate_button_only_where_the_sandbox_is_allowed(customer, settings, on_commit):
    order = OrderFactory()
    page = customer(order)
    page.post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})

    settings.DEBUG, settings.SANDBOX_ALLOWED = False, False
    assert "Simular pagamento" not in page.get(f"/pedido/{order.number}/").text
    assert page.post(f"/pedido/{order.number}/pagamento/simular/").status_code == 404

    settings.DEBUG = True  # development
    assert "Simular pagamento" in page.get(f"/pedido/{order.number}/").text
    settings.DEBUG, settings.SANDBOX_ALLOWED = False, True  # a staging deployment
    assert "Simular pagamento" in page.get(f"/pedido/{order.number}/").text
    with on_commit():
        page.post(f"/pedido/{order.number}/pagamento/simular/")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_staff_confirms_a_sandbox_charge_from_the_admin(admin_client, customer, on_commit):
    order = OrderFactory()
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "boleto"})
    payment = Payment.objects.get()

    with on_commit():
        admin_client.post("/admin/orders/payment/", {"action": "sandbox_confirm", "_selected_action": [payment.pk]})

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert PaymentEvent.objects.get().outcome == "applied"


def test_a_paid_order_takes_no_new_charge(customer):
    order = OrderFactory(status=Order.Status.PAID)
    response = customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"}, follow=True)
    assert "não está aguardando pagamento" in response.text and not Payment.objects.exists()


@pytest.mark.worker
def test_a_real_worker_applies_the_sandbox_webhook_and_sends_the_email(celery_worker):
    order = OrderFactory()
    from orders.services.payments import payment_start
    from tecnosign.audit.services import SYSTEM

    payment = payment_start(order=order, method="card", actor=SYSTEM, card=_approved_card())

    wait_for(lambda: Order.objects.get(pk=order.pk).status == Order.Status.PAID)
    wait_for(lambda: any("Pagamento confirmado" in m.subject for m in mail.outbox))
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PAID
    assert CommissionEntry.objects.filter(order=order).count() == 1


def _approved_card():
    from orders.payments.gateways.base import CardData

    return CardData(number="5555555555554444", holder_name="MARIA", expiry_month=12, expiry_year=2030, cvv="123")
