"""How the external adapter maps a real AC's failures to the portal's errors, against the fake AC's server."""

import socket
import uuid

import pytest

from issuance.backends import CaMisconfigured, CaRejected, CaUnavailable, Submission
from issuance.backends.external import ExternalCa

from .fake_ac import FakeAc
from .helpers import identity


@pytest.fixture
def fake_ac(ca_key_source):
    fake = FakeAc(key=ca_key_source("external-ac", 2048))
    fake.start()
    yield fake
    fake.stop()


def _submit(adapter: ExternalCa) -> Submission:
    return adapter.submit(request_key=uuid.uuid4(), order_number="TS2345ABCD", identity=identity())


def test_a_slow_ac_is_unavailable_after_the_timeout(fake_ac):
    fake_ac.answer_delay = 1.0
    adapter = ExternalCa(base_url=fake_ac.url, token=fake_ac.token, timeout=0.2)

    with pytest.raises(CaUnavailable, match=r"no answer within 0\.2s"):
        _submit(adapter)


def test_an_ac_that_is_down_is_unavailable():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    adapter = ExternalCa(base_url=f"http://127.0.0.1:{port}", token="x", timeout=2)

    with pytest.raises(CaUnavailable, match="ConnectionError"):
        _submit(adapter)


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_server_errors_and_throttling_are_transient(fake_ac, status):
    fake_ac.failures.append((status, b'{"error": {"code": "busy", "message": "tente mais tarde"}}', "application/json"))
    adapter = ExternalCa(base_url=fake_ac.url, token=fake_ac.token, timeout=5)

    with pytest.raises(CaUnavailable, match=f"HTTP {status} tente mais tarde"):
        _submit(adapter)
    assert _submit(adapter).status == Submission.RELEASED  # the next call goes through


def test_invalid_data_is_rejected_with_the_acs_message(fake_ac):
    adapter = ExternalCa(base_url=fake_ac.url, token=fake_ac.token, timeout=5)

    with pytest.raises(CaRejected, match="HTTP 422 CPF do titular ausente"):
        adapter.submit(request_key=uuid.uuid4(), order_number="TS2345ABCD", identity=identity(person_cpf=""))


def test_a_wrong_token_is_a_configuration_error(fake_ac):
    adapter = ExternalCa(base_url=fake_ac.url, token="errado", timeout=5)

    with pytest.raises(CaMisconfigured, match="HTTP 401"):
        _submit(adapter)


def test_an_answer_that_is_not_the_api_is_transient(fake_ac):
    fake_ac.failures.append((200, b"<html>proxy</html>", "text/html"))
    adapter = ExternalCa(base_url=fake_ac.url, token=fake_ac.token, timeout=5)

    with pytest.raises(CaUnavailable, match="not JSON"):
        _submit(adapter)


def test_the_adapter_refuses_to_start_without_url_or_token():
    with pytest.raises(CaMisconfigured):
        ExternalCa(base_url="", token="", timeout=5)
