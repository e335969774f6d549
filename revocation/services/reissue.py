"""The guarantee reissue: a replacement order at no cost, linked to the one whose certificate was revoked."""

from django.conf import settings
from django.urls import reverse

from issuance.models import Certificate
from orders.models import Order
from orders.services.checkout import ReplacementExists, order_create_replacement
from orders.services.commissions import commission_reverse
from orders.services.links import LinkUnavailable, link_check
from orders.services.transitions import order_transition
from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError

from ..models import RevocationRequest
from ..reasons import RULES, Reissue
from .reissue_proof import reissue_proof_start

S = Order.Status


class ReissueRefused(DomainError):
    code = "reissue_refused"


def original_sale(order: Order) -> Order:
    """The order the customer paid for, at the start of a chain of guarantee reissues."""
    while order.replaces_id is not None:
        order = Order.objects.select_related("link__partner").get(pk=order.replaces_id)
    return order


def guarantee_start(order: Order):
    """When the guarantee starts counting: the first certificate of the sale (a reissue does not restart it)."""
    first = Certificate.objects.filter(order=original_sale(order)).order_by("issued_at").first()
    if first is None:  # a sale is only revocable once issued, so this is a corrupt chain
        raise ReissueRefused("Não encontramos o certificado original deste pedido. Fale com o nosso suporte.")
    return first.issued_at


def new_purchase_url(order: Order) -> str:
    """Where to buy again: the partner's link of the original sale while it still sells, else the help page."""
    link = original_sale(order).link
    if link is not None:
        try:
            link_check(link)
        except LinkUnavailable:
            pass
        else:
            return settings.SITE_URL + reverse("orders:link", args=[link.code])
    return settings.SITE_URL + reverse("helpcenter:article", args=["como-comprar"])


def reissue_create(*, original: Order, request: RevocationRequest, actor: Actor) -> Order:
    """Create the free replacement of `original` (already revoked), waiting in `paid`.

    Same holder (14-day reasons): the original validation may be reused, but only once the holder proves control of
    the e-mail and the mobile on file — the revocation password (or a notarised letter) does not prove who will hold
    the new key. So a REISSUE link and an SMS code go to the contact on file (`reissue_proof`); without them the
    replacement goes through a new validation from `paid`. Another branch (7 days): a new CNPJ means a new
    validation — the replacement waits in `paid` for the documents and the booking. Runs inside the revocation's
    transaction.
    """
    rule = RULES[request.reason]
    replacement = _insert(original, request)
    reason_label = request.get_reason_display()
    audit_record(
        action="order.created",
        obj=replacement,
        actor=actor,
        after={"status": replacement.status, "product": original.product.code, "price": "0.00"},
        note=f"Reemissão em garantia do pedido {original.number} ({reason_label})",
    )
    order_transition(
        order=replacement,
        to=S.PAID,
        actor=actor,
        note=f"Reemissão em garantia, sem custo (pedido original {original.number})",
    )
    if rule.reissue == Reissue.SAME_HOLDER:
        reissue_proof_start(request=request, replacement=replacement, actor=actor)
    commission_reverse(
        order=original,
        reason=f"Reemissão em garantia {replacement.number} substitui a venda do pedido {original.number}",
    )
    replacement.refresh_from_db()
    return replacement


def _insert(original: Order, request: RevocationRequest) -> Order:
    rule = RULES[request.reason]
    try:
        return order_create_replacement(
            original=original,
            cnpj=request.new_cnpj if rule.reissue == Reissue.NEW_CNPJ else original.cnpj,
            pis_nis=request.pis_nis or original.pis_nis,
            cei=request.cei or original.cei,
            # On a new validation the original purchase's password; see `order_create_replacement`.
            revocation_password_hash=request.new_revocation_password_hash or original.revocation_password_hash,
        )
    except ReplacementExists as error:
        raise ReissueRefused(error.message, code="already_reissued") from error
