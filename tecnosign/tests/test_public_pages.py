"""Public pages: no cookie for an anonymous GET that needs none, rendered once per catalog version, and a change
by staff or a partner shows at once."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from orders.models import Product
from orders.services.referral_links import referral_link_set_active
from orders.tests.factories import LinkFactory, ProductFactory
from tecnosign.audit.services import Actor
from tecnosign.helpcenter.models import Article
from tecnosign.page_cache import CSRF_STAND_IN

pytestmark = pytest.mark.django_db

NEW_TERMS = {"name": "Campanha IR 2026", "product": "", "benefit_kind": "discount_percent", "benefit_value": "10"}


@pytest.fixture
def shop():
    ProductFactory()  # R$ 159,90
    return LinkFactory()


def test_anonymous_public_pages_set_no_cookie_and_may_be_cached(client, shop):
    pages = {
        "/": "public, max-age=60",
        f"/l/{shop.code}/": "no-cache",
        "/ajuda/": "public, max-age=60",
        "/ajuda/artigos/pagamento/": "public, max-age=60",
    }
    for path, cache_control in pages.items():
        for _ in range(2):  # rendered, then from the cache
            response = client.get(path)
            assert response.status_code == 200, path
            assert not response.cookies, (path, response.cookies)
            assert response["Cache-Control"] == cache_control, path
            assert "Cookie" in response["Vary"], path


def test_the_look_up_form_posts_so_it_sets_the_csrf_cookie_only_and_is_never_stored(client):
    response = client.get("/pedido/")

    assert response.status_code == 200 and 'method="post"' in response.text
    assert set(response.cookies) == {"csrftoken"}
    assert "no-store" in response["Cache-Control"]


def test_a_cached_link_page_costs_no_query_and_still_checks_the_link(client, shop, django_assert_num_queries):
    first = client.get(f"/l/{shop.code}/")

    with django_assert_num_queries(0):  # the link is kept with the page, under the same catalog version
        again = client.get(f"/l/{shop.code}/")
    assert again.content == first.content

    # Paused through the service (a queryset update(), no post_save): refused at once.
    referral_link_set_active(link=shop, active=False, actor=Actor(label="teste"))
    assert client.get(f"/l/{shop.code}/").status_code == 410
    referral_link_set_active(link=shop, active=True, actor=Actor(label="teste"))
    assert client.get(f"/l/{shop.code}/").status_code == 200

    # An expiry date passes without any write: checked again at every visit.
    shop.expires_at = timezone.now() + timedelta(hours=1)
    shop.save(update_fields=["expires_at"])
    assert client.get(f"/l/{shop.code}/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert client.get(f"/l/{shop.code}/").status_code == 410


def test_the_look_up_form_is_rendered_once_and_each_visitor_gets_a_token_that_works(db):
    tokens = []
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        page = visitor.get("/pedido/")
        assert CSRF_STAND_IN not in page.text
        [token] = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text))
        tokens.append(token)
        refused_by_csrf = visitor.post("/pedido/", {"number": "X", "document": "1"})
        assert refused_by_csrf.status_code == 403
        answered = visitor.post("/pedido/", {"number": "X", "document": "1", "csrfmiddlewaretoken": token})
        assert answered.status_code in (400, 404) and "Acessar meu pedido" in answered.text
    assert tokens[0] != tokens[1]


def test_a_partner_changing_the_link_shows_at_once(client, shop, on_commit):
    visitor = Client()
    assert "R$\u00a0159,90" in visitor.get(f"/l/{shop.code}/").text
    assert "143,91" not in visitor.get(f"/l/{shop.code}/").text  # cached now

    client.force_login(shop.partner.user)
    with on_commit():
        assert client.post(f"/parceiros/links/{shop.code}/", NEW_TERMS).status_code == 302

    page = visitor.get(f"/l/{shop.code}/").text
    assert "R$\u00a0143,91" in page and "já têm o desconto aplicado" in page


def test_staff_changing_an_article_or_the_catalog_shows_at_once(admin_client, shop, on_commit):
    visitor = Client()
    assert "R$\u00a0159,90" in visitor.get(f"/l/{shop.code}/").text
    assert "Novo prazo" not in visitor.get("/ajuda/artigos/pagamento/").text
    article = Article.objects.get(slug="pagamento")
    form = {
        "title": "Pagamento: PIX, boleto e cartão",
        "slug": "pagamento",
        "category": "compra",
        "audience": "todos",
        "position": 2,
        "published": "on",
        "summary": "PIX, boleto e cartão.",
        "body": "## Novo prazo\n\nO PIX vale **30 minutos**.",
    }

    with on_commit():
        assert admin_client.post(f"/admin/helpcenter/article/{article.pk}/change/", form).status_code == 302
    price_list = {  # the products' list in the admin, where staff edit prices in place
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(Product.objects.get().pk),
        "form-0-price": "179.90",
        "form-0-active": "on",
        "_save": "Salvar",
    }
    with on_commit():
        assert admin_client.post("/admin/orders/product/", price_list).status_code == 302

    assert "<h2>Novo prazo</h2>" in visitor.get("/ajuda/artigos/pagamento/").text
    assert "Pagamento: PIX, boleto e cartão" in visitor.get("/ajuda/").text
    assert "R$\u00a0179,90" in visitor.get(f"/l/{shop.code}/").text
