"""Error reports: with SENTRY_DSN set, errors go to Sentry with CPF, CNPJ, e-mail and passwords scrubbed.

The DSN points at an HTTP server this test starts; a portal process (settings loaded as in production, through
`django.setup()`) reports an exception and an error log line, and the test reads the envelopes it received.
"""

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings

from tecnosign.sentry import SCRUBBED, before_send

CPF, CNPJ, EMAIL, PASSWORD = "529.982.247-25", "12.345.678/0001-95", "maria@exemplo.com.br", "Emissao#2026"

PORTAL_ERROR = f"""
import logging
import django

django.setup()
import sentry_sdk


def charge(issuance_password, holder):
    cpf = {CPF!r}
    raise ValueError(f"no charge for {{cpf}} ({{holder['email']}})")


try:
    charge({PASSWORD!r}, {{"email": {EMAIL!r}, "cnpj": {CNPJ!r}}})
except ValueError:
    sentry_sdk.capture_exception()
logging.getLogger("orders.payments").error("gateway refused %s for %s", {CNPJ!r}, {EMAIL!r})
sentry_sdk.flush(10)
"""


class Collector(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":  # sentry-sdk's choice when brotli is installed (locust brings it in)
            import brotli

            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def sentry_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def events(envelopes: list[bytes]) -> list[dict]:
    """The event items of the envelopes (one JSON header line, then item header / payload pairs)."""
    found = []
    for envelope in envelopes:
        lines = envelope.split(b"\n")[1:]
        for header, payload in zip(lines[0::2], lines[1::2], strict=False):
            if json.loads(header).get("type") == "event":
                found.append(json.loads(payload))
    return found


def test_an_error_reaches_sentry_with_personal_data_and_passwords_scrubbed(sentry_server, tmp_path):
    Collector.received = []
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "LOG_FORMAT")},
        "DJANGO_SETTINGS_MODULE": "tecnosign.settings",
        "DEBUG": "1",
        "TECNOSIGN_VAR_DIR": str(tmp_path),
        "SENTRY_DSN": f"http://publickey@127.0.0.1:{sentry_server.server_port}/1",
        "SENTRY_ENVIRONMENT": "test",
    }
    subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "-c", PORTAL_ERROR], env=env, cwd=settings.BASE_DIR, check=True, timeout=60
    )

    raw = b"".join(Collector.received)
    reported = events(Collector.received)
    assert len(reported) == 2, raw[:2000]
    for secret in (CPF, CPF.replace(".", "").replace("-", ""), CNPJ, EMAIL, PASSWORD):
        assert secret.encode() not in raw
    exception, log_line = sorted(reported, key=lambda event: "exception" not in event)
    [value] = exception["exception"]["values"]
    assert value["type"] == "ValueError" and value["value"] == "no charge for [CPF] ([e-mail])"
    frame = value["stacktrace"]["frames"][-1]
    assert frame["function"] == "charge" and frame["vars"]["issuance_password"] == SCRUBBED
    assert frame["vars"]["cpf"] == "'[CPF]'"
    assert log_line["logentry"]["formatted"] == "gateway refused [CNPJ] for [e-mail]"
    assert exception["environment"] == "test"
    integrations = set(exception["sdk"]["integrations"])
    assert {"django", "celery", "redis"} <= integrations
    assert "user" not in exception or "ip_address" not in exception.get("user", {})


def test_before_send_scrubs_nested_values_and_secret_keys():
    event = {
        "request": {"data": {"person_cpf": "52998224725", "revocation_password": "Revoga#2026x"}, "cookies": "x=1"},
        "extra": {"emails": [EMAIL], "shipping": "rua A"},
    }
    assert before_send(event, {}) == {
        "request": {"data": {"person_cpf": "[CPF]", "revocation_password": SCRUBBED}, "cookies": SCRUBBED},
        "extra": {"emails": ["[e-mail]"], "shipping": "rua A"},
    }
