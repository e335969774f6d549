"""End to end through the portal's URLs, the way the customer lives it: verified → hand-off → released → e-mail →
order page → issuance page → the issuance password → the request of a key made on the customer's side → a
certificate for that key that chains to the local root. The key is made here in Python, standing in for the page's
script; tecnosign/tests/e2e/test_a1_browser.py drives the real page in Chromium."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
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

from .helpers import (
    HOLDER_CN,
    a1_authorise,
    a1_issue_through_the_page,
    a1_send_csr,
    browser_csr,
    browser_key,
    csr_pem,
    sha1_csr_pem,
    with_broken_signature,
)

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


def released_order(client, on_commit, **fields):
    order = OrderFactory(status=Order.Status.VERIFIED, **fields)
    hand_off(order, on_commit)
    open_from_email(client, customer_mail(order)[-1])
    return order


def issued_certificate(client, order) -> x509.Certificate:
    _, answer = a1_issue_through_the_page(client, order)
    assert answer.status_code == 200, answer.content
    return x509.load_pem_x509_certificate(answer.json()["certificate"].encode())


def _unchanged(order: Order) -> bool:
    order.refresh_from_db()
    return order.status == Order.Status.RELEASED and not Certificate.objects.filter(order=order).exists()


def test_a1_from_verified_to_a_certificate_for_the_customers_own_key_that_chains_to_the_local_root(
    client, local_ca, on_commit, settings
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
    assert "O seu navegador gera a chave" in message.body and "nem nós a temos" in message.body

    order_page = open_from_email(client, message)
    assert f'href="/pedido/{order.number}/emitir/"' in order_page and "Emitir o certificado" in order_page
    page = client.get(f"/pedido/{order.number}/emitir/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert 'id="form-a1"' in page.text and "vendor/pki.js" in page.text and "issuance/emitir.js" in page.text
    assert "Ela não é enviada ao portal" in page.text

    wrong = a1_authorise(client, order, password="Errada#2026")
    assert wrong.status_code == 400 and wrong.json()["code"] == "wrong_issuance_password"
    assert "Senha de emissão incorreta" in wrong.json()["message"] and "Restam 4 tentativas" in wrong.json()["message"]
    assert _unchanged(order)

    authorised = a1_authorise(client, order)
    assert authorised.status_code == 200
    delivery = authorised.json()
    assert delivery["subject"] == [
        ["C", "BR"],
        ["O", "ICP-Brasil"],
        ["OU", local_ca.issuing.name],
        ["OU", settings.ICP_AR_CNPJ],
        ["OU", "videoconferencia"],
        ["CN", HOLDER_CN],
    ]
    assert delivery["key_bits"] == 2048 and delivery["kdf_rounds"] == settings.A1_PKCS12_KDF_ROUNDS >= 100_000
    assert delivery["filename"] == f"certificado-a1-maria-da-silva-{order.number}.pfx"
    assert delivery["friendly_name"] == HOLDER_CN

    key, csr = browser_csr(order)
    answer = a1_send_csr(client, order, csr)

    assert answer.status_code == 200, answer.content
    body = answer.json()
    certificate = x509.load_pem_x509_certificate(body["certificate"].encode())
    assert certificate.public_key() == key.public_key()
    root = x509.load_pem_x509_certificate(local_ca.root.certificate_pem.encode())
    issuing = x509.load_pem_x509_certificate(local_ca.issuing.certificate_pem.encode())
    assert [x509.load_pem_x509_certificate(pem.encode()) for pem in body["chain"]] == [issuing, root]
    certificate.verify_directly_issued_by(issuing)
    issuing.verify_directly_issued_by(root)
    root.verify_directly_issued_by(root)

    order.refresh_from_db()
    assert order.status == Order.Status.ISSUED
    record = Certificate.objects.get(order=order)
    der = certificate.public_bytes(serialization.Encoding.DER)
    assert body["serial"] == record.serial == format(certificate.serial_number, "X")
    assert record.fingerprint_sha256 == hashlib.sha256(der).hexdigest()
    assert record.subject == certificate.subject.rfc4514_string()
    assert (record.not_before, record.not_after) == (certificate.not_valid_before_utc, certificate.not_valid_after_utc)
    assert record.status == Certificate.Status.VALID
    issued = AuditEvent.objects.get(action="certificate.issued")
    assert issued.after["kind"] == "A1" and issued.actor_label == "cliente"

    again = a1_send_csr(client, order, browser_csr(order)[1])
    assert again.status_code == 409 and again.json()["code"] == "already_issued"
    assert "já foi emitido em" in again.json()["message"] and "nunca chegou até nós" in again.json()["message"]
    assert Certificate.objects.filter(order=order).count() == 1
    order_page = client.get(f"/pedido/{order.number}/").text
    assert record.serial in order_page and "Emitir o certificado</a>" not in order_page


def test_the_portal_receives_and_keeps_only_the_public_key(client, local_ca, on_commit):
    order = released_order(client, on_commit)

    key, answer = a1_issue_through_the_page(client, order)

    private_exponent = format(key.private_numbers().d, "x")
    stored = [
        *Certificate.objects.values_list("certificate_pem", flat=True),
        *(str(row) for row in LocalCaSubmission.objects.values_list("identity", flat=True)),
        *(str(row) for row in AuditEvent.objects.values_list("before", "after", "note")),
        *OutboxMessage.objects.values_list("body_text", flat=True),
        answer.content.decode(),
    ]
    assert all("PRIVATE KEY" not in text and private_exponent not in text for text in stored)
    kept = x509.load_pem_x509_certificate(Certificate.objects.get(order=order).certificate_pem.encode())
    assert kept.public_key() == key.public_key()


@pytest.mark.parametrize(
    ("make_csr", "code", "message"),
    [
        pytest.param(
            lambda: csr_pem(browser_key(), "JOAO DE SOUZA:11144477735"),
            "csr_subject_mismatch",
            "O titular do pedido de certificado (CSR) não é o deste pedido: veio “JOAO DE SOUZA:11144477735”, "
            f"esperávamos “{HOLDER_CN}”.",
            id="another-holder",
        ),
        pytest.param(
            lambda: csr_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)),  # noqa: S505
            "csr_key_size",
            "A chave do pedido de certificado (CSR) tem 1024 bits; para certificados A1 ela deve ter exatamente "
            "2048 bits. Gere a chave de novo no navegador.",
            id="rsa-1024",
        ),
        pytest.param(
            lambda: sha1_csr_pem(browser_key()), "csr_weak_hash", "assinado com um resumo (hash) fraco", id="sha1"
        ),
        pytest.param(
            lambda: csr_pem(ec.generate_private_key(ec.SECP256R1())),
            "csr_key_type",
            "A chave do pedido de certificado (CSR) não é RSA. Certificados A1 ICP-Brasil usam chave RSA de 2048 bits "
            "gerada no navegador.",
            id="ec-key",
        ),
        pytest.param(
            lambda: with_broken_signature(csr_pem(browser_key())),
            "csr_signature_invalid",
            "não foi assinado pela chave gerada no navegador ou foi alterado no caminho",
            id="bad-signature",
        ),
        pytest.param(
            lambda: "isto não é um CSR", "csr_invalid", "não é um pedido de certificado (CSR PKCS#10)", id="garbage"
        ),
        pytest.param(lambda: "", "csr_missing", "Envie o pedido de certificado (CSR) gerado no navegador.", id="empty"),
    ],
)
def test_a_request_that_is_not_the_orders_is_refused_and_nothing_is_issued(
    client, local_ca, on_commit, make_csr, code, message
):
    order = released_order(client, on_commit)
    assert a1_authorise(client, order).status_code == 200
    submissions = LocalCaSubmission.objects.count()

    response = a1_send_csr(client, order, make_csr())

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and message in body["message"]
    assert body["errors"] == [{"field": "csr", "code": code, "message": body["message"]}]
    assert _unchanged(order)
    assert (
        LocalCaSubmission.objects.count() == submissions
        and not AuditEvent.objects.filter(action="certificate.issued").exists()
    )
    if code != "csr_missing":
        assert AuditEvent.objects.filter(action="issuance.a1_csr_refused", after__code=code).count() == 1


def test_a_key_certified_before_is_refused_and_nothing_is_issued(client, local_ca, on_commit):
    first = released_order(client, on_commit)
    second = released_order(client, on_commit, email="outra@exemplo.com.br")
    key = browser_key()
    a1_authorise(client, first)
    assert a1_send_csr(client, first, browser_csr(first, key)[1]).status_code == 200

    a1_authorise(client, second)
    reused = a1_send_csr(client, second, browser_csr(second, key)[1])

    assert reused.status_code == 400 and reused.json()["code"] == "csr_key_reused"
    assert "Esta chave já foi usada em outro certificado" in reused.json()["message"]
    assert "Gere uma chave nova no navegador" in reused.json()["message"]
    assert _unchanged(second)
    assert Certificate.objects.count() == 1


def test_the_request_needs_the_issuance_password_first_and_the_confirmation_lapses(
    client, local_ca, on_commit, settings
):
    order = released_order(client, on_commit)

    unauthorised = a1_send_csr(client, order, browser_csr(order)[1])
    a1_authorise(client, order)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=settings.A1_AUTHORISATION_MINUTES, seconds=5)):
        lapsed = a1_send_csr(client, order, browser_csr(order)[1])

    assert unauthorised.status_code == 403 and unauthorised.json()["code"] == "issuance_password_required"
    assert lapsed.status_code == 403 and f"vale {settings.A1_AUTHORISATION_MINUTES} minutos" in lapsed.json()["message"]
    assert _unchanged(order)


def _subject(cert):
    return [(attribute.oid, attribute.value) for attribute in cert.subject]


def _other_names(cert):
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [(name.type_id.dotted_string, name.value) for name in san.get_values_for_type(x509.OtherName)]


def _octet_string(text: str) -> bytes:
    return bytes([0x04, len(text)]) + text.encode()


def test_an_ecpf_carries_the_doc_icp_04_content_byte_for_byte(client, local_ca, on_commit, settings):
    order = released_order(client, on_commit, pis_nis="12056478915", cei="123456789012")

    cert = issued_certificate(client, order)

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

    cert = issued_certificate(client, order)

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
    cert = issued_certificate(client, order)
    with time_machine.travel(datetime(2028, 6, 10, 15, 30, tzinfo=UTC), tick=False):
        later = released_order(client, on_commit, email="joao@exemplo.com.br", person_cpf="11144477735")
        capped = issued_certificate(client, later)

    assert cert.not_valid_after_utc.replace(year=cert.not_valid_after_utc.year - 1) == cert.not_valid_before_utc
    # 12 months from June 2028 would pass 2029-03-02: the certificate ends that day (Brasília).
    assert capped.not_valid_before_utc == datetime(2028, 6, 10, 15, 30, tzinfo=UTC)
    assert capped.not_valid_after_utc == datetime(2029, 3, 2, 15, 30, tzinfo=UTC)


def test_wrong_passwords_lock_issuance_with_a_clear_message_until_the_lock_ends(client, local_ca, on_commit, settings):
    settings.A1_PASSWORD_MAX_FAILURES = 3
    order = released_order(client, on_commit)
    start = datetime.now(UTC)

    with time_machine.travel(start, tick=False) as clock:
        answers = [a1_authorise(client, order, password=f"Errada#{n}") for n in range(3)]
        right_while_locked = a1_authorise(client, order)
        blocked_request = a1_send_csr(client, order, browser_csr(order)[1])
        issued_while_locked = Certificate.objects.filter(order=order).exists()
        page_while_locked = client.get(f"/pedido/{order.number}/").text
        clock.shift(timedelta(minutes=settings.A1_PASSWORD_LOCK_MINUTES + 1))
        _, after_the_lock = a1_issue_through_the_page(client, order)

    assert [answer.status_code for answer in answers] == [400, 400, 429]
    assert "Resta 1 tentativa antes do bloqueio temporário" in answers[1].json()["message"]
    assert "bloqueada por excesso de tentativas" in answers[2].json()["message"]
    assert "(Brasília)" in answers[2].json()["message"]
    assert right_while_locked.status_code == 429 and blocked_request.status_code == 403 and not issued_while_locked
    assert "A emissão está bloqueada por excesso de tentativas" in page_while_locked
    assert after_the_lock.status_code == 200 and "certificate" in after_the_lock.json()
    events = AuditEvent.objects.filter(action__startswith="issuance.password").order_by("id")
    actions = list(events.values_list("action", flat=True))
    assert actions == ["issuance.password_wrong", "issuance.password_wrong", "issuance.password_locked"]


def test_the_password_is_asked_for_again_when_missing_and_bodies_must_be_json(client, local_ca, on_commit):
    order = released_order(client, on_commit)

    empty = a1_authorise(client, order, password="")
    not_json = client.post(f"/pedido/{order.number}/emitir/autorizar/", "senha=x", content_type="text/plain")
    not_an_object = client.post(f"/pedido/{order.number}/emitir/csr/", ["csr"], content_type="application/json")

    assert empty.status_code == 400 and empty.json()["message"] == "Digite a senha de emissão."
    assert empty.json()["errors"] == [
        {"field": "password", "code": "password_required", "message": "Digite a senha de emissão."}
    ]
    assert not_json.status_code == 400 and not_json.json()["code"] == "invalid_json"
    assert not_an_object.status_code == 400 and not_an_object.json()["code"] == "invalid_json"
    assert _unchanged(order)


def test_issuance_needs_access_to_the_order(client, local_ca, on_commit):
    order = OrderFactory(status=Order.Status.VERIFIED)
    hand_off(order, on_commit)

    page = client.get(f"/pedido/{order.number}/emitir/")
    authorise = a1_authorise(client, order)
    request = a1_send_csr(client, order, browser_csr(order)[1])

    assert page.status_code == 302 and page["Location"] == "/pedido/"
    assert authorise.status_code == 403 and request.status_code == 403
    assert authorise.json()["code"] == "order_access_required"
    assert _unchanged(order)


def test_an_order_not_released_yet_cannot_be_issued(client, local_ca, on_commit, settings):
    settings.LOCAL_CA_RELEASE_DELAY_SECONDS = 3600
    order = OrderFactory(status=Order.Status.VERIFIED)
    hand_off(order, on_commit)
    client.post("/pedido/", {"number": order.number, "document": order.person_cpf})

    page = client.get(f"/pedido/{order.number}/").text
    issuance_page = client.get(f"/pedido/{order.number}/emitir/").text
    response = a1_authorise(client, order)

    assert "libera a emissão em até 24 horas" in page
    assert "ainda não foi liberado" in issuance_page and 'id="form-a1"' not in issuance_page
    assert response.status_code == 409 and "ainda não foi liberado" in response.json()["message"]
    assert not customer_mail(order)


def test_an_a3_order_waits_for_its_media_and_cannot_be_issued_here(client, local_ca, on_commit):
    order = released_order(client, on_commit, product=A3TokenProductFactory())

    page = client.get(f"/pedido/{order.number}/").text
    response = a1_authorise(client, order)

    assert "Aguarde a chegada da mídia" in page
    [message] = customer_mail(order)
    assert "Aguarde a chegada da mídia" in message.body
    assert response.status_code == 409 and "Este certificado é A3" in response.json()["message"]


def test_a_ca_that_is_not_ready_refuses_cleanly_and_keeps_the_order(client, local_ca, on_commit, caplog):
    # A deployment fault (no active issuing CA: `ca_init` not run, or a wrong CA_KEY_PASSPHRASE) is staff's to fix:
    # the customer gets a clear message and can try again later, with nothing issued nor spent.
    order = released_order(client, on_commit)
    CertificateAuthority.objects.update(active=False)

    _, response = a1_issue_through_the_page(client, order)

    assert response.status_code == 503 and "tente de novo em alguns minutos" in response.json()["message"]
    assert _unchanged(order)
    assert any("local CA not ready" in record.getMessage() for record in caplog.records)

    CertificateAuthority.objects.update(active=True)
    assert a1_issue_through_the_page(client, order)[1].status_code == 200


def test_a_page_closed_before_the_file_is_saved_leaves_the_certificate_and_offers_the_free_reissue(
    client, local_ca, on_commit
):
    # Given a certificate issued for a key that only lived in the page (closed before the file was saved)
    order = released_order(client, on_commit)
    _, answer = a1_issue_through_the_page(client, order)
    serial = answer.json()["serial"]

    # when the customer comes back to the issuance page
    page = client.get(f"/pedido/{order.number}/emitir/")

    # then it explains the key is gone and offers the 14-day guarantee's free reissue, reason preselected
    text = " ".join(page.text.split())
    assert page.status_code == 200
    assert "O certificado já foi emitido" in text and serial in text
    assert "só existe no arquivo <strong>.pfx</strong>" in text and "o arquivo não pode ser gerado de novo" in text
    assert 'id="form-a1"' not in text
    assert "Garantia de 14 dias" in text and "a reemissão é sem custo" in text
    link = f"/revogar/{serial}/?motivo=file_corrupted#senha"
    assert f'href="{link}"' in text and "Revogar e pedir a reemissão sem custo" in text
    revocation = client.get(link.split("#")[0]).text
    assert 'value="file_corrupted" checked' in revocation
