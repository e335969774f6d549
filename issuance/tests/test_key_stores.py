"""The local CA's keys where every node reaches them: a read-only mounted Secret (CA_KEY_STORE=secret) or an HSM
token (CA_KEY_STORE=pkcs11, SoftHSM2 here), never a file only one node has."""

import os
from io import StringIO
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import ocsp
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.db import transaction

from issuance.models import CertificateAuthority
from issuance.pki import keystore
from issuance.services import authority as authority_service
from issuance.services import issuance_submit
from issuance.services.authority import CaNotReady, signing_material
from orders.models import Order
from orders.tests.factories import OrderFactory
from tecnosign.startup import STARTUP

from .helpers import a1_issue_as_customer, ocsp_request, openssl

pytestmark = pytest.mark.django_db
Role = CertificateAuthority.Role
TOKEN_LABEL = "AC-TECNOSIGN"
PIN = "71530946"


def _issuance_errors() -> list[str]:
    return sorted(m.id for m in run_checks(tags=[STARTUP]) if m.id.startswith("issuance."))


def _issue_and_publish(client, on_commit):
    """An A1 issued through the services, the CRL and an OCSP answer through the portal's URLs."""
    order = OrderFactory(status=Order.Status.VERIFIED, email="cliente@exemplo.com.br")
    with on_commit(), transaction.atomic():
        issuance_submit(order)
    order.refresh_from_db()
    _, issued = a1_issue_as_customer(order)
    certificate = x509.load_pem_x509_certificate(issued.certificate_pem.encode())
    crl_response = client.get("/ac/ac-tecnosign-dev-v5.crl")
    assert crl_response.status_code == 200
    issuing = CertificateAuthority.objects.get(role=Role.ISSUING, active=True)
    issuing_cert = x509.load_pem_x509_certificate(issuing.certificate_pem.encode())
    der = ocsp_request(certificate, issuing_cert)
    answer = client.post("/ac/ocsp", data=der, content_type="application/ocsp-request")
    assert answer.status_code == 200
    return certificate, x509.load_der_x509_crl(crl_response.content), ocsp.load_der_ocsp_response(answer.content)


def _verify(tmp_path, certificate, crl, response):
    tmp_path = tmp_path / "public"  # certificates and CRL only
    tmp_path.mkdir()
    root, issuing, responder = (
        x509.load_pem_x509_certificate(ca.certificate_pem.encode())
        for ca in (CertificateAuthority.objects.get(role=role, active=True) for role in Role)
    )
    certificate.verify_directly_issued_by(issuing)
    assert crl.is_signature_valid(issuing.public_key())
    assert response.certificate_status == ocsp.OCSPCertStatus.GOOD
    responder.public_key().verify(
        response.signature, response.tbs_response_bytes, padding.PKCS1v15(), response.signature_hash_algorithm
    )
    # openssl agrees: the chain, and the CRL under the issuing CA.
    pem = serialization.Encoding.PEM
    (tmp_path / "root.pem").write_bytes(root.public_bytes(pem))
    (tmp_path / "issuing.pem").write_bytes(issuing.public_bytes(pem))
    (tmp_path / "leaf.pem").write_bytes(certificate.public_bytes(pem))
    (tmp_path / "crl.pem").write_bytes(crl.public_bytes(pem))
    chain = openssl(
        "verify", "-CAfile", str(tmp_path / "root.pem"), "-untrusted", str(tmp_path / "issuing.pem"),
        str(tmp_path / "leaf.pem"),
    )  # fmt: skip
    assert chain.returncode == 0, chain.stdout + chain.stderr
    crl_check = openssl("crl", "-in", str(tmp_path / "crl.pem"), "-CAfile", str(tmp_path / "issuing.pem"), "-noout")
    assert crl_check.returncode == 0 and "verify OK" in crl_check.stderr + crl_check.stdout


def _key_like_files(top: Path) -> set[str]:
    """Files named like keys under `top` (the token's store, the public files, .venv, node_modules, .git left out)."""
    found = set()
    for directory, subdirectories, files in os.walk(top):
        subdirectories[:] = [d for d in subdirectories if d not in (".venv", "node_modules", ".git", "hsm", "public")]
        found |= {os.path.join(directory, name) for name in files if name.endswith((".key", ".pem", ".p12"))}
    return found


@pytest.fixture
def fresh_process(monkeypatch):
    """No key cached in this process, as on a node that has just started."""
    monkeypatch.setattr(authority_service, "_material_cache", {})


# --- CA_KEY_STORE=secret --------------------------------------------------------------------------------------


def test_keys_exported_to_a_secret_directory_sign_from_there_and_nowhere_else(
    settings, tmp_path, client, on_commit, ca_key_source, fresh_process, monkeypatch
):
    settings.CA_KEY_STORE = "secret"
    settings.CA_KEYS_DIR = str(tmp_path / "mounted")
    exported = tmp_path / "export"

    with pytest.raises(CommandError, match="--export-keys"):  # nothing to write the new keys to: nothing made
        call_command("ca_init", "--key-size", "2048", stdout=StringIO())
    assert not CertificateAuthority.objects.exists()

    authority_service.ca_init(key_source=ca_key_source, export_to=exported)
    files = sorted(path.name for path in exported.iterdir())
    rows = CertificateAuthority.objects.order_by("pk")
    assert files == sorted(f"{ca.slug}.key" for ca in rows)
    assert all(oct(path.stat().st_mode & 0o777) == "0o600" for path in exported.iterdir())
    assert all("PRIVATE KEY" not in path.read_text() for path in exported.iterdir())  # sealed, not clear
    assert all(keystore.parse_reference(ca.private_key_pem)["store"] == "secret" for ca in rows)  # not in the DB

    # Another node: nothing cached, the Secret not mounted yet — it cannot sign.
    monkeypatch.setattr(authority_service, "_material_cache", {})
    with pytest.raises(CaNotReady, match="missing from the mounted CA key Secret"):
        signing_material(rows[1])

    # The Secret mounted (the files as kubectl would project them): it signs from there.
    exported.rename(tmp_path / "mounted")
    certificate, crl, response = _issue_and_publish(client, on_commit)
    _verify(tmp_path, certificate, crl, response)
    call_command("ca_init", stdout=StringIO())  # every deploy: proves the mounted keys open, makes nothing


def test_export_from_the_database_store_makes_the_secret_and_a_wrong_passphrase_opens_nothing(
    local_ca, settings, tmp_path, fresh_process
):
    out = StringIO()
    call_command("ca_init", "--export-keys", str(tmp_path / "keys"), stdout=out)
    settings.CA_KEY_STORE = "secret"
    settings.CA_KEYS_DIR = str(tmp_path / "keys")

    issuing = local_ca.issuing
    assert "kubectl create secret generic" in out.getvalue()
    assert signing_material(issuing).key.public_key() == signing_material(issuing).certificate.public_key()

    authority_service._material_cache.clear()
    settings.CA_KEY_PASSPHRASE = "another passphrase of enough length"
    with pytest.raises(CaNotReady, match="does not open"):
        signing_material(issuing)


def test_start_up_refuses_a_secret_directory_a_node_can_write(settings, tmp_path, monkeypatch):
    settings.DEBUG = False
    settings.CA_BACKEND = "local"
    settings.CA_KEY_PASSPHRASE = "correct horse battery staple 2026"
    settings.CA_KEY_STORE = "secret"

    settings.CA_KEYS_DIR = str(tmp_path / "absent")
    assert _issuance_errors() == ["issuance.E004"]
    settings.CA_KEYS_DIR = str(tmp_path)  # a node's own, writable disk
    assert _issuance_errors() == ["issuance.E005"]
    monkeypatch.setattr("issuance.checks._writable", lambda path: False)  # a read-only mount (needs root to make)
    assert _issuance_errors() == []
    settings.CA_KEY_STORE = "disk"
    assert _issuance_errors() == ["issuance.E003"]
    settings.CA_KEY_STORE = "database"  # the shared database, as before
    assert _issuance_errors() == []


def test_start_up_asks_a_token_store_for_module_label_and_pin_not_a_passphrase(settings):
    settings.DEBUG = False
    settings.CA_BACKEND = "local"
    settings.CA_KEY_PASSPHRASE = ""
    settings.CA_KEY_STORE = "pkcs11"
    settings.CA_PKCS11_MODULE = ""
    settings.CA_PKCS11_TOKEN_LABEL = TOKEN_LABEL
    settings.CA_PKCS11_PIN = ""

    assert _issuance_errors() == ["issuance.E006"]
    settings.CA_PKCS11_MODULE = "/nonexistent/libsofthsm2.so"
    settings.CA_PKCS11_PIN = PIN
    assert _issuance_errors() == ["issuance.E007"]


# --- CA_KEY_STORE=pkcs11 (SoftHSM2) -------------------------------------------------------------------------


@pytest.fixture
def ca_token(settings, tmp_path, monkeypatch):
    """A SoftHSM2 token of its own, the CA's key store pointed at it."""
    from tokens.agent.modules import resolve_module
    from tokens.tests.harness import SoftHSM

    hsm = SoftHSM(tmp_path / "hsm")
    hsm.init_token(TOKEN_LABEL, pin=PIN)
    monkeypatch.setenv("SOFTHSM2_CONF", str(hsm.conf))
    settings.CA_KEY_STORE = "pkcs11"
    settings.CA_PKCS11_MODULE = resolve_module("softhsm").path
    settings.CA_PKCS11_TOKEN_LABEL = TOKEN_LABEL
    settings.CA_PKCS11_PIN = PIN
    monkeypatch.setattr(authority_service, "_material_cache", {})
    keystore.reset_token_session()
    yield hsm
    keystore.reset_token_session()


@pytest.mark.softhsm
def test_ca_init_makes_the_keys_on_the_token_and_everything_is_signed_there(
    ca_token, settings, tmp_path, client, on_commit, monkeypatch
):
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    before = _key_like_files(Path(settings.BASE_DIR))
    with pytest.raises(CommandError, match="non-extractable"):
        call_command("ca_init", "--export-keys", str(tmp_path / "out"), stdout=StringIO())
    assert not CertificateAuthority.objects.exists() and not (tmp_path / "out").exists()

    call_command("ca_init", "--key-size", "2048", stdout=StringIO())

    rows = list(CertificateAuthority.objects.order_by("pk"))
    references = [keystore.parse_reference(ca.private_key_pem) for ca in rows]
    assert [(ref["store"], ref["token"]) for ref in references] == [("pkcs11", TOKEN_LABEL)] * 3
    assert all("PRIVATE KEY" not in ca.private_key_pem and "ciphertext" not in ca.private_key_pem for ca in rows)

    # A node that has just started signs an A1, the CRL and an OCSP answer on the token.
    monkeypatch.setattr(authority_service, "_material_cache", {})
    keystore.reset_token_session()
    certificate, crl, response = _issue_and_publish(client, on_commit)
    _verify(tmp_path, certificate, crl, response)
    assert isinstance(signing_material(rows[1]).key, keystore.TokenRsaPrivateKey)

    # The private keys are sensitive and non-extractable on the token; the wrapper refuses to export.
    session = keystore._session()  # the process's own login (SoftHSM allows one per token)
    for ref in references:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=bytes.fromhex(ref["id"]))
        assert (key[Attribute.SENSITIVE], key[Attribute.EXTRACTABLE], key[Attribute.NEVER_EXTRACTABLE]) == (
            True,
            False,
            True,
        )
        with pytest.raises(pkcs11.AttributeSensitive):
            key[Attribute.PRIVATE_EXPONENT]
    with pytest.raises(TypeError, match="non-extractable"):
        signing_material(rows[1]).key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    # No key file anywhere in the checkout or the test's directory, and nothing readable in the token's files.
    assert _key_like_files(Path(settings.BASE_DIR)) == before
    assert _key_like_files(tmp_path) == set()
    token_files = [path for path in ca_token.directory.rglob("*") if path.is_file()]
    assert token_files and not [path for path in token_files if b"PRIVATE KEY" in path.read_bytes()]

    # A wrong PIN: the CA cannot sign, and says why.
    monkeypatch.setattr(authority_service, "_material_cache", {})
    keystore.reset_token_session()
    settings.CA_PKCS11_PIN = "00000000"
    with pytest.raises(CaNotReady, match="cannot log in"):
        signing_material(rows[1])
    assert os.environ["SOFTHSM2_CONF"] == str(ca_token.conf)


@pytest.mark.softhsm
# python-pkcs11's search iterator, finalised on the session the test closes under it, reports that on its way out.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_forked_process_or_a_dropped_session_signs_on_the_token_again(ca_token):
    """gunicorn and Celery's prefork pool fork after the parent may have logged in: PKCS#11 handles do not survive
    a fork, so the child opens its own session."""
    from cryptography.hazmat.primitives import hashes

    key, stored = keystore.generate_on_token("fork-test", 2048)
    pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()
    key.public_key().verify(key.sign(b"pai", pkcs1, sha256), b"pai", pkcs1, sha256)  # the parent logs in first
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no pytest machinery, only the signature on the pipe
        try:
            child_key = keystore.load_token_key(keystore.parse_reference(stored))
            os.write(write_end, child_key.sign(b"filho", padding.PKCS1v15(), hashes.SHA256()))
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        signature = pipe.read()
    os.waitpid(pid, 0)

    key.public_key().verify(signature, b"filho", pkcs1, sha256)
    after = key.sign(b"pai de novo", pkcs1, sha256)  # the parent's session still works
    key.public_key().verify(after, b"pai de novo", pkcs1, sha256)

    # The HSM drops the session (a restart, a fail-over): the next signature logs in again.
    keystore._token_state["session"].close()
    again = key.sign(b"outra sessao", pkcs1, sha256)
    key.public_key().verify(again, b"outra sessao", pkcs1, sha256)
