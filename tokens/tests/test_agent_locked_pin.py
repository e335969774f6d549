"""The locked-PIN path. SoftHSM2 never locks a PIN, so this one path runs against a fake module whose
token refuses every login with CKR_PIN_LOCKED, behind the real agent server and client."""

import threading
from types import SimpleNamespace

import pkcs11
import pytest
from pkcs11 import TokenFlag

from tokens.agent import protocol
from tokens.agent.device import TokenDevice
from tokens.agent.server import AgentApp, make_server
from tokens.client import AgentClient, PinLocked

SERIAL = "BLOQUEADO01"


class LockedToken:
    serial = SERIAL.encode()
    label = "TITULAR"
    manufacturer_id = "Fabricante de teste"
    model = "Token de teste"
    slot = SimpleNamespace(slot_id=7)
    flags = TokenFlag.TOKEN_INITIALIZED | TokenFlag.USER_PIN_INITIALIZED | TokenFlag.USER_PIN_LOCKED

    def open(self, *, rw=False, user_pin=None, so_pin=None):
        raise pkcs11.PinLocked()


class FakeModule:
    def get_tokens(self):
        return [LockedToken()]

    def get_token(self, *, token_serial):
        if token_serial != LockedToken.serial:
            raise pkcs11.NoSuchToken()
        return LockedToken()


class FakeAdmin:
    def __init__(self):
        self.closed_slots = []

    def getTokenInfo(self, slot_id):
        return SimpleNamespace(ulMinPinLen=4, ulMaxPinLen=16)

    def closeAllSessions(self, slot_id):
        self.closed_slots.append(slot_id)


@pytest.fixture
def locked_agent():
    admin = FakeAdmin()
    secret = protocol.new_secret()
    app = AgentApp(secret=secret, origins=[], device=TokenDevice("fake", lib=FakeModule(), admin=admin))
    server = make_server(app, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield AgentClient(f"http://127.0.0.1:{app.port}", secret), admin
    server.shutdown()
    server.server_close()


def test_a_locked_pin_tells_the_user_to_unblock_it_with_the_puk(locked_agent):
    client, admin = locked_agent

    (token,) = client.list_tokens()
    with pytest.raises(PinLocked) as locked:
        client.change_pin(SERIAL, pin="1234", new_pin="5678")

    assert {"code": "pin_locked", "text": "PIN bloqueado — desbloqueie com o PUK"} in token["flags"]
    assert locked.value.status == 423 and locked.value.code == "pin_locked"
    assert "bloqueado" in locked.value.message and "Desbloqueie-o com o PUK" in locked.value.message
    assert admin.closed_slots == [7]  # the session the failed login left open was closed
