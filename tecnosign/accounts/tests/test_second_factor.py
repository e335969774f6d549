"""The second factor (issue 17): the admin refuses a password-only session; TOTP enrolment and sign-in; recovery
codes; partners may turn it on and staff may require it."""

import re
from base64 import b32encode

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from orders.models import Document, Order
from orders.tests.factories import OrderFactory, PartnerFactory, UserFactory
from tecnosign.accounts.models import UserSession
from tecnosign.audit.models import AuditEvent
from tecnosign.tests.auth import staff_login, totp_code, totp_device

pytestmark = pytest.mark.django_db

PASSWORD = "senha-de-teste-123"  # UserFactory's


def _password_only(user, url: str = "/admin/login/") -> Client:
    client = Client()
    response = client.post(url, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.text[:500]
    return client


def _actions() -> list[str]:
    return list(AuditEvent.objects.filter(action__startswith="auth.factor").values_list("action", flat=True))


def test_the_admin_refuses_a_session_signed_in_with_the_password_only():
    # given a superuser who signed in with the right password, no second factor yet, and a customer's document
    superuser = UserFactory(username="chefe@tecnosign.com.br", is_staff=True, is_superuser=True)
    order = OrderFactory(status=Order.Status.PAID)
    document = Document.objects.create(
        order=order,
        kind="identity",
        identity_type="rg",
        file="x/rg.png",
        original_name="rg.png",
        content_type="image/png",
        size=10,
        sha256="0" * 64,
    )
    client = _password_only(superuser)

    # when that session opens the admin, a change page and the document's file
    pages = [
        client.get("/admin/"),
        client.get(f"/admin/orders/order/{order.pk}/change/"),
        client.get("/admin/sessoes/"),
        client.get(f"/retaguarda/documentos/{document.public_id}/arquivo/"),
    ]

    # then every one sends it to set up the second factor, and nothing was read
    for page in pages:
        assert page.status_code == 302 and page["Location"].startswith("/conta/segundo-fator/?next=")
    assert not AuditEvent.objects.filter(action="document.viewed").exists()


def test_without_the_middleware_the_admin_site_itself_refuses_the_unverified_session(settings):
    # given the middleware taken out (a misconfiguration), and a staff session with the password only
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("StaffAccountMiddleware")]
    staff = UserFactory(username="ana@tecnosign.com.br", is_staff=True, is_superuser=True)
    client = _password_only(staff)

    # when it opens the admin
    response = client.get("/admin/orders/order/")

    # then the admin site (its has_permission) still sends it to the login page
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_totp_enrolment_at_first_sign_in_then_sign_in_with_the_app():
    # given a new agent signing in for the first time
    agent = UserFactory(username="ana@tecnosign.com.br", is_staff=True)
    browser = _password_only(agent)
    to_setup = browser.get("/admin/")
    assert to_setup["Location"] == "/conta/segundo-fator/?next=%2Fadmin%2F"

    # when the set-up page shows the key, the app computes a code from it and the agent types it
    page = browser.get(to_setup["Location"])
    assert page.status_code == 200 and "otpauth://totp/" in page.text
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    shown = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
    assert shown == b32encode(device.bin_key).decode()
    confirmed = browser.post("/conta/segundo-fator/", {"code": totp_code(device), "next": "/admin/"})

    # then the app is the agent's factor, recovery codes are shown once, and the admin opens
    assert confirmed.status_code == 302 and confirmed["Location"].startswith("/conta/segundo-fator/codigos/")
    codes_page = browser.get(confirmed["Location"])
    codes = re.findall(r"<code>([a-z0-9]+)</code>", codes_page.text)
    assert len(codes) == 10
    assert set(codes) == set(StaticToken.objects.filter(device__user=agent).values_list("token", flat=True))
    assert re.findall(r"<code>([a-z0-9]+)</code>", browser.get("/conta/segundo-fator/codigos/").text) == []
    assert browser.get("/admin/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert _actions() == ["auth.factor_enrolled"]
    assert AuditEvent.objects.filter(action="auth.recovery_codes_issued", object_id=str(agent.pk)).exists()

    # and next time: the password, then a wrong code (refused, audited), then the app's current code
    later = _password_only(agent)
    to_verify = later.get("/admin/orders/order/")
    assert to_verify["Location"] == "/conta/segundo-fator/verificar/?next=%2Fadmin%2Forders%2Forder%2F"
    wrong = later.post("/conta/segundo-fator/verificar/", {"code": "000000", "next": "/admin/orders/order/"})
    assert wrong.status_code == 400 and "Código incorreto" in wrong.text
    assert later.get("/admin/").status_code == 302
    # (the app's next code: past django-otp's growing delay after a wrong one, and in a later 30-second step)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    right = later.post("/conta/segundo-fator/verificar/", {"code": totp_code(device), "next": "/admin/orders/order/"})
    assert right.status_code == 302 and right["Location"] == "/admin/orders/order/"
    assert later.get("/admin/").status_code == 200
    verified = AuditEvent.objects.get(action="auth.factor_verified")
    assert verified.actor == agent and verified.after["method"] == "totp"
    assert AuditEvent.objects.filter(action="auth.factor_failed", actor=agent).count() == 1


def test_a_totp_code_is_accepted_once():
    # given an agent with the app, who verified one session with the current code
    agent = UserFactory(username="ana@tecnosign.com.br", is_staff=True)
    device = totp_device(agent)
    code = totp_code(device)
    first = _password_only(agent)
    assert first.post("/conta/segundo-fator/verificar/", {"code": code}).status_code == 302

    # when someone who saw that code types it in another session
    second = _password_only(agent)
    replay = second.post("/conta/segundo-fator/verificar/", {"code": code})

    # then it is refused: the second session is not verified
    assert replay.status_code == 400
    assert second.get("/admin/").status_code == 302


def test_a_recovery_code_verifies_once():
    # given an agent with the app and recovery codes
    agent = UserFactory(username="ana@tecnosign.com.br", is_staff=True)
    enrolled = staff_login(None, agent)
    codes_page = enrolled.post("/conta/segundo-fator/codigos/", {"next": "/admin/"}, follow=True)
    code = re.findall(r"<code>([a-z0-9]+)</code>", codes_page.text)[0]

    # when the phone is lost: the password, then a recovery code; and the same code again elsewhere
    lost = _password_only(agent)
    used = lost.post("/conta/segundo-fator/verificar/", {"code": code, "next": "/admin/"}, follow=True)
    again = _password_only(agent).post("/conta/segundo-fator/verificar/", {"code": code})

    # then the first works (9 left, said so), the second is refused
    assert used.status_code == 200 and "Restam 9" in used.text
    assert again.status_code == 400
    assert AuditEvent.objects.filter(action="auth.factor_verified", after__method="recovery_code").count() == 1


def test_a_session_cannot_add_a_factor_before_verifying_the_one_it_has():
    # given an agent with the app, and a session that knows only the password (a stolen password)
    agent = UserFactory(username="ana@tecnosign.com.br", is_staff=True)
    totp_device(agent)
    thief = _password_only(agent)

    # when it asks for the set-up page, a new passkey's registration, and new recovery codes
    setup = thief.get("/conta/segundo-fator/")
    passkey = thief.post("/conta/webauthn/registro/inicio/", content_type="application/json")
    codes = thief.post("/conta/segundo-fator/codigos/")

    # then it is sent to verify first, and nothing was added
    assert setup.status_code == 302 and setup["Location"].startswith("/conta/segundo-fator/verificar/")
    assert passkey.status_code == 403
    assert codes.status_code == 302 and not StaticToken.objects.exists()
    assert TOTPDevice.objects.filter(user=agent).count() == 1


def test_a_factor_change_ends_the_other_sessions_and_staff_keep_their_last_factor():
    # given a partner with the app, signed in and verified on two computers
    partner = PartnerFactory(user__username="paula@contab.com.br")
    device = totp_device(partner.user)
    other, here = staff_login(None, partner.user), staff_login(None, partner.user)
    assert other.get("/parceiros/").status_code == 200

    # when, from here, the partner removes the app
    removed = here.post(f"/conta/segundo-fator/remover/totp/{device.pk}/")

    # then it is gone (audited), this session goes on, and the other computer is signed out
    assert removed.status_code == 302 and not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert here.get("/parceiros/").status_code == 200
    assert other.get("/parceiros/")["Location"].startswith("/parceiros/entrar/")
    assert AuditEvent.objects.get(action="auth.factor_removed").after["method"] == "totp"
    assert AuditEvent.objects.get(action="auth.sessions_ended").after["reason"] == "factor_removed"

    # and a staff member cannot remove their only factor: refused, nothing changed, nobody signed out
    agent = UserFactory(username="ana@tecnosign.com.br", is_staff=True)
    desk = staff_login(None, agent)
    only = TOTPDevice.objects.get(user=agent)
    refused = desk.post(f"/conta/segundo-fator/remover/totp/{only.pk}/", follow=True)
    assert "Cadastre outro método antes de remover este" in refused.text
    assert TOTPDevice.objects.filter(pk=only.pk).exists() and desk.get("/admin/").status_code == 200


def test_a_partner_may_turn_it_on_and_then_signs_in_with_it():
    # given a partner without any requirement
    partner = PartnerFactory(user__username="paula@contab.com.br")
    browser = _password_only(partner.user, "/parceiros/entrar/")
    assert browser.get("/parceiros/").status_code == 200

    # when the partner sets up the app from their profile
    assert "Verificação em duas etapas" in browser.get("/parceiros/perfil/").text
    assert browser.get("/conta/segundo-fator/").status_code == 200
    device = TOTPDevice.objects.get(user=partner.user, confirmed=False)
    browser.post("/conta/segundo-fator/", {"code": totp_code(device)})

    # then the next sign-in needs the code before the partner area
    later = _password_only(partner.user, "/parceiros/entrar/")
    area = later.get("/parceiros/")
    assert area.status_code == 302 and area["Location"].startswith("/conta/segundo-fator/verificar/")
    TOTPDevice.objects.filter(user=partner.user).update(last_t=-1)
    device.refresh_from_db()
    later.post("/conta/segundo-fator/verificar/", {"code": totp_code(device)})
    assert later.get("/parceiros/").status_code == 200


def test_staff_require_it_of_a_partner_in_the_admin_and_the_decision_is_audited():
    # given an approved partner signed in with the password, and a manager in the admin
    partner = PartnerFactory(user__username="paula@contab.com.br")
    browser = _password_only(partner.user, "/parceiros/entrar/")
    manager = staff_login(None, UserFactory(username="gerente@tecnosign.com.br", is_staff=True, is_superuser=True))
    form = manager.get(f"/admin/orders/partner/{partner.pk}/change/")
    assert 'name="second_factor_required"' in form.text

    # when the manager ticks "exigir verificação em duas etapas" and saves
    data = {
        "name": partner.name,
        "document": partner.document,
        "contact_name": partner.contact_name,
        "email": partner.email,
        "phone": partner.phone,
        "pix_key": partner.pix_key,
        "second_factor_required": "on",
    }
    saved = manager.post(f"/admin/orders/partner/{partner.pk}/change/", data)

    # then it is on, audited with who decided, and the partner must set up a factor before the area
    assert saved.status_code == 302, saved.text[:2000]
    partner.refresh_from_db()
    assert partner.second_factor_required
    event = AuditEvent.objects.get(action="partner.second_factor_required")
    assert event.actor.username == "gerente@tecnosign.com.br" and event.after == {"second_factor_required": True}
    area = browser.get("/parceiros/links/")
    assert area.status_code == 302 and area["Location"].startswith("/conta/segundo-fator/?next=")
    assert "Sua conta exige a verificação em duas etapas" in browser.get(area["Location"]).text


def test_staff_sessions_are_indexed_at_sign_in():
    agent = UserFactory(username="ana@tecnosign.com.br", is_staff=True)
    client = _password_only(agent)
    assert UserSession.objects.filter(user=agent, session_key=client.session.session_key).exists()
