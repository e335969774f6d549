import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_reports_the_database(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.django_db
@pytest.mark.redis
def test_healthz_reports_redis_when_configured(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "ok"


@pytest.mark.django_db
@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_healthz_is_503_when_redis_is_down(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "checks": {"database": "ok", "redis": "down"}}


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _production_variables(**overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tecnosign.settings",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "production-secret-with-enough-entropy-1234567890",
        "ALLOWED_HOSTS": "portal.tecnosign.com.br",
        "SITE_URL": "https://portal.tecnosign.com.br",
        # An Ed25519 private key (raw 32 bytes, base64) signing the audit checkpoints; required when DEBUG is off.
        "AUDIT_CHECKPOINT_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
        "CA_KEY_PASSPHRASE": "a long and unguessable CA passphrase 7Qm",
        # The CA's PSBio query (the biometric base), as production names it.
        "PSBIO_URL": "https://psbio.ac.example.com.br",
        "PSBIO_USERNAME": "ar-tecnosign",
        "PSBIO_PASSWORD": "psbio-credential-0123456789",
        # Wraps the data keys of the documents encrypted at rest; required when DEBUG is off.
        "PRIVATE_STORAGE_MASTER_KEYS": base64.b64encode(os.urandom(32)).decode(),
        **overrides,
    }
    for name in ("PAYMENT_GATEWAY", "SANDBOX_ALLOWED", "SANDBOX_WEBHOOK_SECRET", "BIOMETRIC_BACKEND"):
        if name not in overrides:
            env.pop(name, None)
    return env


def _findings(result: subprocess.CompletedProcess) -> list[str]:
    return re.findall(r"\((\w+\.[EW]\d+)\)", result.stderr + result.stdout)


def test_check_deploy_is_clean_but_for_the_gateway_production_must_name():
    # The only gateway today is the sandbox, which production refuses: production's only finding is that it must
    # name its gateway (a real one arrives with its own issue). Any other finding of `--deploy` fails here.
    production = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_variables())
    # A staging deployment (the sandbox explicitly allowed) is clean but for the reminder that it is staging.
    staging = _manage(
        "check",
        "--deploy",
        env=_production_variables(
            PAYMENT_GATEWAY="sandbox", SANDBOX_ALLOWED="1", SANDBOX_WEBHOOK_SECRET="staging-webhook-secret-0123456789"
        ),
    )

    assert production.returncode != 0
    assert _findings(production) == ["orders.E001"], production.stderr + production.stdout
    assert staging.returncode == 0, staging.stderr + staging.stdout
    assert _findings(staging) == ["orders.W001"], staging.stderr + staging.stdout


def test_production_refuses_to_start_without_an_audit_checkpoint_signing_key():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tecnosign.settings",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "production-secret-with-enough-entropy-1234567890",
        "AUDIT_CHECKPOINT_SIGNING_KEY": "",
    }
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "audit.E001" in result.stderr and "AUDIT_CHECKPOINT_SIGNING_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tecnosign.settings", "DEBUG": "0", "SECRET_KEY": ""}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_embedded_defaults_and_brazilian_locale(settings):
    assert settings.LANGUAGE_CODE == "pt-br"
    assert settings.TIME_ZONE == "America/Sao_Paulo" and settings.USE_TZ


def test_production_hashes_passwords_with_argon2id_and_still_reads_pbkdf2():
    # The suite hashes with MD5 for speed; the deployed settings must hash with Argon2id (library installed) at
    # OWASP's minimum parameters, and still accept secrets hashed before with PBKDF2 or Django's Argon2 defaults.
    code = (
        "from django.contrib.auth.hashers import check_password, make_password;"
        "from django.contrib.auth.hashers import Argon2PasswordHasher as A, PBKDF2PasswordHasher as P;"
        "encoded = make_password('Emissao#2026');"
        "old = P().encode('Revoga#2026x', P().salt(), iterations=1000);"
        "older = A().encode('Antiga#2025', A().salt());"
        "print(encoded.split('$')[0], check_password('Emissao#2026', encoded), check_password('Revoga#2026x', old),"
        " encoded.split('$')[1], encoded.split('$')[3], check_password('Antiga#2025', older))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tecnosign.settings"}
    result = _manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["argon2", "True", "True", "argon2id", "m=19456,t=2,p=1", "True"]
