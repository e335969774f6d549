"""A partner with a product and a link, for any app's tests (registered in the root conftest's pytest_plugins)."""

import pytest

from orders.tests.factories import LinkFactory, PartnerFactory, ProductFactory, UserFactory


@pytest.fixture
def partner(db):
    return PartnerFactory(user=UserFactory(username="ana@contab.com.br"), name="Contabilidade Ana")


@pytest.fixture
def product(db):
    return ProductFactory()


@pytest.fixture
def link(partner, product):
    return LinkFactory(partner=partner, name="Clientes do escritório")
