"""The renewal order: from the reminder's link or the order page, the holder's data carried over and confirmed, the same
partner's link and conditions, new passwords, the certificate it renews recorded; ICP_CHAIN_END shown before payment."""

from datetime import date

import pytest
from django.contrib.auth.hashers import check_password

from issuance.models import Certificate
from issuance.services.revocation import certificate_revoke
from orders.models import Order, Product
from orders.tests.factories import DiscountLinkFactory, ProductFactory
from renewal.services.links import renewal_token
from tecnosign.audit.services import Actor

from .helpers import before_end, issued

pytestmark = pytest.mark.django_db

NEW_ISSUANCE = "NovaEmissao#27"
NEW_REVOCATION = "NovaRevoga#27x"


def renewal_path(certificate) -> str:
    return f"/renovar/{renewal_token(certificate)}/"


def form(**overrides) -> dict:
    data = {
        "product": "e-cpf-a1-12m",
        "email": "maria.nova@exemplo.com.br",
        "mobile": "(11) 98765-4321",
        "data_confirmed": "on",
        "issuance_password": NEW_ISSUANCE,
        "issuance_password_confirm": NEW_ISSUANCE,
        "revocation_password": NEW_REVOCATION,
        "revocation_password_confirm": NEW_REVOCATION,
        "lgpd_consent": "on",
    }
    return {**data, **overrides}


def test_the_holder_renews_through_the_same_partner_with_new_passwords(on_commit, client, link):
    original, certificate = issued(on_commit, link=link)

    with before_end(certificate, 20):
        page = client.get(renewal_path(certificate))
        with on_commit():
            response = client.post(renewal_path(certificate), form())

    assert page.status_code == 200
    assert "Maria da Silva" in page.content.decode()
    renewal = Order.objects.get(renews=certificate)
    assert response.status_code == 302 and response.url == f"/pedido/{renewal.number}/"
    assert renewal.status == Order.Status.AWAITING_PAYMENT
    assert (renewal.link, renewal.partner) == (original.link, original.partner)
    assert renewal.commission_percent == link.commission_percent
    assert (renewal.person_name, renewal.person_cpf, renewal.person_birth_date) == (
        original.person_name,
        original.person_cpf,
        original.person_birth_date,
    )
    assert renewal.email == "maria.nova@exemplo.com.br"
    assert check_password(NEW_ISSUANCE, renewal.issuance_password_hash)
    assert check_password(NEW_REVOCATION, renewal.revocation_password_hash)
    assert not check_password(NEW_ISSUANCE, original.issuance_password_hash)
    # the session that renewed sees the new order's page, ready to pay
    assert client.get(response.url).status_code == 200


def test_another_product_at_the_partners_discount(on_commit, client, partner):
    link = DiscountLinkFactory(partner=partner)
    ProductFactory(
        code="e-cpf-a3-12m",
        name="e-CPF A3 — 12 meses",
        certificate_type=Product.CertificateType.A3,
        validity_months=12,
        media=Product.Media.TOKEN,
    )
    _, certificate = issued(on_commit, link=link)

    with before_end(certificate, 20), on_commit():
        client.post(renewal_path(certificate), form(product="e-cpf-a3-12m"))

    renewal = Order.objects.get(renews=certificate)
    assert renewal.product.code == "e-cpf-a3-12m"
    assert renewal.discount > 0 and renewal.price == renewal.list_price - renewal.discount


def test_the_chain_end_is_shown_before_payment(on_commit, client, link, settings):
    _, certificate = issued(on_commit, link=link)
    settings.ICP_CHAIN_END = date(2027, 8, 1)

    with before_end(certificate, 20):
        page = client.get(renewal_path(certificate)).content.decode()

    assert "validade até 01/08/2027" in page
    assert "limitada pelo fim da cadeia V5" in page


def test_unconfirmed_data_or_weak_passwords_write_nothing(on_commit, client, link):
    _, certificate = issued(on_commit, link=link)
    before = Order.objects.count()

    with before_end(certificate, 20):
        unconfirmed = client.post(renewal_path(certificate), form(data_confirmed=""))
        weak = client.post(renewal_path(certificate), form(issuance_password="123", issuance_password_confirm="123"))

    assert unconfirmed.status_code == 400 and weak.status_code == 400
    assert Order.objects.count() == before


def test_a_revoked_certificate_is_not_renewed_by_link(on_commit, client, link):
    _, certificate = issued(on_commit, link=link)
    with before_end(certificate, 20), on_commit():
        certificate_revoke(certificate=certificate, reason=Certificate.Reason.KEY_COMPROMISE, actor=Actor(label="t"))
        page = client.get(renewal_path(certificate))
        posted = client.post(renewal_path(certificate), form())

    assert page.status_code == 404 and "revogado" in page.content.decode()
    assert posted.status_code == 404
    assert not Order.objects.filter(renews=certificate).exists()


def test_a_tampered_link_is_refused(client):
    response = client.get("/renovar/abc123/")

    assert response.status_code == 404
    assert "inválido" in response.content.decode()


def test_the_order_page_offers_the_renewal(on_commit, client, customer, link):
    original, certificate = issued(on_commit, link=link)

    with before_end(certificate, 20):
        page = customer(original).get(f"/pedido/{original.number}/").content.decode()

    assert "Renovar o certificado" in page
    assert renewal_path(certificate)[: len("/renovar/")] in page
