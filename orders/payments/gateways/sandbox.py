"""The built-in sandbox gateway: real-looking boletos and PIX codes, test cards, and signed webhooks.

It has no outside state: the portal's own Payment rows are its "bank". Confirmations travel through the
same signed webhook a real gateway would send, so the whole verification path is exercised.

Its test cards pay real orders, so it runs only where `sandbox_allowed()` says so: in development (DEBUG) or on a
staging deployment that sets SANDBOX_ALLOWED=1. Production refuses to start with it (orders.checks), and every
entry point (charges, webhooks, the "Simular pagamento" view, `load_demo`) asks the same predicate.
"""

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from stdnum import luhn

from orders.models import SandboxCharge, SandboxRefund
from tecnosign.queue import enqueue_task_on_commit

from ..boleto import boleto_build
from ..pix import brcode
from .base import (
    CardData,
    ChargeNotFound,
    ChargeResult,
    ChargeState,
    GatewayEvent,
    PaymentGateway,
    RefundResult,
    SettlementLine,
    WebhookRejected,
)

SIGNATURE_HEADER = "X-Sandbox-Signature"
STATUSES = {"pending", "paid", "failed", "expired", "refunded"}

# Test cards (any future expiry, any CVV), as payment providers publish for their sandboxes.
APPROVED_CARDS = {"4111111111111111": "Visa", "5555555555554444": "Mastercard", "6062825624254001": "Hipercard"}
DECLINED_CARDS = {
    "4000000000000002": "Cartão recusado pelo emissor.",
    "4000000000009995": "Saldo ou limite insuficiente.",
    "4000000000000069": "Cartão vencido.",
}


class SandboxNotAllowed(ImproperlyConfigured):
    """The sandbox was asked to charge where it is not allowed: a deployment fault the start-up check prevents."""


def sandbox_allowed() -> bool:
    """Whether the sandbox (test cards, simulated payments, its webhook, demo data) may run in this process."""
    return bool(settings.DEBUG or settings.SANDBOX_ALLOWED)


def sign(body: bytes, *, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event_body(*, charge_id: str, status: str, amount: Decimal | None, occurred_at: datetime | None = None) -> bytes:
    payload = {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": "charge.updated",
        "charge_id": charge_id,
        "status": status,
        "amount": None if amount is None else f"{amount:.2f}",
        "occurred_at": (occurred_at or timezone.now()).isoformat(),
    }
    return json.dumps(payload, separators=(",", ":")).encode()


class SandboxGateway(PaymentGateway):
    name = "sandbox"

    def create_charge(self, *, payment, card: CardData | None = None) -> ChargeResult:
        if not sandbox_allowed():
            raise SandboxNotAllowed("The sandbox gateway is not allowed here (DEBUG off, SANDBOX_ALLOWED unset).")
        charge_id = f"sbx_{payment.reference.hex}"
        SandboxCharge.objects.get_or_create(
            charge_id=charge_id, defaults={"method": payment.method, "amount": payment.amount}
        )
        if payment.method == "card":
            result = self._card(charge_id, card)
            if result.status == "authorized":
                # The confirmation arrives as a webhook after commit, as at a real provider.
                sandbox_schedule_webhook(charge_id=charge_id, status="paid", amount=payment.amount)
            return result
        if payment.method == "boleto":
            # Free field: agency (4) + "nosso número" (17, from the payment reference) + account (4).
            our_number = f"{payment.reference.int % 10**17:017d}"
            boleto = boleto_build(
                bank=settings.BOLETO_BANK_CODE,
                amount=payment.amount,
                due=payment.due_date,
                free_field=f"3401{our_number}0457",
            )
            return ChargeResult(charge_id, details={"barcode": boleto.barcode, "line": boleto.line})
        if payment.method == "pix":
            payload = brcode(
                key=settings.PIX_KEY,
                amount=payment.amount,
                txid=payment.reference.hex[:25].upper(),
                merchant_name=settings.PIX_MERCHANT_NAME,
                merchant_city=settings.PIX_MERCHANT_CITY,
            )
            return ChargeResult(charge_id, details={"payload": payload})
        raise ValueError(f"unknown payment method {payment.method!r}")

    def _card(self, charge_id: str, card: CardData | None) -> ChargeResult:
        if card is None or not luhn.is_valid(card.number):
            return ChargeResult(charge_id, status="failed", failure_reason="Número de cartão inválido.")
        details = {"last4": card.number[-4:], "brand": APPROVED_CARDS.get(card.number, "Cartão")}
        if card.number in DECLINED_CARDS:
            return ChargeResult(charge_id, status="failed", failure_reason=DECLINED_CARDS[card.number], details=details)
        if card.number not in APPROVED_CARDS:
            return ChargeResult(
                charge_id,
                status="failed",
                failure_reason="Use um dos cartões de teste do ambiente de testes.",
                details=details,
            )
        return ChargeResult(charge_id, status="authorized", details=details)

    def verify_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        if not sandbox_allowed():
            raise WebhookRejected("the sandbox is not allowed in this deployment")
        secret = settings.SANDBOX_WEBHOOK_SECRET
        if not secret:
            raise WebhookRejected("sandbox webhook secret is not configured")
        header = headers.get(SIGNATURE_HEADER, "")
        parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
        try:
            timestamp = int(parts["t"])
            received = parts["v1"]
        except (KeyError, ValueError):
            raise WebhookRejected("missing or malformed signature header") from None
        expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        # As bytes: compare_digest raises on a str with non-ASCII characters, and the header is the sender's.
        if not hmac.compare_digest(expected.encode(), received.encode("utf-8", "replace")):
            raise WebhookRejected("signature does not match")
        if abs(time.time() - timestamp) > settings.WEBHOOK_TOLERANCE_SECONDS:
            raise WebhookRejected("signature timestamp outside the tolerance window")
        return _parse(body)

    def fetch_charge(self, *, charge_id: str) -> ChargeState:
        charge = SandboxCharge.objects.filter(charge_id=charge_id).first()
        if charge is None:
            raise ChargeNotFound(charge_id)
        paid = charge.status in ("paid", "refunded")
        return ChargeState(
            charge_id=charge.charge_id,
            status=charge.status,
            amount=charge.paid_amount if paid else charge.amount,
            paid_at=charge.paid_at,
            refunded_amount=charge.refunded_amount,
        )

    def cancel_charge(self, *, charge_id: str) -> None:
        SandboxCharge.objects.filter(charge_id=charge_id, status="pending").update(status="cancelled")

    def refund(self, *, payment, amount: Decimal, refund_id: str) -> RefundResult:
        if not sandbox_allowed():
            raise SandboxNotAllowed("The sandbox gateway is not allowed here (DEBUG off, SANDBOX_ALLOWED unset).")
        with transaction.atomic():
            charge = SandboxCharge.objects.select_for_update().filter(charge_id=payment.charge_id).first()
            if charge is None:
                raise ChargeNotFound(payment.charge_id)
            done = SandboxRefund.objects.filter(refund_id=refund_id).first()
            if done is None:
                done = self._refund(charge, amount, refund_id)
        return RefundResult(
            refund_id=done.refund_id,
            status=done.status,
            provider_refund_id=f"sbxr_{done.pk}",
            failure_reason=done.failure_reason,
        )

    def _refund(self, charge: SandboxCharge, amount: Decimal, refund_id: str) -> SandboxRefund:
        refundable = (charge.paid_amount or Decimal("0")) - charge.refunded_amount
        reason = ""
        if charge.status not in ("paid", "refunded"):
            reason = "Cobrança não paga: nada a devolver."
        elif amount <= 0 or amount > refundable:
            reason = "Valor acima do que resta a devolver."
        elif charge.refuse_refunds:
            charge.refuse_refunds -= 1
            reason = "Devolução recusada pelo banco de testes."
        if reason:
            charge.save(update_fields=["refuse_refunds"])
            return SandboxRefund.objects.create(
                charge=charge, refund_id=refund_id, amount=amount, status="failed", failure_reason=reason
            )
        charge.refunded_amount += amount
        if charge.refunded_amount >= charge.paid_amount:
            charge.status = "refunded"
        charge.save(update_fields=["refunded_amount", "status"])
        return SandboxRefund.objects.create(charge=charge, refund_id=refund_id, amount=amount, status="done")

    def fetch_refund(self, *, payment, refund_id: str) -> RefundResult:
        done = SandboxRefund.objects.filter(refund_id=refund_id, charge__charge_id=payment.charge_id).first()
        if done is None:
            raise ChargeNotFound(refund_id)
        return RefundResult(
            refund_id=done.refund_id,
            status=done.status,
            provider_refund_id=f"sbxr_{done.pk}",
            failure_reason=done.failure_reason,
        )

    def settlements(self, *, start: datetime, end: datetime) -> list[SettlementLine]:
        paid = SandboxCharge.objects.filter(paid_at__gte=start, paid_at__lt=end, paid_amount__isnull=False)
        refunds = SandboxRefund.objects.filter(status="done", created_at__gte=start, created_at__lt=end)
        return [
            *(
                SettlementLine(charge.charge_id, "payment", charge.paid_amount, charge.paid_at, charge.charge_id)
                for charge in paid.order_by("paid_at")
            ),
            *(
                SettlementLine(refund.charge.charge_id, "refund", refund.amount, refund.created_at, refund.refund_id)
                for refund in refunds.select_related("charge").order_by("created_at")
            ),
        ]


def sandbox_bank_record(*, charge_id: str, status: str, amount: Decimal | None) -> None:
    """What the sandbox "bank" now says of a charge — as a real provider's ledger changes before it calls back."""
    charge = SandboxCharge.objects.filter(charge_id=charge_id).first()
    if charge is None:
        return  # a charge the bank never made: its callback will not be confirmed
    # A payment may race the charge's replacement (an old boleto paid as the customer switched to Pix).
    if status == "paid" and charge.status in ("pending", "paid", "cancelled"):
        charge.status, charge.paid_amount, charge.paid_at = "paid", amount, charge.paid_at or timezone.now()
    elif status == "refunded" and charge.status in ("paid", "refunded"):
        charge.status, charge.refunded_amount = "refunded", charge.paid_amount or Decimal("0")
    elif status in ("failed", "expired") and charge.status == "pending":
        charge.status = status
    charge.save(update_fields=["status", "paid_amount", "paid_at", "refunded_amount"])


def sandbox_schedule_webhook(*, charge_id: str, status: str, amount: Decimal | None) -> None:
    """The sandbox "bank" settles the charge and "calls" the portal's webhook after commit (signed at delivery,
    through a task); the portal reads the charge back from the bank before it acts."""
    sandbox_bank_record(charge_id=charge_id, status=status, amount=amount)
    enqueue_task_on_commit(
        "orders.sandbox_deliver_webhook", event_body(charge_id=charge_id, status=status, amount=amount).decode()
    )


def _parse(body: bytes) -> GatewayEvent:
    try:
        data = json.loads(body)
        event_id, charge_id, status = str(data["id"]), str(data["charge_id"]), str(data["status"])
        amount = None if data.get("amount") is None else Decimal(str(data["amount"]))
        occurred_at = datetime.fromisoformat(data["occurred_at"])
    except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
        raise WebhookRejected(f"unreadable webhook body: {exc}") from None
    if status not in STATUSES or not event_id or not charge_id or len(event_id) > 128:
        raise WebhookRejected("webhook body has an unknown status or missing ids")
    # The event's time at the sandbox orders events that arrive out of order (orders.services.payments._apply).
    if timezone.is_naive(occurred_at):
        raise WebhookRejected("occurred_at must carry a time zone")
    return GatewayEvent(event_id=event_id, charge_id=charge_id, status=status, amount=amount, occurred_at=occurred_at)
