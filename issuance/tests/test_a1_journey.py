"""End to end, the way the customer lives it: verified → hand-off → released → e-mail → order page →
issuance password → PKCS#12 that opens with it and chains to the local root."""

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core import mail
from django.db import transaction

from issuance.models import Certificate, CertificateAuthority, IssuanceRequest, LocalCaSubmission
from issuance.services import issuance_submit
from orders.models import Order
from orders.tests.factories import A3TokenProductFactory, CnpjProductFactory, OrderFactory
from orders.tests.links import link_in, open_access_link
from tecnosign.audit.models import AuditEvent
from tecnosign.notifications.models import OutboxMessage

from .helpers import openssl

pytestmark = pytest.mark.django_db
PASSWORD = "Emissao#2026"  # the factory's issuance password


def hand_off(order, on_commit):
    """What the verification service does when an order becomes verified (inside its transaction)."""
    with on_commit(), transaction.atomic():
        issuance_submit(order)
    order.refresh_from_db()


def customer_mail(order):
    return [message for message in mail.outbox if message.to == [order.email]]


def open_from_email(client, message) -> str:
    response = open_access_link(client, link_in(message.body))
    assert response.status_code == 200
    return response.text


def issue(client, order, password=PASSWORD):
    return client.post(f"/pedido/{order.number}/emitir/", {"password": password, "understood": "on"})


def released_order(client, on_commit, **fields):
    order = OrderFactory(status=Order.Status.VERIFIED, **fields)
    hand_off(order, on_commit)
    open_from_email(client, customer_mail(order)[-1])
    return order


def test_a1_from_verified_to_a_pkcs12_that_opens_with_the_password_and_chains_to_the_local_root(
    client, local_ca, on_commit
):
    order = OrderFactory(status=Order.Status.VERIFIED)

    hand_off(order, on_commit)

    assert order.status == Order.Status.RELEASED
    request = IssuanceRequest.objects.get(order=order)
    assert request.status == IssuanceRequest.Status.RELEASED and request.external_reference.startswith("LOCAL-")
    assert request.sla_deadline - request.submitted_at == timedelta(hours=24)
    [message] = customer_mail(order)
    assert message.subject == f"Seu certificado está liberado: emita agora — pedido {order.number}"
    assert "digite a senha de emissão que você criou ao fazer o pedido" in message.body
    assert "entregue uma única vez" in message.body

    page = open_from_email(client, message)
    assert "Emitir e baixar o certificado" in page

    wrong = issue(client, order, password="Errada#2026")
    assert wrong.status_code == 400
    assert "Senha de emissão incorreta" in wrong.text and "Restam 4 tentativas" in wrong.text
    order.refresh_from_db()
    assert order.status == Order.Status.RELEASED and not Certificate.objects.exists()

    download = issue(client, order)

    assert download.status_code == 200
    assert download["Content-Type"] == "application/x-pkcs12"
    assert download["Content-Disposition"] == f'attachment; filename="certificado-a1-maria-da-silva-{order.number}.pfx"'
    assert "no-store" in download["Cache-Control"]
    key, certificate, chain = pkcs12.load_key_and_certificates(download.content, PASSWORD.encode())
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(download.content, b"Errada#2026")
    assert key.key_size == 2048 and certificate.public_key() == key.public_key()
    root = x509.load_pem_x509_certificate(local_ca.root.certificate_pem.encode())
    issuing = x509.load_pem_x509_certificate(local_ca.issuing.certificate_pem.encode())
    assert chain == [issuing, root]
    certificate.verify_directly_issued_by(issuing)
    issuing.verify_directly_issued_by(root)
    root.verify_directly_issued_by(root)

    order.refresh_from_db()
    assert order.status == Order.Status.ISSUED
    record = Certificate.objects.get(order=order)
    der = certificate.public_bytes(serialization.Encoding.DER)
    assert record.serial == format(certificate.serial_number, "X")
    assert record.fingerprint_sha256 == hashlib.sha256(der).hexdigest()
    assert record.subject == certificate.subject.rfc4514_string()
    assert (record.not_before, record.not_after) == (certificate.not_valid_before_utc, certificate.not_valid_after_utc)
    assert record.status == Certificate.Status.VALID

    again = issue(client, order)
    assert again.status_code == 410
    assert "já foi emitido e baixado" in again.text and "entregue uma única vez" in again.text
    assert Certificate.objects.filter(order=order).count() == 1
    page = client.get(f"/pedido/{order.number}/").text
    assert record.serial in page and "Emitir e baixar" not in page


def test_the_private_key_is_kept_nowhere(client, local_ca, on_commit):
    order = released_order(client, on_commit)

    download = issue(client, order)

    key, _, _ = pkcs12.load_key_and_certificates(download.content, PASSWORD.encode())
    private_exponent = format(key.private_numbers().d, "x")
    stored = [
        *Certificate.objects.values_list("certificate_pem", flat=True),
        *(str(row) for row in LocalCaSubmission.objects.values_list("identity", flat=True)),
        *(str(row) for row in AuditEvent.objects.values_list("before", "after", "note")),
        *OutboxMessage.objects.values_list("body_text", flat=True),
    ]
    assert all("PRIVATE KEY" not in text and private_exponent not in text for text in stored)
    # Only the public half is kept, in the certificate.
    kept = x509.load_pem_x509_certificate(Certificate.objects.get(order=order).certificate_pem.encode())
    assert kept.public_key() == key.public_key()


def test_the_pkcs12_is_aes_256_with_pbkdf2_and_its_mac_costs_as_much(client, local_ca, on_commit, tmp_path, settings):
    order = released_order(client, on_commit)
    bundle = tmp_path / "certificado.pfx"
    bundle.write_bytes(issue(client, order).content)

    info = openssl("pkcs12", "-info", "-in", str(bundle), "-noout", "-passin", f"pass:{PASSWORD}")
    wrong = openssl("pkcs12", "-info", "-in", str(bundle), "-noout", "-passin", "pass:Emissao#2025")

    assert info.returncode == 0, info.stderr
    key_rounds = int(re.search(r"Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration (\d+)", info.stderr).group(1))
    assert "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC" in info.stderr
    mac_rounds = int(re.search(r"MAC: sha256, Iteration (\d+)", info.stderr).group(1))
    # Guessing the password against the MAC costs no less than against the key (cryptography alone writes 2,048).
    assert key_rounds == settings.A1_PKCS12_KDF_ROUNDS and mac_rounds >= key_rounds
    assert wrong.returncode != 0 and "Mac verify error" in wrong.stderr
    key, certificate, _ = pkcs12.load_key_and_certificates(bundle.read_bytes(), PASSWORD.encode())
    assert certificate.public_key() == key.public_key()


def _subject(cert):
    return [(attribute.oid, attribute.value) for attribute in cert.subject]


def _other_names(cert):
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [(name.type_id.dotted_string, name.value) for name in san.get_values_for_type(x509.OtherName)]


def _octet_string(text: str) -> bytes:
    return bytes([0x04, len(text)]) + text.encode()


def _certificate_from(download) -> x509.Certificate:
    return pkcs12.load_key_and_certificates(download.content, PASSWORD.encode())[1]


def test_an_ecpf_carries_the_doc_icp_04_content_byte_for_byte(client, local_ca, on_commit, settings):
    order = released_order(client, on_commit, pis_nis="12056478915", cei="123456789012")

    cert = _certificate_from(issue(client, order))

    assert _subject(cert) == [
        (NameOID.COUNTRY_NAME, "BR"),
        (NameOID.ORGANIZATION_NAME, "ICP-Brasil"),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "AC TecnoSign Local/Dev v5"),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, settings.ICP_AR_CNPJ),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "videoconferencia"),
        (NameOID.COMMON_NAME, "MARIA DA SILVA:52998224725"),
    ]
    # 2.16.76.1.3.1: birth date ddmmaaaa + CPF + NIS + RG (absent: 15 zeros, and no issuer after it).
    assert _other_names(cert) == [
        ("2.16.76.1.3.1", _octet_string("12041985" + "52998224725" + "12056478915" + "0" * 15)),
        ("2.16.76.1.3.6", _octet_string("123456789012")),
        ("2.16.76.1.3.5", _octet_string("0" * 12 + "000" + "0000")),
    ]
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == ["maria@exemplo.com.br"]
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert (usage.value.digital_signature, usage.value.content_commitment, usage.value.key_encipherment) == (
        True,
        True,
        True,
    )
    assert not (usage.value.key_cert_sign or usage.value.crl_sign or usage.value.data_encipherment)
    assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.CLIENT_AUTH,
        ExtendedKeyUsageOID.EMAIL_PROTECTION,
    ]
    policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert [policy.policy_identifier.dotted_string for policy in policies] == [order.product.policy_oid]
    crl_points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [name.value for point in crl_points for name in point.full_name] == [
        "http://testserver/ac/ac-tecnosign-dev-v5.crl"
    ]
    access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [(item.access_method._name, item.access_location.value) for item in access] == [
        ("OCSP", "http://testserver/ac/ocsp"),
        ("caIssuers", "http://testserver/ac/ac-tecnosign-dev-v5.crt"),
    ]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False


def test_an_ecnpj_carries_the_company_and_its_responsible_person(client, local_ca, on_commit):
    order = released_order(
        client,
        on_commit,
        product=CnpjProductFactory(),
        company_name="Padaria Pão Quente Ltda",
        cnpj="12ABC34501DE35",
        person_name="José Conceição",
        cei="",
    )

    cert = _certificate_from(issue(client, order))

    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "PADARIA PAO QUENTE LTDA:12ABC34501DE35"
    # e-CNPJ, in DOC-ICP-04's order: responsible person's data, their name, the CNPJ, the CEI (absent: zeros).
    assert _other_names(cert) == [
        ("2.16.76.1.3.4", _octet_string("12041985" + "52998224725" + "0" * 11 + "0" * 15)),
        ("2.16.76.1.3.2", _octet_string("JOSE CONCEICAO")),
        ("2.16.76.1.3.3", _octet_string("12ABC34501DE35")),
        ("2.16.76.1.3.7", _octet_string("0" * 12)),
    ]


def test_validity_follows_the_product_and_stops_at_the_end_of_the_v5_chain(client, local_ca, on_commit):
    order = released_order(client, on_commit)
    cert = _certificate_from(issue(client, order))
    with time_machine.travel(datetime(2028, 6, 10, 15, 30, tzinfo=UTC), tick=False):
        later = released_order(client, on_commit, email="joao@exemplo.com.br", person_cpf="11144477735")
        capped = _certificate_from(issue(client, later))

    assert cert.not_valid_after_utc.replace(year=cert.not_valid_after_utc.year - 1) == cert.not_valid_before_utc
    # 12 months from June 2028 would pass 2029-03-02: the certificate ends that day (Brasília).
    assert capped.not_valid_before_utc == datetime(2028, 6, 10, 15, 30, tzinfo=UTC)
    assert capped.not_valid_after_utc == datetime(2029, 3, 2, 15, 30, tzinfo=UTC)


def test_wrong_passwords_lock_issuance_with_a_clear_message_until_the_lock_ends(client, local_ca, on_commit, settings):
    settings.A1_PASSWORD_MAX_FAILURES = 3
    order = released_order(client, on_commit)
    start = datetime.now(UTC)

    with time_machine.travel(start, tick=False) as clock:
        answers = [issue(client, order, password=f"Errada#{n}") for n in range(3)]
        right_while_locked = issue(client, order)
        issued_while_locked = Certificate.objects.filter(order=order).exists()
        clock.shift(timedelta(minutes=settings.A1_PASSWORD_LOCK_MINUTES + 1))
        after_the_lock = issue(client, order)

    assert [answer.status_code for answer in answers] == [400, 400, 429]
    assert "Resta 1 tentativa antes do bloqueio temporário" in answers[1].text
    assert "bloqueada por excesso de tentativas" in answers[2].text and "(Brasília)" in answers[2].text
    assert right_while_locked.status_code == 429 and not issued_while_locked
    assert after_the_lock.status_code == 200 and after_the_lock["Content-Type"] == "application/x-pkcs12"
    events = AuditEvent.objects.filter(action__startswith="issuance.password").order_by("id")
    actions = list(events.values_list("action", flat=True))
    assert actions == ["issuance.password_wrong", "issuance.password_wrong", "issuance.password_locked"]


def test_the_form_asks_again_for_what_is_missing(client, local_ca, on_commit):
    order = released_order(client, on_commit)

    response = client.post(f"/pedido/{order.number}/emitir/", {"password": ""})

    assert response.status_code == 400
    assert "Digite a senha de emissão." in response.text
    assert "Confirme que vai guardar o arquivo" in response.text


def test_issuance_needs_access_to_the_order(client, local_ca, on_commit):
    order = OrderFactory(status=Order.Status.VERIFIED)
    hand_off(order, on_commit)

    response = issue(client, order)

    assert response.status_code == 302 and response["Location"] == "/pedido/"
    assert not Certificate.objects.exists()


def test_an_order_not_released_yet_cannot_be_issued(client, local_ca, on_commit, settings):
    settings.LOCAL_CA_RELEASE_DELAY_SECONDS = 3600
    order = OrderFactory(status=Order.Status.VERIFIED)
    hand_off(order, on_commit)
    client.post("/pedido/", {"number": order.number, "document": order.person_cpf})

    page = client.get(f"/pedido/{order.number}/").text
    response = issue(client, order)

    assert "libera a emissão em até 24 horas" in page
    assert response.status_code == 409 and "ainda não foi liberado" in response.text
    assert not customer_mail(order)


def test_an_a3_order_waits_for_its_media_and_cannot_be_downloaded(client, local_ca, on_commit):
    order = released_order(client, on_commit, product=A3TokenProductFactory())

    page = client.get(f"/pedido/{order.number}/").text
    response = issue(client, order)

    assert "Aguarde a chegada da mídia" in page
    [message] = customer_mail(order)
    assert "Aguarde a chegada da mídia" in message.body
    assert response.status_code == 409 and "Este certificado é A3" in response.text


def test_a_ca_that_is_not_ready_refuses_cleanly_and_keeps_the_order(client, local_ca, on_commit, caplog):
    # A deployment fault (no active issuing CA: `ca_init` not run, or a wrong CA_KEY_PASSPHRASE) is staff's to fix:
    # the customer gets a clear message and can try again later, with nothing issued nor spent.
    order = released_order(client, on_commit)
    CertificateAuthority.objects.update(active=False)

    response = issue(client, order)

    assert response.status_code == 503 and "tente de novo em alguns minutos" in response.text
    order.refresh_from_db()
    assert order.status == Order.Status.RELEASED and not Certificate.objects.filter(order=order).exists()
    assert any("local CA not ready" in record.getMessage() for record in caplog.records)

    CertificateAuthority.objects.update(active=True)
    assert issue(client, order).status_code == 200
