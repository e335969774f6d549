"""Giving money back: the customer's withdrawal (CDC art. 49) and support's refunds, sent through the gateway that
took the money, retried until done and never lost."""

import logging
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.notifications.services import notify
from tecnosign.queue import enqueue_task_on_commit

from ..models import Order, Payment, Refund
from ..payments.gateways import ChargeNotFound, GatewayUnavailable, RefundResult, get_gateway
from .access import order_access_url
from .payments import _apply_refund, _flag
from .transitions import order_transition

logger = logging.getLogger(__name__)
R = Refund.Status
CENTS = Decimal("0.01")


class RefundNotAllowed(DomainError):
    code = "refund_not_allowed"


def money(value) -> Decimal:
    """An amount in reais with exactly two decimals; anything finer (or not a number) is refused, never rounded."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise RefundNotAllowed("Valor inválido.") from None
    if not amount.is_finite() or amount != amount.quantize(CENTS, rounding=ROUND_HALF_UP):
        raise RefundNotAllowed("Valor inválido: use reais com até dois decimais.")
    return amount.quantize(CENTS)


def refundable_amount(payment: Payment) -> Decimal:
    """What is left to give back of `payment`: what was paid, less every refund recorded (done or still owed — a
    failed one is retried, never dropped)."""
    if payment.status not in (Payment.Status.PAID, Payment.Status.REFUNDED) or payment.paid_amount is None:
        return Decimal("0.00")
    taken = payment.refunds.aggregate(total=Sum("amount"))["total"]
    return max(payment.paid_amount - (taken or Decimal("0")), Decimal("0.00"))


def refund_request(
    *,
    payment: Payment,
    amount,
    reason: str,
    kind: str,
    actor: Actor,
    payee_pix_key: str = "",
) -> Refund:
    """Record a refund of `amount` of a paid `payment` (one transaction: checked against what is left, audited).

    A support refund above REFUND_FOUR_EYES_ABOVE waits for another staff member's approval; a payment its gateway
    cannot refund waits for staff's transfer to `payee_pix_key`; any other is sent after commit.
    """
    amount = money(amount)
    reason = reason.strip()
    if not reason:
        raise RefundNotAllowed("Informe o motivo da devolução.")
    kind = Refund.Kind(kind)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("order").get(pk=payment.pk)
        if payment.status != Payment.Status.PAID:
            raise RefundNotAllowed("Só um pagamento confirmado pode ser devolvido.")
        if amount <= 0 or amount > refundable_amount(payment):
            raise RefundNotAllowed(f"Valor acima do que resta a devolver ({refundable_amount(payment)}).")
        gateway = get_gateway(payment.gateway)
        if payment.method not in gateway.refund_methods:
            if not payee_pix_key.strip():
                raise RefundNotAllowed("Informe a chave PIX para a devolução por transferência.")
            status = R.TRANSFER
        elif kind == Refund.Kind.SUPPORT and amount > settings.REFUND_FOUR_EYES_ABOVE:
            status = R.AWAITING_APPROVAL
        else:
            status = R.PENDING
        try:
            with transaction.atomic():
                refund = Refund.objects.create(
                    payment=payment,
                    amount=amount,
                    reason=reason[:255],
                    kind=kind,
                    status=status,
                    requested_by=actor.user,
                    payee_pix_key=payee_pix_key.strip() if status == R.TRANSFER else "",
                )
        except IntegrityError:
            raise RefundNotAllowed("A desistência deste pedido já foi registrada.") from None
        audit_record(
            action="payment.refund_requested",
            obj=payment.order,
            actor=actor,
            after={
                "payment": payment.pk,
                "refund": refund.refund_id,
                "amount": str(amount),
                "kind": kind.value,
                "status": status,
            },
            note=reason,
        )
        if status == R.PENDING:
            enqueue_task_on_commit("orders.refund_send", refund.pk)
        elif status == R.TRANSFER:
            _flag(payment, f"Devolução de {amount} por transferência PIX: pagar no admin (Devoluções).")
    return refund


def refund_approve(*, refund: Refund, actor: Actor) -> Refund:
    """A second staff member approves a refund above the limit: never the one who asked for it."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("payment__order").get(pk=refund.pk)
        if refund.status != R.AWAITING_APPROVAL:
            raise RefundNotAllowed("Esta devolução não aguarda aprovação.")
        if actor.user is None or refund.requested_by_id == actor.user.pk:
            raise RefundNotAllowed("Quem pediu a devolução não pode aprová-la.")
        refund.status, refund.approved_by = R.PENDING, actor.user
        refund.save(update_fields=["status", "approved_by"])
        audit_record(
            action="payment.refund_approved",
            obj=refund.payment.order,
            actor=actor,
            after={"refund": refund.refund_id, "amount": str(refund.amount)},
        )
        enqueue_task_on_commit("orders.refund_send", refund.pk)
    return refund


def refund_send(refund_pk: int) -> str:
    """Ask the gateway for the refund (or, once asked, how it went) and apply the answer. Idempotent on refund_id:
    a second run, or a run after the refund is settled, changes nothing. Returns the refund's status."""
    refund = Refund.objects.select_related("payment").filter(pk=refund_pk).first()
    if refund is None or refund.status not in (R.PENDING, R.SENT, R.FAILED):
        return refund.status if refund else "missing"
    gateway = get_gateway(refund.payment.gateway)
    try:
        if refund.status == R.SENT:
            result = gateway.fetch_refund(payment=refund.payment, refund_id=refund.refund_id)
        else:
            result = gateway.refund(payment=refund.payment, amount=refund.amount, refund_id=refund.refund_id)
    except GatewayUnavailable as error:
        return _refund_failed(refund.pk, refund.refund_id, f"Gateway indisponível: {error}"[:255], rotate=False)
    except ChargeNotFound:
        # Unknown to the provider: asking again with the same id is safe (it refunds at most once).
        return _refund_failed(refund.pk, refund.refund_id, "O gateway não encontrou a cobrança.", rotate=False)
    if result.status == "done":
        return _refund_done(refund.pk, result)
    if result.status == "pending":
        return _refund_sent(refund.pk, result)
    return _refund_failed(refund.pk, refund.refund_id, result.failure_reason or "Recusada pelo gateway.", rotate=True)


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=settings.REFUND_RETRY_MINUTES * 2 ** max(attempts - 1, 0))


def _refund_sent(refund_pk: int, result: RefundResult) -> str:
    now = timezone.now()
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_pk)
        if refund.status not in (R.PENDING, R.SENT, R.FAILED) or refund.refund_id != result.refund_id:
            return refund.status
        refund.status = R.SENT
        refund.provider_refund_id = result.provider_refund_id[:64]
        refund.next_attempt_at = now + timedelta(minutes=settings.REFUND_RETRY_MINUTES)
        refund.save(update_fields=["status", "provider_refund_id", "next_attempt_at"])
    return R.SENT


def _refund_failed(refund_pk: int, refund_id: str, error: str, *, rotate: bool) -> str:
    """Record a failed attempt: retried later (with a new refund_id when the provider refused the old one), given up
    and flagged to staff after REFUND_MAX_ATTEMPTS."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("payment__order").get(pk=refund_pk)
        if refund.status not in (R.PENDING, R.SENT, R.FAILED) or refund.refund_id != refund_id:
            return refund.status
        refund.attempts += 1
        refund.last_error = error[:255]
        fields = ["attempts", "last_error", "status", "next_attempt_at"]
        if rotate:
            refund.refund_id = Refund._meta.get_field("refund_id").default()
            fields.append("refund_id")
        if refund.attempts >= settings.REFUND_MAX_ATTEMPTS:
            refund.status, refund.next_attempt_at = R.GIVEN_UP, None
        else:
            refund.status, refund.next_attempt_at = R.FAILED, timezone.now() + _backoff(refund.attempts)
        refund.save(update_fields=fields)
        audit_record(
            action="payment.refund_failed",
            obj=refund.payment.order,
            after={"refund": refund_id, "attempts": refund.attempts, "status": refund.status},
            note=error,
        )
        if refund.status == R.GIVEN_UP:
            _flag(
                refund.payment,
                f"Devolução de {refund.amount} falhou {refund.attempts} vezes ({error}): tentar de novo no admin.",
            )
    return refund.status


def _refund_done(refund_pk: int, result: RefundResult) -> str:
    """The gateway gave the money back: the refund is done and, when nothing is left, the payment is refunded with
    the order's consequences (`_apply_refund`: cancelled, commission reversed), as a "refunded" webhook would — so the
    webhook that follows finds it done and changes nothing."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_pk)
        if refund.status == R.DONE or refund.refund_id != result.refund_id:
            return refund.status
        payment = Payment.objects.select_for_update().select_related("order").get(pk=refund.payment_id)
        refund.status, refund.done_at, refund.next_attempt_at = R.DONE, timezone.now(), None
        refund.provider_refund_id = result.provider_refund_id[:64]
        refund.payee_pix_key = ""
        refund.save(update_fields=["status", "done_at", "next_attempt_at", "provider_refund_id", "payee_pix_key"])
        _refund_settled(refund, payment)
    return R.DONE


def _refund_settled(refund: Refund, payment: Payment) -> None:
    refunded = payment.refunds.filter(status=R.DONE).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    order = payment.order
    audit_record(
        action="payment.refunded",
        obj=order,
        after={"payment": payment.pk, "refund": refund.refund_id, "amount": str(refund.amount)},
        note=refund.reason,
    )
    if payment.paid_amount is not None and refunded >= payment.paid_amount:
        _apply_refund(payment, requested=True)
    access_url = order_access_url(order)
    notify(
        "refund_done",
        to=order.email,
        key=f"refund:{refund.pk}:done",
        obj=order,
        context={"order": order, "refund": refund, "payment": payment, "access_url": access_url},
        secrets=[access_url],
    )


def refund_transfer_done(*, refund: Refund, actor: Actor) -> Refund:
    """Staff paid a boleto's refund by transfer to the customer's Pix key: done, and the key is erased."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status != R.TRANSFER:
            raise RefundNotAllowed("Esta devolução não aguarda transferência.")
        payment = Payment.objects.select_for_update().select_related("order").get(pk=refund.payment_id)
        refund.status, refund.done_at, refund.payee_pix_key, refund.approved_by = R.DONE, timezone.now(), "", actor.user
        refund.save(update_fields=["status", "done_at", "payee_pix_key", "approved_by"])
        audit_record(action="payment.refund_transferred", obj=payment.order, actor=actor, after={"refund": refund.pk})
        _refund_settled(refund, payment)
    return refund


def refund_retry_now(*, refund: Refund, actor: Actor) -> bool:
    """Staff ask for another attempt at a failed or given-up refund, at once."""
    with transaction.atomic():
        updated = Refund.objects.filter(pk=refund.pk, status__in=(R.FAILED, R.GIVEN_UP)).update(
            status=R.FAILED, next_attempt_at=timezone.now(), attempts=0
        )
        if updated:
            audit_record(
                action="payment.refund_retry", obj=refund.payment.order, actor=actor, after={"refund": refund.pk}
            )
            enqueue_task_on_commit("orders.refund_send", refund.pk)
    return bool(updated)


def refunds_retry(*, now: datetime | None = None) -> int:
    """The beat's sweep: every failed refund due for another attempt, every sent one due for a read-back, and any
    pending one whose task was lost. Each is sent by `refund_send`, idempotent on its refund_id."""
    now = now or timezone.now()
    due = Refund.objects.filter(status__in=(R.FAILED, R.SENT), next_attempt_at__lte=now) | Refund.objects.filter(
        status=R.PENDING, created_at__lte=now - timedelta(minutes=settings.REFUND_RETRY_MINUTES)
    )
    count = 0
    for pk in due.order_by("pk").values_list("pk", flat=True)[:200]:
        refund_send(pk)
        count += 1
    return count


# Withdrawal (CDC art. 49).

# States from which the customer can withdraw: paid, the certificate not issued, and the order still cancellable
# (TRANSITIONS allow CANCELLED). Validated/verified/released orders cannot be cancelled by the state machine (the
# issuance is under way at the CA): the customer asks support there. A blocked order is settled by staff. Once
# issued, the revocation app's guarantee rules apply instead.
_S = Order.Status
WITHDRAWAL_STATES = frozenset({_S.PAID, _S.DOCUMENTS_RECEIVED, _S.SCHEDULED, _S.NO_SHOW, _S.REJECTED})


def _paying(order: Order) -> Payment | None:
    """The charge that paid the order (the first; another one paid late is flagged to staff by the webhook)."""
    return order.payments.filter(status=Payment.Status.PAID).order_by("paid_at", "pk").first()


def withdrawal_deadline(order: Order) -> datetime | None:
    """The end (23:59:59 Brasília) of the last day of the right of withdrawal, or None when nothing was paid.

    CDC art. 49 counts 7 days from the contract or the receipt of the product. The portal counts from the payment's
    confirmation: the contract is binding from then (before it the customer owes nothing and simply does not pay),
    and the certificate — the product — is only delivered later, so this never gives less than the law.
    """
    payment = _paying(order)
    if payment is None or payment.paid_at is None:
        return None
    last_day = timezone.localdate(payment.paid_at) + timedelta(days=settings.WITHDRAWAL_DAYS)
    return timezone.make_aware(datetime.combine(last_day, time(23, 59, 59)))


def withdrawal_available(order: Order, *, now: datetime | None = None) -> bool:
    deadline = withdrawal_deadline(order)
    return order.status in WITHDRAWAL_STATES and deadline is not None and (now or timezone.now()) <= deadline


def withdrawal_needs_pix_key(order: Order) -> bool:
    payment = _paying(order)
    return payment is not None and payment.method not in get_gateway(payment.gateway).refund_methods


def order_withdraw(*, order: Order, actor: Actor, payee_pix_key: str = "") -> Refund:
    """The customer withdraws: the order is cancelled and the whole payment given back (one transaction; the refund
    is sent after commit). Outside the window, or once issued, nothing changes."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if not withdrawal_available(order):
            raise RefundNotAllowed("O prazo de desistência deste pedido terminou ou o certificado já foi emitido.")
        payment = _paying(order)
        order_transition(order=order, to=Order.Status.CANCELLED, actor=actor, note="Desistência (CDC art. 49)")
        return refund_request(
            payment=payment,
            amount=refundable_amount(payment),
            reason="Desistência da compra pelo cliente (CDC art. 49)",
            kind=Refund.Kind.WITHDRAWAL,
            actor=actor,
            payee_pix_key=payee_pix_key,
        )
