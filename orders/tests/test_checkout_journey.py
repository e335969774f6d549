"""The first part of the customer journey, driven through HTTP as a customer would."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from orders.models import Order
from orders.services import checkout
from orders.tasks import fold_link_visits
from tecnosign.audit.models import AuditEvent
from tecnosign.notifications.models import OutboxMessage

from .factories import CnpjProductFactory, DiscountLinkFactory, LinkFactory, ProductFactory
from .links import link_in, open_access_link

pytestmark = pytest.mark.django_db

VALID_CPF_FORM = {
    "person_name": "  Maria   da Silva ",
    "person_cpf": "529.982.247-25",
    "person_birth_date": "1985-04-12",
    "email": "Maria@Exemplo.com.br",
    "mobile": "(11) 98765-4321",
    "pis_nis": "",
    "cei": "",
    "issuance_password": "Emissao#2026",
    "issuance_password_confirm": "Emissao#2026",
    "revocation_password": "Revoga#2026x",
    "revocation_password_confirm": "Revoga#2026x",
    "lgpd_consent": "on",
}


def test_link_to_order_page_with_email(client, on_commit):
    # given a partner's commission link selling the catalog
    product = ProductFactory()
    link = LinkFactory()

    # when the customer opens the link
    page = client.get(f"/l/{link.code}/")
    assert page.status_code == 200
    assert "e-CPF A1 — 12 meses" in page.text
    assert "R$\xa0159,90" in page.text

    # and submits the holder form with mistakes
    bad = {
        **VALID_CPF_FORM,
        "person_cpf": "111.111.111-11",
        "mobile": "(11) 3333-4444",
        "revocation_password": "Emissao#2026",
        "revocation_password_confirm": "Emissao#2026",
        "lgpd_consent": "",
    }
    checkout_url = f"/l/{link.code}/{product.code}/"
    response = client.post(checkout_url, bad)

    # then each field says what is wrong, in Portuguese, and keeps what was typed
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["person_cpf"] == ["CPF inválido. Confira os 11 dígitos."]
    assert "Celular inválido" in errors["mobile"][0]
    assert errors["revocation_password"] == ["A senha de revogação deve ser diferente da senha de emissão."]
    assert "tratamento dos dados pessoais" in errors["lgpd_consent"][0]
    assert 'value="  Maria   da Silva "' in response.text
    assert 'aria-invalid="true"' in response.text
    assert Order.objects.count() == 0

    # when it is corrected
    with on_commit():
        response = client.post(checkout_url, VALID_CPF_FORM)

    # then an order awaits payment, at the catalog price, and the customer lands on its page
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", args=[order.number])
    assert re.fullmatch(r"TS[2-9A-HJ-NP-Z]{8}", order.number)
    assert order.status == Order.Status.AWAITING_PAYMENT
    assert order.price == Decimal("159.90") and order.commission_percent == Decimal("10.00")
    assert order.person_name == "Maria da Silva" and order.person_cpf == "52998224725"
    assert order.mobile == "+5511987654321" and order.email == "maria@exemplo.com.br"
    assert order.partner == link.partner
    fold_link_visits()  # the beat task: the page counted the visit in Redis
    link.refresh_from_db()
    assert (link.visits, link.orders_count) == (1, 1)

    # the passwords are stored only as hashes
    assert "Emissao#2026" not in order.issuance_password_hash
    assert order.issuance_password_hash.startswith("md5$")  # the test hasher; production uses Argon2id

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert order.number in page.text
    assert "Aguardando pagamento" in page.text
    assert 'aria-current="step"' in page.text

    # and the order-created e-mail went out once, with a link that opens the order page
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maria@exemplo.com.br"]
    assert order.number in message.subject
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT
    stranger = client.__class__()
    opened = open_access_link(stranger, link_in(message.body))
    assert opened.redirect_chain[-1][0] == reverse("orders:detail", args=[order.number])
    assert order.number in opened.text

    # and the creation is in the audit log
    assert AuditEvent.objects.filter(action="order.created", object_id=str(order.pk)).count() == 1


def test_tampered_price_and_product_change_nothing(client):
    product = ProductFactory()
    other = CnpjProductFactory()
    link = DiscountLinkFactory(product=product)
    tampered = {**VALID_CPF_FORM, "price": "1.00", "product": other.code, "discount": "150"}

    client.post(f"/l/{link.code}/{product.code}/", tampered)

    order = Order.objects.get()
    assert order.product == product
    assert order.list_price == Decimal("159.90")
    assert order.discount == Decimal("23.99")  # 15% of 159.90, rounded half up
    assert order.price == Decimal("135.91")
    assert order.commission_percent is None


def test_link_restricted_to_one_product_refuses_others(client):
    product = ProductFactory()
    other = CnpjProductFactory()
    link = LinkFactory(product=product)

    page = client.get(f"/l/{link.code}/")
    assert product.name in page.text and other.name not in page.text
    assert client.get(f"/l/{link.code}/{other.code}/").status_code == 404
    assert client.post(f"/l/{link.code}/{other.code}/", VALID_CPF_FORM).status_code == 404
    assert Order.objects.count() == 0


def test_ecnpj_with_alphanumeric_cnpj_and_legal_representative(client):
    product = CnpjProductFactory()
    link = LinkFactory()
    form = {**VALID_CPF_FORM, "cnpj": "12.ABC.345/01DE-35", "company_name": "Padaria Pão Quente Ltda"}

    response = client.post(f"/l/{link.code}/{product.code}/", form)

    assert response.status_code == 302
    order = Order.objects.get()
    assert order.cnpj == "12ABC34501DE35"
    assert order.holder_name == "Padaria Pão Quente Ltda"
    assert order.holder_document_display == "12.ABC.345/01DE-35"
    assert order.person_cpf == "52998224725"  # the legal representative


def test_ecnpj_form_requires_company_and_checks_cnpj(client):
    product = CnpjProductFactory()
    link = LinkFactory()

    response = client.post(f"/l/{link.code}/{product.code}/", {**VALID_CPF_FORM, "cnpj": "12.ABC.345/01DE-36"})

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["cnpj"] == ["CNPJ inválido. Confira os 14 caracteres."]
    assert errors["company_name"] == ["Este campo é obrigatório."]
    assert "Representante legal" in response.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("person_birth_date", "2099-01-01", "A data de nascimento não pode estar no futuro."),
        ("person_birth_date", "31/02/1980", "Informe uma data válida."),
        ("email", "maria@", "Informe um endereço de email válido."),
        ("pis_nis", "123.45678.90-1", "PIS/NIS inválido. Confira os dígitos."),
        ("cei", "1234", "CEI inválido. São 12 dígitos."),
        ("issuance_password", "12345678", "Esta senha é inteiramente numérica."),
        ("issuance_password_confirm", "Outra#Senha1", "As senhas não conferem."),
    ],
)
def test_each_bad_field_gets_its_message(client, field, value, message):
    product = ProductFactory()
    link = LinkFactory()

    response = client.post(f"/l/{link.code}/{product.code}/", {**VALID_CPF_FORM, field: value})

    assert response.status_code == 400
    assert message in response.context["form"].errors[field]
    assert Order.objects.count() == 0


def test_valid_pis_is_kept(client):
    product = ProductFactory()
    link = LinkFactory()

    client.post(
        f"/l/{link.code}/{product.code}/", {**VALID_CPF_FORM, "pis_nis": "120.5446.339-8", "cei": "123456789012"}
    )

    order = Order.objects.get()
    assert (order.pis_nis, order.cei) == ("12054463398", "123456789012")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_passwords_are_hashed_before_the_link_row_is_locked(client, monkeypatch):
    # Claiming a use locks the link's row, which every visit to the link page updates: the slow hashes must not
    # run while that lock is held, or each checkout would stall the link's visitors.
    product, link = ProductFactory(), LinkFactory()
    hashed_inside = []
    real_hash = checkout.hash_secret

    def spy(raw):
        hashed_inside.append(connection.in_atomic_block)
        return real_hash(raw)

    monkeypatch.setattr(checkout, "hash_secret", spy)
    assert client.get(f"/l/{link.code}/").status_code == 200
    assert client.post(f"/l/{link.code}/{product.code}/", VALID_CPF_FORM).status_code == 302

    assert hashed_inside == [False, False]
    fold_link_visits()
    link.refresh_from_db()
    assert (link.visits, link.orders_count) == (1, 1) and Order.objects.filter(link=link).count() == 1
