from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import Order, Partner
from orders.tasks import fold_link_visits

from .factories import LinkFactory, PartnerFactory, ProductFactory
from .test_checkout_journey import VALID_CPF_FORM

pytestmark = pytest.mark.django_db


def test_unknown_link_is_a_friendly_404(client):
    response = client.get("/l/naoexiste99/")
    assert response.status_code == 404
    assert "Não encontramos este link de compra" in response.text


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda link: setattr(link, "expires_at", timezone.now() - timedelta(days=1)),
            "Este link de compra expirou em",
        ),
        (lambda link: setattr(link, "active", False), "não está disponível no momento"),
        (lambda link: (setattr(link, "max_uses", 2), setattr(link, "orders_count", 2)), "atingiu o limite de pedidos"),
    ],
    ids=["expired", "paused", "exhausted"],
)
def test_unusable_link_is_410_and_sells_nothing(client, setup, message):
    product = ProductFactory()
    link = LinkFactory()
    setup(link)
    link.save()

    page = client.get(f"/l/{link.code}/")
    post = client.post(f"/l/{link.code}/{product.code}/", VALID_CPF_FORM)

    assert page.status_code == post.status_code == 410
    assert message in page.text
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "code"),
    [(Partner.Status.PENDING, 404), (Partner.Status.REJECTED, 404), (Partner.Status.SUSPENDED, 410)],
)
def test_only_approved_partners_links_work(client, status, code):
    link = LinkFactory(partner=PartnerFactory(status=status))
    assert client.get(f"/l/{link.code}/").status_code == code


def test_usage_limit_counts_orders_not_visits(client):
    product = ProductFactory()
    link = LinkFactory(max_uses=1)
    for _ in range(3):
        client.get(f"/l/{link.code}/")

    first = client.post(f"/l/{link.code}/{product.code}/", VALID_CPF_FORM)
    second = client.post(f"/l/{link.code}/{product.code}/", VALID_CPF_FORM)

    assert first.status_code == 302
    assert second.status_code == 410
    fold_link_visits()  # the beat task: the page counted the visits in Redis
    link.refresh_from_db()
    assert (link.visits, link.orders_count, Order.objects.count()) == (3, 1, 1)


def test_link_code_is_case_insensitive(client):
    link = LinkFactory()
    assert client.get(f"/l/{link.code.upper()}/").status_code == 200
