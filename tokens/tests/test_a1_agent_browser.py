"""A browser without Web Crypto RSA (Debian's Chromium through Playwright, its RSA key generation refused) issues an
A1 through the local agent: the issuance page says it cannot make the key and offers the agent; the agent's page
pairs with a real `python -m tokens.agent --no-token`, which makes the key and writes the .pfx on this computer. The
portal receives the issuance password and the request, never a key and never the file's password."""

import shutil

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from django.db import connections

from issuance.models import Certificate
from issuance.tests.helpers import openssl
from orders.models import Order

from .harness import start_agent
from .test_a1_agent_page import FILE_PASSWORD, released_a1_order

pytestmark = pytest.mark.browser
ISSUANCE_PASSWORD = "Emissao#2026"  # the order factory's
REFUSE_RSA = """
(() => {
  const generate = crypto.subtle.generateKey.bind(crypto.subtle);
  crypto.subtle.generateKey = (algorithm, ...rest) => /^RSA/i.test((algorithm && algorithm.name) || "")
    ? Promise.reject(new DOMException("RSA não suportado", "NotSupportedError"))
    : generate(algorithm, ...rest);
})();
"""


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread (see test_a3_install_browser).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page()
        page.set_default_timeout(60_000)
        page.add_init_script(REFUSE_RSA)
        yield page
        browser.close()
        connections.close_all()


@pytest.fixture
def a1_agent(live_server, tmp_path):
    running = start_agent(
        None, tmp_path / "agent.json", "--a1-dir", str(tmp_path / "certificados"), origin=live_server.url
    )
    yield running
    running.stop()


def test_without_web_crypto_rsa_the_agent_makes_the_key_and_writes_the_pfx_on_this_computer(
    page, live_server, a1_agent, local_ca, tmp_path
):
    order = released_a1_order()
    requests = []
    page.on("request", lambda request: requests.append((request.url, request.post_data_buffer or b"")))
    page.goto(f"{live_server.url}/pedido/")
    page.fill("#id_number", order.number)
    page.fill("#id_document", order.person_cpf)
    page.click("form button[type=submit]")
    page.wait_for_selector("h1:has-text('Pedido')")
    page.click("a:has-text('Emitir o certificado')")
    page.fill("#a1-senha", ISSUANCE_PASSWORD)
    page.fill("#a1-senha-arquivo", FILE_PASSWORD)
    page.fill("#a1-senha-arquivo-confirmacao", FILE_PASSWORD)
    page.check("#a1-entendo")
    page.click("#form-a1 button[type=submit]")
    page.wait_for_selector("#a1-sem-webcrypto:not([hidden])")

    page.click("a:has-text('Emitir com o agente TecnoSign')")
    page.wait_for_selector("h1:has-text('Emitir o certificado A1 com o agente TecnoSign')")
    page.fill("#agente-url", a1_agent.url)
    page.fill("#agente-codigo", a1_agent.pairing_code)
    page.click("#form-conectar button[type=submit]")
    page.wait_for_selector("#agente-mensagem .alert-success")
    assert "sem módulo de token (só A1)" in page.inner_text("#agente-mensagem")
    page.fill("#a1a-senha", ISSUANCE_PASSWORD)
    page.fill("#a1a-senha-arquivo", FILE_PASSWORD)
    page.fill("#a1a-senha-arquivo-confirmacao", FILE_PASSWORD)
    page.check("#a1a-entendo")
    page.click("#form-a1-agente button[type=submit]")
    page.wait_for_selector("#agente-mensagem .alert-success")

    path = tmp_path / "certificados" / f"certificado-a1-maria-da-silva-{order.number}.pfx"
    assert page.inner_text("#gravado-caminho") == str(path)
    record = Certificate.objects.get(order=order)
    assert page.inner_text("#gravado-serie") == record.serial
    key, certificate, chain = pkcs12.load_key_and_certificates(path.read_bytes(), FILE_PASSWORD.encode())
    assert certificate == x509.load_pem_x509_certificate(record.certificate_pem.encode())
    assert key.public_key() == certificate.public_key() and len(chain) == 2
    info = openssl("pkcs12", "-info", "-noout", "-in", str(path), "-passin", f"pass:{FILE_PASSWORD}")
    assert info.returncode == 0 and "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC" in info.stderr
    order.refresh_from_db()
    assert order.status == Order.Status.ISSUED
    # The portal got the issuance password and the request; the file's password went only to the agent, and no
    # request carried the private key.
    d = format(key.private_numbers().d, "x").encode()
    to_portal = [body for url, body in requests if url.startswith(live_server.url)]
    to_agent = [body for url, body in requests if url.startswith(a1_agent.url)]
    assert all(FILE_PASSWORD.encode() not in body for body in to_portal)
    assert any(FILE_PASSWORD.encode() in body for body in to_agent)
    assert all(b"PRIVATE KEY" not in body and d not in body for body in to_portal + to_agent)
