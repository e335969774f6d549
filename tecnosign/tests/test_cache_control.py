"""Pages with personal data or documents say `Cache-Control: no-store, private`; public pages stay cacheable."""

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.cache import get_max_age

from orders.models import Document, Order
from orders.services.access import SESSION_KEY
from orders.services.documents import document_attach
from orders.tests.factories import A3TokenProductFactory, LinkFactory, OrderFactory, UserFactory
from orders.tests.files import clean_pdf
from partners.services.tokens import api_token_create
from revocation.tests.helpers import CPF, brt, issue_a1
from tecnosign.audit.services import SYSTEM, Actor
from tecnosign.tests.auth import staff_login

pytestmark = pytest.mark.django_db


@dataclass
class Scene:
    clients: dict[str, Client]
    awaiting: Order
    paid: Order
    link_code: str
    product_code: str
    document: Document


@pytest.fixture
def scene():
    link = LinkFactory()
    awaiting = OrderFactory(link=link)
    paid = OrderFactory(link=link, status=Order.Status.PAID, product=A3TokenProductFactory())
    document = document_attach(
        order=paid,
        kind="identity",
        identity_type="cnh",
        uploaded=SimpleUploadedFile("cnh.pdf", clean_pdf()),
        actor=SYSTEM,
    )
    customer = Client()
    session = customer.session
    session[SESSION_KEY] = [awaiting.number, paid.number]
    session.save()
    customer.cookies["sessionid"] = session.session_key
    partner = Client()
    partner.force_login(link.partner.user)
    staff = Client()
    staff_login(staff, UserFactory(username="suporte@tecnosign.com.br", is_staff=True, is_superuser=True))
    _, key = api_token_create(partner=link.partner, name="ERP", actor=Actor(user=link.partner.user))
    api = Client(headers={"Authorization": f"Bearer {key}"})
    return Scene(
        clients={"anyone": Client(), "customer": customer, "partner": partner, "staff": staff, "api": api},
        awaiting=awaiting,
        paid=paid,
        link_code=link.code,
        product_code=awaiting.product.code,
        document=document,
    )


def assert_no_store(response):
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, response.get("Cache-Control")


# who, method, path, data, expected status
SENSITIVE = {
    "order-lookup-form": ("anyone", "get", lambda s: "/pedido/", None, 200),
    "order-lookup-answer": ("anyone", "post", lambda s: "/pedido/", lambda s: {"number": s.awaiting.number}, 200),
    "order-page": ("customer", "get", lambda s: f"/pedido/{s.awaiting.number}/", None, 200),
    "order-page-with-documents": ("customer", "get", lambda s: f"/pedido/{s.paid.number}/", None, 200),
    "payment-choice": ("customer", "post", lambda s: f"/pedido/{s.awaiting.number}/pagamento/", {"method": "pix"}, 302),
    "booking": ("customer", "get", lambda s: f"/pedido/{s.paid.number}/agendar/", None, 200),
    "a1-issuance": ("customer", "get", lambda s: f"/pedido/{s.awaiting.number}/emitir/", None, 200),
    "a3-install": ("customer", "get", lambda s: f"/pedido/{s.paid.number}/instalar/", None, 200),
    "checkout-form": ("anyone", "get", lambda s: f"/l/{s.link_code}/{s.product_code}/", None, 200),
    "checkout-errors": (
        "anyone",
        "post",
        lambda s: f"/l/{s.link_code}/{s.product_code}/",
        {"person_name": "Maria da Silva", "person_cpf": "529.982.247-25"},
        400,
    ),
    "revocation-lookup": ("anyone", "post", lambda s: "/revogar/", {"identifier": "TS1", "document": CPF}, 404),
    "partner-login": ("anyone", "get", lambda s: "/parceiros/entrar/", None, 200),
    "partner-dashboard": ("partner", "get", lambda s: "/parceiros/", None, 200),
    "partner-order": ("partner", "get", lambda s: f"/parceiros/pedidos/{s.paid.number}/", None, 200),
    "partner-csv": ("partner", "get", lambda s: "/parceiros/pedidos.csv", None, 200),
    "partner-commissions": ("partner", "get", lambda s: "/parceiros/comissoes/", None, 200),
    "api-orders": ("api", "get", lambda s: "/api/v1/orders/", None, 200),
    "api-order": ("api", "get", lambda s: f"/api/v1/orders/{s.paid.number}/", None, 200),
    "admin-orders": ("staff", "get", lambda s: "/admin/orders/order/", None, 200),
    "admin-order": ("staff", "get", lambda s: f"/admin/orders/order/{s.paid.pk}/change/", None, 200),
    "admin-login": ("anyone", "get", lambda s: "/admin/", None, 302),
    "document-file": ("staff", "get", lambda s: f"/retaguarda/documentos/{s.document.public_id}/arquivo/", None, 200),
}


@pytest.mark.parametrize(("who", "method", "path", "data", "status"), SENSITIVE.values(), ids=SENSITIVE.keys())
def test_pages_with_personal_data_are_never_stored(scene, who, method, path, data, status):
    client = scene.clients[who]
    payload = data(scene) if callable(data) else data

    response = getattr(client, method)(path(scene), payload) if payload else getattr(client, method)(path(scene))

    assert response.status_code == status
    assert_no_store(response)


def test_the_revocation_page_and_its_letter_download_are_never_stored(client, on_commit, local_ca):
    order, certificate = issue_a1(on_commit, at=brt(2026, 12, 1, 10, 0))
    client.post("/revogar/", {"identifier": order.number, "document": CPF})

    page = client.get(f"/revogar/{certificate.serial}/")
    letter_pdf = client.get(f"/revogar/{certificate.serial}/carta.pdf")

    assert page.status_code == 200 and certificate.serial in page.text
    assert_no_store(page)
    assert letter_pdf.status_code == 404  # no letter asked for: still never stored
    assert_no_store(letter_pdf)


@pytest.mark.parametrize(
    "path",
    [lambda s: "/", lambda s: "/ajuda/", lambda s: f"/l/{s.link_code}/", lambda s: "/ajuda/midias/"],
    ids=["home", "help-centre", "link-page", "media-help"],
)
def test_public_pages_stay_cacheable(scene, path):
    response = scene.clients["anyone"].get(path(scene))

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert get_max_age(response) is None or get_max_age(response) > 0
