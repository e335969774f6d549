"""The order page's timeline shows the payment's dates while a charge waits (Brasília time)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from orders.models import Order
from orders.selectors import Deadline, order_deadlines, payment_deadlines

from .factories import OrderFactory

pytestmark = pytest.mark.django_db
BRT = ZoneInfo("America/Sao_Paulo")


def _pay_with(client, customer, order, method: str):
    customer(order)
    response = client.post(f"/pedido/{order.number}/pagamento/", {"method": method})
    assert response.status_code == 302
    return client.get(f"/pedido/{order.number}/").text


def test_a_boleto_shows_its_due_date_and_clearing_deadline_across_a_holiday(client, customer):
    # Wednesday 18/11/2026; Friday 20/11 is a national holiday (Consciência Negra), weekends skipped:
    # due in 3 business days → Tuesday 24/11; a boleto paid that day clears in up to 2 more → Thursday 26/11.
    order = OrderFactory()
    with time_machine.travel(datetime(2026, 11, 18, 15, 0, tzinfo=BRT), tick=False):
        page = _pay_with(client, customer, order, "boleto")
        deadlines = order_deadlines(order)

    assert [(d.step, d.label, d.at.astimezone(BRT).date().isoformat(), d.day_only) for d in deadlines] == [
        ("paid", "Vencimento do boleto", "2026-11-24", True),
        ("paid", "Compensação do boleto pago no vencimento até", "2026-11-26", True),
    ]
    timeline = page[page.index('<ol class="timeline">') : page.index("</ol>")]
    assert 'Vencimento do boleto <time datetime="2026-11-24T23:59:59.999999-03:00">24/11/2026</time>' in timeline
    assert "Compensação do boleto pago no vencimento até <time" in timeline and ">26/11/2026</time>" in timeline


def test_a_pix_code_shows_its_expiry_and_a_paid_order_shows_no_payment_date(client, customer, settings):
    settings.PIX_EXPIRY_MINUTES = 30
    order = OrderFactory()
    with time_machine.travel(datetime(2026, 11, 18, 15, 0, tzinfo=BRT), tick=False):
        page = _pay_with(client, customer, order, "pix")

    [deadline] = payment_deadlines(order)
    assert deadline == Deadline(Order.Status.PAID, "Código PIX válido até", deadline.at)
    assert deadline.at == datetime(2026, 11, 18, 15, 30, tzinfo=BRT)
    assert "Código PIX válido até <time" in page and "18/11/2026 15:30</time> (Brasília)" in page

    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID)
    order.refresh_from_db()
    assert payment_deadlines(order) == []
    assert "Código PIX válido até" not in client.get(f"/pedido/{order.number}/").text


def test_an_order_without_a_charge_has_no_payment_deadline(client, customer):
    order = OrderFactory()
    customer(order)

    assert payment_deadlines(order) == []
    assert 'class="deadline"' not in client.get(f"/pedido/{order.number}/").text
