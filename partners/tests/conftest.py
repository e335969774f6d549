import pytest

from orders.tests.factories import PartnerFactory, UserFactory

PASSWORD = "senha-de-teste-123"


@pytest.fixture
def other_partner(db):
    return PartnerFactory(user=UserFactory(username="bia@outra.com.br"), name="Escritório Bia")


@pytest.fixture
def partner_client(client, partner):
    client.force_login(partner.user)
    return client


@pytest.fixture
def api_key(partner):
    from partners.services.tokens import api_token_create
    from tecnosign.audit.services import Actor

    _, key = api_token_create(partner=partner, name="Sistema do escritório", actor=Actor(user=partner.user))
    return key


@pytest.fixture
def api(client, api_key):
    """A client that sends the partner's API key on every call (JSON in, JSON out)."""

    class Api:
        def __init__(self, key):
            self.key = key

        def _headers(self):
            return {"Authorization": f"Bearer {self.key}"} if self.key else {}

        def get(self, path, data=None):
            return client.get(path, data, headers=self._headers())

        def post(self, path, data=None):
            return client.post(path, data or {}, content_type="application/json", headers=self._headers())

    return Api(api_key)
