"""The agent only answers its paired portal: signed, fresh, never replayed, from the allowed origin."""

import http.client
import json
import os
import stat
import subprocess
import sys
import time

import pytest

from tokens.agent import protocol
from tokens.client import AgentAuthenticationFailed, AgentClient, AgentError

from .harness import PORTAL_ORIGIN, REPO_ROOT, SO_PIN, USER_PIN, agent_command, start_agent

pytestmark = pytest.mark.softhsm


def _send(agent, method: str, path: str, *, body: bytes = b"", headers=None, secret=None, timestamp=None, nonce=None):
    """A raw HTTP request, signed (unless secret is False) the way the portal signs it."""
    headers = dict(headers or {})
    if secret is not False:
        timestamp = str(int(time.time())) if timestamp is None else str(timestamp)
        nonce = nonce or protocol.new_nonce()
        headers |= {
            protocol.HEADER_TIMESTAMP: timestamp,
            protocol.HEADER_NONCE: nonce,
            protocol.HEADER_SIGNATURE: protocol.request_signature(
                secret or agent.secret, method=method, target=path, timestamp=timestamp, nonce=nonce, body=body
            ),
        }
    connection = http.client.HTTPConnection("127.0.0.1", agent.port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), json.loads(data) if data else None
    finally:
        connection.close()


def test_unsigned_requests_are_refused(agent):
    status, _, body = _send(agent, "GET", "/v1/tokens", secret=False)

    assert status == 401
    assert body["error"]["code"] == "unsigned"
    assert "pareie o portal" in body["error"]["message"]


def test_a_request_signed_with_another_secret_is_refused(agent):
    status, headers, body = _send(agent, "GET", "/v1/tokens", secret=protocol.new_secret())

    assert status == 401 and body["error"]["code"] == "bad_signature"
    assert protocol.HEADER_SIGNATURE not in headers


def test_a_body_changed_after_signing_is_refused(agent, softhsm):
    timestamp, nonce = str(int(time.time())), protocol.new_nonce()
    signed_body = json.dumps({"pin": USER_PIN, "new_pin": "1111"}).encode()
    signature = protocol.request_signature(
        agent.secret,
        method="POST",
        target=f"/v1/tokens/{softhsm.serial}/pin",
        timestamp=timestamp,
        nonce=nonce,
        body=signed_body,
    )
    forged = json.dumps({"pin": USER_PIN, "new_pin": "6666"}).encode()

    status, _, body = _send(
        agent,
        "POST",
        f"/v1/tokens/{softhsm.serial}/pin",
        body=forged,
        secret=False,
        headers={
            protocol.HEADER_TIMESTAMP: timestamp,
            protocol.HEADER_NONCE: nonce,
            protocol.HEADER_SIGNATURE: signature,
            "Content-Type": "application/json",
        },
    )

    assert status == 401 and body["error"]["code"] == "bad_signature"
    assert agent.client().list_objects(softhsm.serial, pin=USER_PIN)["logged_in"] is True


def test_a_replayed_request_is_refused(agent):
    nonce = protocol.new_nonce()
    timestamp = int(time.time())

    first = _send(agent, "GET", "/v1/tokens", nonce=nonce, timestamp=timestamp)
    replay = _send(agent, "GET", "/v1/tokens", nonce=nonce, timestamp=timestamp)

    assert first[0] == 200
    assert replay[0] == 401 and replay[2]["error"]["code"] == "replayed_request"


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_stale_or_future_request_is_refused(agent, skew):
    status, _, body = _send(agent, "GET", "/v1/tokens", timestamp=int(time.time()) + skew)

    assert status == 401 and body["error"]["code"] == "stale_request"
    assert "relógio" in body["error"]["message"]


def test_a_foreign_origin_is_refused_even_when_signed(agent):
    status, headers, body = _send(agent, "GET", "/v1/tokens", headers={"Origin": "https://golpe.example"})

    assert status == 403 and body["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in headers


def test_the_portal_origin_gets_cors_and_a_signed_answer(agent):
    status, headers, body = _send(agent, "GET", "/v1/tokens", headers={"Origin": PORTAL_ORIGIN})

    assert status == 200 and len(body["tokens"]) == 1
    assert headers["Access-Control-Allow-Origin"] == PORTAL_ORIGIN
    assert headers["Access-Control-Expose-Headers"] == protocol.HEADER_SIGNATURE
    assert headers["Cache-Control"] == "no-store"


def test_preflight_is_answered_only_for_the_portal_origin(agent):
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-tecnosign-signature",
        "Access-Control-Request-Private-Network": "true",
    }

    allowed = _send(agent, "OPTIONS", "/v1/tokens", secret=False, headers={**preflight, "Origin": PORTAL_ORIGIN})
    foreign = _send(agent, "OPTIONS", "/v1/tokens", secret=False, headers={**preflight, "Origin": "https://x.example"})

    assert allowed[0] == 204
    assert allowed[1]["Access-Control-Allow-Origin"] == PORTAL_ORIGIN
    assert protocol.HEADER_SIGNATURE in allowed[1]["Access-Control-Allow-Headers"]
    assert allowed[1]["Access-Control-Allow-Private-Network"] == "true"
    assert foreign[0] == 403 and "Access-Control-Allow-Origin" not in foreign[1]


def test_a_rebound_host_name_is_refused_but_a_tunnelled_loopback_port_is_not(agent):
    rebound = _send(agent, "GET", "/v1/tokens", headers={"Host": f"golpe.example:{agent.port}"})
    tunnelled = _send(agent, "GET", "/v1/tokens", headers={"Host": "127.0.0.1:9000"})

    assert rebound[0] == 403 and rebound[2]["error"]["code"] == "host_not_allowed"
    assert tunnelled[0] == 200


def test_an_answer_not_signed_by_the_agent_is_not_trusted(agent):
    impostor = AgentClient(agent.url, protocol.new_secret())

    with pytest.raises(AgentAuthenticationFailed) as refused:
        impostor.list_tokens()

    assert refused.value.code == "bad_signature"


def test_pins_never_reach_the_log_the_answers_or_the_config(agent, softhsm):
    client = agent.client()
    secrets = ["Secreto-PIN-7781", "Secreto-PUK-9923", "Errado-5512"]
    client.change_pin(softhsm.serial, pin=USER_PIN, new_pin=secrets[0])
    client.change_puk(softhsm.serial, puk=SO_PIN, new_puk=secrets[1])
    answers = []
    for call in (
        lambda: client.list_objects(softhsm.serial, pin=secrets[2]),
        lambda: client.change_pin(softhsm.serial, pin=secrets[0], new_pin="não serve"),
        lambda: client.unblock_pin(softhsm.serial, puk=secrets[2], new_pin="1234"),
    ):
        try:
            call()
        except AgentError as error:
            answers.append(json.dumps([error.message, error.details], ensure_ascii=False))
    agent.stop()

    written = agent.all_output() + agent.config_path.read_text() + "".join(answers)
    assert len(answers) == 3
    assert "POST /v1/tokens/" in agent.all_output()  # the request log is there…
    for secret in [*secrets, USER_PIN, SO_PIN, "não serve"]:
        assert secret not in written  # …but no PIN or PUK


def test_first_start_shows_the_pairing_code_and_keeps_the_secret_private(softhsm, tmp_path):
    config = tmp_path / "cfg" / "agent.json"
    first = start_agent(softhsm, config)
    first.stop()
    second = start_agent(softhsm, config)
    second.stop()

    assert first.pairing_code and protocol.secret_from_pairing_code(first.pairing_code)
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
    assert "Código de pareamento" not in second.all_output()
    shown = start_agent(softhsm, config, "--show-pairing-code")
    shown.stop()
    assert shown.pairing_code == first.pairing_code


def _run(*args, env=None):
    return subprocess.run(  # noqa: S603
        agent_command(*args), env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_agent_refuses_to_listen_anywhere_but_loopback(softhsm, tmp_path):
    result = _run("--module", "softhsm", "--host", "0.0.0.0", "--config", str(tmp_path / "a.json"), env=softhsm.env)  # noqa: S104

    assert result.returncode == 2
    assert "o agente só escuta em 127.0.0.1; recusado: 0.0.0.0" in result.stdout


def test_an_unknown_module_is_reported(tmp_path):
    not_a_module = tmp_path / "libfalso.so"
    not_a_module.write_text("isto não é uma biblioteca")

    missing = _run("--module", str(tmp_path / "nao-existe.so"), "--config", str(tmp_path / "a.json"))
    broken = _run("--module", str(not_a_module), "--config", str(tmp_path / "a.json"))
    vendor = _run("--module", "idemia", "--config", str(tmp_path / "a.json"))

    assert missing.returncode == broken.returncode == vendor.returncode == 2
    assert "Módulo PKCS#11 não encontrado" in missing.stdout
    assert "não é um módulo PKCS#11 utilizável" in broken.stdout
    assert "Nenhum módulo PKCS#11 encontrado (libidop11.so)" in vendor.stdout


def test_a_config_readable_by_others_is_refused(softhsm, tmp_path):
    config = tmp_path / "cfg" / "agent.json"
    start_agent(softhsm, config).stop()
    config.chmod(0o644)

    result = _run("--module", "softhsm", "--port", "0", "--config", str(config), env=softhsm.env)

    assert result.returncode == 2
    assert f"chmod 600 {config}" in result.stdout


def test_the_agent_does_not_import_django():
    code = (
        "import sys, tokens.agent.cli, tokens.agent.server, tokens.agent.device, tokens.agent.csr;"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True
    )

    assert result.stdout.strip() == "[]"
