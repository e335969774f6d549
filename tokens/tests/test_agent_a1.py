"""The agent's A1 path, for browsers without Web Crypto RSA, through its HTTP API (a real `python -m tokens.agent
--no-token` process): the key pair and its request made on the customer's computer, the .pfx written there with the
customer's password, and the key forgotten once it is in the file."""

import os
import re
import stat
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from cryptography.x509.oid import NameOID

from issuance.tests.helpers import openssl
from tokens.client import AgentAuthenticationFailed, AgentClient, AgentError

from .harness import start_agent

SUBJECT = [
    ["C", "BR"],
    ["O", "ICP-Brasil"],
    ["OU", "AC TecnoSign de Teste"],
    ["OU", "24680135000103"],
    ["OU", "videoconferencia"],
    ["CN", "MARIA DA SILVA:52998224725"],
]
PASSWORD = "Arquivo#Meu2026"
ROUNDS = 150_000


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "Certificados TecnoSign"


@pytest.fixture
def a1_agent(tmp_path, folder):
    running = start_agent(None, tmp_path / "agent" / "agent.json", "--a1-dir", str(folder))
    yield running
    running.stop()


def _ca():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AC de teste descartável")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _issue(public_key, ca) -> x509.Certificate:
    ca_key, ca_cert = ca
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MARIA DA SILVA:52998224725")]))
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(ca_key, hashes.SHA256())
    )


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(Encoding.PEM).decode()


def _write(client: AgentClient, key_id: str, cert: x509.Certificate, ca, **overrides) -> dict:
    arguments = {
        "certificate_pem": _pem(cert),
        "chain_pems": [_pem(ca[1])],
        "password": PASSWORD,
        "friendly_name": "MARIA DA SILVA:52998224725",
        "filename": "certificado-a1-maria-da-silva-TS123.pfx",
        "kdf_rounds": ROUNDS,
        **overrides,
    }
    return client.a1_write_pkcs12(key_id, **arguments)


def test_the_agent_makes_the_key_and_the_request_and_writes_a_pfx_only_its_owner_reads(a1_agent, folder):
    client = a1_agent.client()
    ca = _ca()

    made = client.a1_generate(subject=SUBJECT, bits=2048)
    request = x509.load_pem_x509_csr(made["csr"].encode())
    certificate = _issue(request.public_key(), ca)
    written = _write(client, made["key_id"], certificate, ca)

    # The request: the subject as given, in order, RSA-2048, SHA-256, signed by the key it carries.
    assert [[a.oid._name, a.value] for a in request.subject][-1] == ["commonName", "MARIA DA SILVA:52998224725"]
    assert request.subject.rfc4514_string().startswith("CN=MARIA DA SILVA:52998224725,OU=videoconferencia")
    assert request.public_key().key_size == 2048 and request.signature_hash_algorithm.name == "sha256"
    assert request.is_signature_valid
    assert "PRIVATE" not in str(made) and "PRIVATE" not in str(written)
    # The file: in the agent's folder (0700), new, 0600, with key, certificate and chain under the password.
    path = folder / "certificado-a1-maria-da-silva-TS123.pfx"
    assert written["path"] == str(path) and written["filename"] == path.name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(folder.stat().st_mode) == 0o700
    key, opened, chain = pkcs12.load_key_and_certificates(path.read_bytes(), PASSWORD.encode())
    assert opened == certificate and chain == [ca[1]] and key.public_key() == request.public_key()
    info = openssl("pkcs12", "-info", "-noout", "-in", str(path), "-passin", f"pass:{PASSWORD}")
    assert info.returncode == 0, info.stderr
    assert f"MAC: sha256, Iteration {ROUNDS}\n" in info.stderr
    assert f"Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration {ROUNDS}, PRF hmacWithSHA256" in info.stderr
    # The key is forgotten once it is in the file: nothing more can be made with it here.
    with pytest.raises(AgentError) as gone:
        _write(client, made["key_id"], certificate, ca, filename="outro.pfx")
    assert gone.value.code == "key_not_found" and gone.value.status == 404
    assert sorted(os.listdir(folder)) == [path.name]


def test_a_certificate_of_another_key_is_refused_and_the_key_is_kept_for_its_own(a1_agent, folder):
    client = a1_agent.client()
    ca = _ca()
    made = client.a1_generate(subject=SUBJECT)
    other = _issue(rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key(), ca)

    with pytest.raises(AgentError) as refused:
        _write(client, made["key_id"], other, ca)
    right = _write(client, made["key_id"], _issue(x509.load_pem_x509_csr(made["csr"].encode()).public_key(), ca), ca)

    assert refused.value.code == "certificate_mismatch" and refused.value.status == 422
    assert os.listdir(folder) == [right["filename"]]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"filename": "../../.bashrc.pfx"}, "filename"),
        ({"filename": "pasta/certificado.pfx"}, "filename"),
        ({"filename": "certificado.exe"}, "filename"),
        ({"filename": ".oculto.pfx"}, "filename"),
        ({"password": "curta"}, "password"),
        ({"password": "x" * 129}, "password"),
        ({"kdf_rounds": "200000"}, "kdf_rounds"),
        ({"kdf_rounds": True}, "kdf_rounds"),
        ({"kdf_rounds": 10**9}, "kdf_rounds"),
        ({"friendly_name": ""}, "friendly_name"),
        ({"chain_pems": ["não é um certificado"]}, "chain"),
    ],
)
def test_a_bad_file_request_is_refused_writes_nothing_and_keeps_the_key(a1_agent, folder, overrides, field):
    client = a1_agent.client()
    ca = _ca()
    made = client.a1_generate(subject=SUBJECT)
    certificate = _issue(x509.load_pem_x509_csr(made["csr"].encode()).public_key(), ca)

    with pytest.raises(AgentError) as refused:
        _write(client, made["key_id"], certificate, ca, **overrides)

    assert refused.value.code == "invalid_field" and refused.value.field == field
    assert not folder.exists() or os.listdir(folder) == []
    assert _write(client, made["key_id"], certificate, ca)["filename"]  # the key is still there


def test_the_agent_keeps_its_own_floor_of_iterations_and_never_writes_over_a_file(a1_agent, folder):
    client = a1_agent.client()
    ca = _ca()
    folder.mkdir(mode=0o700)
    existing = folder / "certificado-a1-maria-da-silva-TS123.pfx"
    existing.write_bytes(b"o arquivo de antes")

    made = client.a1_generate(subject=SUBJECT)
    certificate = _issue(x509.load_pem_x509_csr(made["csr"].encode()).public_key(), ca)
    written = _write(client, made["key_id"], certificate, ca, kdf_rounds=1_000)

    assert existing.read_bytes() == b"o arquivo de antes"
    assert written["filename"] == "certificado-a1-maria-da-silva-TS123-2.pfx"
    info = openssl("pkcs12", "-info", "-noout", "-in", written["path"], "-passin", f"pass:{PASSWORD}")
    assert re.search(r"MAC: sha256, Iteration 100000\n", info.stderr), info.stderr


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"subject": SUBJECT, "bits": 1024}, "bits"),
        ({"subject": SUBJECT, "bits": "2048"}, "bits"),
        ({"subject": "CN=MARIA"}, "subject"),
        ({"subject": [["CN", ""]]}, "subject"),
    ],
)
def test_a_bad_key_request_is_refused(a1_agent, payload, field):
    with pytest.raises(AgentError) as refused:
        a1_agent.client().request("POST", "/v1/a1/keys", payload)

    assert refused.value.code == "invalid_field" and refused.value.field == field


def test_the_a1_endpoints_need_the_pairing_and_token_operations_need_a_token_module(a1_agent):
    stranger = AgentClient(a1_agent.url, b"\x00" * 20)

    with pytest.raises(AgentAuthenticationFailed):
        stranger.a1_generate(subject=SUBJECT)
    with pytest.raises(AgentError) as no_token:
        a1_agent.client().list_tokens()
    status = a1_agent.client().status()

    assert no_token.value.code == "no_token_module" and no_token.value.status == 409
    assert status["module"]["description"] == "sem módulo de token (só A1)"
    assert "Módulo PKCS#11: nenhum (--no-token" in a1_agent.all_output()
