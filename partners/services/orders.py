"""What a partner may do for a client's order from the portal or the API."""

from django.db import transaction
from django.utils import timezone

from orders.models import Order, Partner
from orders.services.access import order_access_url
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.notifications.models import OutboxMessage
from tecnosign.notifications.services import notify

PAYABLE = {Order.Status.AWAITING_PAYMENT, Order.Status.PAYMENT_EXPIRED}


class ResendRefused(DomainError):
    code = "resend_not_allowed"


def payment_link_resend_key(order: Order) -> str:
    return f"order:{order.pk}:payment-link-resent:{timezone.localdate():%Y%m%d}"


def order_payment_link_resend(*, partner: Partner, order: Order, actor: Actor) -> bool:
    """E-mail the client the link to pay, at most once a day. True when it was queued now."""
    if order.partner_id != partner.pk:
        raise ResendRefused("Pedido não encontrado.", code="not_found")
    if order.status not in PAYABLE:
        raise ResendRefused(f"O pedido {order.number} não está aguardando pagamento.")
    key = payment_link_resend_key(order)
    # The outbox key decides a race; this read only chooses the message shown to the partner.
    already = OutboxMessage.objects.filter(key=key).exists()
    with transaction.atomic():
        if not already:
            access_url = order_access_url(order)
            notify(
                "payment_link_resent",
                to=order.email,
                key=key,
                obj=order,
                context={"order": order, "partner": partner, "access_url": access_url},
                secrets=[access_url],
            )
            audit_record(
                action="order.payment_link_resent", obj=order, actor=actor, note=f"Pedido pelo parceiro {partner.name}"
            )
    return not already
