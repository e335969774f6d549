"""The partner's order spreadsheet: clients' CPF, e-mail and mobile masked unless the partner declares, audited,
that they need them in full (LGPD)."""

import csv
import io

import pytest

from orders.models import Order
from orders.tests.factories import CnpjProductFactory, OrderFactory, valid_cnpj, valid_cpf
from orders.validators import format_cnpj, format_cpf, format_mobile
from tecnosign.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

FULL_EXPORT = "/parceiros/pedidos-completos.csv"


def _rows(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(raw), delimiter=";"))


@pytest.fixture
def clients_orders(link):
    """Three people and one company (whose legal representative is a person too), each with their own contacts."""
    people = [
        OrderFactory(
            link=link,
            person_name=f"Cliente {n}",
            person_cpf=valid_cpf(500 + n),
            email=f"cliente{n}.silva@dominio.com.br",
            mobile=f"+55119876543{n:02d}",
        )
        for n in range(1, 4)
    ]
    company = OrderFactory(
        link=link,
        product=CnpjProductFactory(),
        person_name="Pedro Padeiro",
        person_cpf=valid_cpf(600),
        company_name="Padaria Pão Quente Ltda",
        cnpj=valid_cnpj(77),
        email="pedro@padaria.com.br",
        mobile="+5521998877665",
    )
    return [*people, company]


def _personal_data(order: Order) -> list[str]:
    """Every way a client's CPF, e-mail and mobile could be written out."""
    mobile = format_mobile(order.mobile)
    return [
        order.person_cpf,
        format_cpf(order.person_cpf),
        order.email,
        order.mobile,
        mobile,
        order.mobile.removeprefix("+55"),
        mobile.split(" ", 1)[1],  # the number without the area code
    ]


def test_the_default_export_has_no_clients_full_cpf_email_or_mobile(partner_client, clients_orders):
    # When the partner exports the orders as the dashboard's button does
    rows = _rows(partner_client.get("/parceiros/pedidos.csv"))

    # Then no client's CPF, e-mail or mobile is there in full; each is masked, and a company keeps its CNPJ
    text = "\n".join(";".join(row) for row in rows)
    for order in clients_orders:
        for value in _personal_data(order):
            assert value not in text, value
    by_number = {row[0]: row for row in rows[1:]}
    first = by_number[clients_orders[0].number]
    cpf = clients_orders[0].person_cpf
    assert first[3:7] == [f"***.{cpf[3:6]}.{cpf[6:9]}-**", "Cliente 1", "c***@dominio.com.br", "(11) *****-4301"]
    company = by_number[clients_orders[3].number]
    assert company[3] == format_cnpj(clients_orders[3].cnpj) and company[5:7] == [
        "p***@padaria.com.br",
        "(21) *****-7665",
    ]
    assert len(rows) == 1 + len(clients_orders)
    assert not AuditEvent.objects.filter(action="partner.orders_exported_full").exists()


def test_the_full_export_has_the_full_data_and_leaves_exactly_one_audit_record(partner_client, partner, clients_orders):
    # Given the dashboard filtered by a search, with the declaration ticked
    # When the partner asks for the complete spreadsheet
    response = partner_client.post(f"{FULL_EXPORT}?q=Cliente&status=awaiting_payment", {"confirm": "on"})

    # Then it has the filtered clients' CPF, e-mail and mobile in full
    assert response.status_code == 200 and "pedidos-completos-" in response["Content-Disposition"]
    rows = _rows(response)
    people = clients_orders[:3]
    assert {row[0] for row in rows[1:]} == {order.number for order in people}
    for order, row in zip(people, sorted(rows[1:], key=lambda r: r[4]), strict=True):
        assert row[3:7] == [format_cpf(order.person_cpf), order.person_name, order.email, format_mobile(order.mobile)]
    # And one audit record says who took them, with which filters and how many orders
    event = AuditEvent.objects.get(action="partner.orders_exported_full")
    assert (event.object_type, event.object_id, event.actor) == ("orders.partner", str(partner.pk), partner.user)
    assert event.after == {"filters": {"status": "awaiting_payment", "query": "Cliente"}, "rows": 3}


def test_the_full_export_without_the_declaration_gives_nothing_and_records_nothing(partner_client, clients_orders):
    # When the partner asks for the complete spreadsheet without ticking the declaration
    response = partner_client.post(f"{FULL_EXPORT}?q=Cliente", {}, follow=True)

    # Then they are back on the filtered dashboard with the reason, and no personal data left
    assert response.redirect_chain == [("/parceiros/?q=Cliente", 302)]
    assert "marque a declaração de responsabilidade (LGPD)" in response.text
    for order in clients_orders:
        assert order.email not in response.text and format_mobile(order.mobile) not in response.text
    assert not AuditEvent.objects.filter(action="partner.orders_exported_full").exists()


def test_the_full_export_is_a_post_only(partner_client, clients_orders):
    response = partner_client.get(FULL_EXPORT, {"confirm": "on"})

    assert response.status_code == 405
    assert not AuditEvent.objects.filter(action="partner.orders_exported_full").exists()


def test_the_dashboard_explains_the_responsibility_before_the_full_export(partner_client, clients_orders):
    page = partner_client.get("/parceiros/", {"q": "Cliente"}).text

    assert "LGPD (Lei nº 13.709/2018)" in page and "guarde o arquivo em local protegido" in page
    assert 'action="/parceiros/pedidos-completos.csv?q=Cliente"' in page
    assert 'name="confirm"' in page
