"""Reaching the revocation page: from the order page, or at /revogar/ with the order number or the serial."""

import pytest
import time_machine

from orders.models import Order
from orders.tests.factories import OrderFactory

from .helpers import CPF, brt, issue_a1, revoke

pytestmark = pytest.mark.django_db
ISSUED_AT = brt(2026, 12, 1, 10, 0)
NOT_FOUND = "Não encontramos um pedido ou certificado com esses dados"


def test_an_issued_order_page_leads_to_the_revocation_page(customer, on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)

    with time_machine.travel(brt(2026, 12, 2, 9, 0), tick=False):
        client = customer(order)
        order_page = client.get(f"/pedido/{order.number}/").text
        page = client.get(f"/revogar/{certificate.serial}/").text

    assert f'href="/revogar/{certificate.serial}/">Revogar certificado</a>' in order_page
    assert "senha de revogação" in page and "não</strong> a senha de emissão" in page
    assert "Perdi ou esqueci a senha do certificado" in page and "O computador foi roubado" in page
    assert "Reemissão sem custo até 15/12/2026 (Brasília)".lower() in page.lower()
    assert "Perdi a mídia" not in page  # A1: no token to lose
    assert "outra filial" not in page  # e-CPF: no CNPJ


def test_the_serial_and_cpf_open_only_the_revocation_page(client, on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)
    typed = ":".join(certificate.serial.lower()[i : i + 2] for i in range(0, len(certificate.serial), 2))

    with time_machine.travel(brt(2026, 12, 2, 9, 0), tick=False):
        found = client.post("/revogar/", {"identifier": typed, "document": "529.982.247-25"})
        order_page = client.get(f"/pedido/{order.number}/")
        with_password = revoke(client, certificate, "computer_stolen")
        after = client.get(f"/pedido/{order.number}/")

    assert found.status_code == 302 and found["Location"] == f"/revogar/{certificate.serial}/"
    # The serial and the CPF are printed in the certificate: they are no key to the order's page.
    assert order_page.status_code == 302 and order_page["Location"] == "/pedido/"
    assert with_password.status_code == 302
    assert after.status_code == 200  # the revocation password proved the holder


def test_unknown_numbers_and_wrong_documents_get_the_same_answer_and_then_a_lock(client, on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)

    with time_machine.travel(brt(2026, 12, 2, 9, 0), tick=False):
        answers = [
            client.post("/revogar/", {"identifier": certificate.serial, "document": "111.444.777-35"}),
            client.post("/revogar/", {"identifier": "ABCDEF0123", "document": CPF}),
            client.post("/revogar/", {"identifier": order.number, "document": "111.444.777-35"}),
            client.post("/revogar/", {"identifier": "TS99999999", "document": CPF}),
            client.post("/revogar/", {"identifier": "não é número", "document": CPF}),
        ]
        for _ in range(5):
            client.post("/revogar/", {"identifier": "ABCDEF0123", "document": CPF})
        locked = client.post("/revogar/", {"identifier": certificate.serial, "document": CPF})
        empty = client.post("/revogar/", {"identifier": "", "document": ""})

    assert [answer.status_code for answer in answers] == [404] * 5
    assert all(NOT_FOUND in answer.text for answer in answers)
    assert locked.status_code == 429 and "Muitas tentativas sem sucesso" in locked.text
    assert empty.status_code == 400 and "Informe o número do pedido ou o número de série" in empty.text


def test_the_revocation_page_needs_the_look_up_first(client, on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)

    page = client.get(f"/revogar/{certificate.serial}/")
    post = client.post(f"/revogar/{certificate.serial}/", {"reason": "computer_stolen", "password": "x"})
    pdf = client.get(f"/revogar/{certificate.serial}/carta.pdf")

    assert page.status_code == post.status_code == pdf.status_code == 302
    assert page["Location"] == "/revogar/"
    assert Order.objects.get(pk=order.pk).status == Order.Status.ISSUED


def test_an_order_without_a_certificate_has_nothing_to_revoke(client):
    order = OrderFactory(status=Order.Status.PAID)

    found = client.post("/revogar/", {"identifier": order.number, "document": CPF}, follow=True)

    assert found.redirect_chain[-1][0] == f"/pedido/{order.number}/"
    assert "ainda não tem certificado emitido" in found.text
    assert "Revogar certificado" not in found.text
