"""The order's state machine: one table of allowed moves, one function that makes a move."""

from django.db import transaction
from django.utils import timezone

from tecnosign.audit.services import SYSTEM, Actor, audit_record
from tecnosign.errors import DomainError

from ..models import Order

S = Order.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.PAYMENT_EXPIRED, S.CANCELLED}),
    S.PAYMENT_EXPIRED: frozenset({S.AWAITING_PAYMENT, S.PAID, S.CANCELLED}),
    # PAID → VERIFIED: a guarantee reissue for the same holder reuses the original's validation (revocation/).
    S.PAID: frozenset({S.DOCUMENTS_RECEIVED, S.VERIFIED, S.CANCELLED}),
    S.DOCUMENTS_RECEIVED: frozenset({S.SCHEDULED, S.CANCELLED}),
    S.SCHEDULED: frozenset({S.DOCUMENTS_RECEIVED, S.NO_SHOW, S.VALIDATED, S.REJECTED, S.CANCELLED}),
    S.NO_SHOW: frozenset({S.SCHEDULED, S.CANCELLED}),
    # A dossier the verification centre returns stays `validated` until its agent confirms or rejects it.
    S.VALIDATED: frozenset({S.VERIFIED, S.REJECTED}),
    # VERIFIED → PAID: a same-holder guarantee reissue held before its hand-off that the holder stops ("Não fui eu")
    # goes back to a new validation (revocation/services/reissue_proof.py); the hand-off itself is the way out.
    S.VERIFIED: frozenset({S.RELEASED, S.PAID}),
    S.RELEASED: frozenset({S.ISSUED}),
    S.ISSUED: frozenset({S.REVOKED}),
    # After a rejection: a new document (→ documents_received), or straight to a new slot when the document
    # was fine and the call itself failed (environment, connection…).
    S.REJECTED: frozenset({S.DOCUMENTS_RECEIVED, S.SCHEDULED, S.CANCELLED}),
    S.CANCELLED: frozenset(),
    S.REVOKED: frozenset(),
}


class IllegalTransition(DomainError):
    code = "illegal_transition"


def order_transition(*, order: Order, to: str, actor: Actor = SYSTEM, note: str = "") -> Order:
    """Move `order` to status `to`, or raise IllegalTransition and change nothing.

    Locks the row, so two concurrent moves are applied one after the other and the second sees the
    first's result. Returns the locked, updated instance.
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
        locked.status = target
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "status_changed_at"])
        audit_record(
            action="order.status",
            obj=locked,
            actor=actor,
            before={"status": previous},
            after={"status": target.value},
            note=note,
        )
    return locked
