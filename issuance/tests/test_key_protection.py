"""The CA's keys at rest: a memory-hard KDF, a passphrase production cannot make weak, and the keys made before.

The suite seals keys with cheap Argon2id parameters (settings_test); the production defaults are checked in a
subprocess on the real settings module.
"""

import base64
import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from issuance.models import CertificateAuthority
from issuance.pki.keys import DEVELOPMENT_PASSPHRASE, decrypt_private_key, encrypt_private_key
from issuance.services import authority as authority_service
from issuance.services.authority import CaNotReady, signing_material
from tecnosign.audit.models import AuditEvent
from tecnosign.startup import STARTUP

pytestmark = pytest.mark.django_db
WRONG_BUT_STRONG = "another passphrase, long and strong"


@pytest.fixture
def fresh_process(monkeypatch):
    """No key decrypted yet, as in a process that just started."""
    monkeypatch.setattr(authority_service, "_material_cache", {})


def _legacy_pem(key, passphrase: str) -> str:
    """A key as stored until 2026-12: PKCS#8 PEM, PBES2 with PBKDF2 (cryptography's BestAvailableEncryption)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode()),
    ).decode()


@pytest.fixture
def legacy_issuing_ca(local_ca, ca_key_source, settings, fresh_process):
    """The issuing CA's row as a deployment made before the change left it (written as that code did)."""
    key = ca_key_source(CertificateAuthority.Role.ISSUING, 2048)
    pem = _legacy_pem(key, settings.CA_KEY_PASSPHRASE)
    CertificateAuthority.objects.filter(pk=local_ca.issuing.pk).update(private_key_pem=pem)
    return local_ca.issuing, key, pem


def test_a_stored_key_names_its_memory_hard_kdf(local_ca, settings, ca_key_source):
    record = json.loads(CertificateAuthority.objects.get(pk=local_ca.root.pk).private_key_pem)

    assert record["format"] == "tecnosign-ca-key" and record["version"] == 1
    assert record["kdf"]["name"] == "argon2id"
    assert (record["kdf"]["memory_kib"], record["kdf"]["time_cost"], record["kdf"]["parallelism"]) == (
        settings.CA_KEY_KDF_MEMORY_KIB,
        settings.CA_KEY_KDF_TIME_COST,
        4,
    )
    assert len(base64.b64decode(record["kdf"]["salt"])) == 16
    assert record["cipher"] == {"name": "aes-256-gcm", "nonce": record["cipher"]["nonce"]}
    assert len(base64.b64decode(record["cipher"]["nonce"])) == 12
    der = ca_key_source(CertificateAuthority.Role.ROOT, 2048).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert der not in base64.b64decode(record["ciphertext"])


def test_production_seals_keys_with_argon2id_at_64_mib():
    # The deployed settings (not the suite's cheap ones): a key sealed there records RFC 9106's parameters.
    code = (
        "import json;"
        "from cryptography.hazmat.primitives.asymmetric import rsa;"
        "from issuance.pki.keys import encrypt_private_key;"
        "key = rsa.generate_private_key(public_exponent=65537, key_size=2048);"
        "print(json.dumps(json.loads(encrypt_private_key(key))['kdf']))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tecnosign.settings",
        "CA_KEY_PASSPHRASE": "a production passphrase of six words",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    kdf = json.loads(result.stdout.splitlines()[-1])
    assert (kdf["name"], kdf["memory_kib"], kdf["time_cost"], kdf["parallelism"]) == ("argon2id", 65536, 3, 4)


def test_a_legacy_pem_key_still_opens_and_the_rewrap_command_converts_it(legacy_issuing_ca, fresh_process):
    issuing, key, _ = legacy_issuing_ca

    material = signing_material(CertificateAuthority.objects.get(pk=issuing.pk))
    out = StringIO()
    call_command("ca_rewrap_keys", stdout=out)

    assert material.key.private_numbers() == key.private_numbers()  # the read path of the old format
    stored = CertificateAuthority.objects.get(pk=issuing.pk).private_key_pem
    assert json.loads(stored)["kdf"]["name"] == "argon2id"
    assert decrypt_private_key(stored).private_numbers() == key.private_numbers()
    [event] = AuditEvent.objects.filter(action="ca.key_rewrapped")
    assert (event.object_type, event.object_id) == ("issuance.certificateauthority", str(issuing.pk))
    assert event.before == {"format": "pkcs8-pem", "kdf": "pbkdf2", "iterations": 2048}
    assert event.after["format"] == "tecnosign-ca-key/v1" and event.after["kdf"]["name"] == "argon2id"
    assert "1 key(s) re-wrapped" in out.getvalue()
    # Idempotent: nothing left to re-wrap, nothing audited again.
    call_command("ca_rewrap_keys", stdout=out)
    assert AuditEvent.objects.filter(action="ca.key_rewrapped").count() == 1
    assert CertificateAuthority.objects.get(pk=issuing.pk).private_key_pem == stored


def test_ca_init_rewraps_a_legacy_key_on_the_next_deploy(legacy_issuing_ca):
    issuing, key, _ = legacy_issuing_ca
    out = StringIO()

    call_command("ca_init", stdout=out)

    assert "created: nothing (already there)" in out.getvalue() and "Keys re-wrapped" in out.getvalue()
    stored = CertificateAuthority.objects.get(pk=issuing.pk).private_key_pem
    assert decrypt_private_key(stored).private_numbers() == key.private_numbers()
    assert CertificateAuthority.objects.count() == 3


def test_rewrapping_again_when_the_kdf_parameters_grow(local_ca, settings):
    settings.CA_KEY_KDF_MEMORY_KIB = 512

    call_command("ca_rewrap_keys", stdout=StringIO())

    assert {json.loads(ca.private_key_pem)["kdf"]["memory_kib"] for ca in CertificateAuthority.objects.all()} == {512}
    assert AuditEvent.objects.filter(action="ca.key_rewrapped").count() == 3


def test_the_wrong_passphrase_fails_cleanly_and_changes_nothing(legacy_issuing_ca, local_ca, settings):
    before = dict(CertificateAuthority.objects.values_list("pk", "private_key_pem"))
    settings.CA_KEY_PASSPHRASE = WRONG_BUT_STRONG

    with pytest.raises(CaNotReady, match="does not open the key"):
        signing_material(CertificateAuthority.objects.get(pk=local_ca.root.pk))  # the new format
    with pytest.raises(CaNotReady, match="does not open the key"):
        signing_material(CertificateAuthority.objects.get(pk=local_ca.issuing.pk))  # the legacy PEM
    with pytest.raises(CommandError, match="CA_KEY_PASSPHRASE does not open the key"):
        call_command("ca_rewrap_keys", stdout=StringIO())

    assert dict(CertificateAuthority.objects.values_list("pk", "private_key_pem")) == before
    assert not AuditEvent.objects.filter(action="ca.key_rewrapped").exists()


def test_an_altered_record_does_not_open(local_ca, fresh_process):
    record = json.loads(local_ca.root.private_key_pem)
    record["kdf"]["time_cost"] += 1  # the header is the cipher's associated data
    CertificateAuthority.objects.filter(pk=local_ca.root.pk).update(private_key_pem=json.dumps(record))

    with pytest.raises(CaNotReady, match="does not open the key"):
        signing_material(CertificateAuthority.objects.get(pk=local_ca.root.pk))


@pytest.mark.parametrize(
    ("passphrase", "reason"),
    [
        ("x", "shorter than 20 characters"),
        ("correcthorse", "shorter than 20 characters"),
        ("a" * 32, "fewer than 8 distinct characters"),
        ("abababababababababababab", "fewer than 8 distinct characters"),
        (DEVELOPMENT_PASSPHRASE, "the development default"),
        ("1q2w3e4r5t6y7u8i9o0p", "a common password"),
    ],
)
def test_a_weak_passphrase_is_refused_at_start_up_with_debug_off(settings, passphrase, reason):
    settings.DEBUG, settings.CA_BACKEND, settings.CA_KEY_PASSPHRASE = False, "local", passphrase

    errors = [message for message in run_checks(tags=[STARTUP]) if message.id.startswith("issuance.")]

    assert [error.id for error in errors] == ["issuance.E002"]
    assert reason in errors[0].msg


def test_a_strong_passphrase_passes_and_development_is_not_checked(settings):
    settings.DEBUG, settings.CA_KEY_PASSPHRASE = False, "six random words make a passphrase"
    strong = [message.id for message in run_checks(tags=[STARTUP]) if message.id.startswith("issuance.")]
    settings.DEBUG, settings.CA_KEY_PASSPHRASE = True, "x"
    development = [message.id for message in run_checks(tags=[STARTUP]) if message.id.startswith("issuance.")]

    assert strong == [] and development == []


def test_a_weak_passphrase_is_refused_at_use_and_nothing_is_made(settings, ca_key_source):
    settings.DEBUG, settings.CA_KEY_PASSPHRASE = False, "x"

    with pytest.raises(CommandError, match="shorter than 20 characters"):
        call_command("ca_init", "--key-size", "2048", stdout=StringIO())
    with pytest.raises(ImproperlyConfigured, match="shorter than 20 characters"):
        encrypt_private_key(ca_key_source(CertificateAuthority.Role.ROOT, 2048))

    assert not CertificateAuthority.objects.exists()


def test_a_weak_passphrase_does_not_open_existing_keys_either(local_ca, settings, fresh_process):
    settings.CA_KEY_PASSPHRASE = "x"

    with pytest.raises(CaNotReady, match="shorter than 20 characters"):
        signing_material(CertificateAuthority.objects.get(pk=local_ca.issuing.pk))
