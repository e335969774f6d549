"""Staff sessions (issue 17): idle expiry, the list of open sessions with "sair de todos os dispositivos", and a
password change signing out the other devices."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.utils import timezone

from orders.tests.factories import UserFactory
from tecnosign.accounts.models import UserSession
from tecnosign.audit.models import AuditEvent
from tecnosign.tests.auth import staff_login

pytestmark = pytest.mark.django_db

PASSWORD = "senha-de-teste-123"  # UserFactory's


@pytest.fixture
def agent():
    return UserFactory(username="ana@tecnosign.com.br", is_staff=True, is_superuser=True)


def test_a_staff_session_ends_after_the_idle_period(agent, settings):
    # given an agent signed in at 09:00, busy at 09:29, then away from the desk
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        desk = staff_login(None, agent)
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert desk.get("/admin/").status_code == 200
    key = desk.session.session_key

    # when the next request comes 31 minutes after the last one
    with time_machine.travel(start + timedelta(minutes=60), tick=False):
        response = desk.get("/admin/orders/order/")

    # then the session is over: to the login page (told why), gone from the store and the index, audited
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/?next=/admin/orders/order/")
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(session_key=key).exists()
    expired = AuditEvent.objects.get(action="auth.session_expired")
    assert expired.actor == agent and expired.after == {"idle_minutes": 30}
    login_page = desk.get(response["Location"])
    assert "Sua sessão terminou depois de 30 minutos sem uso" in login_page.text
    assert desk.get("/admin/").status_code == 302


def test_the_sessions_page_lists_the_devices_and_signs_out_of_all_of_them(agent):
    # given the agent signed in on a laptop and a phone
    laptop = staff_login(None, agent)
    phone = staff_login(None, agent)
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        phone.get("/admin/", HTTP_USER_AGENT="Celular da Ana")

    # when, on the laptop, the sessions page is opened and "Sair de todos os dispositivos" pressed
    page = laptop.get("/admin/sessoes/")
    response = laptop.post("/admin/sessoes/", {"scope": "all"})

    # then both sessions were listed (this one marked), and now both are signed out, with an audit entry
    assert page.status_code == 200 and "Celular da Ana" in page.text and "esta sessão" in page.text
    table = re.search(r'<table id="sessions">(.*?)</table>', page.text, re.S).group(1)
    assert table.count("<tr>") == 3  # the header and two sessions
    assert response.status_code == 302 and response["Location"] == "/admin/login/"
    for device in (laptop, phone):
        assert device.get("/admin/").status_code == 302
    assert not UserSession.objects.filter(user=agent).exists()
    ended = AuditEvent.objects.get(action="auth.sessions_ended")
    assert ended.actor == agent and ended.after == {
        "reason": "sign_out_everywhere",
        "sessions": 2,
        "kept_current": False,
    }


def test_signing_out_of_the_other_devices_keeps_this_one(agent):
    laptop, phone = staff_login(None, agent), staff_login(None, agent)

    laptop.post("/admin/sessoes/", {"scope": "others"})

    assert laptop.get("/admin/").status_code == 200
    assert phone.get("/admin/").status_code == 302


def test_a_password_change_signs_out_the_other_devices(agent, on_commit):
    # given the agent signed in on a laptop and a phone
    laptop, phone = staff_login(None, agent), staff_login(None, agent)

    # when the password is changed on the laptop (the admin's form)
    new = "Outra#Senha-Forte-2026"
    with on_commit():
        response = laptop.post(
            "/admin/password_change/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
        )

    # then the laptop stays in, the phone is out, and the ending is audited
    assert response.status_code == 302
    assert laptop.get("/admin/").status_code == 200
    assert phone.get("/admin/").status_code == 302
    assert AuditEvent.objects.get(action="auth.sessions_ended").after["reason"] == "password_changed"
