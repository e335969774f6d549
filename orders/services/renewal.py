"""The renewal order: the same holder buys the next certificate through the same partner's link and conditions."""

from tecnosign.audit.services import Actor

from ..models import Order, ReferralLink
from .checkout import CheckoutError, HolderData, order_create


def renewal_link_of(original: Order) -> ReferralLink | None:
    """The link the renewal is sold through: the original sale's (a guarantee reissue has none: its original's)."""
    while original is not None:
        if original.link_id is not None:
            return original.link
        original = original.replaces
    return None


def order_create_renewal(
    *,
    original: Order,
    renews,
    product_code: str,
    email: str,
    mobile: str,
    issuance_password: str,
    revocation_password: str,
    lgpd_consent: bool,
    actor: Actor,
) -> Order:
    """An order in `awaiting_payment` that renews `renews` (a certificate of `original`): the holder's identity carried
    over (only the contact may change), the product the customer picks among those the partner's link sells, at the
    link's price (commission or discount), new passwords. The caller has checked the certificate may be renewed."""
    link = renewal_link_of(original)
    if link is None:
        raise CheckoutError("Este pedido não veio de um link de venda: fale com a TecnoSign para renovar.")
    holder = HolderData(
        person_name=original.person_name,
        person_cpf=original.person_cpf,
        person_birth_date=original.person_birth_date,
        email=email,
        mobile=mobile,
        pis_nis=original.pis_nis,
        cei=original.cei,
        company_name=original.company_name,
        cnpj=original.cnpj,
    )
    return order_create(
        link=link,
        product_code=product_code,
        holder=holder,
        issuance_password=issuance_password,
        revocation_password=revocation_password,
        lgpd_consent=lgpd_consent,
        actor=actor,
        note=f"Renovação do pedido {original.number} pelo link {link.code}",
        renews=renews,
    )
