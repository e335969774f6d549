"""The partners' REST API, driven over HTTP with a key created in the portal."""

import re
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.core import mail

from orders.models import Order, Partner, ReferralLink
from orders.tests.factories import CnpjProductFactory, LinkFactory, OrderFactory, ProductFactory
from partners.models import ApiToken
from tecnosign.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def order_payload(link, **changes):
    return {
        "link": link.code,
        "product": "e-cpf-a1-12m",
        "person_name": "Maria da Silva",
        "person_cpf": "529.982.247-25",
        "person_birth_date": "1985-04-12",
        "email": "Maria@Exemplo.com.br",
        "mobile": "(11) 98765-4321",
        **changes,
    }


def field_errors(response) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def test_a_key_made_in_the_portal_opens_the_api_and_is_stored_only_as_a_hash(partner_client, client, partner):
    page = partner_client.post("/parceiros/api/", {"name": "ERP do escritório"})
    key = page.context["new_key"]
    assert page.status_code == 200 and key.startswith("tsk_") and key in page.text
    token = ApiToken.objects.get()
    assert key not in str(list(ApiToken.objects.values())) and token.prefix == key[:10]
    assert key not in partner_client.get("/parceiros/api/").text  # shown once

    client.logout()
    response = client.get("/api/v1/links/", headers={"Authorization": f"Bearer {key}"})

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "credenciais"),
        ("Bearer tsk_naoexiste", "Chave de API inválida ou revogada."),
        ("Bearer", "Authorization: Bearer <chave>"),
    ],
    ids=["none", "unknown", "malformed"],
)
def test_without_a_valid_key_the_answer_is_401_in_json(client, header, message):
    response = client.get("/api/v1/orders/", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    body = response.json()
    assert set(body) == {"code", "message", "errors"} and message in body["message"]


def test_a_revoked_key_stops_at_once(api, partner_client, api_key):
    assert api.get("/api/v1/links/").status_code == 200
    token = ApiToken.objects.get()

    partner_client.post(f"/parceiros/api/{token.pk}/revogar/")

    response = api.get("/api/v1/links/")
    assert response.status_code == 401 and response.json()["message"] == "Chave de API inválida ou revogada."
    assert AuditEvent.objects.filter(action="api_token.revoked", object_id=str(token.pk)).exists()


def test_a_suspended_partners_key_is_refused_with_403(api, partner):
    Partner.objects.filter(pk=partner.pk).update(status=Partner.Status.SUSPENDED)
    response = api.get("/api/v1/links/")
    assert response.status_code == 403 and "não está aprovado" in response.json()["message"]


def test_another_partners_key_cannot_revoke_mine(client, other_partner, partner_client, api_key):
    token = ApiToken.objects.get()
    client.force_login(other_partner.user)
    assert client.post(f"/parceiros/api/{token.pk}/revogar/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_links_create_list_pause_and_products(api, partner, product):
    cnpj = CnpjProductFactory()

    created = api.post("/api/v1/links/", {"name": "Campanha IR", "benefit": "discount", "discount_percent": "10"})
    assert created.status_code == 201, created.json()
    code = created.json()["code"]
    assert created.json()["url"] == f"http://testserver/l/{code}/"

    products = api.get(f"/api/v1/links/{code}/products/").json()
    prices = {offer["code"]: (offer["list_price"], offer["price"]) for offer in products}
    assert prices == {product.code: ("159.90", "143.91"), cnpj.code: ("229.90", "206.91")}

    paused = api.post(f"/api/v1/links/{code}/pause/")
    assert paused.json()["active"] is False
    assert ReferralLink.objects.get(code=code).active is False
    assert [link["code"] for link in api.get("/api/v1/links/", {"active": "false"}).json()["results"]] == [code]
    assert api.post(f"/api/v1/links/{code}/resume/").json()["active"] is True


def test_link_limits_answer_per_field(api, partner):
    too_much = api.post("/api/v1/links/", {"name": "Gulosa", "benefit": "commission", "commission_percent": "40"})
    both = api.post(
        "/api/v1/links/",
        {"name": "Duas", "benefit": "discount", "discount_percent": "5", "discount_amount": "10.00"},
    )
    mixed = api.post(
        "/api/v1/links/", {"name": "Mista", "benefit": "commission", "commission_percent": "5", "discount_amount": "9"}
    )
    assert too_much.status_code == both.status_code == mixed.status_code == 400
    assert "escolha um dos dois" in field_errors(mixed)["benefit"]
    assert field_errors(too_much) == {"commission_percent": "O máximo permitido pela TecnoSign é 15,00%."}
    assert "um dos dois" in field_errors(both)["discount_percent"]
    assert not ReferralLink.objects.exists()


def test_order_on_behalf_of_a_client_uses_the_checkout_rules_and_waits_for_the_holder(api, link, product, on_commit):
    with on_commit():
        with_mail = api.post("/api/v1/orders/", order_payload(link, price="159.90"))

    assert with_mail.status_code == 201, with_mail.json()
    body = with_mail.json()
    order = Order.objects.get(number=body["number"])
    assert (order.person_cpf, order.mobile, order.email) == ("52998224725", "+5511987654321", "maria@exemplo.com.br")
    assert order.price == Decimal("159.90") and order.commission_percent == Decimal("10.00")
    assert (body["status"], body["status_label"]) == ("awaiting_holder", "Aguardando confirmação do titular")
    assert body["state"].startswith("aguardando confirmação do cliente")
    assert [(step["status"], step["state"]) for step in body["timeline"][:3]] == [
        ("awaiting_holder", "done"),
        ("awaiting_payment", "current"),
        ("paid", "todo"),
    ]
    assert "password" not in with_mail.text and "/pedido/confirmar/" not in with_mail.text
    assert mail.outbox[-1].to == ["maria@exemplo.com.br"] and order.number in mail.outbox[-1].subject
    assert (
        AuditEvent.objects.filter(action="order.created", object_id=str(order.pk))
        .get()
        .actor_label.startswith("API tsk_")
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"person_cpf": "111.111.111-11"}, "person_cpf", "CPF inválido. Confira os 11 dígitos."),
        ({"mobile": "(11) 3333-4444"}, "mobile", "Celular inválido"),
        ({"product": "e-cpf-a3-token-24m"}, "product", "não está disponível neste link"),
        ({"price": "1.00"}, "price", "O preço deste produto neste link é 159.90"),
        ({"cnpj": "11.222.333/0001-81"}, "cnpj", "Um e-CPF não leva CNPJ"),
    ],
    ids=["cpf", "mobile", "product", "tampered-price", "cnpj-on-ecpf"],
)
def test_bad_orders_are_400_with_the_field_and_nothing_is_written(api, partner, product, changes, field, message):
    link = LinkFactory(partner=partner, product=product)  # sells only the e-CPF A1
    ProductFactory(code="e-cpf-a3-token-24m", name="A3", certificate_type="A3", media="token", validity_months=24)

    response = api.post("/api/v1/orders/", order_payload(link, **changes))

    assert response.status_code == 400, response.json()
    assert message in field_errors(response)[field]
    assert not Order.objects.exists()


def test_another_partners_link_or_order_is_out_of_reach(api, other_partner, product):
    their_link = LinkFactory(partner=other_partner)
    their_order = OrderFactory(link=their_link)

    create = api.post("/api/v1/orders/", order_payload(their_link))
    read = api.get(f"/api/v1/orders/{their_order.number}/")
    pause = api.post(f"/api/v1/links/{their_link.code}/pause/")
    listed = api.get("/api/v1/orders/").json()

    assert create.status_code == 400 and "link" in field_errors(create)
    assert read.status_code == pause.status_code == 404
    assert read.json() == {"code": "not_found", "message": "Não encontrado.", "errors": []}
    assert listed["count"] == 0
    their_link.refresh_from_db()
    assert their_link.active


def test_orders_list_filters_and_search(api, partner, link):
    maria = OrderFactory(link=link, person_name="Maria Souza", person_cpf="52998224725")
    OrderFactory(link=link, person_name="João Lima", person_cpf="11144477735", status=Order.Status.PAID)

    by_cpf = api.get("/api/v1/orders/", {"q": "529.982"}).json()
    by_status = api.get("/api/v1/orders/", {"status": "paid"}).json()
    other = LinkFactory(partner=partner)
    OrderFactory(link=other, person_name="Pelo outro link")
    by_link = api.get("/api/v1/orders/", {"link": other.code.upper()}).json()
    assert [o["holder_name"] for o in by_link["results"]] == ["Pelo outro link"]
    bad_status = api.get("/api/v1/orders/", {"status": "voando"})

    assert [o["number"] for o in by_cpf["results"]] == [maria.number]
    assert [o["state"] for o in by_status["results"]] == ["pago — aguardando documentos"]
    assert bad_status.status_code == 400 and field_errors(bad_status)["status"]
    far = api.get("/api/v1/orders/", {"created_from": "0001-01-01", "created_to": "9999-12-31"}).json()
    assert far["count"] == 3


def test_order_detail_has_timeline_and_history_but_no_secrets(api, link):
    order = OrderFactory(link=link)
    body = api.get(f"/api/v1/orders/{order.number.lower()}/").json()
    assert body["number"] == order.number and [step["status"] for step in body["timeline"]][:2] == [
        "awaiting_payment",
        "paid",
    ]
    assert "password" not in str(body).lower() and "documents" not in body


def test_resending_the_payment_link_is_once_a_day(api, link, on_commit):
    order = OrderFactory(link=link)
    with on_commit():
        first = api.post(f"/api/v1/orders/{order.number}/resend-payment-link/")
        second = api.post(f"/api/v1/orders/{order.number}/resend-payment-link/")
    assert (first.json(), second.json()) == ({"sent": True}, {"sent": False})
    assert [m.to for m in mail.outbox] == [[order.email]] and order.number in mail.outbox[0].body


def test_order_list_queries_do_not_grow_with_rows(api, link, django_assert_max_num_queries):
    OrderFactory.create_batch(3, link=link)
    with django_assert_max_num_queries(10):
        few = api.get("/api/v1/orders/")
    OrderFactory.create_batch(60, link=link)
    with django_assert_max_num_queries(10):
        many = api.get("/api/v1/orders/", {"page_size": 100})
    assert few.json()["count"] == 3 and len(many.json()["results"]) == 63


def test_throttling_per_key(api, settings, partner, other_partner, client):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_token": "3/min"}}
    statuses = [api.get("/api/v1/links/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.get("/api/v1/links/")
    assert limited.json()["code"] == "throttled" and int(limited.headers["Retry-After"]) > 0

    from partners.services.tokens import api_token_create
    from tecnosign.audit.services import Actor

    _, other_key = api_token_create(partner=other_partner, name="Outro", actor=Actor())
    other = client.get("/api/v1/links/", headers={"Authorization": f"Bearer {other_key}"})
    assert other.status_code == 200  # another key has its own allowance


def test_commission_statement_endpoint(api, partner):
    body = api.get("/api/v1/commissions/").json()
    assert body["net"] == "0.00" and body["entries"] == [] and body["paid"] is False
    bad = api.get("/api/v1/commissions/", {"month": "2026-13"})
    assert bad.status_code == 400 and "AAAA-MM" in field_errors(bad)["month"]


def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/", headers={"Accept": "application/json"})
    assert schema.status_code == 200 and "/api/v1/orders/" in schema.text
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and "/static/drf_spectacular_sidecar/" in docs.text and "cdn" not in docs.text
    bundle = re.search(r'src="(/static/drf_spectacular_sidecar/[^"]+bundle[^"]*\.js)"', docs.text).group(1)
    assert finders.find(bundle.removeprefix("/static/"))  # shipped in our static files, collected with them
    assert client.get("/api/redoc/").status_code == 200
