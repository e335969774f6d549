"""PostgreSQL restarted under load: a clean 503 during the outage, and the same app serving again after it.

The portal runs on gunicorn (threads, persistent connections) against a private PostgreSQL cluster; clients
keep requesting pages that read the database while the cluster is stopped and started again.
"""

import base64
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest
from django.conf import settings

from conftest import wait_for

from .conftest import free_port

pytestmark = [pytest.mark.faults, pytest.mark.postgres]

# Each reads the database: the health check, the help centre's search, an API key look-up, a referral link.
PATHS = {
    "/healthz": 200,
    "/ajuda/?q=certificado": 200,
    "/api/v1/orders/": 401,  # an unknown key: looked up in the database, refused
    "/l/naoexiste/": 404,
}
API_KEY = "tsk_" + "0" * 40


@dataclass
class Answer:
    at: float
    path: str
    status: int
    content_type: str
    body: str


def _get(base: str, path: str) -> Answer:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {API_KEY}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our own server)
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, error.read()
    return Answer(time.monotonic(), path, status, headers.get("Content-Type", ""), body.decode())


@pytest.fixture
def portal(private_postgres, tmp_path):
    """The portal on gunicorn, on the private cluster (migrated), with persistent database connections."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tecnosign.tests.faults.server_settings",
        "DEBUG": "0",
        "SECRET_KEY": "fault-test-only-" + "x" * 40,
        "AUDIT_CHECKPOINT_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),  # required when DEBUG is off
        "PRIVATE_STORAGE_MASTER_KEYS": base64.b64encode(os.urandom(32)).decode(),  # likewise
        "CA_KEY_PASSPHRASE": "fault-test-only-ca-passphrase-0123456789",
        # A staging deployment: the sandbox is the only gateway there is, and production refuses it.
        "PAYMENT_GATEWAY": "sandbox",
        "SANDBOX_ALLOWED": "1",
        "SANDBOX_WEBHOOK_SECRET": "fault-test-webhook-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": private_postgres.url,
        "DB_CONN_MAX_AGE": "600",
        "TECNOSIGN_VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "ERROR",
    }
    for name in ("REDIS_URL", "CACHE_URL"):
        env.pop(name, None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=settings.BASE_DIR, env=env, check=True, capture_output=True)  # noqa: S603
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(  # noqa: S603 (fixed arguments)
            [
                *(sys.executable, "-m", "gunicorn", "tecnosign.wsgi:application", "-b", f"127.0.0.1:{port}"),
                *("--workers", "1", "--threads", "8", "--timeout", "60"),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(base), timeout=60)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def _answers(base: str) -> bool:
    try:
        return _get(base, "/healthz").status == 200
    except OSError:
        return False


def test_a_restart_of_postgresql_answers_503_in_portuguese_and_the_app_recovers_by_itself(portal, private_postgres):
    answers: list[Answer] = []
    done = threading.Event()

    def client(offset: int):
        paths = list(PATHS)
        n = offset
        while not done.is_set():
            answers.append(_get(portal, paths[n % len(paths)]))
            n += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        # When the database goes away under load, and comes back
        private_postgres.stop()
        down = time.monotonic()
        time.sleep(3)
        up = time.monotonic()
        private_postgres.start()
        back = time.monotonic()
        time.sleep(3)
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=60)

    # then nothing answered 500: each request got its normal answer or a clean 503
    assert {a.status for a in answers} <= {*PATHS.values(), 503}, {(a.path, a.status) for a in answers}
    outage = [a for a in answers if down + 0.5 < a.at < up]
    assert outage and {a.status for a in outage} == {503}
    for answer in outage:
        if answer.path == "/healthz":
            assert json.loads(answer.body)["checks"]["database"] == "down"
        elif answer.path.startswith("/api/"):
            body = json.loads(answer.body)
            assert body["code"] == "service_unavailable" and "temporariamente indisponível" in body["message"]
        else:
            assert answer.content_type.startswith("text/html") and "Serviço temporariamente indisponível" in answer.body
            assert "Traceback" not in answer.body
    assert {a.path for a in outage} == set(PATHS)
    # and once it is back, the same server process answers normally again (its connections were renewed)
    after = [a for a in answers if a.at > back + 1]
    assert after and all(a.status == PATHS[a.path] for a in after), {(a.path, a.status) for a in after}
