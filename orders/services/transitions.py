"""The order's state machine: one table of allowed moves, the functions that make a move (locking or claiming)."""

from django.db import transaction
from django.db.models import Expression, Q
from django.utils import timezone

from tecnosign.audit.services import SYSTEM, Actor, audit_record
from tecnosign.errors import DomainError

from ..models import Order

S = Order.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    # A partner's order waits for the holder's confirmation (data, consent, passwords) before it can be paid.
    S.AWAITING_HOLDER: frozenset({S.AWAITING_PAYMENT, S.CANCELLED}),
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.PAYMENT_EXPIRED, S.CANCELLED}),
    S.PAYMENT_EXPIRED: frozenset({S.AWAITING_PAYMENT, S.PAID, S.CANCELLED}),
    # PAID → VERIFIED: a guarantee reissue for the same holder reuses the original's validation (revocation/).
    # PAID → VALIDATED: an online renewal signed with the holder's current certificate (renewal/) needs neither
    # documents nor videoconference; the verification centre reviews its evidence.
    S.PAID: frozenset({S.DOCUMENTS_RECEIVED, S.VALIDATED, S.VERIFIED, S.CANCELLED}),
    S.DOCUMENTS_RECEIVED: frozenset({S.SCHEDULED, S.CANCELLED}),
    S.SCHEDULED: frozenset({S.DOCUMENTS_RECEIVED, S.NO_SHOW, S.VALIDATED, S.REJECTED, S.CANCELLED, S.BLOCKED}),
    S.NO_SHOW: frozenset({S.SCHEDULED, S.CANCELLED}),
    # A dossier the verification centre returns stays `validated` until its agent confirms or rejects it.
    S.VALIDATED: frozenset({S.VERIFIED, S.REJECTED, S.BLOCKED}),
    # VERIFIED → PAID: a same-holder guarantee reissue held before its hand-off that the holder stops ("Não fui eu")
    # goes back to a new validation (revocation/services/reissue_proof.py); the hand-off itself is the way out.
    S.VERIFIED: frozenset({S.RELEASED, S.PAID, S.BLOCKED}),
    S.RELEASED: frozenset({S.ISSUED}),
    S.ISSUED: frozenset({S.REVOKED}),
    # After a rejection: a new document (→ documents_received), or straight to a new slot when the document
    # was fine and the call itself failed (environment, connection…).
    S.REJECTED: frozenset({S.DOCUMENTS_RECEIVED, S.SCHEDULED, S.CANCELLED}),
    # A holder on the CA's Lista Negativa (orders.services.holds): the order stops before validation or before the
    # hand-off; staff settle it with the customer (cancel and refund).
    S.BLOCKED: frozenset({S.CANCELLED}),
    S.CANCELLED: frozenset(),
    S.REVOKED: frozenset(),
}


class IllegalTransition(DomainError):
    code = "illegal_transition"


def _audit_move(order: Order, *, previous: str, target: Order.Status, actor: Actor, note: str) -> None:
    audit_record(
        action="order.status",
        obj=order,
        actor=actor,
        before={"status": previous},
        after={"status": target.value},
        note=note,
    )


def order_transition(
    *, order: Order, to: str, actor: Actor = SYSTEM, note: str = "", fields: dict | None = None
) -> Order:
    """Move `order` to status `to`, or raise IllegalTransition and change nothing.

    Locks the row, so two concurrent moves are applied one after the other and the second sees the
    first's result. `fields` are written in the same UPDATE as the status (a constraint may tie them to it).
    Returns the locked, updated instance.
    """
    target = Order.Status(to)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if target not in TRANSITIONS[locked.status]:
            raise IllegalTransition(
                f"O pedido {locked.number} está em “{locked.get_status_display()}” e não pode passar para "
                f"“{target.label}”."
            )
        previous = locked.status
        for name, value in (fields or {}).items():
            setattr(locked, name, value)
        locked.status = target
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "status_changed_at", *(fields or {})])
        _audit_move(locked, previous=previous, target=target, actor=actor, note=note)
    return locked


def order_transition_claim(
    *,
    order_id: int,
    source: str,
    to: str,
    condition: Q | Expression | None = None,
    actor: Actor = SYSTEM,
    note: str = "",
) -> Order | None:
    """Move the order from `source` to `to` if it is still in `source` (and matches `condition`); None otherwise.

    For scheduled work: one conditional UPDATE claims the move, so a beat run twice, or racing a person acting
    on the same order, moves it once and the loser changes nothing.
    """
    source, target = Order.Status(source), Order.Status(to)
    if target not in TRANSITIONS[source]:
        raise IllegalTransition(f"“{source.label}” não pode passar para “{target.label}”.")
    with transaction.atomic():
        claimed = Order.objects.filter(condition or Q(), pk=order_id, status=source).update(
            status=target, status_changed_at=timezone.now()
        )
        if not claimed:
            return None
        order = Order.objects.get(pk=order_id)
        _audit_move(order, previous=source.value, target=target, actor=actor, note=note)
    return order
