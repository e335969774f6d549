"""The help centre: the seeded knowledge base, search, staff editing, and links where questions arise."""

import pytest

from orders.tests.factories import LinkFactory, OrderFactory, ProductFactory
from tecnosign.helpcenter.models import Article

pytestmark = pytest.mark.django_db


def results(client, query: str) -> list[str]:
    return [article.slug for article in client.get("/ajuda/", {"q": query}).context["results"]]


def test_the_knowledge_base_is_seeded_from_both_documents(client):
    page = client.get("/ajuda/")
    assert page.status_code == 200
    for title in (
        "Como comprar um certificado pelo link de venda rápida",
        "Garantias e revogações",
        "Como se preparar para a videoconferência",
        "Perguntas frequentes sobre a videoconferência",
        "Tokens e cartões: senhas PIN e PUK e formatação",
    ):
        assert title in page.text
    guarantees = client.get("/ajuda/artigos/garantias/").text
    for rule in ("14 dias", "7 dias", "Sem garantia", "outra filial", "Computador foi roubado", "senha de revogação"):
        assert rule.lower() in guarantees.lower()
    faq = client.get("/ajuda/artigos/videoconferencia-perguntas/").text
    assert "De 15 a 30 minutos" in faq and "Ingressar agora" in faq and "impreterivelmente" in faq
    assert 'href="/ajuda/midias/"' in client.get("/ajuda/artigos/midias/").text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("boleto", "pagamento"),
        ("filial", "garantias"),
        ("cartório", "revogacao-sem-senha"),
        ("Teams", "videoconferencia-perguntas"),
        ("PUK", "midias"),
    ],
)
def test_search_finds_the_article(client, query, expected):
    assert expected in results(client, query)


@pytest.mark.postgres
def test_postgres_search_understands_portuguese_word_forms(client):
    # "revogar" and "revogado" share the stem of "revogação"/"revogue" only under the Portuguese configuration.
    assert "garantias" in results(client, "revogar certificado roubado")
    assert "revogacao-sem-senha" in results(client, "revogacao cartorio")  # typed without accents
    assert results(client, "xyzzy inexistente") == []


def test_search_with_nothing_found_says_so(client):
    page = client.get("/ajuda/", {"q": "x" * 500})
    assert page.status_code == 200 and "Nenhum artigo encontrado" in page.text


def test_staff_edit_an_article_in_the_admin_and_html_is_escaped(admin_client, client):
    article = Article.objects.get(slug="pagamento")
    response = admin_client.post(
        f"/admin/helpcenter/article/{article.pk}/change/",
        {
            "title": "Formas de pagamento",
            "slug": "pagamento",
            "category": "compra",
            "audience": "todos",
            "position": 2,
            "published": "on",
            "summary": "PIX, boleto e cartão.",
            "body": "## Novo prazo\n\nO PIX vale **30 minutos**.\n\n<script>alert(1)</script>\n\n"
            "[x](javascript:alert(1))",
        },
    )
    assert response.status_code == 302
    page = client.get("/ajuda/artigos/pagamento/").text
    assert "<h2>Novo prazo</h2>" in page and "<strong>30 minutos</strong>" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page and 'href="javascript:' not in page


def test_unpublished_articles_are_hidden(client):
    Article.objects.filter(slug="pagamento").update(published=False)
    assert client.get("/ajuda/artigos/pagamento/").status_code == 404
    assert "pagamento" not in results(client, "boleto")


def test_help_is_linked_where_the_questions_arise(client, customer):
    product = ProductFactory()
    link = LinkFactory()
    assert 'href="/ajuda/"' in client.get("/").text  # the site navigation
    checkout = client.get(f"/l/{link.code}/{product.code}/").text
    assert 'href="/ajuda/artigos/senhas/"' in checkout and 'href="/ajuda/artigos/garantias/"' in checkout
    order = OrderFactory(link=link)
    detail = customer(order).get(f"/pedido/{order.number}/").text
    assert 'href="/ajuda/artigos/pagamento/"' in detail


def test_help_link_tag_for_other_pages(rf):
    from django.template import Context, Template

    html = Template(
        '{% load help %}{% help_link "garantias" %}|{% help_link "videoconferencia" "Prepare-se" %}'
    ).render(Context())
    assert html == (
        '<a class="help-link" href="/ajuda/artigos/garantias/">Garantias e revogações</a>|'
        '<a class="help-link" href="/ajuda/artigos/videoconferencia/">Prepare-se</a>'
    )
