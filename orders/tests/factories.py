from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from stdnum.br import cnpj as stdnum_cnpj

from orders.models import Order, Partner, Product, ReferralLink


def valid_cnpj(n: int) -> str:
    base = f"{n + 10:08d}0001"
    return base + stdnum_cnpj.calc_check_digits(base)


def valid_cpf(n: int) -> str:
    number = f"{n + 100:09d}"
    for _ in range(2):
        total = sum(int(digit) * weight for digit, weight in zip(number, range(len(number) + 1, 1, -1), strict=True))
        number += str(total * 10 % 11 % 10)
    return number


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@exemplo.com.br")
    email = factory.LazyAttribute(lambda u: u.username)
    password = factory.LazyFunction(lambda: make_password("senha-de-teste-123"))


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ["code"]

    code = "e-cpf-a1-12m"
    name = "e-CPF A1 — 12 meses"
    holder_type = Product.HolderType.CPF
    certificate_type = Product.CertificateType.A1
    media = Product.Media.SOFTWARE
    validity_months = 12
    price = Decimal("159.90")
    policy_oid = "2.16.76.1.2.1.133"


class CnpjProductFactory(ProductFactory):
    code = "e-cnpj-a1-12m"
    name = "e-CNPJ A1 — 12 meses"
    holder_type = Product.HolderType.CNPJ
    price = Decimal("229.90")


class A3TokenProductFactory(ProductFactory):
    code = "e-cpf-a3-token-24m"
    name = "e-CPF A3 token — 24 meses"
    certificate_type = Product.CertificateType.A3
    media = Product.Media.TOKEN
    validity_months = 24
    price = Decimal("349.90")
    policy_oid = "2.16.76.1.2.3.133"


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Contabilidade {n} Ltda")
    document = factory.Sequence(valid_cnpj)
    contact_name = "Paula Parceira"
    email = factory.LazyAttribute(lambda p: p.user.email)
    status = Partner.Status.APPROVED
    terms_accepted_at = factory.LazyFunction(timezone.now)


class LinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferralLink

    partner = factory.SubFactory(PartnerFactory)
    name = "Clientes do escritório"
    benefit = ReferralLink.Benefit.COMMISSION
    commission_percent = Decimal("10.00")


class DiscountLinkFactory(LinkFactory):
    benefit = ReferralLink.Benefit.DISCOUNT
    commission_percent = None
    discount_percent = Decimal("15.00")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    product = factory.SubFactory(ProductFactory)
    link = factory.SubFactory(LinkFactory)
    partner = factory.LazyAttribute(lambda o: o.link.partner)
    person_name = "Maria da Silva"
    person_cpf = "52998224725"
    person_birth_date = date(1985, 4, 12)
    email = "maria@exemplo.com.br"
    mobile = "+5511987654321"
    issuance_password_hash = factory.LazyFunction(lambda: make_password("Emissao#2026"))
    revocation_password_hash = factory.LazyFunction(lambda: make_password("Revoga#2026x"))
    commission_percent = factory.LazyAttribute(lambda o: o.link.commission_percent if o.link else None)
    list_price = factory.LazyAttribute(lambda o: o.product.price)
    price = factory.LazyAttribute(lambda o: o.product.price)
    lgpd_consent_at = factory.LazyFunction(timezone.now)
    lgpd_consent_version = "2026-07"


def order_row(n: int, *, product, link=None, partner=None, status=Order.Status.AWAITING_PAYMENT, cnpj=False, **fields):
    """The n-th client's order, unsaved, for `bulk_create` where thousands are needed (the query-count tests,
    bench/big_tables.py, bench/booking_contention.py): valid CPF (and CNPJ with `cnpj`), unusable password hashes.
    A partner's order still waiting for its holder has neither passwords nor consent (a database constraint).
    `fields` override any column."""
    confirmed = status != Order.Status.AWAITING_HOLDER
    columns = {
        "product": product,
        "link": link,
        "partner": partner,
        "status": status,
        "person_name": f"Cliente {n}",
        "person_cpf": valid_cpf(n),
        "person_birth_date": date(1985, 4, 12),
        "company_name": f"Empresa {n} Ltda" if cnpj else "",
        "cnpj": valid_cnpj(n) if cnpj else "",
        "email": f"cliente{n}@exemplo.com.br",
        "mobile": "+5511987654321",
        "issuance_password_hash": "!" if confirmed else "",
        "revocation_password_hash": "!" if confirmed else "",
        "list_price": product.price,
        "price": product.price,
        "commission_percent": link.commission_percent if link else None,
        "lgpd_consent_at": timezone.now() if confirmed else None,
        "lgpd_consent_version": "2026-07" if confirmed else "",
    }
    return Order(**{**columns, **fields})
