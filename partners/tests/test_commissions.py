"""The commission ledger through real payments and refunds, the monthly statement, and staff's payout."""

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from orders.models import CommissionEntry, Payment
from orders.tests.factories import DiscountLinkFactory, OrderFactory
from orders.tests.test_payments import paid_body, post_webhook
from partners.models import CommissionPayout
from tecnosign.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
BRT = ZoneInfo("America/Sao_Paulo")
OCTOBER = datetime(2026, 10, 20, 10, 0, tzinfo=BRT)
NOVEMBER = datetime(2026, 11, 4, 10, 0, tzinfo=BRT)


def pay(client, customer, order):
    customer(order).post(f"/pedido/{order.number}/pagamento/", {"method": "pix"})
    payment = Payment.objects.get(order=order, status="pending")
    assert post_webhook(client, paid_body(payment)).json()["outcome"] == "applied"
    return payment


def statement(partner_client, month: str):
    return partner_client.get("/parceiros/comissoes/", {"mes": month}).context["statement"]


def test_paid_orders_accrue_and_a_refund_reverses_in_the_month_it_happens(
    client, customer, partner, link, partner_client
):
    discount_order = OrderFactory(link=DiscountLinkFactory(partner=partner))
    with time_machine.travel(OCTOBER, tick=False):
        first = OrderFactory(link=link)
        second = OrderFactory(link=link, person_name="João Lima", person_cpf="11144477735")
        refunded = pay(client, customer, first)
        pay(client, customer, second)
        pay(client, customer, discount_order)  # a discount link earns no commission
    with time_machine.travel(NOVEMBER, tick=False):
        post_webhook(client, paid_body(refunded, status="refunded"))
        partner_client.force_login(partner.user)

        october = statement(partner_client, "2026-10")
        november = statement(partner_client, "2026-11")

    assert [(e.order.number, e.amount) for e in october.entries] == [
        (first.number, Decimal("15.99")),
        (second.number, Decimal("15.99")),
    ]
    assert (october.accrued, october.reversed, october.net) == (Decimal("31.98"), 0, Decimal("31.98"))
    assert [(e.kind, e.amount) for e in november.entries] == [("reversal", Decimal("-15.99"))]
    assert november.net == Decimal("-15.99")
    assert CommissionEntry.objects.filter(order=discount_order).count() == 0


def test_statement_page_and_csv(client, customer, partner, link, partner_client):
    order = OrderFactory(link=link, company_name="", person_name="=SOMA(1;2)")
    pay(client, customer, order)

    page = partner_client.get("/parceiros/comissoes/")
    month = page.context["statement"].month
    response = partner_client.get(f"/parceiros/comissoes/{month:%Y-%m}.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"))

    assert "R$\xa015,99" in page.text and order.number in page.text and "Mês em andamento" in page.text
    assert rows[0][:3] == ["Data", "Tipo", "Pedido"] and rows[1][2:4] == [order.number, "'=SOMA(1;2)"]
    assert rows[1][6] == "15,99" and rows[-1][1:7] == ["Saldo do mês", "", "", "", "", "15,99"]


def test_another_partner_sees_none_of_my_commissions(client, customer, link, other_partner):
    pay(client, customer, OrderFactory(link=link))
    client.force_login(other_partner.user)
    page = client.get("/parceiros/comissoes/")
    assert page.context["statement"].entries == [] and page.context["statement"].net == 0


def test_a_bad_month_is_a_message_not_an_error_page(partner_client):
    page = partner_client.get("/parceiros/comissoes/", {"mes": "2026-13"})
    assert page.status_code == 400 and "AAAA-MM" in page.text
    assert partner_client.get("/parceiros/comissoes/abril.csv").status_code == 400


def test_staff_mark_a_closed_month_paid_once_audited_and_the_partner_is_told(
    client, customer, partner, link, admin_client, on_commit
):
    partner.pix_key = "pix@contab.com.br"
    partner.save()
    with time_machine.travel(OCTOBER, tick=False):
        pay(client, customer, OrderFactory(link=link))
    with time_machine.travel(NOVEMBER, tick=False):
        open_month = admin_client.post(
            "/admin/partners/commissionpayout/add/", {"partner": partner.pk, "month": "2026-11", "reference": ""}
        )
        with on_commit():
            paid = admin_client.post(
                "/admin/partners/commissionpayout/add/",
                {"partner": partner.pk, "month": "2026-10", "reference": "E123PIX"},
            )
            again = admin_client.post(
                "/admin/partners/commissionpayout/add/",
                {"partner": partner.pk, "month": "10/2026", "reference": "outro"},
                follow=True,
            )
        client.force_login(partner.user)
        page = client.get("/parceiros/comissoes/", {"mes": "2026-10"})

    assert open_month.status_code == 200 and "Só meses encerrados" in open_month.text
    assert paid.status_code == 302 and "já foram pagas em 04/11/2026" in again.text
    payout = CommissionPayout.objects.get()
    assert (payout.amount, payout.reference, payout.pix_key) == (Decimal("15.99"), "E123PIX", "pix@contab.com.br")
    assert AuditEvent.objects.filter(action="commission.payout", object_id=str(payout.pk)).count() == 1
    assert [m.subject for m in mail.outbox if m.to == [partner.email]][-1] == "Comissões de 10/2026 pagas"
    assert "Pago em 04/11/2026" in page.text
    assert admin_client.get(f"/admin/partners/commissionpayout/{payout.pk}/delete/").status_code == 403


def test_nothing_owed_cannot_be_paid(admin_client, partner):
    response = admin_client.post(
        "/admin/partners/commissionpayout/add/", {"partner": partner.pk, "month": "2025-01", "reference": ""}
    )
    assert response.status_code == 200 and "Não há comissão a pagar" in response.text
    assert not CommissionPayout.objects.exists()


def test_recording_the_same_payout_twice_keeps_one_and_tells_once(client, customer, partner, link, on_commit):
    from partners.services.payouts import commission_payout_record
    from tecnosign.audit.services import SYSTEM

    with time_machine.travel(OCTOBER, tick=False):
        pay(client, customer, OrderFactory(link=link))
    with time_machine.travel(NOVEMBER, tick=False), on_commit():
        first, created = commission_payout_record(partner=partner, month=OCTOBER.date(), actor=SYSTEM)
        second, created_again = commission_payout_record(partner=partner, month=OCTOBER.date(), actor=SYSTEM)

    assert (created, created_again, first.pk) == (True, False, second.pk)
    assert sum(m.subject == "Comissões de 10/2026 pagas" for m in mail.outbox) == 1


def test_statement_queries_do_not_grow_with_entries(partner, link, partner_client, django_assert_max_num_queries):
    def accrue(count):
        for order in OrderFactory.create_batch(count, link=link):
            CommissionEntry.objects.create(
                partner=partner, order=order, kind="accrual", base_amount=order.price, percent=10, amount="15.99"
            )

    accrue(2)
    with django_assert_max_num_queries(10):
        partner_client.get("/parceiros/comissoes/")
    accrue(50)
    with django_assert_max_num_queries(10):
        page = partner_client.get("/parceiros/comissoes/")
    with django_assert_max_num_queries(10):
        month = page.context["statement"].month
        b"".join(partner_client.get(f"/parceiros/comissoes/{month:%Y-%m}.csv").streaming_content)
    assert page.context["statement"].accrued == Decimal("831.48")


def test_the_partner_page_in_the_admin_shows_last_months_balance(client, customer, partner, link, admin_client):
    with time_machine.travel(OCTOBER, tick=False):
        pay(client, customer, OrderFactory(link=link))
    with time_machine.travel(NOVEMBER, tick=False):
        page = admin_client.get(f"/admin/orders/partner/{partner.pk}/change/")
    assert "10/2026: R$ 15,99 (a pagar)" in page.text
