"""The back office's A3 job: refused before it is queued when the order cannot be issued on a token; and what a
failure on the token leaves behind (the order still `released`, the reason in words)."""

import pytest

from issuance.models import Certificate
from orders.models import Order
from orders.tests.factories import ProductFactory, UserFactory
from tecnosign.audit.services import SYSTEM
from tecnosign.tests.auth import staff_login
from tokens.models import TokenJob
from tokens.services import workstation_pair

from .a3 import released_a3_order
from .harness import USER_PIN

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/tokens/tokenjob/add/"


@pytest.fixture
def staff_client(client):
    staff_login(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def _request(client, workstation, order_number: str, *, serial: str = "0123456789abcdef", pin: str = USER_PIN):
    return client.post(
        ADD_URL,
        {
            "workstation": workstation.pk,
            "operation": "a3_issue",
            "token_serial": serial,
            "order_number": order_number,
            "pin": pin,
        },
    )


@pytest.fixture
def counter():
    """A workstation nobody reaches: these requests must be refused before anything is queued for it."""
    return workstation_pair(
        name="Balcão 2", agent_url="http://127.0.0.1:9", secret=b"s" * 20, agent_info={}, actor=SYSTEM
    )


@pytest.mark.parametrize(
    ("make_order", "message"),
    [
        pytest.param(
            lambda on_commit: released_a3_order(on_commit, delivered=False),
            "A mídia (token ou cartão) deste pedido ainda não foi entregue",
            id="media-not-delivered",
        ),
        pytest.param(
            lambda on_commit: released_a3_order(on_commit, delivered=False, product=ProductFactory()),
            "Este certificado é A1 (arquivo)",
            id="a1",
        ),
    ],
)
def test_the_job_form_refuses_an_order_that_cannot_be_issued_on_a_token(
    staff_client, counter, local_ca, on_commit, make_order, message
):
    order = make_order(on_commit)

    with on_commit():
        response = _request(staff_client, counter, order.number)

    assert response.status_code == 200
    assert message in response.text
    assert not TokenJob.objects.exists()


def test_the_job_form_refuses_an_order_not_released_and_an_unknown_number(
    staff_client, counter, local_ca, on_commit, settings
):
    settings.LOCAL_CA_RELEASE_DELAY_SECONDS = 3600
    order = released_a3_order(on_commit, delivered=False)

    with on_commit():
        waiting = _request(staff_client, counter, order.number)
        unknown = _request(staff_client, counter, "TS0000000000")
        missing = _request(staff_client, counter, "")

    assert "ainda não foi liberado pela Autoridade Certificadora" in waiting.text
    assert "Não há pedido com o número TS0000000000." in unknown.text
    assert "Preencha este campo para esta operação." in missing.text
    assert not TokenJob.objects.exists()


@pytest.mark.softhsm
def test_a_wrong_pin_fails_the_job_and_the_order_stays_released(staff_client, agent, softhsm, local_ca, on_commit):
    order = released_a3_order(on_commit)
    workstation = workstation_pair(name="Balcão", agent_url=agent.url, secret=agent.secret, agent_info={}, actor=SYSTEM)

    with on_commit():
        response = _request(staff_client, workstation, order.number, serial=softhsm.serial, pin="0000")

    assert response.status_code == 302
    job = TokenJob.objects.get()
    assert job.status == TokenJob.Status.FAILED and job.error_code == "pin_incorrect"
    assert job.error_message.startswith("PIN incorreto.")
    order.refresh_from_db()
    assert order.status == Order.Status.RELEASED and not Certificate.objects.exists()
    assert agent.client().list_objects(softhsm.serial, pin=USER_PIN)["objects"] == []  # nothing made on the token


@pytest.mark.softhsm
def test_a_token_whose_key_cannot_sign_for_the_order_leaves_it_released(
    staff_client, agent, softhsm, local_ca, on_commit, settings
):
    settings.A3_KEY_SIZE = 4096  # the token makes RSA-2048 keys: the portal refuses their CSR
    order = released_a3_order(on_commit)
    workstation = workstation_pair(name="Balcão", agent_url=agent.url, secret=agent.secret, agent_info={}, actor=SYSTEM)

    with on_commit():
        _request(staff_client, workstation, order.number, serial=softhsm.serial)

    job = TokenJob.objects.get()
    assert job.status == TokenJob.Status.FAILED and job.error_code == "csr_key_size"
    assert "deve ter exatamente 4096 bits" in job.error_message
    assert f"A chave gerada (“TecnoSign {order.number}”) ficou na mídia sem certificado." in job.error_message
    order.refresh_from_db()
    assert order.status == Order.Status.RELEASED and not Certificate.objects.exists()
    objects = agent.client().list_objects(softhsm.serial, pin=USER_PIN)["objects"]
    assert sorted(o["type"] for o in objects) == ["private_key", "public_key"]
