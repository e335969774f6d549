import pytest
from django.test import Client, override_settings

from .factories import CnpjProductFactory, OrderFactory

pytestmark = pytest.mark.django_db

NOT_FOUND = "Não encontramos um pedido com esse número e CPF/CNPJ"


def test_number_and_cpf_open_the_order_page(client):
    order = OrderFactory()

    response = client.post("/pedido/", {"number": order.number.lower(), "document": "529.982.247-25"})

    assert response.status_code == 302
    assert response["Location"] == f"/pedido/{order.number}/"
    assert order.number in client.get(response["Location"]).text


def test_ecnpj_opens_with_cnpj_or_the_representatives_cpf(client):
    order = OrderFactory(product=CnpjProductFactory(), cnpj="12ABC34501DE35", company_name="Padaria Ltda")

    assert client.post("/pedido/", {"number": order.number, "document": "12.abc.345/01de-35"}).status_code == 302
    assert client.post("/pedido/", {"number": order.number, "document": "52998224725"}).status_code == 302


def test_wrong_pair_and_unknown_order_get_the_same_answer(client):
    order = OrderFactory()

    wrong_cpf = client.post("/pedido/", {"number": order.number, "document": "111.444.777-35"})
    unknown = client.post("/pedido/", {"number": "TS99999999", "document": "529.982.247-25"})

    assert wrong_cpf.status_code == unknown.status_code == 404
    assert NOT_FOUND in wrong_cpf.text and NOT_FOUND in unknown.text


def test_the_order_number_alone_does_not_open_the_page(client):
    order = OrderFactory()

    response = client.get(f"/pedido/{order.number}/")

    assert response.status_code == 302 and response["Location"] == "/pedido/"


@override_settings(ORDER_LOOKUP_MAX_FAILURES=3)
def test_repeated_failures_lock_the_lookup_even_for_the_right_pair(client):
    order = OrderFactory()
    for _ in range(3):
        client.post("/pedido/", {"number": order.number, "document": "111.444.777-35"})

    response = client.post("/pedido/", {"number": order.number, "document": "529.982.247-25"})

    assert response.status_code == 429
    assert "Muitas tentativas" in response.text


def test_a_forged_access_link_is_refused(client):
    order = OrderFactory()

    shown = client.get("/pedido/acesso/eyJvIjoxLCJuIjoiVFMifQ:forged:signature/")
    pressed = client.post("/pedido/acesso/eyJvIjoxLCJuIjoiVFMifQ:forged:signature/")

    assert shown.status_code == pressed.status_code == 404
    assert "Este link de acesso não vale mais" in shown.text
    assert "Enviar um novo link" not in shown.text  # no order to send it for
    assert client.get(f"/pedido/{order.number}/").status_code == 302


def test_the_look_up_reads_full_width_digits_and_refuses_other_scripts(client):
    # Pasted from a PDF or typed on an Asian keyboard layout: NFKC folds "５２９" to "529". Digits of other
    # scripts are not CPF digits: the pair is simply not found.
    order = OrderFactory()

    folded = client.post("/pedido/", {"number": f" {order.number.lower()} ", "document": "５２９.９８２.２４７-２５"})
    arabic = Client().post("/pedido/", {"number": order.number, "document": "٥٢٩٩٨٢٢٤٧٢٥"})

    assert folded.status_code == 302 and folded["Location"] == f"/pedido/{order.number}/"
    assert arabic.status_code == 404 and NOT_FOUND in arabic.text
