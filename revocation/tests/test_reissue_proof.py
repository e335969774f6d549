"""The revocation password alone no longer yields a certificate in the holder's name: a same-holder reissue waits
for the holder's proof of contact (link + SMS code), is held with a "Não fui eu" link, then handed off once."""

import pytest
import time_machine
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.test import Client

from issuance.models import Certificate, IssuanceRequest
from issuance.tests.helpers import a1_authorise
from orders.models import HolderLink, Order
from revocation.models import ReissueConfirmation
from tecnosign.notifications import sms

from .helpers import (
    CPF,
    ISSUANCE_PASSWORD,
    NEW_ISSUANCE_PASSWORD,
    NEW_REVOCATION_PASSWORD,
    REISSUE_LINK,
    STOP_LINK,
    brt,
    confirm_reissue,
    e_mailed_link,
    issue_a1,
    revoke,
    run_reissue_beat,
    texted_code,
)

pytestmark = pytest.mark.django_db
C = ReissueConfirmation.Status
S = Order.Status
ISSUED_AT = brt(2026, 12, 1, 10, 0)
REVOKED_AT = brt(2026, 12, 5, 15, 0)  # within the 14 days
CONFIRMED_AT = brt(2026, 12, 5, 16, 0)  # the hand-off is held until 18:00 (REISSUE_NOTICE_MINUTES = 120)
ATTACKER_PASSWORD = "DoLadrao#2026"


def _attacker_revokes(on_commit):
    """Serial + CPF (printed in the certificate) + the revocation password: "lost password", within 14 days, asking
    for an issuance password of the attacker's choosing on the way."""
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    with time_machine.travel(REVOKED_AT, tick=False):
        assert attacker.post("/revogar/", {"identifier": certificate.serial, "document": CPF}).status_code == 302
        with on_commit():
            response = revoke(
                attacker,
                certificate,
                "password_lost",
                new_issuance_password=ATTACKER_PASSWORD,
                new_issuance_password_confirm=ATTACKER_PASSWORD,
            )
    return order, certificate, attacker, response


def _handoffs(order) -> int:
    return IssuanceRequest.objects.filter(order=order).count()


def test_the_revocation_password_alone_leaves_the_replacement_unverified_without_the_attackers_password(on_commit):
    order, certificate, attacker, response = _attacker_revokes(on_commit)
    replacement = Order.objects.get(replaces=order)

    with time_machine.travel(REVOKED_AT, tick=False):
        issue_attempt = a1_authorise(attacker, replacement, ATTACKER_PASSWORD)
        # The holder's link from the e-mail, tried without the SMS code and with a wrong one.
        path = e_mailed_link(replacement, REISSUE_LINK)
        wrong = f"{(int(texted_code(replacement)) + 1) % 10**6:06d}"
        passwords = {
            "issuance_password": ATTACKER_PASSWORD,
            "issuance_password_confirm": ATTACKER_PASSWORD,
            "revocation_password": NEW_REVOCATION_PASSWORD,
            "revocation_password_confirm": NEW_REVOCATION_PASSWORD,
        }
        without_code = attacker.post(path, {**passwords, "code": ""})
        wrong_code = attacker.post(path, {**passwords, "code": wrong})

    assert response.status_code == 302  # the revocation itself: the revocation password proves that much
    certificate.refresh_from_db()
    assert (certificate.status, certificate.revocation_reason) == (
        Certificate.Status.REVOKED,
        Certificate.Reason.SUPERSEDED,
    )
    replacement.refresh_from_db()
    assert (replacement.status, replacement.price) == (S.PAID, 0)
    assert replacement.issuance_password_hash == order.issuance_password_hash
    assert not check_password(ATTACKER_PASSWORD, replacement.issuance_password_hash)
    assert _handoffs(replacement) == 0
    assert issue_attempt.status_code == 409 and not replacement.certificates.exists()
    assert without_code.status_code == wrong_code.status_code == 400
    assert "Digite o código recebido por SMS" in without_code.text and "Código incorreto" in wrong_code.text
    confirmation = ReissueConfirmation.objects.get(replacement=replacement)
    assert (confirmation.status, confirmation.issuance_password_hash) == (C.AWAITING_HOLDER, "")
    assert HolderLink.objects.get(purpose="reissue").code_failures == 1
    # The link and the code went to the contact on file, nowhere the attacker reads.
    assert path.split("/")[-2] not in response.text
    assert [message["to"] for message in sms.outbox] == [order.mobile]


def test_the_holder_confirms_with_link_and_code_then_the_hold_then_one_hand_off(client, on_commit):
    order, _, _, _ = _attacker_revokes(on_commit)
    replacement = Order.objects.get(replaces=order)

    with time_machine.travel(CONFIRMED_AT, tick=False):
        confirmed = confirm_reissue(client, replacement, on_commit)
        reused = Client().get(e_mailed_link(replacement, REISSUE_LINK))  # the link is spent
    replacement.refresh_from_db()
    verified_without_handoff = (replacement.status, _handoffs(replacement))
    notice = [m for m in mail.outbox if m.subject.startswith("Reemissão confirmada")]
    stop_path = e_mailed_link(replacement, STOP_LINK)
    run_reissue_beat(on_commit, brt(2026, 12, 5, 17, 59))  # not yet
    before_due = _handoffs(replacement)
    run_reissue_beat(on_commit, brt(2026, 12, 5, 18, 3), times=2)  # a doubled beat
    with time_machine.travel(brt(2026, 12, 5, 18, 5), tick=False):
        too_late = Client().post(stop_path)

    assert confirmed.status_code == 302 and reused.status_code == 410
    assert verified_without_handoff == (S.VERIFIED, 0)
    [email] = notice
    assert "05/12/2026 às 18:00 (horário de Brasília)" in email.body and stop_path in email.body
    [hold_sms] = [s for s in sms.outbox if "Cancele" in s["text"]]
    assert hold_sms["to"] == order.mobile and "05/12/2026 às 18:00" in hold_sms["text"]
    assert stop_path in hold_sms["text"]
    assert before_due == 0
    assert _handoffs(replacement) == 1
    replacement.refresh_from_db()
    assert replacement.status == S.RELEASED
    assert check_password(NEW_ISSUANCE_PASSWORD, replacement.issuance_password_hash)
    assert check_password(NEW_REVOCATION_PASSWORD, replacement.revocation_password_hash)
    confirmation = ReissueConfirmation.objects.get(replacement=replacement)
    assert confirmation.status == C.HANDED_OFF and confirmation.issuance_password_hash == ""
    assert too_late.status_code == 409 and "Tarde demais" in too_late.text


def test_not_me_sends_the_replacement_to_a_new_validation_and_alerts_staff(client, on_commit):
    order, _, _, _ = _attacker_revokes(on_commit)
    replacement = Order.objects.get(replaces=order)
    with time_machine.travel(CONFIRMED_AT, tick=False):
        confirm_reissue(client, replacement, on_commit)
    stop_path = e_mailed_link(replacement, STOP_LINK)
    holder = Client()

    with time_machine.travel(brt(2026, 12, 5, 16, 30), tick=False):
        page = holder.get(stop_path)
        with on_commit():
            stopped = holder.post(stop_path)
        again = holder.post(stop_path)
    run_reissue_beat(on_commit, brt(2026, 12, 5, 18, 3), times=2)

    assert page.status_code == 200 and "Não fui eu — cancelar a reemissão" in page.text
    assert stopped.status_code == 200 and "Reemissão cancelada" in stopped.text
    assert again.status_code == 410
    replacement.refresh_from_db()
    assert replacement.status == S.PAID and _handoffs(replacement) == 0
    # The passwords chosen on the link's page are dropped: the original purchase's stay.
    assert replacement.issuance_password_hash == order.issuance_password_hash
    assert check_password(ISSUANCE_PASSWORD, replacement.issuance_password_hash)
    confirmation = ReissueConfirmation.objects.get(replacement=replacement)
    assert confirmation.status == C.STOPPED and confirmation.revocation_password_hash == ""
    [alert] = [m for m in mail.outbox if m.to == ["operacao@tecnosign.test"] and "Não fui eu" in m.subject]
    assert replacement.number in alert.subject and order.number in alert.body
    assert any(m.subject == f"Reemissão cancelada — pedido {replacement.number}" for m in mail.outbox)
    with time_machine.travel(brt(2026, 12, 5, 18, 5), tick=False):
        customer = Client()
        customer.post("/pedido/", {"number": replacement.number, "document": CPF})
        order_page = customer.get(f"/pedido/{replacement.number}/").text
    assert "Esta reemissão segue pela <strong>nova validação</strong>" in order_page
    assert "Enviar documentos" in order_page


def test_without_access_to_the_contact_the_reissue_goes_to_a_new_validation_at_once(client, on_commit):
    order, _, attacker, response = _attacker_revokes(on_commit)
    replacement = Order.objects.get(replaces=order)

    with time_machine.travel(REVOKED_AT, tick=False):
        page = attacker.get(response["Location"])
        with on_commit():
            chosen = attacker.post(f"/pedido/{replacement.number}/reemissao/sem-acesso/", follow=True)
        late = confirm_reissue(client, replacement, on_commit)

    assert "Não tenho mais acesso a esse e-mail ou celular" in page.text
    assert "segue pela nova validação" in chosen.text
    assert late.status_code == 409 and "segue pela nova validação" in late.text
    replacement.refresh_from_db()
    assert replacement.status == S.PAID and _handoffs(replacement) == 0
    assert ReissueConfirmation.objects.get(replacement=replacement).status == C.NEW_VALIDATION
    assert replacement.issuance_password_hash == order.issuance_password_hash
    assert any(m.subject == f"Reemissão pela nova validação — pedido {replacement.number}" for m in mail.outbox)


def test_another_link_and_code_can_be_sent_and_the_new_password_must_differ_from_the_old(client, on_commit):
    order, _, attacker, _ = _attacker_revokes(on_commit)
    replacement = Order.objects.get(replaces=order)

    with time_machine.travel(REVOKED_AT, tick=False):
        with on_commit():
            resent = attacker.post(f"/pedido/{replacement.number}/reemissao/reenviar/", follow=True)
        same_as_before = confirm_reissue(
            client,
            replacement,
            on_commit,
            revocation_password="Revoga#2026x",  # the original's, which whoever revoked knew
            revocation_password_confirm="Revoga#2026x",
        )
        confirmed = confirm_reissue(client, replacement, on_commit)

    assert "Enviamos um novo link" in resent.text
    assert HolderLink.objects.filter(purpose="reissue", order=replacement).count() == 3  # two, then the stop link
    assert len([s for s in sms.outbox if s["to"] == order.mobile]) == 3  # two codes, then the hold notice
    assert same_as_before.status_code == 400 and "diferente da anterior" in same_as_before.text
    assert confirmed.status_code == 302
    replacement.refresh_from_db()
    assert replacement.status == S.VERIFIED
