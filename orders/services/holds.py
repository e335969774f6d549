"""Stopping an order whose holder is on the CA's Lista Negativa: the one rule, whoever finds the hit.

The check itself is the CA's (`issuance` asks its backend before the agent may validate and again before the
hand-off); what a hit does to the order is this service's: the order becomes `blocked`, staff are alerted with the
reason and the CA's reference, and the customer is told only to contact support — never why.
"""

from django.conf import settings
from django.db import transaction

from tecnosign.audit.services import Actor, audit_record
from tecnosign.notifications.services import notify

from ..models import Order
from .transitions import order_transition

S = Order.Status

# Where the check runs, as staff read it in the alert.
STAGES = {
    "validation": "antes da validação da identidade (videoconferência)",
    "handoff": "antes do envio à Autoridade Certificadora",
}


def order_block(*, order: Order, stage: str, reference: str, reason: str, actor: Actor) -> Order:
    """Stop `order` (Lista Negativa hit at `stage`): `blocked`, audited, staff alerted, the customer told to call.

    Call it inside the transaction that recorded the hit; messages leave after commit. Idempotent: an order
    already blocked is returned as it is.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == S.BLOCKED:
            return locked
        previous = locked.status
        locked = order_transition(order=locked, to=S.BLOCKED, actor=actor, note="Pedido suspenso: fale com o suporte")
        audit_record(
            action="order.blocked",
            obj=locked,
            actor=actor,
            before={"status": previous},
            after={"stage": stage, "reference": reference, "reason": reason},
            note="Titular na Lista Negativa da AC",
        )
        for address in settings.STAFF_ALERT_EMAILS:
            notify(
                "staff_order_blocked",
                to=address,
                key=f"order:{locked.pk}:blocked:{address}",
                obj=locked,
                context={
                    "order": locked,
                    "stage": STAGES.get(stage, stage),
                    "reference": reference,
                    "reason": reason,
                    "previous": S(previous).label,
                },
            )
        notify(
            "order_blocked",
            to=locked.email,
            key=f"order:{locked.pk}:blocked",
            obj=locked,
            context={"order": locked},
        )
    return locked
