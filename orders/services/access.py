"""Who may see an order page: whoever proved the order number + CPF/CNPJ, or holds the e-mailed link."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from tecnosign import ratelimit
from tecnosign.errors import DomainError

from ..models import Order
from ..validators import compact_identifier

SESSION_KEY = "orders.granted"
_SALT = "orders.access"


class LookupFailed(DomainError):
    code = "order_not_found"


class LookupLocked(DomainError):
    code = "too_many_attempts"


_NOT_FOUND = "Não encontramos um pedido com esse número e CPF/CNPJ. Confira os dados e tente de novo."
_LOCKED = "Muitas tentativas sem sucesso. Aguarde 15 minutos e tente de novo."


def order_lookup(*, number: str, document: str, ip: str | None) -> Order:
    """Find the order; a wrong pair and an unknown order fail alike, and repeated failures lock the form."""
    number, document = compact_identifier(number), compact_identifier(document)
    limit = settings.ORDER_LOOKUP_MAX_FAILURES
    window = settings.ORDER_LOOKUP_WINDOW_SECONDS
    idents = [("order-lookup-ip", ip or "unknown"), ("order-lookup-number", number or "-")]
    if any(ratelimit.is_limited(scope, ident, limit=limit) for scope, ident in idents):
        raise LookupLocked(_LOCKED)
    order = Order.objects.select_related("product").filter(number=number).first()
    if order is None or not document or not order.matches_document(document):
        for scope, ident in idents:
            ratelimit.register_hit(scope, ident, window=window)
        raise LookupFailed(_NOT_FOUND)
    return order


def order_access_token(order: Order) -> str:
    return signing.dumps({"o": order.pk, "n": order.number}, salt=_SALT, compress=True)


def order_access_url(order: Order) -> str:
    return settings.SITE_URL + reverse("orders:access", args=[order_access_token(order)])


def order_from_token(token: str) -> Order | None:
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.ORDER_ACCESS_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    return Order.objects.filter(pk=data.get("o"), number=data.get("n")).first()


def grant_access(session, order: Order) -> None:
    granted = [number for number in session.get(SESSION_KEY, []) if number != order.number]
    session[SESSION_KEY] = [*granted, order.number][-20:]
    session.cycle_key()


def has_access(session, number: str) -> bool:
    return number in session.get(SESSION_KEY, [])
