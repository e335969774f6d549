"""Quick-sale links: whether one may sell, what it sells, and at what price."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q
from django.utils import formats, timezone

from tecnosign.errors import DomainError
from tecnosign.page_cache import public_pages_changed

from ..models import Partner, Product, ReferralLink


class LinkUnavailable(DomainError):
    """`status` is the HTTP status the link page answers with: 404 unknown, 410 no longer valid."""

    code = "link_unavailable"

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.status = status


class ProductNotAllowed(DomainError):
    code = "product_not_allowed"


@dataclass(frozen=True)
class Pricing:
    list_price: Decimal
    discount: Decimal
    price: Decimal
    commission_percent: Decimal | None


def link_check(link: ReferralLink | None, *, now=None) -> ReferralLink:
    if link is None or link.partner.status in (Partner.Status.PENDING, Partner.Status.REJECTED):
        raise LinkUnavailable("Não encontramos este link de compra. Confira o endereço com quem o enviou.", status=404)
    now = now or timezone.now()
    if link.partner.status == Partner.Status.SUSPENDED or not link.active:
        raise LinkUnavailable("Este link de compra não está disponível no momento.", status=410)
    if link.expires_at and link.expires_at <= now:
        when = formats.date_format(timezone.localtime(link.expires_at), "d/m/Y")
        raise LinkUnavailable(f"Este link de compra expirou em {when}.", status=410)
    if link.max_uses is not None and link.orders_count >= link.max_uses:
        raise LinkUnavailable("Este link de compra já atingiu o limite de pedidos.", status=410)
    return link


def link_resolve(code: str) -> ReferralLink:
    link = ReferralLink.objects.select_related("partner", "product").filter(code=code.strip().lower()).first()
    return link_check(link)


def link_products(link: ReferralLink) -> list[Product]:
    products = Product.objects.filter(active=True)
    if link.product_id:
        products = products.filter(pk=link.product_id)
    return list(products)


def link_product(link: ReferralLink, product_code: str) -> Product:
    for product in link_products(link):
        if product.code == product_code:
            return product
    raise ProductNotAllowed("Este produto não está disponível neste link de compra.", field="product")


def link_pricing(link: ReferralLink, product: Product) -> Pricing:
    discount = link.discount_for(product.price)
    return Pricing(
        list_price=product.price,
        discount=discount,
        price=product.price - discount,
        commission_percent=link.commission_percent if link.benefit == ReferralLink.Benefit.COMMISSION else None,
    )


def link_claim_use(link: ReferralLink) -> None:
    """Count one order on the link, atomically refusing past its usage limit (no check-then-write)."""
    claimed = ReferralLink.objects.filter(
        Q(max_uses__isnull=True) | Q(orders_count__lt=F("max_uses")), pk=link.pk
    ).update(orders_count=F("orders_count") + 1)
    if not claimed:
        raise LinkUnavailable("Este link de compra já atingiu o limite de pedidos.", status=410)
    if link.max_uses is not None:  # the link page keeps the link with the catalog version: it may now be used up
        public_pages_changed()
