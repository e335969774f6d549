"""Staff find an order in the admin by its number, CPF or CNPJ however typed, through the indexes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tecnosign.tests.auth import staff_login

from .factories import CnpjProductFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/orders/order/"


@pytest.fixture
def staff_client(client):
    staff_login(client, UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def orders():
    return {
        "maria": OrderFactory(),
        "joao": OrderFactory(person_name="João Souza", person_cpf="11144477735"),
        "padaria": OrderFactory(product=CnpjProductFactory(), cnpj="12ABC34501DE35", company_name="Padaria Ltda"),
    }


def found(client, term: str) -> tuple[set[str], list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"q": term})
    assert response.status_code == 200
    listed = {order.number for order in response.context["cl"].result_list}
    return listed, [query["sql"] for query in queries if '"orders_order"' in query["sql"]]


@pytest.mark.parametrize(
    ("term", "who"),
    [
        ("529.982.247-25", {"maria", "padaria"}),  # the e-CNPJ's legal representative has the same CPF
        ("５２９９８２２４７２５", {"maria", "padaria"}),
        ("111 444 777 35", {"joao"}),
        ("12.abc.345/01de-35", {"padaria"}),
    ],
)
def test_a_whole_cpf_or_cnpj_is_matched_exactly_without_a_scan(staff_client, orders, term, who):
    listed, sql = found(staff_client, term)

    assert listed == {orders[name].number for name in who}
    assert not any("LIKE" in query.upper() for query in sql)


def test_an_order_number_in_lower_case_finds_it(staff_client, orders):
    listed, _ = found(staff_client, orders["joao"].number.lower())
    assert listed == {orders["joao"].number}


def test_anything_else_is_a_partial_search(staff_client, orders):
    assert found(staff_client, "souza")[0] == {orders["joao"].number}
    assert found(staff_client, "padaria")[0] == {orders["padaria"].number}
    assert found(staff_client, "5299822")[0] == {orders["maria"].number, orders["padaria"].number}
    assert found(staff_client, "111.111.111-11")[0] == set()  # not a valid CPF: searched as typed, nothing
