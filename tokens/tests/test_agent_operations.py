"""Every token operation through the agent's HTTP API, against a real SoftHSM2 token."""

import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tokens.client import AgentError, PinIncorrect, TokenAbsent

from .harness import SO_PIN, USER_PIN, issue_for_csr, probe_token, throwaway_ca

pytestmark = pytest.mark.softhsm

ICP_SUBJECT = [
    ["C", "BR"],
    ["O", "ICP-Brasil"],
    ["OU", "AC TecnoSign de Teste"],
    ["OU", "12345678000190"],
    ["OU", "videoconferencia"],
    ["CN", "MARIA DA SILVA:52998224725"],
]
ICP_SAN = {
    "emails": ["maria@exemplo.com.br"],
    "other_names": [{"oid": "2.16.76.1.3.1", "value": "010119805299822472500000000000000000000000000000"}],
}


def _codes(token: dict) -> set[str]:
    return {flag["code"] for flag in token["flags"]}


def test_lists_the_token_with_its_flags_in_words(agent, softhsm):
    tokens = agent.client().list_tokens()

    (token,) = tokens
    assert token["serial"] == softhsm.serial
    assert token["label"] == "TITULAR"
    assert token["manufacturer"] == "SoftHSM project" and token["model"] == "SoftHSM v2"
    assert {"code": "pin_initialized", "text": "PIN definido"} in token["flags"]
    assert {"code": "token_initialized", "text": "Mídia inicializada"} in token["flags"]


def test_wrong_pin_is_refused_with_the_remaining_tries_warning(agent, softhsm):
    client = agent.client()

    with pytest.raises(PinIncorrect) as wrong:
        client.change_pin(softhsm.serial, pin="0000", new_pin="5678")

    assert wrong.value.status == 422 and wrong.value.code == "pin_incorrect"
    assert wrong.value.message.startswith("PIN incorreto.")
    assert "restam poucas tentativas" in wrong.value.message
    assert wrong.value.details["remaining_tries"] == "low"
    assert "pin_count_low" in _codes(client.list_tokens()[0])
    # The PIN did not change, and the failed login left no session that would block the next call.
    assert client.list_objects(softhsm.serial, pin=USER_PIN)["logged_in"] is True


def test_change_pin_replaces_the_old_one(agent, softhsm):
    client = agent.client()

    token = client.change_pin(softhsm.serial, pin=USER_PIN, new_pin="Nova#2026")

    assert token["serial"] == softhsm.serial
    assert client.list_objects(softhsm.serial, pin="Nova#2026")["logged_in"] is True
    with pytest.raises(PinIncorrect):
        client.list_objects(softhsm.serial, pin=USER_PIN)


@pytest.mark.parametrize("new_pin", ["12", "senha com espaço", "ação1234", "x" * 65])
def test_a_new_pin_outside_the_rules_is_refused_and_nothing_changes(agent, softhsm, new_pin):
    client = agent.client()

    with pytest.raises(AgentError) as refused:
        client.change_pin(softhsm.serial, pin=USER_PIN, new_pin=new_pin)

    assert refused.value.code == "pin_format" and refused.value.field == "new_pin" and refused.value.status == 400
    assert "de 4 a 64 caracteres" in refused.value.message
    assert new_pin not in refused.value.message
    assert client.list_objects(softhsm.serial, pin=USER_PIN)["logged_in"] is True


def test_change_puk_then_only_the_new_puk_unblocks(agent, softhsm):
    client = agent.client()

    client.change_puk(softhsm.serial, puk=SO_PIN, new_puk="Puk-2026-novo")

    with pytest.raises(PinIncorrect) as wrong:
        client.unblock_pin(softhsm.serial, puk=SO_PIN, new_pin="4321")
    assert wrong.value.code == "puk_incorrect" and wrong.value.message.startswith("PUK incorreto.")
    client.unblock_pin(softhsm.serial, puk="Puk-2026-novo", new_pin="4321")
    assert client.list_objects(softhsm.serial, pin="4321")["logged_in"] is True


def test_unblock_sets_a_new_pin_with_the_puk_when_the_pin_is_forgotten(agent, softhsm):
    client = agent.client()
    for _ in range(2):
        with pytest.raises(PinIncorrect):
            client.list_objects(softhsm.serial, pin="esqueci")

    token = client.unblock_pin(softhsm.serial, puk=SO_PIN, new_pin="2468")

    assert "pin_count_low" not in _codes(token)
    assert client.list_objects(softhsm.serial, pin="2468")["logged_in"] is True


def test_keygen_csr_and_import_put_a_working_certificate_on_the_token(agent, softhsm):
    client = agent.client()
    ca_key, ca_cert = throwaway_ca()

    key = client.generate_key(softhsm.serial, pin=USER_PIN, label="Chave A3")
    csr_pem = client.create_csr(
        softhsm.serial, pin=USER_PIN, key_id=key["key_id"], subject=ICP_SUBJECT, subject_alt_name=ICP_SAN
    )
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    certificate = issue_for_csr(csr, ca_key, ca_cert)
    imported = client.import_certificate(
        softhsm.serial, pin=USER_PIN, certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode()
    )

    # The key never leaves the token, and its CKA_ID is the RFC 5280 key identifier of its public key.
    assert key["sensitive"] is True and key["extractable"] is False
    public_key = serialization.load_pem_public_key(key["public_key"].encode())
    pkcs1 = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    assert key["key_id"] == hashlib.sha1(pkcs1).hexdigest()  # noqa: S324
    assert key["key_id"] == certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest.hex()
    # The request carries what the caller asked for, in order, and its signature was made by that key.
    assert csr.is_signature_valid
    assert csr.public_key().public_numbers() == public_key.public_numbers()
    assert [(attr.rfc4514_attribute_name, attr.value) for attr in csr.subject] == [tuple(p) for p in ICP_SUBJECT]
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == ["maria@exemplo.com.br"]
    (other_name,) = san.get_values_for_type(x509.OtherName)
    assert other_name.type_id.dotted_string == "2.16.76.1.3.1"
    assert other_name.value[2:] == ICP_SAN["other_names"][0]["value"].encode()  # OCTET STRING
    # The certificate is on the token under the key's CKA_ID, and the key signs what the certificate verifies.
    assert imported == {
        "key_id": key["key_id"],
        "label": "MARIA DA SILVA:52998224725",
        "already_present": False,
        "chain_added": 0,
    }
    probe = probe_token(softhsm, USER_PIN, key["key_id"], b"documento assinado no token")
    (stored,) = probe["certificates"]
    on_token = x509.load_der_x509_certificate(bytes.fromhex(stored))
    assert on_token == certificate
    on_token.verify_directly_issued_by(ca_cert)
    on_token.public_key().verify(
        bytes.fromhex(probe["signature"]), b"documento assinado no token", padding.PKCS1v15(), hashes.SHA256()
    )
    assert probe["private_value_readable"] is False
    objects = client.list_objects(softhsm.serial, pin=USER_PIN)["objects"]
    assert [(o["type"], o["id"]) for o in objects] == [
        ("certificate", key["key_id"]),
        ("private_key", key["key_id"]),
        ("public_key", key["key_id"]),
    ]
    assert objects[0]["subject"].startswith("CN=MARIA DA SILVA:52998224725")


def test_importing_the_same_certificate_twice_stores_it_once(agent, softhsm):
    client = agent.client()
    ca_key, ca_cert = throwaway_ca()
    key = client.generate_key(softhsm.serial, pin=USER_PIN, label="Chave")
    csr = x509.load_pem_x509_csr(
        client.create_csr(
            softhsm.serial, pin=USER_PIN, key_id=key["key_id"], subject=ICP_SUBJECT, subject_alt_name=ICP_SAN
        ).encode()
    )
    pem = issue_for_csr(csr, ca_key, ca_cert).public_bytes(serialization.Encoding.PEM).decode()

    client.import_certificate(softhsm.serial, pin=USER_PIN, certificate_pem=pem)
    again = client.import_certificate(softhsm.serial, pin=USER_PIN, certificate_pem=pem)

    assert again["already_present"] is True
    types = [o["type"] for o in client.list_objects(softhsm.serial, pin=USER_PIN)["objects"]]
    assert types.count("certificate") == 1


def test_the_chain_goes_on_the_token_as_ca_certificates_once(agent, softhsm):
    client = agent.client()
    ca_key, ca_cert = throwaway_ca()
    key = client.generate_key(softhsm.serial, pin=USER_PIN, label="Chave")
    csr = x509.load_pem_x509_csr(
        client.create_csr(
            softhsm.serial, pin=USER_PIN, key_id=key["key_id"], subject=ICP_SUBJECT, subject_alt_name=ICP_SAN
        ).encode()
    )
    holder_pem = issue_for_csr(csr, ca_key, ca_cert).public_bytes(serialization.Encoding.PEM).decode()
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM).decode()

    # A holder's certificate is not a CA's: the request is refused before anything is written.
    with pytest.raises(AgentError) as refused:
        client.import_certificate(softhsm.serial, pin=USER_PIN, certificate_pem=holder_pem, chain_pems=[holder_pem])
    assert (refused.value.code, refused.value.field) == ("invalid_field", "chain")
    assert "Autoridades Certificadoras" in refused.value.message
    assert "certificate" not in [o["type"] for o in client.list_objects(softhsm.serial, pin=USER_PIN)["objects"]]

    first = client.import_certificate(softhsm.serial, pin=USER_PIN, certificate_pem=holder_pem, chain_pems=[ca_pem])
    again = client.import_certificate(softhsm.serial, pin=USER_PIN, certificate_pem=holder_pem, chain_pems=[ca_pem])

    assert (first["chain_added"], again["chain_added"], again["already_present"]) == (1, 0, True)
    certificates = [
        o for o in client.list_objects(softhsm.serial, pin=USER_PIN)["objects"] if o["type"] == "certificate"
    ]
    (authority,) = [o for o in certificates if o["authority"]]
    (holder,) = [o for o in certificates if not o["authority"]]
    assert authority["subject"] == ca_cert.subject.rfc4514_string() and holder["id"] == key["key_id"]
    ski = ca_cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    assert authority["id"] == hashlib.sha1(ski).hexdigest()  # noqa: S324


def test_a_certificate_for_another_key_is_refused(agent, softhsm):
    client = agent.client()
    ca_key, ca_cert = throwaway_ca()
    client.generate_key(softhsm.serial, pin=USER_PIN, label="Chave da mídia")
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "OUTRA PESSOA")]))
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name("x@exemplo.com.br")]), critical=False)
        .sign(stranger, hashes.SHA256())
    )
    pem = issue_for_csr(csr, ca_key, ca_cert).public_bytes(serialization.Encoding.PEM).decode()

    with pytest.raises(AgentError) as refused:
        client.import_certificate(softhsm.serial, pin=USER_PIN, certificate_pem=pem)

    assert refused.value.code == "certificate_mismatch" and refused.value.status == 422
    assert "não corresponde a nenhuma chave desta mídia" in refused.value.message
    assert "certificate" not in [o["type"] for o in client.list_objects(softhsm.serial, pin=USER_PIN)["objects"]]


def test_bad_requests_get_structured_portuguese_errors(agent, softhsm):
    client = agent.client()

    with pytest.raises(AgentError) as unknown_key:
        client.create_csr(softhsm.serial, pin=USER_PIN, key_id="ab" * 20, subject=ICP_SUBJECT)
    with pytest.raises(AgentError) as bad_subject:
        client.create_csr(softhsm.serial, pin=USER_PIN, key_id="ab" * 20, subject=[["C", "Brasil"]])
    with pytest.raises(AgentError) as garbage:
        client.import_certificate(softhsm.serial, pin=USER_PIN, certificate_pem="não é um certificado")
    with pytest.raises(AgentError) as missing:
        client.request("POST", f"/v1/tokens/{softhsm.serial}/pin", {"pin": USER_PIN})

    assert (unknown_key.value.code, unknown_key.value.status) == ("key_not_found", 404)
    assert (bad_subject.value.code, bad_subject.value.field) == ("invalid_field", "subject")
    assert (garbage.value.code, garbage.value.field) == ("invalid_field", "certificate")
    assert (missing.value.code, missing.value.field, missing.value.status) == ("missing_field", "new_pin", 400)
    assert missing.value.message == "Campo obrigatório ausente: new_pin."


def test_an_absent_token_is_reported_by_serial(agent, softhsm):
    with pytest.raises(TokenAbsent) as absent:
        agent.client().list_objects("0000000000000000")

    assert absent.value.status == 404
    assert "Nenhum token ou cartão com o número de série 0000000000000000" in absent.value.message


def test_erase_needs_the_labels_confirmed_then_erases_everything(agent, softhsm):
    client = agent.client()
    ca_key, ca_cert = throwaway_ca()
    key = client.generate_key(softhsm.serial, pin=USER_PIN, label="Chave antiga")
    csr = x509.load_pem_x509_csr(
        client.create_csr(
            softhsm.serial, pin=USER_PIN, key_id=key["key_id"], subject=ICP_SUBJECT, subject_alt_name=ICP_SAN
        ).encode()
    )
    client.import_certificate(
        softhsm.serial,
        pin=USER_PIN,
        certificate_pem=issue_for_csr(csr, ca_key, ca_cert).public_bytes(serialization.Encoding.PEM).decode(),
        label="Certificado antigo",
    )

    preview = client.erase_preview(softhsm.serial)
    with pytest.raises(AgentError) as unconfirmed:
        client.erase(
            softhsm.serial,
            puk=SO_PIN,
            label="NOVA MIDIA",
            new_pin="1357",
            confirm_token_label="TITULAR",
            confirm_labels=["Certificado antigo"],
        )
    assert (unconfirmed.value.code, unconfirmed.value.status) == ("erase_not_confirmed", 409)
    assert len(client.list_objects(softhsm.serial, pin=USER_PIN)["objects"]) == 3

    erased = client.erase(
        softhsm.serial,
        puk=SO_PIN,
        label="NOVA MIDIA",
        new_pin="1357",
        confirm_token_label=preview["token_label"],
        confirm_labels=preview["labels"],
    )

    assert preview == {
        "serial": softhsm.serial,
        "token_label": "TITULAR",
        "labels": ["Certificado antigo", "Chave antiga"],
    }
    assert erased["erased_labels"] == ["Certificado antigo", "Chave antiga"]
    assert erased["token"]["label"] == "NOVA MIDIA" and erased["token"]["serial"] == softhsm.serial
    assert client.list_objects(softhsm.serial, pin="1357")["objects"] == []
    with pytest.raises(PinIncorrect):
        client.list_objects(softhsm.serial, pin=USER_PIN)
    # The PUK survives the erase: it still unblocks the new PIN.
    client.unblock_pin(softhsm.serial, puk=SO_PIN, new_pin="9753")
    assert client.list_objects(softhsm.serial, pin="9753")["logged_in"] is True


def test_erase_with_a_wrong_puk_erases_nothing(agent, softhsm):
    client = agent.client()
    client.generate_key(softhsm.serial, pin=USER_PIN, label="Chave")
    preview = client.erase_preview(softhsm.serial)

    with pytest.raises(PinIncorrect) as wrong:
        client.erase(
            softhsm.serial,
            puk="00000000",
            label="X",
            new_pin="1357",
            confirm_token_label=preview["token_label"],
            confirm_labels=preview["labels"],
        )

    assert wrong.value.code == "puk_incorrect"
    assert client.list_tokens()[0]["label"] == "TITULAR"
    assert len(client.list_objects(softhsm.serial, pin=USER_PIN)["objects"]) == 2
