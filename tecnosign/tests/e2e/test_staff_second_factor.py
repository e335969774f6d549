"""A passkey as the staff second factor, in Chromium with a virtual authenticator (the DevTools protocol's WebAuthn
domain): registered at the first sign-in, then used to sign in again. http://localhost counts as a secure context,
and the RP ID is the live server's host."""

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from orders.tests.factories import UserFactory
from tecnosign.audit.models import AuditEvent

from .steps import STAFF_PASSWORD

pytestmark = pytest.mark.browser


def _virtual_authenticator(page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def _password(page, username: str) -> None:
    page.goto("/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.get_by_role("button", name="Acessar").click()


def test_a_staff_member_registers_a_passkey_and_signs_in_with_it(open_browser, live_server, settings):
    # given the passkeys' host and origin set to the live server's, and a verifier's first sign-in
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    assert live_server.url.startswith("http://localhost:")
    vera = UserFactory(username="vera@tecnosign.com.br", is_staff=True)
    page = open_browser()
    _virtual_authenticator(page)

    # when the password is accepted, the set-up page offers the passkey, and the authenticator makes one
    _password(page, vera.username)
    page.wait_for_selector("h1:has-text('Verificação em duas etapas')")
    page.get_by_role("button", name="Cadastrar chave de acesso (passkey)").click()
    page.wait_for_selector("#recovery-codes")
    page.get_by_role("link", name="Continuar").click()
    page.wait_for_selector("#sua-conta")

    # then the passkey is hers, the registration audited, and the admin open in this session
    credential = WebAuthnCredential.objects.get(user=vera)
    assert credential.confirmed
    assert AuditEvent.objects.get(action="auth.factor_enrolled").after["method"] == "webauthn"

    # when she signs in again (a new session): the password, then the passkey
    page.context.clear_cookies()
    _password(page, vera.username)
    page.wait_for_selector("h1:has-text('Confirme que é você')")
    page.get_by_role("button", name="Usar chave de acesso").click()
    page.wait_for_selector("#sua-conta")

    # then the admin opens, and the verification is audited with the passkey used
    verified = AuditEvent.objects.get(action="auth.factor_verified")
    assert verified.actor == vera and verified.after == {"method": "webauthn", "device": credential.pk}
    assert page.url.endswith("/admin/")
