"""Wrong revocation passwords: 5 per 15 minutes per certificate and per IP, then a lock kept in the database."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from issuance.models import Certificate
from revocation.models import PasswordThrottle

from .helpers import ISSUANCE_PASSWORD, REVOCATION_PASSWORD, brt, issue_a1, open_revocation, revoke

pytestmark = pytest.mark.django_db
ISSUED_AT = brt(2026, 12, 1, 10, 0)


def test_five_wrong_passwords_lock_the_certificate_until_a_time_that_survives_a_restart(client, on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)
    start = brt(2026, 12, 2, 14, 20)

    with time_machine.travel(start, tick=False) as clock:
        open_revocation(client, order)
        answers = [revoke(client, certificate, "computer_stolen", password=f"Errada#{n}") for n in range(4)]
        clock.shift(timedelta(minutes=3))
        fifth = revoke(client, certificate, "computer_stolen", password="Errada#5")
        right_but_locked = revoke(client, certificate, "computer_stolen")

        # A restart: the cache is gone, the customer comes back in a new browser.
        cache.clear()
        fresh = Client()
        open_revocation(fresh, order)
        page = fresh.get(f"/revogar/{certificate.serial}/")
        still_locked = revoke(fresh, certificate, "computer_stolen")

        clock.shift(timedelta(minutes=14, seconds=59))
        last_second = revoke(fresh, certificate, "computer_stolen")
        clock.shift(timedelta(seconds=1))
        after_lock = revoke(fresh, certificate, "computer_stolen")

    assert [answer.status_code for answer in answers] == [400] * 4
    assert "Senha de revogação incorreta" in answers[0].text and "não a senha de emissão" in answers[0].text
    assert "Restam 4 tentativas" in answers[0].text and "Resta 1 tentativa" in answers[3].text
    locked_message = "a revogação deste certificado está bloqueada até 02/12/2026 às 14:38 (horário de Brasília)"
    assert fifth.status_code == 429 and locked_message in fifth.text
    assert right_but_locked.status_code == 429 and locked_message in right_but_locked.text
    assert locked_message in page.text
    assert still_locked.status_code == 429 and last_second.status_code == 429
    row = PasswordThrottle.objects.get(scope="certificate", key=str(certificate.pk))
    assert (row.locked_until, row.failures) == (None, 0)  # the right password after the lock started afresh
    assert after_lock.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED


def test_the_lock_rows_are_in_the_database_with_the_lock_time(client, on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)
    at = brt(2026, 12, 2, 9, 0)

    with time_machine.travel(at, tick=False):
        open_revocation(client, order)
        for n in range(5):
            revoke(client, certificate, "computer_stolen", password=f"Errada#{n}")

    rows = {row.scope: row for row in PasswordThrottle.objects.all()}
    assert set(rows) == {"certificate", "ip"}
    assert rows["certificate"].key == str(certificate.pk) and rows["ip"].key == "127.0.0.1"
    assert rows["certificate"].locked_until == at + timedelta(minutes=15)
    assert rows["ip"].locked_until == at + timedelta(minutes=15)


def test_the_issuance_password_is_not_the_revocation_password(client, on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)

    with time_machine.travel(brt(2026, 12, 2, 9, 0), tick=False):
        open_revocation(client, order)
        answer = revoke(client, certificate, "computer_stolen", password=ISSUANCE_PASSWORD)

    assert answer.status_code == 400
    assert "Use a senha de revogação criada no pedido (não a senha de emissão)" in answer.text
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.VALID


def test_failures_older_than_the_window_do_not_add_up(client, on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)

    with time_machine.travel(brt(2026, 12, 2, 9, 0), tick=False) as clock:
        open_revocation(client, order)
        for n in range(4):
            revoke(client, certificate, "computer_stolen", password=f"Errada#{n}")
        clock.shift(timedelta(minutes=15))
        fresh_window = revoke(client, certificate, "computer_stolen", password="Errada#9")
        right = revoke(client, certificate, "computer_stolen")

    assert fresh_window.status_code == 400 and "Restam 4 tentativas" in fresh_window.text
    assert right.status_code == 302


def test_an_address_guessing_across_certificates_is_locked_but_others_are_not(on_commit):
    orders = [issue_a1(on_commit, at=ISSUED_AT, email=f"cliente{n}@exemplo.com.br") for n in range(6)]
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    holder = Client(REMOTE_ADDR="198.51.100.7")

    with time_machine.travel(brt(2026, 12, 2, 9, 0), tick=False):
        answers = []
        for order, certificate in orders[:5]:
            open_revocation(attacker, order)
            answers.append(revoke(attacker, certificate, "computer_stolen", password="Chute#2026"))
        order, certificate = orders[5]
        open_revocation(attacker, order)
        sixth = revoke(attacker, certificate, "computer_stolen")
        open_revocation(holder, order)
        own = revoke(holder, certificate, "computer_stolen")

    # Each certificate saw one wrong guess only; the address saw five.
    assert [a.status_code for a in answers] == [400, 400, 400, 400, 429]
    assert "a revogação a partir desta conexão está bloqueada até 02/12/2026 às 09:15" in answers[4].text
    assert sixth.status_code == 429 and "a partir desta conexão" in sixth.text
    assert own.status_code == 302
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.REVOKED
    assert all(Certificate.objects.get(pk=c.pk).status == Certificate.Status.VALID for _, c in orders[:5]), (
        "wrong guesses revoke nothing"
    )


def test_a_right_password_does_not_consume_an_attempt(client, on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)

    with time_machine.travel(brt(2026, 12, 2, 9, 0), tick=False):
        open_revocation(client, order)
        revoke(client, certificate, "computer_stolen", password="Errada#1")
        revoke(client, certificate, "computer_stolen", password=REVOCATION_PASSWORD)

    ip_row = PasswordThrottle.objects.get(scope="ip")
    assert ip_row.failures == 1  # the wrong one only
