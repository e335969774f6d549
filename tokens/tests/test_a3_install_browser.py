"""The customer installs their A3 certificate from their own browser (Debian's Chromium through Playwright): the
order page, the local agent on a real SoftHSM2 token, the portal on a live server."""

import shutil

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.db import connections
from django.test import Client

from issuance.models import Certificate
from orders.models import Order
from orders.services.access import SESSION_KEY

from .a3 import ISSUANCE_PASSWORD, authorise, released_a3_order, send_csr
from .harness import USER_PIN, probe_token, start_agent

pytestmark = [pytest.mark.softhsm, pytest.mark.browser]


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own database reads are still plain
    # synchronous code, which Django would otherwise refuse here. Django then keeps a separate connection for
    # this "async" context: it is closed before the loop goes, or it would outlive the test database.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page()
        page.set_default_timeout(30_000)
        yield page
        browser.close()
        connections.close_all()


@pytest.fixture
def portal_agent(live_server, softhsm, tmp_path):
    running = start_agent(softhsm, tmp_path / "agent.json", origin=live_server.url)
    yield running
    running.stop()


def _open_order(page, live_server, order):
    page.goto(f"{live_server.url}/pedido/")
    page.fill("#id_number", order.number)
    page.fill("#id_document", order.person_cpf)
    page.click("form button[type=submit]")
    page.wait_for_selector("h1:has-text('Pedido')")


def _connect(page, agent):
    page.fill("#agente-url", agent.url)
    page.fill("#agente-codigo", agent.pairing_code)
    page.click("#form-conectar button[type=submit]")
    page.wait_for_selector("#agente-mensagem .alert-success")


def _message(page) -> str:
    return page.inner_text("#agente-mensagem")


def test_the_customer_issues_the_a3_certificate_on_the_token_from_the_order_page(
    page, live_server, portal_agent, softhsm, local_ca
):
    order = released_a3_order()
    _open_order(page, live_server, order)
    assert page.is_visible("h2:has-text('Instalar o certificado na mídia')")
    page.click("a:has-text('Instalar o certificado na mídia')")
    page.wait_for_selector("h1:has-text('Instalar o certificado na mídia')")
    _connect(page, portal_agent)
    assert f"série {softhsm.serial}" in page.inner_text("#lista-midias")
    assert page.is_visible("#form-instalar")

    # A wrong issuance password: refused by the portal before anything is done on the token.
    page.fill("#instalar-senha", "Errada#2026")
    page.fill("#instalar-pin", USER_PIN)
    page.click("#form-instalar button[type=submit]")
    page.wait_for_selector("#agente-mensagem .alert-error")
    assert "Senha de emissão incorreta" in _message(page) and "Nada foi feito na mídia." in _message(page)
    assert portal_agent.client().list_objects(softhsm.serial, pin=USER_PIN)["objects"] == []

    # A wrong PIN: the agent refuses; nothing issued, the way to unblock is offered.
    page.fill("#instalar-senha", ISSUANCE_PASSWORD)
    page.fill("#instalar-pin", "0000")
    page.click("#form-instalar button[type=submit]")
    page.wait_for_selector("#agente-mensagem .alert-error:has-text('PIN incorreto')")
    assert "Nada foi emitido: o pedido continua liberado" in _message(page)
    assert page.get_attribute("#agente-mensagem a", "href") == "/token/"
    assert page.get_attribute("#progresso li[data-step=chave]", "class") == "failed"
    order.refresh_from_db()
    assert order.status == Order.Status.RELEASED

    # The right PIN: key and CSR on the token, certificate from the portal, written back to the token.
    page.fill("#instalar-pin", USER_PIN)
    page.click("#form-instalar button[type=submit]")
    page.wait_for_selector("#agente-mensagem .alert-success")

    assert _message(page).startswith("Certificado emitido e gravado na mídia.")
    record = Certificate.objects.get(order=order)
    assert page.inner_text("#instalado-serie") == record.serial
    assert page.is_hidden("#form-instalar")
    assert [page.get_attribute(f"#progresso li[data-step={step}]", "class") for step in ("senha", "gravacao")] == [
        "done",
        "done",
    ]
    order.refresh_from_db()
    assert order.status == Order.Status.ISSUED
    certificate = x509.load_pem_x509_certificate(record.certificate_pem.encode())
    objects = portal_agent.client().list_objects(softhsm.serial, pin=USER_PIN)["objects"]
    (on_token,) = [o for o in objects if o["type"] == "certificate" and not o["authority"]]
    assert on_token["label"] == "MARIA DA SILVA:52998224725"
    # The chain went with it, as CA certificates: the issuing AC and the root, each under its own key id.
    authorities = {o["subject"] for o in objects if o["type"] == "certificate" and o["authority"]}
    assert authorities == {local_ca.issuing.subject, local_ca.root.subject}
    probe = probe_token(softhsm, USER_PIN, on_token["id"], b"assinado no navegador")
    assert x509.load_der_x509_certificate(bytes.fromhex(probe["certificates"][0])) == certificate
    certificate.public_key().verify(
        bytes.fromhex(probe["signature"]), b"assinado no navegador", padding.PKCS1v15(), hashes.SHA256()
    )
    certificate.verify_directly_issued_by(x509.load_pem_x509_certificate(local_ca.issuing.certificate_pem.encode()))

    # The order page now shows the certificate.
    page.click("#agente-mensagem a:has-text('Ver o pedido')")
    page.wait_for_selector("h2:has-text('Situação: Certificado emitido')")
    assert record.serial in page.inner_text("main") and "Válido até" in page.inner_text("main")


def test_a_certificate_issued_but_not_written_is_written_again_from_the_page(
    page, live_server, portal_agent, softhsm, local_ca
):
    # The page closed after the portal issued and before the token stored it: the key is on the token alone.
    order = released_a3_order()
    token = portal_agent.client()
    key = token.generate_key(softhsm.serial, pin=USER_PIN, label=f"TecnoSign {order.number}")
    portal = Client()
    session = portal.session
    session[SESSION_KEY] = [order.number]
    session.save()
    subject = authorise(portal, order).json()["subject"]
    csr = token.create_csr(softhsm.serial, pin=USER_PIN, key_id=key["key_id"], subject=subject)
    assert send_csr(portal, order, csr).status_code == 200

    _open_order(page, live_server, order)
    page.click("a:has-text('Gravar o certificado na mídia')")
    page.wait_for_selector("h1:has-text('Instalar o certificado na mídia')")
    assert "já foi emitido" in page.inner_text("main")
    _connect(page, portal_agent)
    assert page.is_hidden("#form-instalar") and page.is_visible("#form-regravar")
    page.fill("#regravar-pin", USER_PIN)
    page.click("#form-regravar button[type=submit]")
    page.wait_for_selector("#agente-mensagem .alert-success")

    assert _message(page).startswith("Certificado gravado na mídia.")
    record = Certificate.objects.get(order=order)
    objects = token.list_objects(softhsm.serial, pin=USER_PIN)["objects"]
    assert ("certificate", key["key_id"]) in {(o["type"], o["id"]) for o in objects}
    probe = probe_token(softhsm, USER_PIN, key["key_id"], b"x")
    (stored,) = probe["certificates"]
    assert x509.load_der_x509_certificate(bytes.fromhex(stored)).serial_number == record.serial_number
    issuing = x509.load_pem_x509_certificate(local_ca.issuing.certificate_pem.encode())
    root = x509.load_pem_x509_certificate(local_ca.root.certificate_pem.encode())
    assert {x509.load_der_x509_certificate(bytes.fromhex(der)) for der in probe["authorities"]} == {issuing, root}
