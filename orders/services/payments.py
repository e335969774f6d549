"""Charging an order and applying what the gateway reports about it."""

import json
import logging
from dataclasses import asdict
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone

from tecnosign.audit.services import SYSTEM, Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.notifications.services import notify

from ..business_days import add_business_days
from ..models import Order, Payment, PaymentEvent
from ..payments.gateways import configured_gateway_names, gateway_for, get_gateway
from ..payments.gateways.api_pix import ApiPixGateway
from ..payments.gateways.base import CardData, ChargeNotFound, ChargeState, GatewayEvent
from .access import order_access_url
from .commissions import commission_accrue, commission_reverse
from .transitions import TRANSITIONS, order_transition

logger = logging.getLogger(__name__)
S = Order.Status
P = Payment.Status
E = PaymentEvent.Outcome


class PaymentNotAllowed(DomainError):
    code = "payment_not_allowed"


def boleto_clearing_deadline(due: datetime.date) -> datetime:
    """End of the last day a boleto paid on its due date may still clear (Brasília time)."""
    last_day = add_business_days(due, settings.BOLETO_CLEARING_BUSINESS_DAYS)
    return timezone.make_aware(datetime.combine(last_day, time(23, 59, 59)))


def order_payment_deadline(order: Order) -> datetime:
    """Without a live charge, an order may wait as long as a boleto made at checkout would.

    Counted from the holder's commitment (the LGPD consent): checkout, or the confirmation of a partner's order,
    which may come days after the partner made it.
    """
    committed = timezone.localdate(order.lgpd_consent_at)
    return boleto_clearing_deadline(add_business_days(committed, settings.BOLETO_DUE_BUSINESS_DAYS))


def _money(value: Decimal) -> str:
    return "R$ " + formats.number_format(value, 2, use_l10n=True, force_grouping=True)


def payment_start(*, order: Order, method: str, actor: Actor, card: CardData | None = None) -> Payment:
    """Create (or reuse) the charge the customer chose. A new method replaces the live charge."""
    method = Payment.Method(method)
    gateway = gateway_for(method)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status not in Order.PAYABLE:
            raise PaymentNotAllowed("Este pedido não está aguardando pagamento.")
        if order.status == S.PAYMENT_EXPIRED:
            order = order_transition(order=order, to=S.AWAITING_PAYMENT, actor=actor, note="Nova cobrança gerada")
        now = timezone.now()
        current = order.payments.select_for_update().filter(status=P.PENDING).first()
        if (
            current
            and current.method == method != Payment.Method.CARD
            and (not current.expires_at or current.expires_at > now)
        ):
            return current
        if current:
            get_gateway(current.gateway).cancel_charge(charge_id=current.charge_id)
            Payment.objects.filter(pk=current.pk).update(status=P.CANCELLED)
        payment = Payment(order=order, method=method, gateway=gateway.name, amount=order.price)
        if method == Payment.Method.BOLETO:
            payment.due_date = add_business_days(timezone.localdate(), settings.BOLETO_DUE_BUSINESS_DAYS)
            payment.expires_at = boleto_clearing_deadline(payment.due_date)
        elif method == Payment.Method.PIX:
            payment.expires_at = now + timedelta(minutes=settings.PIX_EXPIRY_MINUTES)
        elif method == Payment.Method.CARD and gateway.hosted_card_checkout:
            payment.expires_at = now + timedelta(minutes=settings.CARD_CHECKOUT_EXPIRY_MINUTES)
        result = gateway.create_charge(payment=payment, card=card)
        payment.charge_id = result.charge_id
        payment.boleto_barcode = result.details.get("barcode", "")
        payment.boleto_line = result.details.get("line", "")
        payment.pix_payload = result.details.get("payload", "")
        payment.card_brand = result.details.get("brand", "")
        payment.card_last4 = result.details.get("last4", "")
        payment.checkout_url = result.redirect_url or result.details.get("document_url", "")
        if result.status == "failed":
            payment.status = P.FAILED
            payment.failure_reason = result.failure_reason
        payment.save()
        audit_record(
            action="payment.created",
            obj=order,
            actor=actor,
            after={
                "payment": payment.pk,
                "method": method.value,
                "amount": str(payment.amount),
                "status": payment.status,
            },
            note=payment.failure_reason,
        )
        if method in (Payment.Method.BOLETO, Payment.Method.PIX):
            access_url = order_access_url(order)
            notify(
                "payment_instructions",
                to=order.email,
                key=f"payment:{payment.pk}:instructions",
                obj=order,
                context={"order": order, "payment": payment, "access_url": access_url},
                secrets=[access_url],
            )
    return payment


def webhook_receive(*, gateway_name: str, body: bytes, headers) -> str:
    """Authenticate, store and apply one webhook. Returns the outcome (of its last event, when it carries several);
    raises WebhookRejected (→ 400), or GatewayUnavailable (→ 503: the provider calls again) when the charge cannot
    be read back.

    A callback is only a hint: each charge it names is read back from the provider's API (`fetch_charge`) and
    nothing moves unless the provider's own answer agrees — a forged or altered callback that passed the signature
    check still cannot pay an order, and the amount acted on is the one the provider states.

    Every authentic event is stored, in whatever order it arrives; a duplicate (same event id) is stored once and
    applied once. Gateways deliver out of order and retry for hours, so what an event does is judged against the
    provider's own time (`occurred_at`), not the arrival: see `_apply`.
    """
    gateway = get_gateway(gateway_name)
    outcome = E.IGNORED
    for event in gateway.webhook_events(body=body, headers=headers):
        if PaymentEvent.objects.filter(gateway=gateway.name, event_id=event.event_id).exists():
            outcome = "duplicate"
            continue
        outcome = _receive(gateway, event, body, _read_back(gateway, event))
    return outcome


def _read_back(gateway, event: GatewayEvent) -> ChargeState | None:
    """The charge as the provider has it now; None when the provider does not know it."""
    if event.status == "pending":
        return None  # tells nothing: never acted on
    try:
        return gateway.fetch_charge(charge_id=event.charge_id)
    except ChargeNotFound:
        return None


# What the provider's read-back must say for a callback's status to be acted on. A refund comes after the payment in
# the provider's time, so a `paid` callback agrees with a charge refunded since (and `_apply` judges it stale).
_AGREES = {"paid": {"paid", "refunded"}, "refunded": {"refunded"}, "failed": {"failed"}, "expired": {"expired"}}


def _receive(gateway, event: GatewayEvent, body: bytes, state: ChargeState | None) -> str:
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = PaymentEvent.objects.create(
                    gateway=gateway.name,
                    event_id=event.event_id,
                    status=event.status,
                    amount=event.amount,
                    occurred_at=event.occurred_at,
                    body=body.decode("utf-8", "replace"),
                    outcome=E.IGNORED,
                )
        except IntegrityError:
            return "duplicate"
        payment = (
            Payment.objects.select_for_update()
            .select_related("order")
            .filter(gateway=gateway.name, charge_id=event.charge_id)
            .first()
        )
        if payment is None:
            record.outcome = E.UNKNOWN_CHARGE
        else:
            record.payment = payment
            record.outcome = _apply_confirmed(payment, event, state)
        record.save(update_fields=["payment", "outcome"])
    return record.outcome


def _apply_confirmed(payment: Payment, event: GatewayEvent, state: ChargeState | None) -> str:
    """Apply `event` only as far as the provider's read-back `state` confirms it, with the provider's amount."""
    if event.status == "pending":
        return E.IGNORED
    if state is None or state.status not in _AGREES.get(event.status, ()):
        logger.warning(
            "webhook not confirmed by the provider: gateway=%s charge=%s said=%s provider=%s",
            payment.gateway,
            payment.charge_id,
            event.status,
            state.status if state else "unknown charge",
        )
        return E.NOT_CONFIRMED
    if event.status == "paid" and state.currency != "BRL":
        _flag(payment, f"Pagamento em moeda {state.currency[:3]}: a cobrança foi feita em reais (BRL).")
        return E.AMOUNT_MISMATCH
    confirmed = GatewayEvent(
        event_id=event.event_id,
        charge_id=event.charge_id,
        status=event.status,
        amount=state.amount if event.status == "paid" else event.amount,
        occurred_at=event.occurred_at,
    )
    return _apply(payment, confirmed)


def _apply(payment: Payment, event: GatewayEvent) -> str:
    """Apply one event to its (locked) payment so that the result is the provider's last word on the charge.

    A provider refunds only a charge that was paid, so in its time a `refunded` always comes after the `paid`: a
    refund wins whatever the arrival order, and is never lost. A `paid` that arrives after the refund was applied
    is older news (stored, outcome `superseded`, nothing changes); one the provider dated after the refund makes no
    sense and is flagged to staff. A `paid` in turn wins over `pending`, `failed` and `expired` whenever they
    arrive: money received is never undone by a stale failure.
    """
    if event.status == "paid":
        return _apply_paid(payment, event)
    if event.status in ("failed", "expired"):
        # A late failure or expiry never undoes a payment: only a pending charge can fail or lapse.
        updated = Payment.objects.filter(pk=payment.pk, status=P.PENDING).update(
            status=P.FAILED if event.status == "failed" else P.EXPIRED,
            failure_reason="Pagamento não concluído no gateway." if event.status == "failed" else "",
        )
        return E.APPLIED if updated else E.IGNORED
    if event.status == "refunded":
        return _apply_refund(payment)
    return E.IGNORED  # "pending" tells nothing new, whatever order it arrives in


def _flag(payment: Payment, reason: str) -> None:
    Payment.objects.filter(pk=payment.pk).update(flagged=True, flag_reason=reason[:255])
    for email in settings.STAFF_ALERT_EMAILS:
        notify(
            "staff_payment_flagged",
            to=email,
            key=f"payment:{payment.pk}:flag:{email}:{reason[:40]}",
            obj=payment.order,
            context={"payment": payment, "order": payment.order, "reason": reason},
        )


def _apply_paid(payment: Payment, event: GatewayEvent) -> str:
    if payment.status == P.PAID:
        return E.IGNORED
    if payment.status == P.REFUNDED:
        refunded_at = (
            PaymentEvent.objects.filter(payment=payment, status="refunded", outcome=E.APPLIED)
            .order_by("occurred_at")
            .values_list("occurred_at", flat=True)
            .first()
        )
        if refunded_at and event.occurred_at > refunded_at:
            _flag(payment, "O gateway informou pagamento depois do estorno desta cobrança: verificar no gateway.")
        return E.SUPERSEDED
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    if event.amount != payment.amount:
        paid = _money(event.amount) if event.amount is not None else "sem valor"
        _flag(payment, f"Valor pago ({paid}) diferente do valor da cobrança ({_money(payment.amount)}).")
        return E.AMOUNT_MISMATCH
    now = timezone.now()
    Payment.objects.filter(pk=payment.pk).update(status=P.PAID, paid_at=now, paid_amount=event.amount)
    if order.status not in Order.PAYABLE:
        _flag(payment, f"Pagamento recebido com o pedido em “{order.get_status_display()}”: verificar estorno.")
        return E.LATE_AFTER_CANCEL
    # Paid through a replaced charge (an old boleto): accept it and retire the live one.
    for other in order.payments.filter(status=P.PENDING).exclude(pk=payment.pk):
        get_gateway(other.gateway).cancel_charge(charge_id=other.charge_id)
        Payment.objects.filter(pk=other.pk).update(status=P.CANCELLED)
    order = order_transition(order=order, to=S.PAID, actor=SYSTEM, note=f"{payment.get_method_display()} confirmado")
    commission_accrue(order=order)
    access_url = order_access_url(order)
    notify(
        "payment_confirmed",
        to=order.email,
        key=f"order:{order.pk}:paid",
        obj=order,
        context={"order": order, "payment": payment, "access_url": access_url},
        secrets=[access_url],
    )
    return E.APPLIED


def _apply_refund(payment: Payment, *, requested: bool = False) -> str:
    """The money went back to the customer: undo what the payment did, and tell staff when that is not simple.

    Paid and still waiting for documents (`paid`): the order is cancelled and the partner's commission reversed, as
    a customer who gives up. Further along (documents, a booking, a validation…): the same, and staff are alerted,
    since someone may be working on it; past the point of cancelling (verified, issued…), staff are alerted to
    decide. A refund of a charge the portal never saw paid: `_apply_refund_unpaid`.

    `requested`: the portal asked for this refund itself (a withdrawal, support: orders.services.refunds), so an
    order already cancelled or being cancelled is what was meant, not news for staff.
    """
    if payment.status == P.REFUNDED:
        return E.IGNORED
    if payment.status != P.PAID:
        return _apply_refund_unpaid(payment)
    Payment.objects.filter(pk=payment.pk, status=P.PAID).update(status=P.REFUNDED)
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    status_then = order.get_status_display()
    commission_reverse(order=order, reason=f"Pagamento do pedido {order.number} estornado")
    if requested and order.status == S.CANCELLED:
        return E.APPLIED
    if S.CANCELLED not in TRANSITIONS[order.status]:
        _flag(payment, f"Estorno recebido com o pedido em “{status_then}”.")
        return E.APPLIED
    moved_on = order.status != S.PAID
    order_transition(order=order, to=S.CANCELLED, note="Pagamento estornado")
    if moved_on and not requested:
        _flag(payment, f"Estorno recebido com o pedido em “{status_then}”: o pedido foi cancelado.")
    return E.APPLIED


def _apply_refund_unpaid(payment: Payment) -> str:
    """A refund that arrived before the payment it reverses (or for a charge replaced before it was paid).

    The charge is marked refunded at once, so the `paid` that arrives later finds it refunded and changes nothing:
    the refund is never lost. The order was never paid from our side — no commission was accrued, no work started —
    so it is left as it is: still awaiting payment (the customer may pay with a new charge) or already paid through
    another charge. It is not cancelled, as the customer did nothing wrong. Money did move at the provider, though
    (in and back out, or a refund of a charge we never saw paid): staff are alerted to check it there.
    """
    previous = payment.status
    Payment.objects.filter(pk=payment.pk).update(status=P.REFUNDED)
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    audit_record(
        action="payment.refunded_unpaid",
        obj=order,
        actor=SYSTEM,
        before={"payment": payment.pk, "status": previous},
        after={"payment": payment.pk, "status": P.REFUNDED.value},
        note="Estorno recebido antes da confirmação do pagamento",
    )
    _flag(
        payment,
        "Estorno recebido antes da confirmação do pagamento: o pedido não foi dado como pago. Verificar a cobrança "
        "no gateway.",
    )
    return E.APPLIED


def payments_reconcile(*, gateway_name: str, start: datetime, end: datetime) -> dict[str, int]:
    """Pay what a lost callback missed: every payment in the provider's statement between `start` and `end`
    (`settlements`) for a charge still pending here goes through the same read-back a callback does (`_read_back`,
    `_receive`), under the provider's id of the movement (a Pix's endToEndId, the event id of its callback) — so a
    callback that arrives later is a duplicate, and nothing moves unless the charge, read back, agrees."""
    gateway = get_gateway(gateway_name)
    counts = {"received": 0, "applied": 0}
    for line in gateway.settlements(start=start, end=end):
        if line.kind != "payment" or not line.provider_id:
            continue
        counts["received"] += 1
        pending = Payment.objects.filter(gateway=gateway.name, charge_id=line.charge_id, status=P.PENDING).exists()
        if not pending or PaymentEvent.objects.filter(gateway=gateway.name, event_id=line.provider_id).exists():
            continue
        event = GatewayEvent(
            event_id=line.provider_id,
            charge_id=line.charge_id,
            status="paid",
            amount=line.amount,
            occurred_at=line.occurred_at,
        )
        body = json.dumps({"reconciliation": asdict(line)}, default=str).encode()
        if _receive(gateway, event, body, _read_back(gateway, event)) == E.APPLIED:
            counts["applied"] += 1
    return counts


def payments_reconcile_recent(*, now: datetime | None = None) -> dict[str, dict[str, int]]:
    """The periodic reconciliation (every 10 minutes): each configured gateway whose callbacks may be lost and whose
    statement says what was paid (`reconcile_by_statement`, the API Pix), over the last PIX_RECONCILE_HOURS."""
    now = now or timezone.now()
    start = now - timedelta(hours=settings.PIX_RECONCILE_HOURS)
    results = {}
    for name in sorted(configured_gateway_names()):
        if getattr(get_gateway(name), "reconcile_by_statement", False):
            results[name] = payments_reconcile(gateway_name=name, start=start, end=now)
    return results


def pix_webhook_register(*, url: str | None = None) -> str:
    """Register the portal's callback URL at the PSP (`PUT /webhook/{chave}`); returns the URL registered."""
    url = url or settings.PIX_WEBHOOK_URL
    if not url:
        raise PaymentNotAllowed("PIX_WEBHOOK_URL is not set.")
    ApiPixGateway().register_webhook(url=url)
    logger.info("API Pix webhook registered for key %s: %s", settings.PIX_KEY, url)
    return url


def payments_expire(*, now: datetime | None = None) -> dict[str, int]:
    """Lapse PIX codes and boletos past their window; expire orders left unpaid past theirs."""
    now = now or timezone.now()
    lapsed = Payment.objects.filter(status=P.PENDING, expires_at__lt=now).update(status=P.EXPIRED)
    expired_orders = 0
    candidates = (
        Order.objects.filter(status=S.AWAITING_PAYMENT, lgpd_consent_at__lt=now - timedelta(days=5))
        .exclude(payments__status=P.PENDING)
        .exclude(payments__method=Payment.Method.BOLETO, payments__expires_at__gte=now)
        .order_by("pk")
    )
    for order in candidates.iterator():
        if order_payment_deadline(order) >= now:
            continue
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if locked.status != S.AWAITING_PAYMENT or locked.payments.filter(status=P.PENDING).exists():
                continue
            order_transition(order=locked, to=S.PAYMENT_EXPIRED, note="Prazo de pagamento encerrado")
            access_url = order_access_url(locked)
            notify(
                "payment_expired",
                to=locked.email,
                key=f"order:{locked.pk}:payment-expired:{now:%Y%m%d}",
                obj=locked,
                context={"order": locked, "access_url": access_url},
                secrets=[access_url],
            )
            expired_orders += 1
    return {"charges": lapsed, "orders": expired_orders}


def order_payment_summary(order: Order) -> dict:
    """What the order page shows about paying: the live charge, the last refusal, the boleto dates."""
    payments = list(order.payments.order_by("-created_at")[:5])
    live = next((p for p in payments if p.status == P.PENDING), None)
    last_failure = next((p for p in payments if p.status == P.FAILED), None)
    summary = {"live": live, "paid": next((p for p in payments if p.status == P.PAID), None)}
    if last_failure and (live is None or last_failure.created_at > live.created_at):
        summary["failure"] = last_failure
    if live and live.method == Payment.Method.BOLETO:
        summary["clearing_until"] = add_business_days(live.due_date, settings.BOLETO_CLEARING_BUSINESS_DAYS)
    return summary
