"""The partner's dashboard of clients' orders: states in words, filters, search, CSV, isolation, resend."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from orders.models import Order
from orders.tests.factories import CnpjProductFactory, LinkFactory, OrderFactory
from partners.selectors import order_state_text

pytestmark = pytest.mark.django_db
S = Order.Status


def states(response) -> dict[str, str]:
    return {row.order.number: row.state for row in response.context["rows"]}


def test_orders_are_listed_with_their_state_in_words(partner_client, link):
    waiting = OrderFactory(link=link)
    paid = OrderFactory(link=link, status=S.PAID)
    ready = OrderFactory(link=link, status=S.DOCUMENTS_RECEIVED)
    issued = OrderFactory(link=link, status=S.ISSUED)
    scheduled = OrderFactory(link=link, status=S.SCHEDULED)

    response = partner_client.get("/parceiros/")

    assert states(response) == {
        waiting.number: "aguardando pagamento",
        paid.number: "pago — aguardando documentos",
        ready.number: "documentos recebidos — aguardando agendamento",
        issued.number: "certificado emitido",
        scheduled.number: "videoconferência agendada",
    }
    assert f"/parceiros/pedidos/{ready.number}/agendar/" in response.text  # the booking flow's page
    assert f"/parceiros/pedidos/{paid.number}/agendar/" not in response.text


def test_the_booking_time_reads_in_brasilia(link):
    order = OrderFactory(link=link, status=S.SCHEDULED)
    start = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)
    assert order_state_text(order, booking_start=start) == "videoconferência agendada para 27/11 14:30"


def test_filters_and_search_by_name_cpf_and_cnpj(partner_client, partner, link):
    other_link = LinkFactory(partner=partner, name="Campanha")
    maria = OrderFactory(link=link, person_name="Maria Souza", person_cpf="52998224725")
    joao = OrderFactory(link=other_link, person_name="João Lima", person_cpf="11144477735", status=S.PAID)
    empresa = OrderFactory(
        link=link,
        product=CnpjProductFactory(),
        person_name="Pedro Padeiro",
        company_name="Padaria Pão Quente Ltda",
        cnpj="11222333000181",
    )
    with time_machine.travel(timezone.now() - timedelta(days=40)):
        old = OrderFactory(link=link, person_name="Antiga Cliente")

    def numbers(**params):
        return set(states(partner_client.get("/parceiros/", params)))

    assert numbers(q="maria") == {maria.number}
    assert numbers(q="111.444.777-35") == {joao.number}
    assert numbers(q="11.222.333/0001-81") == {empresa.number}
    assert numbers(q="pão quente") == {empresa.number}
    assert numbers(status="paid") == {joao.number}
    assert numbers(link=other_link.pk) == {joao.number}
    since = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert old.number not in numbers(created_from=since) and numbers(created_to=since) == {old.number}
    # a bad value is ignored, never an error page
    assert partner_client.get("/parceiros/", {"status": "voando", "created_from": "ontem"}).status_code == 200


def test_a_partner_never_sees_another_partners_orders(partner_client, link, other_partner):
    mine = OrderFactory(link=link, person_name="Cliente Meu")
    theirs = OrderFactory(link=LinkFactory(partner=other_partner), person_name="Cliente Deles")

    page = partner_client.get("/parceiros/")
    csv_text = b"".join(partner_client.get("/parceiros/pedidos.csv").streaming_content).decode()

    assert mine.number in page.text and theirs.number not in page.text and "Cliente Deles" not in csv_text
    assert partner_client.get(f"/parceiros/pedidos/{theirs.number}/").status_code == 404
    assert partner_client.post(f"/parceiros/pedidos/{theirs.number}/reenviar-pagamento/").status_code == 404
    assert partner_client.get(f"/parceiros/links/?link={theirs.link_id}").status_code == 200


def test_the_order_page_shows_no_documents_nor_password_hashes(partner_client, link):
    order = OrderFactory(link=link, status=S.PAID)
    page = partner_client.get(f"/parceiros/pedidos/{order.number}/")
    assert page.status_code == 200 and "Pagamento confirmado" in page.text
    assert order.issuance_password_hash not in page.text and "md5$" not in page.text
    assert "/retaguarda/documentos/" not in page.text
    loaded = page.context["order"]
    assert "issuance_password_hash" in loaded.get_deferred_fields()


def test_resending_the_payment_link_is_idempotent_per_day(partner_client, partner, link, on_commit):
    order = OrderFactory(link=link)
    with on_commit():
        first = partner_client.post(f"/parceiros/pedidos/{order.number}/reenviar-pagamento/", follow=True)
        second = partner_client.post(f"/parceiros/pedidos/{order.number}/reenviar-pagamento/", follow=True)
    assert "Enviamos o link de pagamento" in first.text and "já foi reenviado hoje" in second.text
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [order.email]
    assert "/pedido/acesso/" in mail.outbox[0].body and "Contabilidade Ana" in mail.outbox[0].body

    with time_machine.travel(timezone.now() + timedelta(days=1)), on_commit():
        partner_client.force_login(partner.user)  # yesterday's session has lapsed
        partner_client.post(f"/parceiros/pedidos/{order.number}/reenviar-pagamento/")
    assert len(mail.outbox) == 2


def test_a_paid_order_has_no_payment_link_to_resend(partner_client, link):
    order = OrderFactory(link=link, status=S.PAID)
    response = partner_client.post(f"/parceiros/pedidos/{order.number}/reenviar-pagamento/", follow=True)
    assert "não está aguardando pagamento" in response.text and not mail.outbox


def test_csv_export_is_excel_friendly_and_defused(partner_client, link):
    OrderFactory(link=link, person_name='=HYPERLINK("http://mal.example";"clique")', email="+cmd@x.com")
    OrderFactory(link=link, person_name='Maria; "Mary" Souza')

    response = partner_client.get("/parceiros/pedidos.csv")
    raw = b"".join(response.streaming_content)

    assert response["Content-Type"] == "text/csv; charset=utf-8" and "attachment" in response["Content-Disposition"]
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Pedido" and len(rows) == 3
    names = {row[2] for row in rows[1:]}
    assert names == {'\'=HYPERLINK("http://mal.example";"clique")', 'Maria; "Mary" Souza'}
    assert {row[5] for row in rows[1:]} == {"'+***@x.com", "m***@exemplo.com.br"}  # masked, and still defused
    assert {row[9] for row in rows[1:]} == {"159,90"}


def test_csv_export_applies_the_filters(partner_client, link):
    OrderFactory(link=link, person_name="Maria Souza")
    OrderFactory(link=link, person_name="João Lima")
    raw = b"".join(partner_client.get("/parceiros/pedidos.csv", {"q": "joão"}).streaming_content).decode("utf-8-sig")
    assert "João Lima" in raw and "Maria Souza" not in raw


def test_dashboard_and_export_queries_do_not_grow_with_rows(partner_client, link, django_assert_max_num_queries):
    OrderFactory.create_batch(3, link=link)
    # 11 on the dashboard: one counts the clients' certificates ending in 30 days (renewal/).
    with django_assert_max_num_queries(11):
        assert partner_client.get("/parceiros/").status_code == 200
    with django_assert_max_num_queries(10):
        b"".join(partner_client.get("/parceiros/pedidos.csv").streaming_content)

    OrderFactory.create_batch(60, link=link, status=S.SCHEDULED)
    with django_assert_max_num_queries(11):
        page = partner_client.get("/parceiros/")
    with django_assert_max_num_queries(10):
        raw = b"".join(partner_client.get("/parceiros/pedidos.csv").streaming_content)
    assert len(page.context["rows"]) == 25 and raw.count(b"\r\n") == 64


def test_the_order_page_shows_the_clients_deadlines(partner_client, link, client, customer):
    # The client chooses a boleto on Wednesday 18/11/2026 (Friday 20/11 is a national holiday): the partner
    # following the order sees the same due date and clearing deadline as the client, in Brasília time.
    order = OrderFactory(link=link)
    with time_machine.travel(datetime(2026, 11, 18, 18, 0, tzinfo=UTC), tick=False):
        customer(order)
        assert client.post(f"/pedido/{order.number}/pagamento/", {"method": "boleto"}).status_code == 302
        page = partner_client.get(f"/parceiros/pedidos/{order.number}/").text
    timeline = page[page.index('<ol class="timeline">') : page.index("</ol>")]
    assert 'Vencimento do boleto <time datetime="2026-11-24T23:59:59.999999-03:00">24/11/2026</time>' in timeline
    assert ">26/11/2026</time> (Brasília)" in timeline
