"""Who may see an order page: whoever proved the order number + CPF/CNPJ, or opened a one-time link sent to the
e-mail on file.

The e-mailed link is an ORDER_ACCESS holder link (`holder_links`): used once and valid `ORDER_ACCESS_LINK_HOURS`,
so a message read in the outbox, a forwarded e-mail or a browser history cannot be replayed into the order. A used
or expired link explains itself and offers to send a fresh one to the same address. Asking for a link takes only the
order number — the link goes to the e-mail on file, so whoever opens it has shown control of that address — which is
why the holder still gets in when someone else's wrong CPFs have locked the look-up form.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from tecnosign import ratelimit
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError
from tecnosign.notifications.services import notify

from ..models import HolderLink, Order
from ..validators import compact_identifier
from .holder_links import (
    HolderLinkInvalid,
    IssuedLink,
    holder_link_find,
    holder_link_issue,
    holder_link_lookup,
    holder_link_spend,
    holder_link_verify,
)

SESSION_KEY = "orders.granted"
# Order number → the holder link that proved the e-mail on file in this session (revocation reads it).
PROVEN_KEY = "orders.proven"
# The reusable signed links e-mailed before: no longer accepted, only read to offer a fresh link for their order.
_LEGACY_SALT = "orders.access"
_ACCESS = HolderLink.Purpose.ORDER_ACCESS


class LookupFailed(DomainError):
    code = "order_not_found"


class LookupLocked(DomainError):
    code = "too_many_attempts"


class LinkRequestLimited(DomainError):
    code = "too_many_requests"


_NOT_FOUND = "Não encontramos um pedido com esse número e CPF/CNPJ. Confira os dados e tente de novo."
_LOCKED = (
    "Muitas tentativas sem sucesso. Aguarde 15 minutos e tente de novo — ou receba agora um link de acesso no e-mail "
    "cadastrado no pedido (abaixo)."
)


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


def _access_link(order: Order) -> IssuedLink:
    return holder_link_issue(order=order, purpose=_ACCESS, lifetime=timedelta(hours=settings.ORDER_ACCESS_LINK_HOURS))


def order_access_token(order: Order) -> str:
    """A new one-time access link's token (inside the transaction that sends it). Pass it, or the URL made from it,
    to `notify(secrets=…)`: staff must never read a usable link in the outbox."""
    return _access_link(order).token


def order_access_url(order: Order) -> str:
    """A new one-time link that opens the order page (see `order_access_token`)."""
    return settings.SITE_URL + reverse("orders:access", args=[order_access_token(order)])


def order_created_notify(order: Order) -> None:
    """The "order received, how to pay" e-mail with a one-time link to the order, inside the caller's transaction.
    Keyed by the order: whichever way it was made (checkout, the holder confirming a partner's order), its holder
    gets it once."""
    access_url = order_access_url(order)
    notify(
        "order_created",
        to=order.email,
        key=f"order:{order.pk}:created",
        obj=order,
        context={"order": order, "product": order.product, "access_url": access_url},
        secrets=[access_url],
    )


def order_access_pending(token: str, *, number: str | None = None) -> HolderLink | None:
    """The access link for `token` while it may still be used (and is of order `number`, when given)."""
    link = holder_link_find(token, purpose=_ACCESS)
    if link is None or (number is not None and link.order.number != number):
        return None
    return link


def order_access_open(*, token: str, actor: Actor, number: str | None = None) -> HolderLink:
    """Spend the access link and return it (its order: `.order`). HolderLinkInvalid when unknown, used, expired, or
    of another order than `number`."""
    link = holder_link_verify(token=token, purpose=_ACCESS)
    if number is not None and link.order.number != number:
        raise HolderLinkInvalid("Este link não é deste pedido.")
    with transaction.atomic():
        holder_link_spend(link)
        audit_record(action="order.access_link_used", obj=link.order, actor=actor, after={"link": link.pk})
    return link


def order_of_spent_link(token: str) -> Order | None:
    """The order a used, expired or old-style (signed, reusable) link was about — to offer a fresh link to its e-mail
    on file. Never a grant."""
    link = holder_link_lookup(token, purpose=_ACCESS)
    if link is not None:
        return link.order
    try:
        data = signing.loads(token, salt=_LEGACY_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("o"), int):
        return None
    return Order.objects.filter(pk=data["o"], number=data.get("n")).first()


def order_access_request(*, number: str, ip: str | None, actor: Actor) -> None:
    """E-mail a fresh access link to the address on file of order `number`.

    The answer is the same whether the order exists or not. The limits are against mail bombing only: past the
    per-IP limit the caller is told (LinkRequestLimited); past the per-order limit nothing more is sent, silently —
    the links already sent stay valid, so the holder is never locked out by someone else's requests.
    """
    number = compact_identifier(number)
    window = settings.HOLDER_LINK_SEND_WINDOW_SECONDS
    if ratelimit.is_limited("access-link-ip", ip or "unknown", limit=settings.HOLDER_LINK_SEND_MAX_PER_IP):
        raise LinkRequestLimited(
            "Muitos pedidos de link a partir desta conexão. Use um dos links já enviados ou tente de novo em uma hora."
        )
    ratelimit.register_hit("access-link-ip", ip or "unknown", window=window)
    sent = ratelimit.register_hit("access-link-order", number or "-", window=window)
    order = Order.objects.filter(number=number).first() if number else None
    if order is None or sent > settings.HOLDER_LINK_SEND_MAX_PER_ORDER:
        return
    with transaction.atomic():
        order_access_send(order=order, actor=actor)


def order_access_send(*, order: Order, actor: Actor) -> None:
    """Queue the e-mail with a fresh access link (inside the caller's transaction)."""
    issued = _access_link(order)
    url = settings.SITE_URL + reverse("orders:access", args=[issued.token])
    notify(
        "order_access_link",
        to=order.email,
        key=f"holder-link:{issued.link.pk}:access",
        obj=order,
        context={"order": order, "access_url": url, "hours": settings.ORDER_ACCESS_LINK_HOURS},
        secrets=[url],
    )
    audit_record(action="order.access_link_sent", obj=order, actor=actor, after={"link": issued.link.pk})


def grant_access(session, order: Order, *, proof: HolderLink | None = None) -> None:
    """Let this session see the order. `proof`: the holder link it opened — it showed control of the e-mail on file."""
    granted = [number for number in session.get(SESSION_KEY, []) if number != order.number]
    session[SESSION_KEY] = [*granted, order.number][-20:]
    if proof is not None:
        proven = {number: pk for number, pk in session.get(PROVEN_KEY, {}).items() if number != order.number}
        session[PROVEN_KEY] = dict([*proven.items(), (order.number, proof.pk)][-20:])
    session.cycle_key()


def has_access(session, number: str) -> bool:
    return number in session.get(SESSION_KEY, [])


def holder_proof(session, number: str) -> int | None:
    """The holder link with which this session proved the e-mail on file of order `number`, if it did."""
    proof = session.get(PROVEN_KEY, {}).get(number)
    return proof if isinstance(proof, int) else None
