"""Referral links in the partner portal: create within staff limits, pause/resume, QR code, numbers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Order, Payment, ReferralLink
from orders.tasks import fold_link_visits
from orders.tests.factories import LinkFactory, OrderFactory
from orders.tests.test_checkout_journey import VALID_CPF_FORM
from partners.models import LinkLimits
from tecnosign.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

NEW = {"name": "Campanha IR 2026", "product": "", "benefit_kind": "commission", "benefit_value": "12,5"}


def test_partner_creates_a_commission_link_and_a_client_buys_through_it(partner_client, client, product):
    response = partner_client.post("/parceiros/links/novo/", NEW)

    link = ReferralLink.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/parceiros/links/{link.code}/"
    assert (link.benefit, link.commission_percent, link.product) == ("commission", Decimal("12.50"), None)
    assert AuditEvent.objects.filter(action="link.created", object_id=str(link.pk)).exists()
    page = partner_client.get(f"/parceiros/links/{link.code}/")
    assert f"http://testserver/l/{link.code}/" in page.text and "qrcode.png" in page.text

    client.logout()
    client.post(f"/l/{link.code}/{product.code}/", VALID_CPF_FORM)
    assert Order.objects.get().commission_percent == Decimal("12.50")


@pytest.mark.parametrize(
    ("kind", "value", "field", "message"),
    [
        ("commission", "15,01", "benefit_value", "O máximo permitido pela TecnoSign é 15,00%."),
        ("discount_percent", "25", "benefit_value", "O máximo permitido pela TecnoSign é 20,00%."),
        ("discount_amount", "60,00", "benefit_value", "O máximo permitido pela TecnoSign é R$ 50,00."),
        ("discount_amount", "abc", "benefit_value", "Informe um número."),
    ],
)
def test_limits_set_by_staff_are_enforced_with_a_message(partner_client, kind, value, field, message):
    response = partner_client.post("/parceiros/links/novo/", {**NEW, "benefit_kind": kind, "benefit_value": value})
    assert response.status_code == 400
    assert message in response.context["form"].errors[field][0]
    assert not ReferralLink.objects.exists()


def test_staff_change_the_limits_in_the_admin(admin_client, partner_client):
    LinkLimits.current()
    admin_client.post(
        "/admin/partners/linklimits/1/change/",
        {"max_commission_percent": "20", "max_discount_percent": "20", "max_discount_amount": "50"},
    )
    assert LinkLimits.current().max_commission_percent == Decimal("20.00")

    response = partner_client.post("/parceiros/links/novo/", {**NEW, "benefit_value": "18"})
    assert response.status_code == 302 and ReferralLink.objects.get().commission_percent == Decimal("18.00")


def test_discount_link_for_one_product_with_expiry_and_usage_limit(partner_client, client, product):
    tomorrow = timezone.localdate() + timedelta(days=1)
    partner_client.post(
        "/parceiros/links/novo/",
        {
            **NEW,
            "product": product.pk,
            "benefit_kind": "discount_amount",
            "benefit_value": "20,00",
            "expires_on": tomorrow.isoformat(),
            "max_uses": "1",
        },
    )
    link = ReferralLink.objects.get()
    assert (link.discount_amount, link.product, link.max_uses) == (Decimal("20.00"), product, 1)
    assert timezone.localtime(link.expires_at).date() == tomorrow

    client.logout()
    assert "R$\xa0139,90" in client.get(f"/l/{link.code}/").text
    client.post(f"/l/{link.code}/{product.code}/", VALID_CPF_FORM)
    assert client.get(f"/l/{link.code}/").status_code == 410  # the one allowed order was made


def test_an_expiry_in_the_past_is_refused(partner_client):
    yesterday = timezone.localdate() - timedelta(days=1)
    response = partner_client.post("/parceiros/links/novo/", {**NEW, "expires_on": yesterday.isoformat()})
    assert response.status_code == 400
    assert response.context["form"].errors["expires_on"] == ["A data de validade precisa estar no futuro."]


def test_editing_keeps_past_orders_prices_and_cannot_limit_below_orders_made(partner_client, link):
    order = OrderFactory(link=link)
    ReferralLink.objects.filter(pk=link.pk).update(orders_count=2)

    below = partner_client.post(f"/parceiros/links/{link.code}/", {**NEW, "max_uses": "1"})
    assert below.status_code == 400 and "já tem 2 pedidos" in below.text

    partner_client.post(f"/parceiros/links/{link.code}/", {**NEW, "benefit_value": "5"})
    link.refresh_from_db()
    order.refresh_from_db()
    assert link.commission_percent == Decimal("5.00") and order.commission_percent == Decimal("10.00")


def test_pause_and_resume(partner_client, client, link):
    partner_client.post(f"/parceiros/links/{link.code}/pausar/", {"back": "list"})
    assert client.get(f"/l/{link.code}/").status_code == 410
    assert "pausado" in partner_client.get("/parceiros/links/").text

    partner_client.post(f"/parceiros/links/{link.code}/retomar/")
    assert client.get(f"/l/{link.code}/").status_code == 200
    assert list(AuditEvent.objects.filter(object_id=str(link.pk)).values_list("action", flat=True).order_by("id")) == [
        "link.paused",
        "link.resumed",
    ]


def test_qr_code_is_a_png_of_the_link_for_its_owner_only(partner_client, client, link, other_partner):
    response = partner_client.get(f"/parceiros/links/{link.code}/qrcode.png?download=1")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG") and "attachment" in response["Content-Disposition"]

    client.force_login(other_partner.user)
    assert client.get(f"/parceiros/links/{link.code}/qrcode.png").status_code == 404
    assert client.get(f"/parceiros/links/{link.code}/").status_code == 404
    assert client.post(f"/parceiros/links/{link.code}/pausar/").status_code == 404


def test_link_numbers_visits_orders_paid_and_conversion(partner_client, client, link):
    for _ in range(4):
        client.get(f"/l/{link.code}/")
    paid = OrderFactory(link=link, status=Order.Status.PAID)
    Payment.objects.create(order=paid, method="pix", gateway="sandbox", amount=paid.price, status="paid")
    OrderFactory(link=link)
    ReferralLink.objects.filter(pk=link.pk).update(orders_count=2)
    fold_link_visits()  # the beat task: the page counted the visits in Redis

    row = partner_client.get("/parceiros/links/").context["rows"][0]

    assert (row["link"].visits, row["link"].orders_count, row["link"].paid_orders) == (4, 2, 1)
    assert row["conversion"] == Decimal("25.0")


def test_a_pending_partner_cannot_create_links(client, partner):
    partner.status = "pending"
    partner.save()
    client.force_login(partner.user)
    response = client.post("/parceiros/links/novo/", NEW, follow=True)
    assert "Aguardando aprovação" in response.text and not ReferralLink.objects.exists()


def test_only_partners_see_the_portal(client):
    assert client.get("/parceiros/links/").status_code == 302  # to the login
    from orders.tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get("/parceiros/links/")["Location"] == "/"


def test_dashboard_lists_only_own_links(partner_client, link):
    theirs = LinkFactory(name="Link de outro")
    page = partner_client.get("/parceiros/")
    assert link.code in page.text and theirs.code not in page.text


def test_links_page_queries_do_not_grow_with_links(partner_client, partner, django_assert_max_num_queries):
    LinkFactory.create_batch(2, partner=partner)
    with django_assert_max_num_queries(10):
        partner_client.get("/parceiros/links/")
    for link in LinkFactory.create_batch(40, partner=partner):
        OrderFactory.create_batch(2, link=link)
    with django_assert_max_num_queries(10):
        response = partner_client.get("/parceiros/links/")
    assert len(response.context["rows"]) == 42
