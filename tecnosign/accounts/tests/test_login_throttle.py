"""Brute force at the login forms (issue 17, "Login throttling"): per account and per client IP, claimed before the
password is checked, visible to the user in Portuguese and to staff in the admin, unlocked with an audit entry."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import hashers
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from orders.tests.factories import PartnerFactory, UserFactory
from scheduling.roles import SUPPORT_GROUP, ensure_roles
from tecnosign.accounts.models import LoginThrottle
from tecnosign.audit.models import AuditEvent
from tecnosign.tests.auth import staff_login

pytestmark = pytest.mark.django_db

PASSWORD = "senha-de-teste-123"  # UserFactory's
WRONG = "Chute#Errado-2026"
FORMS = {
    "admin": ("/admin/login/", lambda: UserFactory(username="ana@tecnosign.com.br", is_staff=True)),
    "partner": ("/parceiros/entrar/", lambda: PartnerFactory(user__username="paula@contab.com.br").user),
}


def _counted_hasher():
    """A spy on the password check every ModelBackend sign-in runs (AbstractBaseUser.check_password)."""
    return mock.patch("django.contrib.auth.base_user.check_password", wraps=hashers.check_password)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_the_eleventh_wrong_password_is_refused_without_checking_the_password(client, form):
    # given an account and ten wrong passwords typed at its login form
    url, make_user = FORMS[form]
    user = make_user()
    for _ in range(10):
        response = client.post(url, {"username": user.username, "password": WRONG}, REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 200
    assert LoginThrottle.objects.get(scope="account").locked_until is not None

    # when the eleventh try brings the RIGHT password
    with _counted_hasher() as hasher:
        response = client.post(url, {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")

    # then it is refused in Portuguese, the password was never checked, and nobody signed in
    assert response.status_code == 200
    assert "Muitas tentativas com a senha errada" in response.text and "horário de Brasília" in response.text
    assert hasher.call_count == 0
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(action="auth.login").exists()
    user.refresh_from_db()
    assert user.last_login is None
    locked = AuditEvent.objects.get(action="auth.locked", after__scope="account")
    assert locked.after["label"] == user.username and locked.ip == "203.0.113.7"


def test_the_lock_holds_whatever_the_case_of_the_username_and_from_another_address(client):
    # given the account locked from one address
    user = UserFactory(username="ana@tecnosign.com.br", is_staff=True)
    for _ in range(10):
        client.post("/admin/login/", {"username": user.username, "password": WRONG}, REMOTE_ADDR="203.0.113.7")

    # when the right password comes from another address, the username in capitals
    with _counted_hasher() as hasher:
        response = client.post(
            "/admin/login/", {"username": "ANA@TecnoSign.com.br ", "password": PASSWORD}, REMOTE_ADDR="198.51.100.9"
        )

    # then it is still refused unchecked (the account's lock, not the address's)
    assert "o acesso desta conta está bloqueado" in response.text and hasher.call_count == 0
    assert "_auth_user_id" not in client.session


def test_one_address_guessing_many_accounts_is_locked_by_address(client, settings):
    # given a low per-address limit and wrong passwords for different accounts from one address
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    victim = UserFactory(username="bia@tecnosign.com.br", is_staff=True)
    for n in range(3):
        client.post("/parceiros/entrar/", {"username": f"x{n}@ex.com", "password": WRONG}, REMOTE_ADDR="203.0.113.7")

    # when the address tries a fourth account, with its right password
    with _counted_hasher() as hasher:
        refused = client.post(
            "/parceiros/entrar/", {"username": victim.username, "password": PASSWORD}, REMOTE_ADDR="203.0.113.7"
        )
    # and the same account from another address
    allowed = client.post(
        "/admin/login/", {"username": victim.username, "password": PASSWORD}, REMOTE_ADDR="198.51.100.9"
    )

    # then the address is locked out unchecked; the account itself is not
    assert "a partir desta conexão" in refused.text and hasher.call_count == 0
    assert allowed.status_code == 302


def test_behind_the_proxy_the_lock_is_on_the_client_address_not_the_proxys(client, settings):
    # given one trusted proxy and a client guessing through it
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_MAX_FAILURES_PER_IP = 2
    for n in range(2):
        client.post(
            "/admin/login/",
            {"username": f"x{n}@ex.com", "password": WRONG},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.50",
        )

    # then the lock names the client's address; another client behind the same proxy signs in
    assert LoginThrottle.objects.get(scope="ip").key == "203.0.113.50"
    user = UserFactory(username="ana@tecnosign.com.br", is_staff=True)
    response = client.post(
        "/admin/login/",
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.4",
    )
    assert response.status_code == 302


def test_the_lock_ends_by_itself_and_a_right_password_does_not_count(client):
    # given a locked account
    user = UserFactory(username="ana@tecnosign.com.br", is_staff=True)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(10):
            client.post("/admin/login/", {"username": user.username, "password": WRONG})

    # when the lock's 15 minutes have passed
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        response = client.post("/admin/login/", {"username": user.username, "password": PASSWORD})

    # then the right password signs in, and leaves no failure counted on the account
    assert response.status_code == 302
    assert LoginThrottle.objects.get(scope="account").failures == 0


def test_support_sees_the_lock_in_the_admin_and_lifts_it_with_an_audit_entry(client):
    # given a partner locked out, and a support agent in the admin
    ensure_roles()
    partner = PartnerFactory(user__username="paula@contab.com.br")
    for _ in range(10):
        client.post("/parceiros/entrar/", {"username": partner.user.username, "password": WRONG})
    support = UserFactory(username="suporte@tecnosign.com.br", is_staff=True)
    support.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    desk = staff_login(None, support)
    throttle = LoginThrottle.objects.get(scope="account")

    # when support lists the locks and runs "Desbloquear" on the partner's
    listing = desk.get("/admin/accounts/loginthrottle/?bloqueado=sim")
    response = desk.post(
        "/admin/accounts/loginthrottle/", {"action": "unlock", "_selected_action": [throttle.pk], "index": "0"}
    )

    # then the lock was shown, is gone, and the unlock is audited with who did it
    assert listing.status_code == 200 and partner.user.username in listing.text
    assert response.status_code == 302
    throttle.refresh_from_db()
    assert throttle.locked_until is None and throttle.failures == 0
    event = AuditEvent.objects.get(action="auth.unlocked")
    assert event.actor == support and event.object_id == str(throttle.pk)
    assert event.after == {"scope": "account", "label": partner.user.username}
    # and the partner signs in again
    signed_in = client.post("/parceiros/entrar/", {"username": partner.user.username, "password": PASSWORD})
    assert signed_in.status_code == 302


def test_staff_without_the_permission_cannot_unlock(client):
    # given a lock and a staff member in no group
    for _ in range(10):
        client.post("/admin/login/", {"username": "ana@tecnosign.com.br", "password": WRONG})
    throttle = LoginThrottle.objects.get(scope="account")
    before = LoginThrottle.objects.filter(pk=throttle.pk).values().get()
    nobody = staff_login(None, UserFactory(username="novato@tecnosign.com.br", is_staff=True))

    # when they post the unlock action
    response = nobody.post(
        "/admin/accounts/loginthrottle/", {"action": "unlock", "_selected_action": [throttle.pk], "index": "0"}
    )

    # then nothing changed and nothing was audited
    assert response.status_code in (302, 403)
    assert LoginThrottle.objects.filter(pk=throttle.pk).values().get() == before
    assert not AuditEvent.objects.filter(action="auth.unlocked").exists()


def test_password_reset_e_mails_are_limited_per_address_typed_across_client_addresses(client):
    # given five reset e-mails asked for one partner's address from five different addresses
    partner = PartnerFactory(user__username="paula@contab.com.br", user__email="paula@contab.com.br")
    for n in range(5):
        response = client.post("/parceiros/senha/", {"email": partner.user.email}, REMOTE_ADDR=f"203.0.113.{n}")
        assert response.status_code == 302
    sent = len(mail.outbox)

    # when a sixth address asks again
    limited = client.post("/parceiros/senha/", {"email": partner.user.email}, REMOTE_ADDR="198.51.100.77")

    # then it is refused in Portuguese (the same table as the login locks) and no e-mail goes out
    assert limited.status_code == 429 and "Muitos pedidos de nova senha" in limited.text
    assert len(mail.outbox) == sent == 5
    assert LoginThrottle.objects.filter(scope="reset_account").get().failures == 5
