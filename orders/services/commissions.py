"""The partner's commission ledger: an entry when a commission order is paid, a reversal when it is undone."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction

from ..models import CommissionEntry, Order

CENTS = Decimal("0.01")


def commission_accrue(*, order: Order) -> CommissionEntry | None:
    """Idempotent: a second call (a duplicate webhook, a retry) finds the existing entry."""
    if order.partner_id is None or not order.commission_percent:
        return None
    amount = (order.price * order.commission_percent / 100).quantize(CENTS, rounding=ROUND_HALF_UP)
    try:
        with transaction.atomic():
            return CommissionEntry.objects.create(
                partner_id=order.partner_id,
                order=order,
                kind=CommissionEntry.Kind.ACCRUAL,
                base_amount=order.price,
                percent=order.commission_percent,
                amount=amount,
                reason=f"Pedido {order.number} pago",
            )
    except IntegrityError:
        return CommissionEntry.objects.get(order=order, kind=CommissionEntry.Kind.ACCRUAL)


def commission_reverse(*, order: Order, reason: str) -> CommissionEntry | None:
    """Undo the order's commission with a new, opposite entry; nothing to undo returns None."""
    accrual = CommissionEntry.objects.filter(order=order, kind=CommissionEntry.Kind.ACCRUAL).first()
    if accrual is None:
        return None
    try:
        with transaction.atomic():
            return CommissionEntry.objects.create(
                partner_id=accrual.partner_id,
                order=order,
                kind=CommissionEntry.Kind.REVERSAL,
                base_amount=accrual.base_amount,
                percent=accrual.percent,
                amount=-accrual.amount,
                reason=reason,
            )
    except IntegrityError:
        return CommissionEntry.objects.get(order=order, kind=CommissionEntry.Kind.REVERSAL)
