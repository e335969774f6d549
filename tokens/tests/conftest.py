import pytest

from .harness import SoftHSM, start_agent


@pytest.fixture
def softhsm(tmp_path):
    """A throwaway SoftHSM2 token directory with one token, TITULAR (PIN 1234, PUK/SO PIN 87654321)."""
    hsm = SoftHSM(tmp_path / "softhsm")
    hsm.serial = hsm.init_token("TITULAR")
    return hsm


@pytest.fixture
def agent(softhsm, tmp_path):
    running = start_agent(softhsm, tmp_path / "agent" / "agent.json")
    yield running
    running.stop()
