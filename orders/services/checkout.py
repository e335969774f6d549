"""Checkout: turning a quick-sale form into an order awaiting payment, or a partner's order awaiting its holder."""

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError

from ..eligibility import videoconference_eligibility
from ..models import Order, Product, ReferralLink
from .access import order_created_notify
from .holder_confirmation import holder_confirmation_send
from .links import Pricing, link_check, link_claim_use, link_pricing, link_product
from .passwords import hash_secret, holder_secrets_problem


class CheckoutError(DomainError):
    code = "checkout_invalid"


@dataclass(frozen=True)
class HolderData:
    """Already normalised (digits only, E.164 mobile): forms and the API clean the input first."""

    person_name: str
    person_cpf: str
    person_birth_date: date
    email: str
    mobile: str
    pis_nis: str = ""
    cei: str = ""
    company_name: str = ""
    cnpj: str = ""


def _check_holder(product: Product, holder: HolderData) -> None:
    if product.is_for_company and not (holder.cnpj and holder.company_name):
        raise CheckoutError("Informe o CNPJ e a razão social da empresa.", field="cnpj")
    if not product.is_for_company and (holder.cnpj or holder.company_name):
        raise CheckoutError("Um e-CPF não leva CNPJ: escolha um e-CNPJ para a empresa.", field="cnpj")


def _check_order(link: ReferralLink, product_code: str, holder: HolderData) -> Product:
    """The rules every order meets, whoever enters it: the link sells the product, the holder fits it."""
    link_check(link)
    product = link_product(link, product_code)
    _check_holder(product, holder)
    eligibility = videoconference_eligibility(validity_months=product.validity_months, cpf=holder.person_cpf)
    if not eligibility.eligible:
        raise CheckoutError(eligibility.reason, field="product", code="not_eligible_for_videoconference")
    return product


def order_create(
    *,
    link: ReferralLink,
    product_code: str,
    holder: HolderData,
    issuance_password: str,
    revocation_password: str,
    lgpd_consent: bool,
    actor: Actor,
    note: str = "",
    renews=None,
) -> Order:
    """Create an order in `awaiting_payment`. The price comes from the catalog and the link, never the client.
    `renews`: the certificate a renewal order renews (orders.services.renewal), `note` its audit note."""
    product = _check_order(link, product_code, holder)
    if problem := holder_secrets_problem(issuance_password, revocation_password, lgpd_consent=lgpd_consent):
        field, message = problem
        raise CheckoutError(message, field=field)

    pricing = link_pricing(link, product)
    # Hashed before the transaction: claiming a use locks the link's row, which every visit to the link page
    # updates too, and the two hashes take a quarter of a second of CPU.
    issuance_hash, revocation_hash = hash_secret(issuance_password), hash_secret(revocation_password)
    with transaction.atomic():
        order = _order_insert_through(
            link,
            product=product,
            holder=holder,
            pricing=pricing,
            actor=actor,
            note=note or f"Pedido pelo link de venda de {link.partner.name}",
            issuance_hash=issuance_hash,
            revocation_hash=revocation_hash,
            consent_at=timezone.now(),
            renews=renews,
        )
        order_created_notify(order)
    return order


def order_create_for_holder(*, link: ReferralLink, product_code: str, holder: HolderData, actor: Actor) -> Order:
    """A partner's order for a client: created in `awaiting_holder`, without passwords or consent.

    The same rules and price as checkout. The holder gets a one-time link to confirm the data, accept the LGPD
    terms and set both passwords (`holder_confirmation`); the partner never sees or sets them.
    """
    product = _check_order(link, product_code, holder)
    pricing = link_pricing(link, product)
    with transaction.atomic():
        order = _order_insert_through(
            link,
            product=product,
            holder=holder,
            pricing=pricing,
            actor=actor,
            note=f"Pedido feito por {link.partner.name}, aguardando o titular",
            status=Order.Status.AWAITING_HOLDER,
        )
        holder_confirmation_send(order=order, actor=actor, note="Link de confirmação enviado ao titular")
    return order


def _order_insert_through(link: ReferralLink, *, product, holder, pricing, actor: Actor, note: str, **insert) -> Order:
    """Inside the caller's transaction: one use of the link claimed, the order inserted, its creation audited."""
    link_claim_use(link)
    order = _insert_order(product=product, link=link, holder=holder, pricing=pricing, **insert)
    audit_record(
        action="order.created",
        obj=order,
        actor=actor,
        after={"status": order.status, "product": product.code, "price": str(order.price)},
        note=note,
    )
    return order


def _insert_order(
    *,
    product,
    link,
    holder,
    pricing: Pricing,
    status=Order.Status.AWAITING_PAYMENT,
    issuance_hash="",
    revocation_hash="",
    consent_at=None,
    consent_version: str | None = None,
    partner=None,
    replaces=None,
    renews=None,
) -> Order:
    if consent_version is None:  # a new consent is given to the terms in force
        consent_version = settings.LGPD_CONSENT_VERSION if consent_at else ""
    return order_insert(
        status=status,
        product=product,
        link=link,
        partner=link.partner if link is not None else partner,
        **asdict(holder),
        issuance_password_hash=issuance_hash,
        revocation_password_hash=revocation_hash,
        list_price=pricing.list_price,
        discount=pricing.discount,
        price=pricing.price,
        commission_percent=pricing.commission_percent,
        lgpd_consent_at=consent_at,
        lgpd_consent_version=consent_version,
        replaces=replaces,
        renews=renews,
    )


class ReplacementExists(DomainError):
    code = "already_reissued"


def order_insert(**fields) -> Order:
    """Insert an order under its random number: on the rare collision draw again rather than fail the purchase. A
    replacement (`replaces` set) that its original already has is refused by the one-to-one column, whatever happens
    concurrently: ReplacementExists."""
    for _ in range(5):
        try:
            with transaction.atomic():
                return Order.objects.create(**fields)
        except IntegrityError:
            original = fields.get("replaces")
            if original is not None and Order.objects.filter(replaces=original).exists():
                raise ReplacementExists(f"O pedido {original.number} já teve a sua reemissão em garantia.") from None
    raise IntegrityError("could not allocate a unique order number")


def order_create_replacement(
    *, original: Order, cnpj: str, pis_nis: str, cei: str, revocation_password_hash: str
) -> Order:
    """The free replacement of `original` (a guarantee reissue): the same holder, product and sale, price 0, no link
    (its usage limit and conversion are left alone), `replaces` set; created awaiting payment, for the caller to move
    and audit in its own transaction. The issuance password hash is the original's until a same-holder reissue is
    handed off with the passwords its holder chose after proving the contact (revocation's `reissue_proof`)."""
    holder = HolderData(
        person_name=original.person_name,
        person_cpf=original.person_cpf,
        person_birth_date=original.person_birth_date,
        email=original.email,
        mobile=original.mobile,
        pis_nis=pis_nis,
        cei=cei,
        company_name=original.company_name,
        cnpj=cnpj,
    )
    return _insert_order(
        product=original.product,
        link=None,
        partner=original.partner,
        holder=holder,
        pricing=Pricing(
            list_price=original.list_price, discount=original.list_price, price=Decimal("0.00"), commission_percent=None
        ),
        issuance_hash=original.issuance_password_hash,
        revocation_hash=revocation_password_hash,
        consent_at=original.lgpd_consent_at,
        consent_version=original.lgpd_consent_version,
        replaces=original,
    )
