"""What a partner may do for a client's order from the portal or the API."""

from dataclasses import asdict
from datetime import date

from django.db import transaction
from django.utils import timezone

from orders.models import Order, Partner
from orders.services.access import order_access_url
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.notifications.selectors import message_queued
from tecnosign.notifications.services import notify

from ..selectors import OrderFilters


class ResendRefused(DomainError):
    code = "resend_not_allowed"


def payment_link_resend_key(order: Order) -> str:
    return f"order:{order.pk}:payment-link-resent:{timezone.localdate():%Y%m%d}"


def order_payment_link_resend(*, partner: Partner, order: Order, actor: Actor) -> bool:
    """E-mail the client the link to pay, at most once a day. True when it was queued now."""
    if order.partner_id != partner.pk:
        raise ResendRefused("Pedido não encontrado.", code="not_found")
    if order.status not in Order.PAYABLE:
        raise ResendRefused(f"O pedido {order.number} não está aguardando pagamento.")
    key = payment_link_resend_key(order)
    # The outbox key decides a race; this read only chooses the message shown to the partner.
    already = message_queued(key)
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


def orders_export_full_record(*, partner: Partner, filters: OrderFilters, rows: int, actor: Actor) -> None:
    """The partner took the clients' CPF, e-mail and mobile in full: who, when, which orders and how many (LGPD)."""
    applied = {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in asdict(filters).items()
        if value not in (None, "")
    }
    with transaction.atomic():
        audit_record(
            action="partner.orders_exported_full",
            obj=partner,
            actor=actor,
            after={"filters": applied, "rows": rows},
            note="Planilha de pedidos com CPF, e-mail e celular completos",
        )
