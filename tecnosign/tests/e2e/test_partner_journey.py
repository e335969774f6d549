"""The partner in Chromium: logs in, creates a discount link, and watches a client's order appear on the dashboard
with its state in words as the client (in another browser) orders and pays by card."""

import re

import pytest

from orders.catalog import catalog_load
from orders.models import Order, ReferralLink
from orders.services.link_visits import link_visits_fold
from orders.tests.factories import PartnerFactory

from .steps import CPF, STAFF_PASSWORD, fill_holder

pytestmark = pytest.mark.browser


def _dashboard_row(page, number: str) -> str:
    page.goto("/parceiros/")
    return page.locator("table tbody tr", has_text=number).inner_text()


def test_the_partner_creates_a_link_and_follows_the_clients_order(open_browser, clock):
    catalog_load()
    partner = PartnerFactory(name="Contabilidade Horizonte Ltda", user__username="paula@horizonte.com.br")

    # Login, then a new link: a 10% discount for the client. A missing value is told next to its field first.
    office = open_browser()
    office.goto("/parceiros/entrar/")
    office.fill("#id_username", "paula@horizonte.com.br")
    office.fill("#id_password", STAFF_PASSWORD)
    office.get_by_role("button", name="Entrar").click()
    office.wait_for_selector("h1:has-text('Contabilidade Horizonte Ltda')")
    assert "Ainda não há pedidos" in office.inner_text("main")
    office.get_by_role("link", name="Links de venda").click()
    office.get_by_role("link", name="Criar link de venda").click()
    office.fill("#id_name", "Clientes de dezembro")
    office.get_by_label("Desconto para o cliente (%)").check()
    office.get_by_role("button", name="Criar link").click()
    value = office.locator("#id_benefit_value")
    assert value.get_attribute("aria-invalid") == "true"
    assert office.inner_text("#id_benefit_value_error").strip()
    office.fill("#id_benefit_value", "10")
    office.get_by_role("button", name="Criar link").click()
    office.wait_for_selector("h1:has-text('Clientes de dezembro')")
    link = ReferralLink.objects.get(partner=partner)
    url = office.input_value("#link-url")
    assert url.endswith(f"/l/{link.code}/")

    # The client, on their own computer, follows the link and orders the e-CPF A1 with the discount.
    client = open_browser()
    client.goto(url)
    assert "Os preços abaixo já têm o desconto aplicado." in client.inner_text("main")
    client.get_by_role("link", name=re.compile("^Para você")).click()
    client.get_by_role("link", name=re.compile("^A1 — arquivo no computador")).click()
    client.get_by_role("link", name="Comprar e-CPF A1 — 12 meses").click()
    fill_holder(client, cpf=CPF)
    client.get_by_role("button", name="Fazer pedido").click()
    client.wait_for_selector("h1:has-text('Pedido ')")
    order = Order.objects.get(link=link)
    assert order.discount > 0

    row = _dashboard_row(office, order.number)
    assert "Maria da Silva" in row and "aguardando pagamento" in row

    # The client pays by card (the sandbox approves this test number); the partner sees it paid.
    client.get_by_text("Pagar com cartão de crédito").click()
    client.fill("#id_number", "4111 1111 1111 1111")
    client.fill("#id_holder_name", "MARIA DA SILVA")
    client.fill("#id_expiry", "12/30")
    client.fill("#id_cvv", "123")
    client.get_by_role("button", name="no cartão").click()
    client.wait_for_selector("text=Pago em")

    row = _dashboard_row(office, order.number)
    assert "pago — aguardando documentos" in row
    link_visits_fold()  # as the beat does every minute: the visits counted in Redis reach the statistics
    office.goto("/parceiros/links/")
    cells = office.locator("table tbody tr", has_text="Clientes de dezembro").locator("td").all_inner_texts()
    assert [cell.strip() for cell in cells[2:6]] == ["1", "1", "1", "100,0%"]  # visits, orders, paid, conversion
