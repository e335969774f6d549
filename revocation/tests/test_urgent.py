"""Nobody can lock the holder out: urgent revocation by link + SMS code, and the e-mailed link past the locks."""

from datetime import timedelta

import pytest
import time_machine
from cryptography import x509
from django.core import mail
from django.test import Client, override_settings

from issuance.models import Certificate
from orders.models import HolderLink, Order
from orders.tests.links import link_in, open_access_link
from revocation.models import PasswordThrottle, RevocationRequest
from tecnosign.notifications import sms

from .helpers import (
    CPF,
    REVOCATION_PASSWORD,
    URGENT_LINK,
    brt,
    e_mailed_link,
    issue_a1,
    open_revocation,
    revoke,
    texted_code,
)

pytestmark = pytest.mark.django_db
ISSUED_AT = brt(2026, 12, 1, 10, 0)
AT = brt(2026, 12, 20, 9, 0)  # outside every guarantee: a revocation is final either way
CRL_URL = "/ac/ac-tecnosign-dev-v5.crl"
SENT = "enviamos agora um link de revogação urgente"


def _attacker_locks_the_certificate(certificate) -> Client:
    """Serial and CPF are printed in the certificate: five wrong revocation passwords from the attacker's client."""
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    assert attacker.post("/revogar/", {"identifier": certificate.serial, "document": CPF}).status_code == 302
    answers = [revoke(attacker, certificate, "computer_stolen", password=f"Chute#{n}2026") for n in range(5)]
    assert answers[-1].status_code == 429
    return attacker


def _urgent(client, certificate, code: str):
    path = e_mailed_link(certificate.order, URGENT_LINK)
    return client.post(path, {"code": code, "confirm": "on"})


def test_the_holder_revokes_a_locked_certificate_at_once_with_the_link_and_the_sms_code(client, on_commit, local_ca):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)
    holder = Client(REMOTE_ADDR="198.51.100.7")

    with time_machine.travel(AT, tick=False):
        attacker = _attacker_locks_the_certificate(certificate)
        still_locked = revoke(attacker, certificate, "computer_stolen", password=REVOCATION_PASSWORD)
        # The holder, on another client, needs neither the CPF look-up nor the password: the order number only.
        with on_commit():
            asked = holder.post("/revogar/urgente/", {"identifier": order.number}, follow=True)
        path = e_mailed_link(order, URGENT_LINK)
        page = holder.get(path)
        with on_commit():
            revoked = holder.post(path, {"code": texted_code(order), "confirm": "on"})
        crl = x509.load_der_x509_crl(holder.get(CRL_URL).content)

    assert still_locked.status_code == 429
    assert SENT in asked.text
    [sent] = sms.outbox
    assert sent["to"] == order.mobile and "revogar o certificado" in sent["text"]
    assert page.status_code == 200 and certificate.serial in page.text
    assert revoked.status_code == 302 and revoked["Location"] == f"/revogar/{certificate.serial}/"
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.revocation_reason == Certificate.Reason.KEY_COMPROMISE
    entry = crl.get_revoked_certificate_by_serial_number(int(certificate.serial, 16))
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.key_compromise
    assert Order.objects.get(pk=order.pk).status == Order.Status.REVOKED
    done = RevocationRequest.objects.get(certificate=certificate)
    assert (done.channel, done.reason, done.replacement) == ("urgent", "key_compromised", None)
    # The holder is told, and a second click on the link revokes nothing more.
    [confirmation] = [m for m in mail.outbox if m.subject == f"Certificado revogado — pedido {order.number}"]
    assert "Revogação urgente" in confirmation.body
    assert holder.post(path, {"code": texted_code(order), "confirm": "on"}).status_code == 410


def test_five_wrong_sms_codes_void_the_link_and_revoke_nothing(client, on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)
    guesser = Client(REMOTE_ADDR="203.0.113.66")

    with time_machine.travel(AT, tick=False):
        with on_commit():
            Client().post("/revogar/urgente/", {"identifier": certificate.serial})
        right = texted_code(order)
        wrong = [f"{(int(right) + n) % 10**6:06d}" for n in range(1, 6)]
        answers = [_urgent(guesser, certificate, code) for code in wrong]
        too_late = _urgent(guesser, certificate, right)

    assert [answer.status_code for answer in answers[:4]] == [400] * 4
    assert "Código incorreto" in answers[0].text and "Restam 4 tentativas" in answers[0].text
    assert answers[4].status_code == 400 and "Peça um novo link" in answers[4].text
    assert too_late.status_code == 410
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID and certificate.revoked_at is None
    assert Order.objects.get(pk=order.pk).status == Order.Status.ISSUED
    assert not RevocationRequest.objects.filter(certificate=certificate).exists()
    assert HolderLink.objects.get(purpose="urgent_revocation").code_failures == 5


@override_settings(ORDER_LOOKUP_MAX_FAILURES=10)
def test_the_urgent_request_answers_alike_and_the_look_up_lock_does_not_stop_it(on_commit):
    order, _ = issue_a1(on_commit, at=ISSUED_AT)
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    holder = Client(REMOTE_ADDR="198.51.100.7")

    with time_machine.travel(AT, tick=False):
        for _ in range(10):
            attacker.post("/revogar/", {"identifier": order.number, "document": "111.444.777-35"})
        locked = holder.post("/revogar/", {"identifier": order.number, "document": CPF})
        with on_commit():
            unknown = holder.post("/revogar/urgente/", {"identifier": "TS99999999"}, follow=True)
            known = holder.post("/revogar/urgente/", {"identifier": order.number}, follow=True)

    assert locked.status_code == 429
    assert "Minha chave foi comprometida — revogar agora sem a senha" in locked.text
    assert "Receber um link de acesso no e-mail cadastrado" in locked.text
    assert SENT in unknown.text and SENT in known.text
    urgent = [m for m in mail.outbox if m.subject.startswith("Revogação urgente do certificado")]
    assert [m.to for m in urgent] == [[order.email]] and len(sms.outbox) == 1


def test_a_session_that_opened_the_order_by_the_e_mailed_link_is_not_held_by_anothers_lock(on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)
    holder = Client(REMOTE_ADDR="198.51.100.7")

    with time_machine.travel(AT, tick=False):
        _attacker_locks_the_certificate(certificate)
        with on_commit():
            holder.post("/pedido/link/", {"number": order.number})
        open_access_link(holder, link_in(mail.outbox[-1].body))
        page = holder.get(f"/revogar/{certificate.serial}/")
        with on_commit():
            revoked = revoke(holder, certificate, "computer_stolen")

    assert "Muitas tentativas com a senha de revogação errada" not in page.text
    assert "Você abriu este pedido pelo link enviado ao e-mail cadastrado" in page.text
    assert revoked.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    # The attacker's lock on the certificate is still there, untouched by the holder's attempt.
    assert PasswordThrottle.objects.get(scope="certificate").locked_until is not None


def test_a_session_opened_by_the_link_still_has_its_own_limit(on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)
    holder = Client(REMOTE_ADDR="198.51.100.7")

    with time_machine.travel(AT, tick=False) as clock:
        with on_commit():
            holder.post("/pedido/link/", {"number": order.number})
        open_access_link(holder, link_in(mail.outbox[-1].body))
        answers = [revoke(holder, certificate, "computer_stolen", password=f"Errada#{n}x") for n in range(5)]
        right_but_locked = revoke(holder, certificate, "computer_stolen")
        other = Client(REMOTE_ADDR="192.0.2.4")
        open_revocation(other, order)
        clock.shift(timedelta(seconds=1))
        unaffected = revoke(other, certificate, "computer_stolen", password="Errada#9x")

    assert [answer.status_code for answer in answers] == [400] * 4 + [429]
    assert "a revogação nesta sessão está bloqueada" in answers[4].text
    assert right_but_locked.status_code == 429
    # Its guesses counted on its own key, not on the certificate's.
    assert unaffected.status_code == 400 and "Restam 4 tentativas" in unaffected.text
    rows = {row.scope: row for row in PasswordThrottle.objects.all()}
    assert rows["holder_link"].locked_until is not None and rows["certificate"].failures == 1
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.VALID
