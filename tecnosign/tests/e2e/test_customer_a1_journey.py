"""The customer's whole A1 journey in Chromium, through the pages only: a partner's link, the checkout (one mistake
first), PIX, the document, the holder's term, the booking; the registration agent (the face from Chromium's fake
camera, the biometric base, the Lista Negativa) and the verifier in the admin, each in their own browser; then
issuance — the key made in the browser, the .pfx saved with the password chosen on the page and opened with it —, the
revocation with the revocation password, the free replacement confirmed with the link and the code the customer reads
in the e-mail and SMS inboxes, and the replacement issued on the same page with a new key.
The server's clock is moved to the time of the videoconference; everything else runs as it would in production."""

import re
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone
from PIL import Image

from issuance.models import Certificate, IssuanceRequest
from orders.catalog import catalog_load
from orders.models import Order
from orders.tests.factories import LinkFactory, UserFactory
from revocation.tasks import reissue_handoffs_due
from scheduling.models import Booking
from scheduling.roles import VERIFIERS_GROUP
from scheduling.tests.factories import make_agent
from tecnosign.notifications import sms

from .browser import shoot_both
from .conftest import FAKE_CAMERA
from .steps import (
    CPF,
    ISSUANCE_PASSWORD,
    REVOCATION_PASSWORD,
    accept_term,
    admin_login,
    ask_the_bases,
    capture_face,
    fill_holder,
    fill_passwords,
)

pytestmark = pytest.mark.browser
CHROMIUM_ARGS = FAKE_CAMERA  # the agent captures the holder's face in the dossier
NEW_ISSUANCE_PASSWORD = "NovaEmissao#27"
FILE_PASSWORD = "Arquivo#Meu2026"  # chosen on the issuance page, for the .pfx only
WIDTH_WHEN_LOADED = (
    "img => img.complete ? img.naturalWidth : new Promise(done => img.onload = () => done(img.naturalWidth))"
)


@pytest.fixture
def scene(ca, settings):
    """A partner's link, the catalog, a registration agent (also a verifier) and a second verifier."""
    settings.DEBUG = True  # the sandbox "Simular pagamento" button, as in development
    catalog_load()
    link = LinkFactory(partner__name="Contabilidade Horizonte Ltda")
    agent = make_agent("ana.agente")
    agent.groups.add(Group.objects.get(name=VERIFIERS_GROUP))  # may verify, but never their own validation
    verifier = UserFactory(username="vitor.verificador", is_staff=True)
    verifier.groups.add(Group.objects.get(name=VERIFIERS_GROUP))
    return link, agent, verifier


def _status(page) -> str:
    return page.inner_text("#h-proximo")


def _issue_in_the_browser(page, issuance_password: str, folder):
    """From the order page: the issuance page, the two passwords, the key made in the browser; the saved .pfx opened
    with the file's password (and not with the issuance password). Returns key, certificate and chain."""
    page.get_by_role("link", name="Emitir o certificado").click()
    page.wait_for_selector("h1:has-text('Emitir o certificado A1')")
    page.fill("#a1-senha", issuance_password)
    page.fill("#a1-senha-arquivo", FILE_PASSWORD)
    page.fill("#a1-senha-arquivo-confirmacao", FILE_PASSWORD)
    page.check("#a1-entendo")
    with page.expect_download(timeout=120_000) as download_info:
        page.get_by_role("button", name="Gerar a chave e emitir o certificado").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pfx")
    pfx = folder / download.suggested_filename
    download.save_as(pfx)
    key, certificate, chain = pkcs12.load_key_and_certificates(pfx.read_bytes(), FILE_PASSWORD.encode())
    assert certificate.public_key().public_numbers() == key.public_key().public_numbers()
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(pfx.read_bytes(), issuance_password.encode())
    page.get_by_role("link", name="Voltar ao pedido").click()
    page.wait_for_selector("h1:has-text('Pedido ')")
    return key, certificate, chain


def test_the_customer_buys_validates_issues_and_revokes_an_a1_certificate(
    open_browser, scene, clock, tmp_path, pki_bundle
):
    link, agent, verifier = scene
    customer = open_browser()

    # The partner's link: the products it sells, with the price; the customer picks the e-CPF A1.
    customer.goto(f"/l/{link.code}/")
    assert "Contabilidade Horizonte Ltda" in customer.inner_text("main")
    customer.get_by_role("link", name=re.compile("^Para você")).click()
    customer.get_by_role("link", name=re.compile("^A1 — arquivo no computador")).click()
    customer.get_by_role("link", name="Comprar e-CPF A1 — 12 meses").click()
    customer.wait_for_selector("h1:has-text('e-CPF A1 — 12 meses')")

    # One mistake first: a CPF with wrong check digits. The error is announced next to the field; the rest stays.
    fill_holder(customer, cpf="529.982.247-24")
    customer.get_by_role("button", name="Fazer pedido").click()
    cpf_field = customer.locator("#id_person_cpf")
    assert cpf_field.get_attribute("aria-invalid") == "true"
    assert "id_person_cpf_error" in cpf_field.get_attribute("aria-describedby")
    assert "CPF" in customer.inner_text("#id_person_cpf_error")
    assert customer.input_value("#id_person_name") == "Maria da Silva"
    assert customer.locator("[aria-invalid=true]").count() == 1
    assert not Order.objects.exists()

    customer.fill("#id_person_cpf", CPF)
    fill_passwords(customer)  # password fields are never sent back to the browser
    customer.get_by_role("button", name="Fazer pedido").click()
    customer.wait_for_selector("h1:has-text('Pedido ')")
    order = Order.objects.get()
    assert customer.url.endswith(f"/pedido/{order.number}/")
    assert order.status == Order.Status.AWAITING_PAYMENT and order.link == link
    assert "Aguardando pagamento" in _status(customer)

    # PIX: the BR Code to copy and its QR image; the sandbox "bank" pays it through the signed webhook.
    customer.get_by_role("button", name="Pagar com PIX").click()
    customer.wait_for_selector("h3:has-text('PIX de R$')")
    assert customer.input_value("#pix-copia-cola").startswith("000201")
    customer.get_by_role("button", name="Simular pagamento (ambiente de testes)").click()
    customer.wait_for_selector("text=Pago em")
    assert "Pagamento confirmado" in _status(customer)

    # The identity document: a real PNG, checked by its content on the server.
    photo = tmp_path / "cnh-maria.png"
    Image.new("RGB", (640, 400), (200, 210, 230)).save(photo)
    customer.select_option("#id_identity_type", label="CNH (carteira de motorista)")
    customer.set_input_files("#id_files", photo)
    customer.get_by_role("button", name="Enviar documentos").click()
    customer.wait_for_selector("#documentos li:has-text('cnh-maria.png')")
    assert "Documentos recebidos" in _status(customer)

    # The holder's term, read and accepted on the order page before the videoconference.
    with customer.expect_popup() as term_tab:
        customer.get_by_role("link", name="Ler o termo (PDF)").click()
    term_tab.value.close()
    accept_term(customer)

    # The booking page: the first free slot of the first day with slots (09:00, an hour after "now").
    customer.get_by_role("link", name="Agendar a videoconferência").click()
    customer.wait_for_selector("h1:has-text('Agendar a videoconferência')")
    customer.locator("details[open] input[name=slot]").first.check()
    customer.get_by_role("button", name="Agendar", exact=True).click()
    customer.wait_for_selector("h2:has-text('Videoconferência')")
    booking = Booking.objects.get(order=order)
    assert booking.agent == agent and booking.status == Booking.Status.SCHEDULED
    assert "Videoconferência agendada" in _status(customer)
    assert "01/12/2026 às 09:00" in customer.inner_text("main")
    assert "Videoconferência em 01/12/2026 09:00 (Brasília)" in customer.inner_text("ol.timeline")

    # The time of the videoconference. The agent: agenda → start → dossier → checklist → validated.
    clock.move_to(booking.starts_at + timedelta(minutes=1))
    staff = open_browser()
    admin_login(staff, agent.username)
    staff.get_by_role("link", name="Minha agenda de hoje").click()
    staff.wait_for_selector("h1:has-text('Minha agenda — 01/12/2026')")
    row = staff.locator("#result_list tbody tr", has_text=order.number)
    assert "Maria da Silva" in row.inner_text() and "09:00–09:30" in row.inner_text()
    shoot_both(staff, "admin-agenda")
    row.get_by_role("button", name="Iniciar").click()
    staff.wait_for_selector(f"h1:has-text('Dossiê do pedido {order.number}')")
    preview = staff.locator("img[alt*='cnh-maria.png']")  # the document, through the authorised view
    assert preview.evaluate(WIDTH_WHEN_LOADED) == 640
    # The evidence of the call: the face from the camera, the biometric base ("positivo": the document is no longer
    # needed, its item leaves the checklist) and the Lista Negativa.
    capture_face(staff)
    ask_the_bases(staff)
    assert "Positivo" in staff.inner_text("#resultado-biometria")
    assert staff.locator("#id_check_document").count() == 0
    staff.check("#id_check_holder_in_person")
    staff.check("#id_check_environment")
    staff.check("input[name=outcome][value=validated]")
    shoot_both(staff, "admin-dossier")
    staff.get_by_role("button", name="Registrar resultado").click()
    staff.wait_for_selector(f"text=Validação do pedido {order.number} registrada.")
    order.refresh_from_db()
    assert order.status == Order.Status.VALIDATED

    # Four eyes: the agent is a verifier too, but their own validation is not in their verification centre.
    staff.goto("/admin/")
    staff.get_by_role("link", name="Central de verificação").first.click()
    staff.wait_for_selector("h1")
    assert order.number not in staff.inner_text("#content")

    # The verifier, in another browser: the centre → review → approve. The order goes to the CA, which releases it.
    verifying = open_browser()
    admin_login(verifying, verifier.username)
    verifying.get_by_role("link", name="Central de verificação").first.click()
    review = verifying.locator("#result_list tbody tr", has_text=order.number)
    assert "ana.agente" in review.inner_text().lower() or "Ana.Agente" in review.inner_text()
    shoot_both(verifying, "admin-verification-centre")
    review.get_by_role("link", name="Revisar").click()
    verifying.wait_for_selector(f"h1:has-text('Verificação do pedido {order.number}')")
    verifying.check("input[name=outcome][value=verified]")
    shoot_both(verifying, "admin-verification-review")
    # A call of a minute or so: the centre flags it, and the approval says why it is sound.
    verifying.fill("#id_warnings_note", "Conferência completa; documento e rosto claros no vídeo.")
    verifying.get_by_role("button", name="Registrar decisão").click()
    verifying.wait_for_selector(f"text=Dossiê do pedido {order.number}: decisão registrada.")
    order.refresh_from_db()
    assert order.status == Order.Status.RELEASED

    # Issuance: the key is made in the browser, the issuance password and the request go to the portal, and the
    # .pfx is saved with the password chosen on the page.
    customer.reload()
    assert "Liberado para emissão" in _status(customer)
    _, certificate, chain = _issue_in_the_browser(customer, ISSUANCE_PASSWORD, tmp_path)
    assert "MARIA DA SILVA:52998224725" in certificate.subject.rfc4514_string()
    record = Certificate.objects.get(order=order)
    assert format(certificate.serial_number, "X") == record.serial
    assert chain, "the PKCS#12 carries the CA chain"

    # Revocation from the order page: a lost password (14 days of guarantee), with the revocation password.
    customer.goto(f"/pedido/{order.number}/")
    assert "Certificado emitido" in _status(customer)
    assert "Garantia de 14 dias (senha perdida, arquivo corrompido, PIS/CEI esquecido) até 15/12/2026 (Brasília)" in (
        customer.inner_text("ol.timeline")
    )
    customer.get_by_role("link", name="Revogar certificado").click()
    customer.wait_for_selector("h1:has-text('Revogação do certificado')")
    customer.get_by_label("Perdi ou esqueci a senha do certificado").first.check()
    customer.fill("#id_password", REVOCATION_PASSWORD)
    customer.check("#id_confirm")
    customer.get_by_role("button", name="Revogar o certificado agora").click()

    # Within the guarantee: the free replacement order opens, waiting for the holder to prove the contact on file.
    replacement = Order.objects.get(replaces=order)
    customer.wait_for_selector(f"text=Certificado revogado. Abrimos o pedido {replacement.number}")
    assert customer.url.endswith(f"/pedido/{replacement.number}/")
    assert "Pagamento confirmado" in _status(customer)
    assert "abra o link que enviamos ao e-mail cadastrado" in customer.inner_text("#revogacao")

    # The inbox, as the customer reads it: the link in the e-mail, the code in the SMS.
    [invite] = [
        m for m in mail.outbox if m.subject == f"Confirme a reemissão do seu certificado — pedido {replacement.number}"
    ]
    customer.goto(re.search(r"https?://[^/\s]+(/revogar/reemissao/[^/\s]+/)\s", invite.body).group(1))
    [text] = [sent["text"] for sent in sms.outbox if sent["to"] == order.mobile]
    customer.fill("#id_code", re.search(r"é (\d{6})\.", text).group(1))
    customer.fill("#id_issuance_password", NEW_ISSUANCE_PASSWORD)
    customer.fill("#id_issuance_password_confirm", NEW_ISSUANCE_PASSWORD)
    customer.fill("#id_revocation_password", "NovaRevoga#27x")
    customer.fill("#id_revocation_password_confirm", "NovaRevoga#27x")
    customer.get_by_role("button", name="Confirmar a reemissão").click()
    customer.wait_for_selector("text=Reemissão confirmada")
    assert "Aprovado pela central de verificação" in _status(customer)
    held = customer.inner_text("#revogacao")
    assert "Ela será enviada à Autoridade Certificadora em" in held
    assert any("Reemissão confirmada" in m.subject for m in mail.outbox if m.to == [order.email])
    assert any("Não foi você? Cancele" in sent["text"] for sent in sms.outbox)

    # Nobody said "Não fui eu": after the notice, the beat hands the reissue to the CA, which releases it.
    clock.move_to(timezone.now() + timedelta(minutes=121))
    reissue_handoffs_due()
    reissue_handoffs_due()  # a doubled beat hands off nothing more
    customer.reload()
    assert "Liberado para emissão" in _status(customer)
    assert IssuanceRequest.objects.filter(order=replacement).count() == 1

    # The replacement is issued on the same page, with the new issuance password and a new key.
    _, new_certificate, _ = _issue_in_the_browser(customer, NEW_ISSUANCE_PASSWORD, tmp_path)
    assert new_certificate.public_key() != certificate.public_key()
    assert format(new_certificate.serial_number, "X") == Certificate.objects.get(order=replacement).serial
    replacement.refresh_from_db()
    assert replacement.status == Order.Status.ISSUED

    # The revoked order says so, with when and why.
    customer.goto(f"/pedido/{order.number}/")
    assert "Certificado revogado" in _status(customer)
    revocation = customer.inner_text("#revogacao")
    assert "Revogado em\n01/12/2026 09:01 (Brasília)" in revocation
    assert "Perdi ou esqueci a senha do certificado" in revocation
    record.refresh_from_db()
    order.refresh_from_db()
    assert order.status == Order.Status.REVOKED
    assert record.status == Certificate.Status.REVOKED
    assert record.revocation_reason == Certificate.Reason.SUPERSEDED
