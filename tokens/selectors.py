"""Reads of the tokens app: the order page's "Instalar o certificado na mídia" section for A3 orders."""

from issuance.services.a3 import a3_check_issuable
from issuance.services.handoff import delivery_kind
from orders.models import Order
from tecnosign.errors import DomainError


def a3_install_panel(order: Order) -> dict:
    """Shown when the certificate can be installed on the token now, and after issuance (to write it again)."""
    if delivery_kind(order.product) == "a1" or order.status not in (Order.Status.RELEASED, Order.Status.ISSUED):
        return {"visible": False}
    if order.status == Order.Status.RELEASED:
        try:
            a3_check_issuable(order)
        except DomainError:
            return {"visible": False}  # the issuance section says why (e.g. the media is on its way)
    return {"visible": True, "order": order, "issued": order.status == Order.Status.ISSUED}
