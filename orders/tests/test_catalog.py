from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError

from orders.catalog import standard_catalog
from orders.eligibility import videoconference_eligibility
from orders.models import HolderBiometrics, Order, Product, ReferralLink
from orders.validity import certificate_validity

from .factories import A3TokenProductFactory, LinkFactory, ProductFactory
from .test_checkout_journey import VALID_CPF_FORM

pytestmark = pytest.mark.django_db


def test_standard_catalog_follows_icp_brasil_rules():
    items = standard_catalog()
    for item in items:
        Product(**item).full_clean(validate_unique=False)
    a3 = [item for item in items if item["certificate_type"] == "A3"]
    assert {item["validity_months"] for item in a3} == {12, 24}
    assert {item["media"] for item in a3} == {"token", "card", "card_reader", "own"}
    assert all(item["validity_months"] == 12 for item in items if item["certificate_type"] == "A1")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"validity_months": 24}, "validity_months", "no máximo 12 meses"),
        ({"certificate_type": "A3", "media": "token", "validity_months": 36}, "validity_months", "12 ou 24 meses"),
        ({"certificate_type": "SE-S"}, "holder_type", "só para pessoa jurídica"),
        ({"media": "token"}, "media", "mídia deve ser “Arquivo”"),
    ],
)
def test_staff_cannot_create_products_against_the_rules(fields, field, message):
    base = {"holder_type": "cpf", "certificate_type": "A1", "media": "software", "validity_months": 12}
    product = Product(code="x", name="x", price=Decimal("10"), **{**base, **fields})
    with pytest.raises(ValidationError) as error:
        product.full_clean()
    assert message in " ".join(error.value.message_dict[field])


def test_the_database_refuses_an_a1_longer_than_12_months_even_without_the_form():
    with pytest.raises(IntegrityError):
        ProductFactory(code="a1-36", validity_months=36)


def test_seal_products_exist_for_companies():
    # Given an SE-S electronic seal for a company (CNPJ), in a file, for 12 months
    seal = Product(
        code="se-s",
        name="Selo SE-S",
        holder_type="cnpj",
        certificate_type="SE-S",
        media="software",
        validity_months=12,
        price=Decimal("300"),
    )

    # When staff's form checks it and it is saved
    seal.full_clean()
    seal.save()

    # Then it is on sale as entered, a software product like A1
    stored = Product.objects.get(code="se-s")
    assert (stored.holder_type, stored.certificate_type, stored.media, stored.validity_months) == (
        "cnpj",
        "SE-S",
        "software",
        12,
    )
    assert stored.certificate_type in Product.SOFTWARE_TYPES


def test_the_database_refuses_a_seal_for_a_person_even_without_the_form():
    # Given an SE-S seal written straight to the database for a CPF holder, when it is saved, then it is refused
    with pytest.raises(IntegrityError):
        ProductFactory(code="se-s-cpf", holder_type="cpf", certificate_type="SE-S", media="software")


def test_validity_is_capped_at_the_end_of_the_v5_chain():
    assert certificate_validity(24, date(2026, 11, 25)).end == date(2028, 11, 25)
    capped = certificate_validity(24, date(2027, 6, 1))
    assert capped.end == date(2029, 3, 2) and capped.nominal_end == date(2029, 6, 1) and capped.capped


@time_machine.travel("2027-06-01 10:00 -03:00", tick=False)
def test_checkout_shows_the_real_end_date_before_payment(client):
    product = A3TokenProductFactory()
    link = LinkFactory()

    page = client.get(f"/l/{link.code}/{product.code}/")

    assert "limitada a 02/03/2029" in page.text


def test_24_month_products_need_biometrics_for_videoconference(client):
    product = A3TokenProductFactory()
    link = LinkFactory()
    url = f"/l/{link.code}/{product.code}/"

    refused = client.post(url, VALID_CPF_FORM)
    assert refused.status_code == 400
    assert "biometria cadastrada" in refused.context["form"].errors["__all__"][0]
    assert Order.objects.count() == 0

    HolderBiometrics.objects.create(cpf="52998224725", source=HolderBiometrics.Source.PSBIO)
    assert client.post(url, VALID_CPF_FORM).status_code == 302


def test_the_stricter_rule_is_a_setting(settings):
    settings.VIDEOCONFERENCE_ELIGIBILITY_RULE = "biometrics"
    assert not videoconference_eligibility(validity_months=12, cpf="52998224725").eligible
    HolderBiometrics.objects.create(cpf="52998224725", source=HolderBiometrics.Source.CNH)
    assert videoconference_eligibility(validity_months=24, cpf="52998224725").basis.startswith("biometria: CNH")


def test_discounts_never_make_a_product_free():
    link = LinkFactory(benefit=ReferralLink.Benefit.DISCOUNT, commission_percent=None, discount_amount=Decimal("500"))
    assert link.discount_for(Decimal("159.90")) == Decimal("159.89")


def test_demo_data_loads_twice(capsys, on_commit):
    for _ in range(2):
        with on_commit():  # the summary is printed after commit
            call_command("load_demo")
    out = capsys.readouterr().out
    # each run prints its summary once (and the closing box names the link again)
    assert out.count("Demo data ready") == 2 and "/l/democomissao/" in out
    assert Product.objects.count() == len(standard_catalog())
    assert ReferralLink.objects.filter(code__in=["democomissao", "demodesconto"]).count() == 2


def test_demo_orders_stand_at_the_early_steps_of_the_journey(capsys, on_commit):
    with on_commit():
        call_command("load_demo")

    statuses = dict(Order.objects.values_list("email", "status"))
    assert statuses == {
        "demo-pagamento@exemplo.com.br": "awaiting_payment",
        "demo-agendar@exemplo.com.br": "documents_received",
        "demo-agendado@exemplo.com.br": "scheduled",
    }
    out = capsys.readouterr().out
    assert "Videoconferência agendada" in out and "Emissao#Demo1" in out
