"""Support's refunds from the admin (four eyes above the limit), the Refund list, and the reconciliation page."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from orders.models import CommissionEntry, Order, Payment, Refund, SandboxCharge, SandboxRefund
from orders.payments.gateways.sandbox import sandbox_bank_record
from scheduling.roles import MANAGERS_GROUP, SUPPORT_GROUP, ensure_roles
from tecnosign.audit.models import AuditEvent
from tecnosign.tests.auth import staff_login

from .factories import OrderFactory, UserFactory
from .test_refunds import pay, post_webhook

pytestmark = pytest.mark.django_db


def staff(group: str):
    ensure_roles()
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user, staff_login(None, user)


def refund_url(payment: Payment) -> str:
    return f"/admin/orders/payment/{payment.pk}/estornar/"


def test_support_refunds_part_of_a_payment_below_the_limit(client, customer, on_commit, settings):
    settings.REFUND_FOUR_EYES_ABOVE = Decimal("500.00")
    order = OrderFactory()
    payment = pay(client, customer, order)
    _, support = staff(SUPPORT_GROUP)

    page = support.get(f"/admin/orders/payment/{payment.pk}/change/").text
    assert "Estornar" in page
    assert support.get(refund_url(payment)).status_code == 200
    # A reason is required; nothing changes without one
    support.post(refund_url(payment), {"amount": "10.00", "reason": ""})
    assert not Refund.objects.exists()

    with on_commit():
        response = support.post(refund_url(payment), {"amount": "10.00", "reason": "Cobrança em duplicidade"})
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert (refund.status, refund.kind, refund.amount) == ("done", "support", Decimal("10.00"))
    assert SandboxRefund.objects.get().amount == Decimal("10.00")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID  # partly refunded: the order goes on
    assert AuditEvent.objects.filter(action="payment.refund_requested", note="Cobrança em duplicidade").exists()

    # More than what is left is refused
    with on_commit():
        support.post(refund_url(payment), {"amount": str(payment.paid_amount), "reason": "De novo"})
    assert Refund.objects.count() == 1


def test_above_the_limit_a_refund_waits_for_another_manager(client, customer, on_commit, settings):
    settings.REFUND_FOUR_EYES_ABOVE = Decimal("50.00")
    order = OrderFactory()
    payment = pay(client, customer, order)
    requester, manager_client = staff(MANAGERS_GROUP)

    with on_commit():
        manager_client.post(
            refund_url(payment), {"amount": str(payment.paid_amount), "reason": "Desistência por telefone"}
        )
    refund = Refund.objects.get()
    assert refund.status == "awaiting_approval" and refund.requested_by == requester
    assert not SandboxRefund.objects.exists()

    # The requester cannot approve their own refund
    action = {"action": "approve", "_selected_action": [refund.pk]}
    with on_commit():
        manager_client.post("/admin/orders/refund/", action)
    refund.refresh_from_db()
    assert refund.status == "awaiting_approval" and refund.approved_by is None
    assert not SandboxRefund.objects.exists()

    # Support cannot approve at all
    _, support = staff(SUPPORT_GROUP)
    with on_commit():
        support.post("/admin/orders/refund/", action)
    assert Refund.objects.get().status == "awaiting_approval"

    # Another manager approves: sent, done, the order cancelled and the commission reversed
    approver, other_manager = staff(MANAGERS_GROUP)
    with on_commit():
        other_manager.post("/admin/orders/refund/", action)
    refund.refresh_from_db()
    assert (refund.status, refund.approved_by) == ("done", approver)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert CommissionEntry.objects.filter(order=order, kind="reversal").count() == 1


def test_staff_retry_a_given_up_refund_from_the_refund_list(client, customer, on_commit, settings):
    settings.REFUND_MAX_ATTEMPTS = 1
    order = OrderFactory()
    payment = pay(client, customer, order)
    SandboxCharge.objects.filter(charge_id=payment.charge_id).update(refuse_refunds=1)
    with on_commit():
        customer(order).post(f"/pedido/{order.number}/desistir/", {"confirm": "1"})
    refund = Refund.objects.get()
    assert refund.status == "given_up"
    _, support = staff(SUPPORT_GROUP)
    listing = support.get("/admin/orders/refund/").text
    assert refund.refund_id in listing

    with on_commit():
        support.post("/admin/orders/refund/", {"action": "retry_now", "_selected_action": [refund.pk]})
    refund.refresh_from_db()
    assert refund.status == "done"
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REFUNDED


def test_reconciliation_lists_a_payment_the_portal_never_heard_of(client, customer, on_commit):
    # Given a day where the portal and the bank agree: one PIX paid and confirmed
    agreed = pay(client, customer, OrderFactory())
    _, support = staff(SUPPORT_GROUP)
    page = support.get("/admin/orders/payment/conciliacao/")
    assert page.status_code == 200
    assert "Nenhuma divergência" in page.text
    assert 'data-agrees="1"' in page.text

    # When the bank records another charge as paid but its webhook never reaches the portal
    lost = OrderFactory()
    customer(lost).post(f"/pedido/{lost.number}/pagamento/", {"method": "boleto"})
    missing = Payment.objects.get(order=lost)
    sandbox_bank_record(charge_id=missing.charge_id, status="paid", amount=missing.amount)

    # Then the page lists it, and the CSV too
    page = support.get("/admin/orders/payment/conciliacao/").text
    assert f'data-charge="{missing.charge_id}"' in page
    assert "Pago no gateway, não no portal" in page
    assert f'data-charge="{agreed.charge_id}"' not in page
    assert 'data-agrees="0"' in page

    today = timezone.localdate().isoformat()
    exported = support.get(f"/admin/orders/payment/conciliacao/?start={today}&end={today}&format=csv")
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    mismatch_rows = [row for row in rows if missing.charge_id in row]
    assert mismatch_rows == [
        [
            today,
            "sandbox",
            missing.charge_id,
            lost.number,
            "Pago no gateway, não no portal",
            "",
            f"{missing.amount:.2f}",
        ]
    ]
    day_row = next(row for row in rows if row[:2] == [today, "sandbox"])
    assert day_row[6:10] == ["1", f"{agreed.paid_amount:.2f}", "2", f"{agreed.paid_amount + missing.amount:.2f}"]

    # And once the webhook arrives, the day agrees again
    assert json.loads(post_webhook(client, missing, "paid").content)["outcome"] == "applied"
    assert "Nenhuma divergência" in support.get("/admin/orders/payment/conciliacao/").text


def test_reconciliation_needs_the_payment_view_permission():
    ensure_roles()
    user = UserFactory(is_staff=True)
    assert staff_login(None, user).get("/admin/orders/payment/conciliacao/").status_code == 403
