"""Production processes refuse to start on an unsafe configuration: started here as production starts them.

`manage.py` runs the system checks itself; gunicorn, the Celery worker and beat run the start-up checks through
tecnosign/startup.py (wsgi.py, celery.py). Each is a real subprocess with DEBUG=0 and production variables.
"""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_PASSPHRASE = "correct horse battery staple 2026 ICP"
SANDBOX_REFUSED = "(orders.E003) PAYMENT_GATEWAY=sandbox with DEBUG off"


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tecnosign.settings",
        "DEBUG": "0",
        "SECRET_KEY": "startup-test-" + "k" * 50,
        "ALLOWED_HOSTS": "portal.tecnosign.com.br",
        "SITE_URL": "https://portal.tecnosign.com.br",
        "CA_KEY_PASSPHRASE": STRONG_PASSPHRASE,
        "AUDIT_CHECKPOINT_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
        "PRIVATE_STORAGE_MASTER_KEYS": base64.b64encode(os.urandom(32)).decode(),
        "TECNOSIGN_VAR_DIR": str(tmp_path / "var"),
        "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing listens: a process that got past the checks cannot work
        **overrides,
    }
    for name in ("PAYMENT_GATEWAY", "SANDBOX_ALLOWED", "SANDBOX_WEBHOOK_SECRET"):
        if name not in overrides:
            env.pop(name, None)
    return env


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (fixed arguments)
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


PROCESSES = {
    "manage.py check": [sys.executable, "manage.py", "check"],
    "gunicorn": [sys.executable, "-m", "gunicorn", "tecnosign.wsgi:application", "-b", "127.0.0.1:0"],
    "celery worker": [
        *(sys.executable, "-m", "celery", "-A", "tecnosign", "worker", "-P", "solo"),
        *("--without-heartbeat", "--without-gossip", "--without-mingle"),
    ],
    "celery beat": [sys.executable, "-m", "celery", "-A", "tecnosign", "beat"],
}


@pytest.mark.parametrize("process", PROCESSES)
def test_every_production_process_refuses_the_sandbox_gateway(tmp_path, process):
    command = PROCESSES[process]
    if process == "celery beat":
        command = [*command, "--schedule", str(tmp_path / "celerybeat-schedule")]

    result = run(command, production_env(tmp_path, PAYMENT_GATEWAY="sandbox", SANDBOX_WEBHOOK_SECRET="s" * 32))

    assert result.returncode != 0
    assert SANDBOX_REFUSED in result.stderr, result.stderr[-2000:]


def test_production_names_its_gateway(tmp_path):
    result = run(PROCESSES["manage.py check"], production_env(tmp_path))

    assert result.returncode != 0
    assert "(orders.E001) PAYMENT_GATEWAY is not set" in result.stderr


def test_a_staging_deployment_starts_with_the_sandbox(tmp_path):
    env = production_env(
        tmp_path, PAYMENT_GATEWAY="sandbox", SANDBOX_ALLOWED="1", SANDBOX_WEBHOOK_SECRET="staging-" + "w" * 24
    )

    check = run(PROCESSES["manage.py check"], env)
    wsgi = run([sys.executable, "-c", "import tecnosign.wsgi; print('wsgi ready')"], env)

    assert check.returncode == 0, check.stderr
    assert wsgi.returncode == 0, wsgi.stderr
    assert wsgi.stdout.strip() == "wsgi ready"


@pytest.mark.parametrize(
    ("process", "passphrase"),
    [("manage.py check", ""), ("manage.py check", "dev-only-ca-passphrase"), ("gunicorn", "x")],
)
def test_production_refuses_a_weak_or_missing_ca_passphrase(tmp_path, process, passphrase):
    env = production_env(
        tmp_path,
        CA_KEY_PASSPHRASE=passphrase,
        PAYMENT_GATEWAY="sandbox",
        SANDBOX_ALLOWED="1",
        SANDBOX_WEBHOOK_SECRET="staging-" + "w" * 24,
    )

    result = run(PROCESSES[process], env)

    assert result.returncode != 0
    assert ("(issuance.E001)" if not passphrase else "(issuance.E002)") in result.stderr, result.stderr[-2000:]
