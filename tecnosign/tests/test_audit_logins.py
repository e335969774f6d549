"""Staff and partner sign-ins are audited (security issue "Security defects confirmed by a probe", item 6)."""

import pytest
from django.contrib.auth import authenticate

from orders.tests.factories import PartnerFactory, UserFactory
from tecnosign.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "senha-de-teste-123"  # UserFactory's
WRONG = "Chute#Errado-2026"


def _row_text(event: AuditEvent) -> str:
    return str(AuditEvent.objects.filter(pk=event.pk).values().get())


def test_a_staff_sign_in_at_the_admin_is_audited_with_who_where_and_which_page(client):
    # given
    staff = UserFactory(username="ana@tecnosign.com.br", is_staff=True)

    # when
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": staff.username, "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR="203.0.113.7",
    )

    # then
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.login")
    assert (event.actor, event.actor_label, event.ip) == (staff, staff.username, "203.0.113.7")
    assert (event.object_type, event.object_id, event.after) == ("auth.user", staff.username, {"form": "admin"})
    assert PASSWORD not in _row_text(event)


def test_a_failed_admin_sign_in_records_the_username_tried_and_never_the_password(client):
    # given
    staff = UserFactory(username="ana@tecnosign.com.br", is_staff=True)

    # when
    response = client.post("/admin/login/", {"username": staff.username, "password": WRONG}, REMOTE_ADDR="203.0.113.8")

    # then
    assert response.status_code == 200 and "corretos" in response.text
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert (event.actor, event.actor_label, event.ip) == (None, "anônimo", "203.0.113.8")
    assert event.after == {"form": "admin", "username": staff.username}
    assert WRONG not in _row_text(event)
    assert not AuditEvent.objects.filter(action="auth.login").exists()
    staff.refresh_from_db()
    assert staff.last_login is None


def test_partner_sign_in_failure_and_sign_out_at_the_partner_pages(client):
    # given
    partner = PartnerFactory()
    username = partner.user.username

    # when
    client.post("/parceiros/entrar/", {"username": "ninguem@exemplo.com.br", "password": WRONG})
    client.post("/parceiros/entrar/", {"username": username, "password": WRONG})
    signed_in = client.post("/parceiros/entrar/", {"username": username, "password": PASSWORD})
    signed_out = client.post("/parceiros/sair/")

    # then
    assert signed_in.status_code == 302 and signed_out.status_code == 302
    events = list(AuditEvent.objects.order_by("id"))
    assert [(e.action, e.object_id, e.after) for e in events] == [
        ("auth.login_failed", "ninguem@exemplo.com.br", {"form": "partner", "username": "ninguem@exemplo.com.br"}),
        ("auth.login_failed", username, {"form": "partner", "username": username}),
        ("auth.login", username, {"form": "partner"}),
        ("auth.logout", username, {}),
    ]
    assert [e.actor for e in events] == [None, None, partner.user, partner.user]
    assert all(WRONG not in _row_text(e) and PASSWORD not in _row_text(e) for e in events)


def test_behind_the_proxy_the_sign_in_records_the_client_address(client, settings):
    # given
    settings.TRUSTED_PROXY_COUNT = 1
    staff = UserFactory(username="ana@tecnosign.com.br", is_staff=True)

    # when
    client.post(
        "/admin/login/",
        {"username": staff.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.23",
    )

    # then
    assert AuditEvent.objects.get(action="auth.login").ip == "198.51.100.23"


def test_an_overlong_username_is_cut_before_it_is_stored():
    # given: a username longer than any account's (the login forms refuse them; authenticate() does not)
    typed = "x" * 500 + "@exemplo.com.br"

    # when
    assert authenticate(None, username=typed, password=WRONG) is None

    # then
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.after == {"form": "", "username": typed[:150]} and event.object_id == typed[:64]
    assert event.ip is None
