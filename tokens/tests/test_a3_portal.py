"""A3 issuance through the portal's endpoints, as the install page's script calls them: the issuance password, the
token's CSR (made here with `cryptography`: the portal cannot tell), every CSR that must be refused, and when an
order may not be issued at all. The token itself is driven in test_a3_install_browser and test_a3_worker."""

import hashlib
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.db import connection
from django.test import Client

from issuance.models import Certificate, IssuanceRequest
from issuance.services.a3 import a3_csr_subject, a3_issue_from_csr
from issuance.services.issue import AlreadyIssued
from issuance.tests.helpers import a1_issue_as_customer, holder_key
from orders.models import Order
from orders.services.access import SESSION_KEY
from orders.tests.factories import CnpjProductFactory, OrderFactory, ProductFactory, valid_cnpj
from tecnosign.audit.models import AuditEvent
from tecnosign.audit.services import Actor

from .a3 import (
    HOLDER_CN,
    authorise,
    csr_pem,
    released_a3_order,
    send_csr,
    sha1_csr_pem,
    with_broken_signature,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(local_ca, on_commit):
    return released_a3_order(on_commit)


def _unchanged(order: Order) -> bool:
    order.refresh_from_db()
    return order.status == Order.Status.RELEASED and not Certificate.objects.filter(order=order).exists()


def test_the_password_opens_the_subject_and_the_csr_gets_a_certificate_that_chains_to_the_root(
    customer, order, local_ca
):
    client = customer(order)

    authorised = authorise(client, order)

    assert authorised.status_code == 200
    assert authorised.json()["subject"] == [
        ["C", "BR"],
        ["O", "ICP-Brasil"],
        ["OU", local_ca.issuing.name],
        ["OU", "24680135000103"],
        ["OU", "videoconferencia"],
        ["CN", HOLDER_CN],
    ]
    assert authorised.json()["key_label"] == f"TecnoSign {order.number}" and authorised.json()["key_bits"] == 2048

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = send_csr(client, order, csr_pem(key))

    assert response.status_code == 200, response.text
    body = response.json()
    certificate = x509.load_pem_x509_certificate(body["certificate"].encode())
    issuing, root = (x509.load_pem_x509_certificate(pem.encode()) for pem in body["chain"])
    assert certificate.public_key() == key.public_key()
    certificate.verify_directly_issued_by(issuing)
    issuing.verify_directly_issued_by(root)
    assert root.fingerprint(hashes.SHA256()).hex() == local_ca.root.fingerprint_sha256
    # The CA wrote the subject from the order's identity, not from the CSR.
    assert certificate.subject.rfc4514_string() == (
        f"CN={HOLDER_CN},OU=videoconferencia,OU=24680135000103,OU={local_ca.issuing.name},O=ICP-Brasil,C=BR"
    )
    key.public_key().verify(
        key.sign(b"documento", padding.PKCS1v15(), hashes.SHA256()), b"documento", padding.PKCS1v15(), hashes.SHA256()
    )
    order.refresh_from_db()
    assert order.status == Order.Status.ISSUED
    record = Certificate.objects.get(order=order)
    assert body["serial"] == record.serial == format(certificate.serial_number, "X")
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert record.public_key_sha256 == hashlib.sha256(spki).hexdigest()
    issued = AuditEvent.objects.get(action="certificate.issued")
    assert issued.after["kind"] == "A3" and issued.actor_label == "cliente"

    page = client.get(f"/pedido/{order.number}/").text
    assert "Certificado emitido" in page and record.serial in page and "Válido até" in page
    assert "Gravar o certificado na mídia" in page


def test_an_ecnpj_csr_carries_the_company_and_its_cnpj(customer, local_ca, on_commit):
    cnpj = valid_cnpj(7)
    order = released_a3_order(
        on_commit,
        product=CnpjProductFactory(code="e-cnpj-a3-cartao", media="card", certificate_type="A3", validity_months=12),
        company_name="Padaria Pão Quente Ltda",
        cnpj=cnpj,
    )
    client = customer(order)

    subject = authorise(client, order).json()["subject"]

    assert subject[-1] == ["CN", f"PADARIA PAO QUENTE LTDA:{cnpj}"]
    assert subject == a3_csr_subject(order)
    wrong_person = send_csr(client, order, csr_pem(holder_key(), HOLDER_CN))
    assert wrong_person.status_code == 400 and wrong_person.json()["code"] == "csr_subject_mismatch"
    assert send_csr(client, order, csr_pem(holder_key(), f"PADARIA PAO QUENTE LTDA:{cnpj}")).status_code == 200


@pytest.mark.parametrize(
    ("make_csr", "code", "message"),
    [
        pytest.param(
            lambda: csr_pem(holder_key(), "JOAO DE SOUZA:11144477735"),
            "csr_subject_mismatch",
            "O titular do pedido de certificado (CSR) não é o deste pedido: veio “JOAO DE SOUZA:11144477735”, "
            f"esperávamos “{HOLDER_CN}”.",
            id="another-holder",
        ),
        pytest.param(
            lambda: csr_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)),  # noqa: S505
            "csr_key_size",
            "A chave do pedido de certificado (CSR) tem 1024 bits; para certificados A3 ela deve ter exatamente "
            "2048 bits.",
            id="rsa-1024",
        ),
        pytest.param(
            lambda: csr_pem(ec.generate_private_key(ec.SECP256R1())),
            "csr_key_type",
            "A chave do pedido de certificado (CSR) não é RSA.",
            id="ec-key",
        ),
        pytest.param(
            lambda: with_broken_signature(csr_pem(holder_key())),
            "csr_signature_invalid",
            "A assinatura do pedido de certificado (CSR) não confere com a chave dele",
            id="bad-signature",
        ),
        pytest.param(
            lambda: "-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgcmVxdWVzdA==\n-----END CERTIFICATE REQUEST-----\n",
            "csr_invalid",
            "O que foi enviado não é um pedido de certificado (CSR PKCS#10) válido, em PEM ou DER.",
            id="garbage-pem",
        ),
        pytest.param(
            lambda: "isto não é um CSR", "csr_invalid", "não é um pedido de certificado (CSR PKCS#10)", id="garbage"
        ),
        pytest.param(
            lambda: sha1_csr_pem(holder_key()),
            "csr_weak_hash",
            "assinado com um resumo (hash) fraco",
            id="sha1",
        ),
        pytest.param(lambda: "", "csr_missing", "Envie o pedido de certificado (CSR)", id="empty"),
    ],
)
def test_a_csr_that_does_not_match_the_order_is_refused_and_the_order_is_unchanged(
    customer, order, make_csr, code, message
):
    client = customer(order)
    assert authorise(client, order).status_code == 200

    response = send_csr(client, order, make_csr())

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and message in body["message"]
    assert body["errors"] == [{"field": "csr", "code": code, "message": body["message"]}]
    assert _unchanged(order)
    if code != "csr_missing":
        assert AuditEvent.objects.filter(action="issuance.a3_csr_refused", after__code=code).count() == 1


def test_a_second_csr_after_issuance_is_refused(customer, order):
    client = customer(order)
    authorise(client, order)
    assert send_csr(client, order, csr_pem(holder_key())).status_code == 200
    first = Certificate.objects.get(order=order)

    again = send_csr(client, order, csr_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)))

    assert again.status_code == 400
    assert again.json()["code"] == "already_issued"
    assert (
        "já foi emitido em" in again.json()["message"]
        and "outro pedido de certificado (CSR) não é aceito" in (again.json()["message"])
    )
    assert list(Certificate.objects.filter(order=order)) == [first]
    order.refresh_from_db()
    assert order.status == Order.Status.ISSUED


def test_a_key_certified_for_another_order_is_refused(customer, local_ca, on_commit):
    first = released_a3_order(on_commit)
    second = released_a3_order(on_commit, person_name="Maria da Silva", email="outra@exemplo.com.br")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client = customer(first)
    authorise(client, first)
    assert send_csr(client, first, csr_pem(key)).status_code == 200

    client = customer(second)
    authorise(client, second)
    reused = send_csr(client, second, csr_pem(key))

    assert reused.status_code == 400 and reused.json()["code"] == "csr_key_reused"
    assert "Esta chave já foi usada em outro certificado" in reused.json()["message"]
    assert _unchanged(second)


def test_the_csr_needs_the_issuance_password_first(customer, order):
    client = customer(order)

    unauthorised = send_csr(client, order, csr_pem(holder_key()))
    wrong = authorise(client, order, password="Errada#2026")
    still_unauthorised = send_csr(client, order, csr_pem(holder_key()))

    assert unauthorised.status_code == 403 and unauthorised.json()["code"] == "issuance_password_required"
    assert "Confirme a senha de emissão" in unauthorised.json()["message"]
    assert wrong.status_code == 400 and wrong.json()["code"] == "wrong_issuance_password"
    assert "Senha de emissão incorreta" in wrong.json()["message"] and "Restam 4 tentativas" in wrong.json()["message"]
    assert wrong.json()["errors"][0]["field"] == "password"
    assert still_unauthorised.status_code == 403
    assert _unchanged(order)


def test_the_confirmed_password_lapses(customer, order, settings):
    settings.A3_AUTHORISATION_MINUTES = 0
    client = customer(order)
    authorise(client, order)

    response = send_csr(client, order, csr_pem(holder_key()))

    assert response.status_code == 403 and "vale 0 minutos" in response.json()["message"]
    assert _unchanged(order)


def test_wrong_passwords_lock_the_a3_issuance_as_they_lock_the_a1(customer, order, settings):
    settings.A1_PASSWORD_MAX_FAILURES = 2
    client = customer(order)

    authorise(client, order, password="Errada#1")
    locked = authorise(client, order, password="Errada#2")
    right_but_locked = authorise(client, order)

    assert locked.status_code == 429 and locked.json()["code"] == "issuance_locked"
    assert right_but_locked.status_code == 429 and "bloqueada por excesso de tentativas" in right_but_locked.text
    assert IssuanceRequest.objects.get(order=order).password_locked_until is not None


def test_the_endpoints_need_access_to_the_order_and_csrf(client, order):
    no_access = authorise(client, order)
    certificate = client.get(f"/pedido/{order.number}/instalar/certificado/")
    page = client.get(f"/pedido/{order.number}/instalar/")

    assert no_access.status_code == 403 and no_access.json()["code"] == "order_access_required"
    assert certificate.status_code == 403
    assert page.status_code == 302 and page["Location"] == "/pedido/"

    strict = Client(enforce_csrf_checks=True)
    session = strict.session
    session[SESSION_KEY] = [order.number]
    session.save()
    assert authorise(strict, order).status_code == 403
    assert IssuanceRequest.objects.get(order=order).password_failures == 0


def test_bad_request_bodies_get_structured_portuguese_errors(customer, order):
    client = customer(order)
    url = f"/pedido/{order.number}/instalar/"

    not_json = client.post(url + "autorizar/", "senha", content_type="text/plain")
    no_password = client.post(url + "autorizar/", {}, content_type="application/json")
    authorise(client, order)
    list_body = client.post(url + "csr/", ["x"], content_type="application/json")
    csr_not_text = client.post(url + "csr/", {"csr": 42}, content_type="application/json")
    wrong_method = client.get(url + "csr/")

    assert not_json.status_code == 400
    assert not_json.json()["message"] == "O corpo da requisição deve ser um objeto JSON."
    assert no_password.status_code == 400 and no_password.json()["message"] == "Digite a senha de emissão."
    assert list_body.status_code == 400 and list_body.json()["code"] == "invalid_json"
    assert csr_not_text.status_code == 400 and csr_not_text.json()["errors"][0]["field"] == "csr"
    assert wrong_method.status_code == 405
    assert _unchanged(order)


# -- when an A3 order cannot be issued on a token ------------------------------------------------------------


def test_an_a3_order_waits_for_its_media(customer, local_ca, on_commit):
    order = released_a3_order(on_commit, delivered=False)
    client = customer(order)

    refused = authorise(client, order)
    page = client.get(f"/pedido/{order.number}/")
    install = client.get(f"/pedido/{order.number}/instalar/")

    assert refused.status_code == 400 and refused.json()["code"] == "media_not_delivered"
    assert "ainda não foi entregue" in refused.json()["message"]
    assert "Aguarde a chegada da mídia" in page.text and "Instalar o certificado na mídia" not in page.text
    assert install.status_code == 200 and "ainda não foi entregue" in install.text
    assert "form-instalar" not in install.text
    assert IssuanceRequest.objects.get(order=order).password_failures == 0  # refused before the password is tried


def test_an_a3_order_not_released_yet_cannot_be_issued(customer, local_ca, on_commit, settings):
    settings.LOCAL_CA_RELEASE_DELAY_SECONDS = 3600
    order = released_a3_order(on_commit, delivered=False)
    assert order.status == Order.Status.VERIFIED
    client = customer(order)

    refused = authorise(client, order)
    csr = send_csr(client, order, csr_pem(holder_key()))

    assert refused.status_code == 400 and "ainda não foi liberado pela Autoridade Certificadora" in refused.text
    assert csr.status_code == 400 and csr.json()["code"] == "issuance_unavailable"
    assert not Certificate.objects.exists()


def test_an_order_still_being_validated_says_so(customer, local_ca):
    product = ProductFactory(code="e-cpf-a3-own", media="own", certificate_type="A3")
    order = OrderFactory(product=product, status=Order.Status.SCHEDULED)

    refused = authorise(customer(order), order)

    assert refused.status_code == 400
    assert "O pedido está em “Videoconferência agendada”" in refused.json()["message"]


def test_an_a1_order_is_not_installed_on_a_token(customer, local_ca, on_commit):
    order = released_a3_order(on_commit, delivered=False, product=ProductFactory())
    client = customer(order)

    refused = authorise(client, order)
    page = client.get(f"/pedido/{order.number}/").text

    assert refused.status_code == 400 and "Este certificado é A1 (arquivo)" in refused.json()["message"]
    assert "Instalar o certificado na mídia" not in page and "Emitir o certificado" in page
    a1_issue_as_customer(order)
    install = client.get(f"/pedido/{order.number}/instalar/")
    assert install.status_code == 200 and "Este certificado é A1 (arquivo)" in install.text
    assert "form-regravar" not in install.text


def test_own_media_needs_no_delivery(customer, local_ca, on_commit):
    product = ProductFactory(code="e-cpf-a3-own", name="e-CPF A3 sem mídia", media="own", certificate_type="A3")
    order = released_a3_order(on_commit, delivered=False, product=product)
    client = customer(order)

    page = client.get(f"/pedido/{order.number}/").text
    install = client.get(f"/pedido/{order.number}/instalar/").text

    assert "Instalar o certificado na mídia" in page and f"/pedido/{order.number}/instalar/" in page
    assert "/ajuda/midias/" in page and "/token/" in page
    assert 'id="form-instalar"' in install and "tokens/instalar.js" in install
    assert authorise(client, order).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_csrs_for_one_order_give_one_certificate(local_ca):
    order = released_a3_order()
    pems = iter([csr_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)) for _ in range(3)])
    barrier = threading.Barrier(3)
    outcomes: list = []

    def send():
        csr = next(pems)
        barrier.wait()
        try:
            outcomes.append(a3_issue_from_csr(order=order, csr_pem=csr, actor=Actor(label="cliente")))
        except AlreadyIssued as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(outcomes) == 3
    assert len([outcome for outcome in outcomes if isinstance(outcome, AlreadyIssued)]) == 2
    assert Certificate.objects.filter(order=order).count() == 1
    assert Order.objects.get(pk=order.pk).status == Order.Status.ISSUED
