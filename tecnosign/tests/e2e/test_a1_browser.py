"""The A1 key is born in the customer's browser (Debian's Chromium through Playwright, against the live server): the
issuance page makes the key pair with Web Crypto and the request and the PKCS#12 with PKI.js, and the portal only
ever receives the issuance password and the request. Every request the page makes is recorded and searched for the
private key; the downloaded .pfx is opened with `cryptography` and with `openssl pkcs12`. The customer's wait, from
the click to the file, is printed (README, "Benchmarks")."""

import base64
import re
import time
from contextlib import nullcontext

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from issuance.models import Certificate
from issuance.tests.helpers import openssl
from orders.catalog import catalog_load
from orders.models import Order, Product
from orders.tests.factories import OrderFactory
from revocation.tests.helpers import hand_off
from tecnosign.audit.models import AuditEvent

from .steps import ISSUANCE_PASSWORD, REVOCATION_PASSWORD

pytestmark = pytest.mark.browser
FILE_PASSWORD = "Arquivo#Meu2026"


@pytest.fixture
def released(ca, pki_bundle) -> Order:
    catalog_load()
    order = OrderFactory(product=Product.objects.get(code="e-cpf-a1-12m"), status=Order.Status.VERIFIED)
    return hand_off(order, lambda: nullcontext())


def _recorded(page) -> list[dict]:
    """Every request the page makes from now on: method, URL and body (bytes)."""
    requests: list[dict] = []
    page.on(
        "request",
        lambda request: requests.append(
            {"method": request.method, "url": request.url, "body": request.post_data_buffer or b""}
        ),
    )
    return requests


def _open_issuance_page(page, order: Order) -> None:
    page.goto("/pedido/")
    page.fill("#id_number", order.number)
    page.fill("#id_document", order.holder_document)
    page.get_by_role("button", name="Ver pedido").click()
    page.wait_for_selector("h1:has-text('Pedido ')")
    page.get_by_role("link", name="Emitir o certificado").click()
    page.wait_for_selector("h1:has-text('Emitir o certificado A1')")


def _fill(page, *, password: str = ISSUANCE_PASSWORD) -> None:
    page.fill("#a1-senha", password)
    page.fill("#a1-senha-arquivo", FILE_PASSWORD)
    page.fill("#a1-senha-arquivo-confirmacao", FILE_PASSWORD)
    page.check("#a1-entendo")


def _forms_of_the_private_key(key) -> list[bytes]:
    """The private key as anything could carry it: PEM marker, PKCS#8 and PKCS#1 DER in base64 (slices at every
    alignment, plain and URL-safe), and the private exponent and primes in hex and decimal."""
    numbers = key.private_numbers()
    forms = [b"PRIVATE KEY"]
    for der in (
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        ),
    ):
        middle = der[len(der) // 2 : len(der) // 2 + 60]
        for shift in range(3):
            encoded = base64.b64encode(middle[shift : shift + 48])
            forms += [encoded, encoded.translate(bytes.maketrans(b"+/", b"-_")), der[-64:]]
    for secret in (numbers.d, numbers.p, numbers.q):
        forms += [format(secret, "x").encode(), format(secret, "X").encode(), str(secret).encode()[:60]]
    return forms


def test_the_customer_issues_an_a1_whose_key_never_leaves_the_browser(
    open_browser, released, ca, tmp_path, capsys, record_property, settings
):
    order = released
    page = open_browser()
    _open_issuance_page(page, order)
    requests = _recorded(page)
    _fill(page)

    started = time.perf_counter()
    with page.expect_download(timeout=120_000) as download_info:
        page.get_by_role("button", name="Gerar a chave e emitir o certificado").click()
    download = download_info.value
    pfx = tmp_path / download.suggested_filename
    download.save_as(pfx)
    wait = time.perf_counter() - started
    record_property("a1_browser_wait_seconds", round(wait, 2))
    with capsys.disabled():
        print(f"\na1_browser_wait seconds={wait:.2f} kdf_rounds={settings.A1_PKCS12_KDF_ROUNDS} (click → .pfx saved)")

    # The file: opened with the password chosen on the page (only), the key matches the certificate, chain to root.
    assert download.suggested_filename == f"certificado-a1-maria-da-silva-{order.number}.pfx"
    data = pfx.read_bytes()
    key, certificate, chain = pkcs12.load_key_and_certificates(data, FILE_PASSWORD.encode())
    assert key.key_size == 2048 and certificate.public_key() == key.public_key()
    for wrong in (ISSUANCE_PASSWORD, "Arquivo#Meu2027"):
        with pytest.raises(ValueError):
            pkcs12.load_key_and_certificates(data, wrong.encode())
    record = Certificate.objects.get(order=order)
    assert certificate == x509.load_pem_x509_certificate(record.certificate_pem.encode())
    issuing, root = (
        x509.load_pem_x509_certificate(authority.certificate_pem.encode()) for authority in (ca.issuing, ca.root)
    )
    assert chain == [issuing, root]
    certificate.verify_directly_issued_by(issuing)
    issuing.verify_directly_issued_by(root)
    root.verify_directly_issued_by(root)

    # And with OpenSSL 3: PBES2 with AES-256 and PBKDF2-HMAC-SHA256 for key and certificates, an HMAC-SHA256 MAC at
    # as many iterations; the key it reads is the certificate's.
    rounds = settings.A1_PKCS12_KDF_ROUNDS
    info = openssl("pkcs12", "-info", "-noout", "-in", str(pfx), "-passin", f"pass:{FILE_PASSWORD}")
    assert info.returncode == 0, info.stderr
    assert f"MAC: sha256, Iteration {rounds}\n" in info.stderr
    assert f"Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration {rounds}, PRF hmacWithSHA256" in info.stderr
    assert f"PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration {rounds}, PRF hmacWithSHA256" in info.stderr
    wrong = openssl("pkcs12", "-info", "-noout", "-in", str(pfx), "-passin", f"pass:{ISSUANCE_PASSWORD}")
    assert wrong.returncode != 0 and "Mac verify error" in wrong.stderr
    dump = openssl("pkcs12", "-in", str(pfx), "-passin", f"pass:{FILE_PASSWORD}", "-noenc")
    assert dump.returncode == 0, dump.stderr
    assert dump.stdout.count("-----BEGIN CERTIFICATE-----") == 3
    assert "friendlyName: MARIA DA SILVA:52998224725" in dump.stdout and "localKeyID:" in dump.stdout
    openssl_key = serialization.load_pem_private_key(
        re.search(r"-----BEGIN PRIVATE KEY-----.*?-----END PRIVATE KEY-----\n", dump.stdout, re.S).group(0).encode(),
        password=None,
    )
    assert openssl_key.public_key() == certificate.public_key()

    # What the page sent: the issuance password, then the request; never the key, never the file's password.
    posts = [
        (request["method"], request["url"].split("/pedido/")[-1]) for request in requests if request["method"] != "GET"
    ]
    assert posts == [("POST", f"{order.number}/emitir/autorizar/"), ("POST", f"{order.number}/emitir/csr/")]
    forms = _forms_of_the_private_key(key)
    for request in requests:
        carried = request["body"] + request["url"].encode()
        assert not [form for form in forms if form in carried], f"the private key went out in {request['url']}"
        assert FILE_PASSWORD.encode() not in carried
    csr_body = next(request["body"] for request in requests if request["url"].endswith("/emitir/csr/"))
    sent = x509.load_pem_x509_csr(re.search(rb'"csr": ?"([^"]+)"', csr_body).group(1).replace(b"\\n", b"\n"))
    assert sent.public_key() == key.public_key() and sent.is_signature_valid

    # The page says it is done and can save the same file again; the order is issued.
    assert page.is_visible("#a1-pronto") and page.inner_text("#a1-serie") == record.serial
    assert page.is_hidden("#form-a1")
    order.refresh_from_db()
    assert order.status == Order.Status.ISSUED
    with page.expect_download() as again:
        page.get_by_role("button", name="Salvar o arquivo de novo").click()
    assert again.value.suggested_filename == download.suggested_filename


def test_a_wrong_issuance_password_or_file_password_is_said_next_to_its_field_and_nothing_is_issued(
    open_browser, released
):
    page = open_browser()
    _open_issuance_page(page, released)

    page.fill("#a1-senha-arquivo", "curta")
    page.get_by_role("button", name="Gerar a chave e emitir o certificado").click()
    assert page.get_attribute("#a1-senha-arquivo", "aria-invalid") == "true"
    assert "pelo menos 8 caracteres" in page.inner_text("#a1-senha-arquivo_error")
    assert page.get_attribute("#a1-senha", "aria-invalid") == "true"
    assert page.get_attribute("#a1-entendo", "aria-invalid") == "true"

    _fill(page, password="Errada#2026")
    page.get_by_role("button", name="Gerar a chave e emitir o certificado").click()
    page.wait_for_selector("#a1-senha_error")

    assert "Senha de emissão incorreta" in page.inner_text("#a1-senha_error")
    assert "a1-senha_error" in page.get_attribute("#a1-senha", "aria-describedby")
    assert page.get_attribute("#a1-senha-arquivo", "aria-invalid") is None
    assert page.get_attribute("#a1-progresso li[data-step=chave]", "class") == "done"
    assert page.get_attribute("#a1-progresso li[data-step=senha]", "class") == "failed"
    released.refresh_from_db()
    assert released.status == Order.Status.RELEASED and not Certificate.objects.exists()


def test_a_page_closed_between_the_request_and_the_file_explains_and_offers_the_free_reissue(open_browser, released):
    order = released
    page = open_browser()
    _open_issuance_page(page, order)
    # The tab is closed while the file is being made: its making never ends here, and the page goes.
    page.evaluate("() => { TecnoSignA1Pki.pkcs12 = () => new Promise(() => {}); }")
    _fill(page)
    with page.expect_response(lambda response: response.url.endswith("/emitir/csr/")) as issued:
        page.get_by_role("button", name="Gerar a chave e emitir o certificado").click()
    assert issued.value.status == 200
    page.wait_for_selector("#a1-progresso li[data-step=arquivo].current")
    page.close(run_before_unload=False)

    again = open_browser()
    _open_issuance_page_of_issued(again, order)
    text = again.inner_text("main")
    record = Certificate.objects.get(order=order)
    assert "O certificado já foi emitido" in text and record.serial in text
    assert "só existe no arquivo .pfx salvo naquele momento" in text and "não pode ser gerado de novo" in text
    assert "Garantia de 14 dias, até 15/12/2026 (Brasília)" in text
    again.get_by_role("link", name="Revogar e pedir a reemissão sem custo").click()
    again.wait_for_selector("h1:has-text('Revogação do certificado')")
    assert again.is_checked("#senha-motivo-file_corrupted")

    again.fill("#id_password", REVOCATION_PASSWORD)
    again.check("#id_confirm")
    again.get_by_role("button", name="Revogar o certificado agora").click()
    replacement = Order.objects.get(replaces=order)
    again.wait_for_selector(f"text=Certificado revogado. Abrimos o pedido {replacement.number}")
    record.refresh_from_db()
    assert record.status == Certificate.Status.REVOKED and replacement.price == 0


def _open_issuance_page_of_issued(page, order: Order) -> None:
    page.goto("/pedido/")
    page.fill("#id_number", order.number)
    page.fill("#id_document", order.holder_document)
    page.get_by_role("button", name="Ver pedido").click()
    page.wait_for_selector("h1:has-text('Pedido ')")
    page.get_by_role("link", name="veja como pedir a reemissão").click()
    page.wait_for_selector("h1:has-text('Emitir o certificado A1')")


REFUSE_RSA = """
(() => {
  const generate = crypto.subtle.generateKey.bind(crypto.subtle);
  crypto.subtle.generateKey = (algorithm, ...rest) => /^RSA/i.test((algorithm && algorithm.name) || "")
    ? Promise.reject(new DOMException("RSA não suportado", "NotSupportedError"))
    : generate(algorithm, ...rest);
})();
"""


def test_a_browser_without_web_crypto_rsa_is_told_so_and_offered_the_agent_never_a_key_made_by_the_portal(
    open_browser, released
):
    order = released
    page = open_browser()
    page.add_init_script(REFUSE_RSA)
    _open_issuance_page(page, order)
    requests = _recorded(page)
    _fill(page)

    page.get_by_role("button", name="Gerar a chave e emitir o certificado").click()
    page.wait_for_selector("#a1-mensagem .alert-error")

    assert "Este navegador não conseguiu gerar a chave RSA do certificado" in page.inner_text("#a1-mensagem")
    assert "Nada foi emitido" in page.inner_text("#a1-mensagem")
    assert page.is_visible("#a1-sem-webcrypto")
    assert "nunca pela TecnoSign" in page.inner_text("#a1-sem-webcrypto")
    # Nothing went to the portal: not even the issuance password. No key was made anywhere for this order.
    assert [request for request in requests if request["method"] == "POST"] == []
    order.refresh_from_db()
    assert order.status == Order.Status.RELEASED and not Certificate.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="issuance.password").exists()
    assert not AuditEvent.objects.filter(action="certificate.issued").exists()

    page.get_by_role("link", name="Emitir com o agente TecnoSign").click()
    page.wait_for_selector("h1:has-text('Emitir o certificado A1 com o agente TecnoSign')")
    assert "python -m tokens.agent --no-token --portal-origin" in page.inner_text("main")

    # Without Web Crypto at all (a page served over plain HTTP, an old browser): told at once, no form to fill.
    bare = open_browser()
    bare.add_init_script("Object.defineProperty(window, 'isSecureContext', {value: false});")
    _open_issuance_page(bare, order)
    assert bare.is_visible("#a1-sem-webcrypto") and bare.is_hidden("#form-a1")
