"""Starting a renewal: the checks on the certificate, then the order through orders' service."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from issuance.models import Certificate
from orders.models import Order, Product
from orders.services.links import link_pricing, link_products
from orders.services.renewal import order_create_renewal, renewal_link_of
from orders.validity import certificate_validity
from tecnosign.audit.services import Actor
from tecnosign.errors import DomainError

from ..selectors import RENEWING


class RenewalRefused(DomainError):
    code = "renewal_refused"


@dataclass(frozen=True)
class RenewalOffer:
    product: Product
    price: object
    discount: object
    validity_end: date
    capped: bool


def renewal_check(certificate: Certificate) -> None:
    if certificate.status == Certificate.Status.REVOKED:
        raise RenewalRefused(
            "Este certificado foi revogado: faça um novo pedido, com validação por videoconferência.",
            code="certificate_revoked",
        )
    if Order.objects.filter(renews=certificate, status__in=RENEWING).exists():
        raise RenewalRefused("Este certificado já foi renovado.", code="already_renewed")


def renewal_offers(certificate: Certificate) -> list[RenewalOffer]:
    """The products the partner's link sells for this holder (e-CPF or e-CNPJ), each with its price and the end of
    its validity — capped by ICP_CHAIN_END, shown before payment."""
    original = certificate.order
    link = renewal_link_of(original)
    if link is None:
        return []
    offers = []
    for product in link_products(link):
        if product.is_for_company != original.is_company:
            continue
        pricing = link_pricing(link, product)
        validity = certificate_validity(product.validity_months, start=timezone.localdate())
        offers.append(
            RenewalOffer(
                product=product,
                price=pricing.price,
                discount=pricing.discount,
                validity_end=validity.end,
                capped=validity.capped,
            )
        )
    return offers


def renewal_order_create(
    *,
    certificate: Certificate,
    product_code: str,
    email: str,
    mobile: str,
    issuance_password: str,
    revocation_password: str,
    lgpd_consent: bool,
    actor: Actor,
) -> Order:
    renewal_check(certificate)
    return order_create_renewal(
        original=certificate.order,
        renews=certificate,
        product_code=product_code,
        email=email,
        mobile=mobile,
        issuance_password=issuance_password,
        revocation_password=revocation_password,
        lgpd_consent=lgpd_consent,
        actor=actor,
    )
