"""An A3 certificate renewed online from the customer's browser (Debian's Chromium through Playwright): the renewal
request signed on a real SoftHSM2 token through the local agent, checked by the portal on a live server, the order
sent to the verification centre without a booking, approved, and the new certificate issued on the same token."""

import shutil

import pytest
from django.contrib.auth.models import Permission
from django.db import connections
from django.test import Client

from issuance.models import Certificate, IssuanceRequest
from issuance.services.handoff import issuance_mark_media_delivered
from orders.models import HolderBiometrics, Order
from orders.services.access import SESSION_KEY
from orders.tests.factories import A3TokenProductFactory, OrderFactory, UserFactory
from renewal.models import OnlineRenewal
from renewal.services.online import online_renewal_decide
from tecnosign.audit.services import SYSTEM, Actor
from tokens.tests.a3 import authorise, released_a3_order, send_csr
from tokens.tests.harness import USER_PIN, SoftHSM, start_agent

pytestmark = [pytest.mark.softhsm, pytest.mark.browser]


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page()
        page.set_default_timeout(30_000)
        yield page
        browser.close()
        connections.close_all()


@pytest.fixture
def softhsm(tmp_path):
    hsm = SoftHSM(tmp_path / "softhsm")
    hsm.serial = hsm.init_token("TITULAR")
    return hsm


@pytest.fixture
def portal_agent(live_server, softhsm, tmp_path):
    running = start_agent(softhsm, tmp_path / "agent.json", origin=live_server.url)
    yield running
    running.stop()


def install_on_token(token, serial: str, order: Order) -> Certificate:
    """The current A3 certificate, issued on the token the way the install page does it (key, CSR, certificate)."""
    key = token.generate_key(serial, pin=USER_PIN, label=f"TecnoSign {order.number}")
    portal = Client()
    session = portal.session
    session[SESSION_KEY] = [order.number]
    session.save()
    subject = authorise(portal, order).json()["subject"]
    csr = token.create_csr(serial, pin=USER_PIN, key_id=key["key_id"], subject=subject)
    issued = send_csr(portal, order, csr).json()
    token.import_certificate(serial, pin=USER_PIN, certificate_pem=issued["certificate"], label="atual")
    return Certificate.objects.get(order=order)


def open_order(page, live_server, order):
    page.goto(f"{live_server.url}/pedido/")
    page.fill("#id_number", order.number)
    page.fill("#id_document", order.person_cpf)
    page.click("form button[type=submit]")
    page.wait_for_selector("h1:has-text('Pedido')")


def connect(page, agent):
    page.fill("#agente-url", agent.url)
    page.fill("#agente-codigo", agent.pairing_code)
    page.click("#form-conectar button[type=submit]")
    page.wait_for_selector("#agente-mensagem .alert-success")


def test_an_a3_certificate_is_renewed_online_with_the_token(page, live_server, portal_agent, softhsm, local_ca):
    # given the holder's current A3 certificate on the token, biometrics on file, and a paid renewal
    token = portal_agent.client()
    original = released_a3_order()
    current = install_on_token(token, softhsm.serial, original)
    HolderBiometrics.objects.create(cpf=original.person_cpf, source=HolderBiometrics.Source.PSBIO)
    renewal = OrderFactory(
        product=A3TokenProductFactory(), link=original.link, renews=current, status=Order.Status.PAID
    )

    # when the holder signs the renewal request on the token from the order page
    open_order(page, live_server, renewal)
    page.click("a:has-text('Renovar on-line com o certificado atual')")
    page.wait_for_selector("h1:has-text('Renovação on-line')")
    connect(page, portal_agent)
    page.fill("#assinar-pin", USER_PIN)
    page.click("#form-assinar button[type=submit]")
    page.wait_for_selector("#agente-mensagem .alert-success")

    # then the portal verified it, and the order waits at the verification centre with no booking
    assert "central de verificação" in page.inner_text("#agente-mensagem")
    renewal.refresh_from_db()
    assert renewal.status == Order.Status.VALIDATED
    evidence = OnlineRenewal.objects.get(order=renewal)
    assert evidence.signer_certificate == current
    assert not renewal.bookings.exists()

    # the verification centre approves; the CA releases; the new certificate is issued on the same token
    verifier = UserFactory(username="central", is_staff=True)
    verifier.user_permissions.add(Permission.objects.get(codename="verify_dossier"))
    online_renewal_decide(renewal=evidence, approve=True, actor=Actor(user=verifier))
    issuance_mark_media_delivered(request=IssuanceRequest.objects.get(order=renewal), actor=SYSTEM)
    renewal.refresh_from_db()
    assert renewal.status == Order.Status.RELEASED

    page.goto(f"{live_server.url}/pedido/{renewal.number}/instalar/")
    page.wait_for_selector("h1:has-text('Instalar o certificado na mídia')")
    if page.is_hidden("#form-instalar"):
        connect(page, portal_agent)
    page.fill("#instalar-senha", "Emissao#2026")
    page.fill("#instalar-pin", USER_PIN)
    page.click("#form-instalar button[type=submit]")
    page.wait_for_selector("#agente-mensagem .alert-success")

    renewal.refresh_from_db()
    assert renewal.status == Order.Status.ISSUED
    new = Certificate.objects.get(order=renewal)
    serials = {
        o["serial_number"]
        for o in token.list_objects(softhsm.serial, pin=USER_PIN)["objects"]
        if o["type"] == "certificate" and not o["authority"]
    }
    assert {format(current.serial_number, "x"), format(new.serial_number, "x")} <= serials
