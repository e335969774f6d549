"""`manage.py ca_init`: the local chain, made once, keys encrypted at rest with the passphrase."""

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from cryptography import x509
from django.core.management import CommandError, call_command
from django.utils import timezone

from issuance.models import CertificateAuthority, RevocationList
from issuance.pki.keys import decrypt_private_key
from issuance.services import authority as authority_service
from issuance.services.authority import CaNotReady, ca_init

pytestmark = pytest.mark.django_db
Role = CertificateAuthority.Role


def _cert(authority) -> x509.Certificate:
    return x509.load_pem_x509_certificate(authority.certificate_pem.encode())


def test_ca_init_makes_the_chain_once_and_publishes_a_first_crl(settings):
    out = StringIO()

    call_command("ca_init", "--key-size", "2048", stdout=out)
    call_command("ca_init", stdout=out)

    assert "created: root, issuing, ocsp." in out.getvalue()
    assert "created: nothing (already there)." in out.getvalue()
    root, issuing, responder = (CertificateAuthority.objects.get(role=role, active=True) for role in Role)
    assert CertificateAuthority.objects.count() == 3
    root_cert, issuing_cert, responder_cert = _cert(root), _cert(issuing), _cert(responder)
    root_cert.verify_directly_issued_by(root_cert)
    issuing_cert.verify_directly_issued_by(root_cert)
    responder_cert.verify_directly_issued_by(issuing_cert)
    assert root_cert.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 1
    assert issuing_cert.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    responder_cert.extensions.get_extension_for_class(x509.OCSPNoCheck)
    assert "TecnoSign Local/Dev" in root.subject and "O=ICP-Brasil" in root.subject
    assert timezone.localtime(root.not_after).strftime("%Y-%m-%d %H:%M:%S") == "2029-03-02 23:59:59"
    assert RevocationList.objects.filter(authority=issuing).count() == 1


def test_keys_are_encrypted_at_rest_with_the_passphrase(local_ca, settings, monkeypatch):
    stored = local_ca.issuing.private_key_pem
    monkeypatch.setattr(authority_service, "_material_cache", {})  # a fresh process

    record = json.loads(stored)
    key = decrypt_private_key(stored)

    assert (record["format"], record["kdf"]["name"], record["cipher"]["name"]) == (
        "tecnosign-ca-key",
        "argon2id",
        "aes-256-gcm",
    )
    assert "PRIVATE KEY" not in stored
    assert key.public_key() == _cert(local_ca.issuing).public_key()
    settings.CA_KEY_PASSPHRASE = "another passphrase, long and strong"
    with pytest.raises(ValueError, match="does not open the key"):
        decrypt_private_key(stored)


def test_a_passphrase_that_does_not_open_the_keys_stops_ca_init(local_ca, settings, monkeypatch):
    monkeypatch.setattr(authority_service, "_material_cache", {})  # a fresh process
    settings.CA_KEY_PASSPHRASE = "another passphrase, long and strong"

    with pytest.raises(CommandError, match="CA_KEY_PASSPHRASE does not open the key"):
        call_command("ca_init", stdout=StringIO())


def test_production_without_a_passphrase_refuses_to_make_keys(settings):
    settings.CA_KEY_PASSPHRASE = ""

    with pytest.raises(CommandError, match="CA_KEY_PASSPHRASE must be set"):
        call_command("ca_init", "--key-size", "2048", stdout=StringIO())
    assert not CertificateAuthority.objects.exists()


def test_no_chain_is_made_after_the_end_of_v5(ca_key_source):
    with time_machine.travel(datetime(2029, 3, 3, 12, 0, tzinfo=UTC)), pytest.raises(CaNotReady):
        ca_init(key_source=ca_key_source)
