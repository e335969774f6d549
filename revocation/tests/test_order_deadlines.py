"""The order page's timeline shows the guarantee windows still open after issuance, in Brasília days."""

import pytest
import time_machine

from orders.models import Order
from orders.tests.factories import CnpjProductFactory
from revocation.selectors import guarantee_deadlines

from .helpers import brt, issue_a1

pytestmark = pytest.mark.django_db
CNPJ = "00000010000127"
ISSUED_AT = brt(2026, 12, 2, 23, 30)  # already 03/12 in UTC: the windows count Brasília days


def _windows(order) -> list[tuple[str, str]]:
    return [(d.label, f"{d.at.astimezone(ISSUED_AT.tzinfo):%d/%m/%Y %H:%M:%S}") for d in guarantee_deadlines(order)]


def _timeline(customer, order) -> str:
    page = customer(order).get(f"/pedido/{order.number}/").text  # access to the order page lapses: open it anew
    return page[page.index('<ol class="timeline">') : page.index("</ol>")]


def test_an_e_cnpj_shows_both_windows_then_only_the_open_one(customer, on_commit):
    order, _ = issue_a1(
        on_commit, at=ISSUED_AT, product=CnpjProductFactory(), cnpj=CNPJ, company_name="Padaria Pão Bom Ltda"
    )

    with time_machine.travel(brt(2026, 12, 9, 23, 59), tick=False):
        assert _windows(order) == [
            ("Garantia de 14 dias (senha perdida, arquivo corrompido, PIS/CEI esquecido) até", "16/12/2026 23:59:59"),
            ("Garantia de 7 dias (CNPJ de outra filial) até", "09/12/2026 23:59:59"),
        ]
        timeline = _timeline(customer, order)
    assert "Garantia de 14 dias (senha perdida, arquivo corrompido, PIS/CEI esquecido) até <time" in timeline
    assert ">16/12/2026</time> (Brasília)" in timeline and ">09/12/2026</time> (Brasília)" in timeline

    with time_machine.travel(brt(2026, 12, 10, 0, 0), tick=False):
        assert [label for label, _ in _windows(order)] == [
            "Garantia de 14 dias (senha perdida, arquivo corrompido, PIS/CEI esquecido) até"
        ]
    with time_machine.travel(brt(2026, 12, 17, 0, 0), tick=False):
        assert _windows(order) == []
        assert "Garantia de" not in _timeline(customer, order)


def test_an_e_cpf_has_only_the_14_day_window_and_a_revoked_order_none(on_commit):
    order, _ = issue_a1(on_commit, at=ISSUED_AT)

    with time_machine.travel(brt(2026, 12, 3, 10, 0), tick=False):
        assert _windows(order) == [
            ("Garantia de 14 dias (senha perdida, arquivo corrompido, PIS/CEI esquecido) até", "16/12/2026 23:59:59")
        ]

    Order.objects.filter(pk=order.pk).update(status=Order.Status.REVOKED)
    order.refresh_from_db()
    assert _windows(order) == []
