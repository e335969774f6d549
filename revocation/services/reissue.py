"""The guarantee reissue: a replacement order at no cost, linked to the one whose certificate was revoked."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from issuance.models import Certificate
from orders.models import Order
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
    fields = dict(
        product=original.product,
        link=None,  # not a sale of the link: its usage limit and conversion are left alone
        partner=original.partner,
        person_name=original.person_name,
        person_cpf=original.person_cpf,
        person_birth_date=original.person_birth_date,
        company_name=original.company_name,
        cnpj=request.new_cnpj if rule.reissue == Reissue.NEW_CNPJ else original.cnpj,
        email=original.email,
        mobile=original.mobile,
        pis_nis=request.pis_nis or original.pis_nis,
        cei=request.cei or original.cei,
        # The original's until a same-holder reissue is handed off with the passwords its holder chose after proving
        # the contact (`reissue_proof`); on a new validation, the original purchase's.
        issuance_password_hash=original.issuance_password_hash,
        revocation_password_hash=request.new_revocation_password_hash or original.revocation_password_hash,
        list_price=original.list_price,
        discount=original.list_price,
        price=0,
        commission_percent=None,
        lgpd_consent_at=original.lgpd_consent_at,
        lgpd_consent_version=original.lgpd_consent_version,
        replaces=original,
    )
    # The number is random; on the rare collision draw again. A second reissue of the same original is refused
    # by the one-to-one `replaces` column, whatever happens concurrently.
    for _ in range(5):
        try:
            with transaction.atomic():
                return Order.objects.create(**fields)
        except IntegrityError:
            if Order.objects.filter(replaces=original).exists():
                raise ReissueRefused(
                    f"O pedido {original.number} já teve a sua reemissão em garantia.", code="already_reissued"
                ) from None
    raise IntegrityError("could not allocate a unique order number")
