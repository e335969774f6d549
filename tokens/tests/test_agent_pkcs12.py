"""The agent's A1 .pfx MAC: recomputed at the key bag's rounds, byte for byte what RFC 7292 and OpenSSL expect."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12
from cryptography.x509.oid import NameOID

from issuance.tests.helpers import holder_key, openssl
from tokens.agent.pkcs12 import a1_bundle, with_mac_iterations


def _certificate(key) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MARIA DA SILVA:52998224725")])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


@pytest.mark.parametrize("password", ["Emissao#2026", "Coração de São João ñ 😀"])
def test_the_mac_is_rfc_7292s_the_same_as_cryptography_writes_at_its_own_count(password):
    # Given the file cryptography writes (MAC at its fixed 2,048 iterations)
    key = holder_key()
    encryption = (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(20_000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode())
    )
    original = pkcs12.serialize_key_and_certificates(
        name=b"a1", key=key, cert=_certificate(key), cas=None, encryption_algorithm=encryption
    )
    mac_data = asn1_pkcs12.Pfx.load(original)["mac_data"]

    # when the MAC is recomputed with the same salt and count
    again = with_mac_iterations(
        original, password=password, iterations=mac_data["iterations"].native, salt=mac_data["mac_salt"].native
    )

    # then it is the same file, byte for byte: the KDF and the re-encoding are exact
    assert mac_data["iterations"].native == 2048
    assert again == original


@pytest.mark.parametrize("password", ["Emissao#2026", "Coração de São João ñ 😀"])
def test_openssl_and_cryptography_open_the_bundle_and_see_the_mac_rounds(tmp_path, password):
    key = holder_key()
    certificate = _certificate(key)
    bundle = tmp_path / "a1.pfx"

    bundle.write_bytes(
        a1_bundle(key=key, certificate=certificate, chain=[], password=password, friendly_name="a1", kdf_rounds=30_000)
    )
    info = openssl("pkcs12", "-info", "-noout", "-in", str(bundle), "-passin", f"pass:{password}")
    wrong = openssl("pkcs12", "-info", "-noout", "-in", str(bundle), "-passin", "pass:Emissao#2027")

    assert info.returncode == 0, info.stderr
    assert re.search(r"MAC: sha256, Iteration 30000\n", info.stderr)
    assert "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 30000, PRF hmacWithSHA256" in info.stderr
    assert wrong.returncode != 0 and "Mac verify error" in wrong.stderr
    opened_key, opened_certificate, _ = pkcs12.load_key_and_certificates(bundle.read_bytes(), password.encode())
    assert opened_certificate == certificate and opened_key.private_numbers() == key.private_numbers()
    with pytest.raises(ValueError, match="Invalid password"):
        pkcs12.load_key_and_certificates(bundle.read_bytes(), b"Emissao#2027")
