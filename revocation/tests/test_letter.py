"""Forgotten revocation password: the letter (PDF), the notarised scan, the staff review in the admin."""

import io

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from pypdf import PdfReader

from issuance.models import Certificate, IssuanceRequest
from orders.models import Order
from orders.tests.factories import CnpjProductFactory, UserFactory
from revocation.models import RevocationRequest
from tecnosign.audit.models import AuditEvent
from tecnosign.tests.auth import staff_login

from .helpers import brt, confirm_reissue, issue_a1, open_revocation, run_reissue_beat

pytestmark = pytest.mark.django_db
ISSUED_AT = brt(2026, 12, 1, 10, 0)
NEW_REVOCATION = "OutraRevoga#27"


@pytest.fixture
def staff(client):
    def login(*perms: str):
        user = UserFactory(username=f"revisor-{len(perms)}@tecnosign.com.br", is_staff=True)
        user.user_permissions.add(*Permission.objects.filter(content_type__app_label="revocation", codename__in=perms))
        staff_client = type(client)()
        staff_login(staff_client, user)
        return staff_client

    return login


def ask_for_letter(client, certificate, reason="file_corrupted", **extra):
    data = {
        "reason": reason,
        "new_revocation_password": NEW_REVOCATION,
        "new_revocation_password_confirm": NEW_REVOCATION,
        "confirm": "on",
        **extra,
    }
    return client.post(f"/revogar/{certificate.serial}/carta/", data)


def scan_png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 60), "white").save(buffer, format="PNG")
    return SimpleUploadedFile("carta-assinada.png", buffer.getvalue(), content_type="image/png")


def letter_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_letter_path_from_the_pdf_to_the_revocation_approved_in_the_admin(client, on_commit, staff):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)

    with time_machine.travel(brt(2026, 12, 10, 11, 0), tick=False):
        open_revocation(client, order)
        asked = ask_for_letter(client, certificate)
        page = client.get(f"/revogar/{certificate.serial}/").text
        pdf = client.get(f"/revogar/{certificate.serial}/carta.pdf")
        with on_commit():
            sent = client.post(f"/revogar/{certificate.serial}/carta/envio/", {"letter": scan_png()})
        order_page = client.get(f"/pedido/{order.number}/").text

    assert asked.status_code == 302 and asked["Location"] == f"/revogar/{certificate.serial}/#carta"
    assert "Baixe a carta (PDF)" in page
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    text = letter_text(pdf.content)
    assert certificate.serial in text
    assert "Maria da Silva" in text and "529.982.247-25" in text
    assert "O arquivo do certificado corrompeu quando eu baixei" in text
    assert "reconhecer firma em cartório" in text
    assert "Local e data" in text and "assinatura com firma reconhecida" in text
    assert f"/revogar/{certificate.serial}/" in text  # where to send it
    assert sent.status_code == 302
    letter = RevocationRequest.objects.get(certificate=certificate)
    assert letter.status == RevocationRequest.Status.UNDER_REVIEW and letter.letter_content_type == "image/png"
    assert "Carta em análise" in order_page
    [alert] = [m for m in mail.outbox if m.to == ["operacao@tecnosign.test"]]
    assert letter.reference in alert.subject

    with time_machine.travel(brt(2026, 12, 11, 9, 0), tick=False):
        reviewer = staff("view_revocationrequest", "review_letter")
        listing = reviewer.get("/admin/revocation/revocationrequest/?status__exact=under_review")
        change = reviewer.get(f"/admin/revocation/revocationrequest/{letter.pk}/change/")
        review = reviewer.get(f"/admin/revocation/revocationrequest/{letter.pk}/revisar/")
        scan = reviewer.get(f"/retaguarda/revogacoes/{letter.public_id}/carta/")
        by_pk = reviewer.get(f"/retaguarda/revogacoes/{letter.pk}/carta/")
        with on_commit():
            approved = reviewer.post(
                f"/admin/revocation/revocationrequest/{letter.pk}/revisar/", {"decision": "approve"}
            )

    assert listing.status_code == 200 and letter.reference in listing.text
    assert change.status_code == 200 and "Conferir a carta e decidir" in change.text
    assert f"/retaguarda/revogacoes/{letter.public_id}/carta/" in change.text
    assert by_pk.status_code == 404  # the sequential form of the URL is gone
    assert "pbkdf2" not in change.text and "md5$" not in change.text  # password hashes stay out of the admin
    assert review.status_code == 200 and "Aprovar e revogar o certificado" in review.text
    assert (
        scan.status_code == 200 and scan["Content-Type"] == "image/png" and scan["Cache-Control"] == "private, no-store"
    )
    assert approved.status_code == 302
    letter.refresh_from_db()
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.revocation_reason == Certificate.Reason.SUPERSEDED
    assert letter.status == RevocationRequest.Status.REVOKED and letter.reviewed_by is not None
    assert Order.objects.get(pk=order.pk).status == Order.Status.REVOKED
    replacement = letter.replacement
    # The letter proves the signature, not the contact: the reuse of the validation waits for the same proof.
    assert replacement.replaces == order and replacement.status == Order.Status.PAID
    assert not IssuanceRequest.objects.filter(order=replacement).exists()
    [confirmation] = [m for m in mail.outbox if m.subject == f"Certificado revogado — pedido {order.number}"]
    assert "Pedido por: Carta com firma reconhecida" in confirmation.body
    assert replacement.number in confirmation.body
    actions = list(AuditEvent.objects.filter(object_id=str(order.pk)).values_list("action", flat=True))
    for action in ("revocation.letter_requested", "revocation.letter_uploaded", "revocation.letter_viewed"):
        assert action in actions
    assert "revocation.revoked" in actions

    # The holder, with the link e-mailed and the code texted, chooses the passwords; the hold runs out.
    with time_machine.travel(brt(2026, 12, 11, 10, 0), tick=False):
        confirmed = confirm_reissue(Client(), replacement, on_commit)
    run_reissue_beat(on_commit, brt(2026, 12, 11, 12, 0))
    replacement.refresh_from_db()
    assert confirmed.status_code == 302 and replacement.status == Order.Status.RELEASED
    assert replacement.revocation_password_hash != order.revocation_password_hash  # the forgotten one is replaced


def test_the_guarantee_is_judged_when_the_signed_letter_arrives_not_when_staff_review_it(client, on_commit, staff):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)  # 14 days: until 15/12 in Brasília
    with time_machine.travel(brt(2026, 12, 15, 23, 0), tick=False):
        open_revocation(client, order)
        ask_for_letter(client, certificate)
        client.post(f"/revogar/{certificate.serial}/carta/envio/", {"letter": scan_png()})
    letter = RevocationRequest.objects.get(certificate=certificate)

    with time_machine.travel(brt(2026, 12, 18, 10, 0), tick=False), on_commit():
        staff("view_revocationrequest", "review_letter").post(
            f"/admin/revocation/revocationrequest/{letter.pk}/revisar/", {"decision": "approve"}
        )

    letter.refresh_from_db()
    assert letter.within_guarantee is True and letter.replacement is not None


def test_staff_refuse_with_a_reason_that_reaches_the_customer(client, on_commit, staff):
    order, certificate = issue_a1(
        on_commit,
        at=ISSUED_AT,
        product=CnpjProductFactory(),
        cnpj="00000010000127",
        company_name="Padaria Pão Bom Ltda",
    )
    with time_machine.travel(brt(2026, 12, 20, 10, 0), tick=False):
        open_revocation(client, order, "00.000.010/0001-27")
        asked = ask_for_letter(client, certificate, reason="computer_stolen")
        pdf = client.get(f"/revogar/{certificate.serial}/carta.pdf")
        client.post(f"/revogar/{certificate.serial}/carta/envio/", {"letter": scan_png()})
    letter = RevocationRequest.objects.get(certificate=certificate)
    reviewer = staff("view_revocationrequest", "review_letter")
    url = f"/admin/revocation/revocationrequest/{letter.pk}/revisar/"

    without_reason = reviewer.post(url, {"decision": "refuse", "refusal_reason": "  "})
    with on_commit():
        refused = reviewer.post(
            url, {"decision": "refuse", "refusal_reason": "A firma não foi reconhecida em cartório."}
        )
    page = client.get(f"/revogar/{certificate.serial}/").text
    order_page = client.get(f"/pedido/{order.number}/").text

    assert asked.status_code == 302
    text = letter_text(pdf.content)
    assert "Padaria Pão Bom Ltda" in text and "00.000.010/0001-27" in text and "representante legal" in text
    assert without_reason.status_code == 400
    assert refused.status_code == 302
    letter.refresh_from_db()
    assert letter.status == RevocationRequest.Status.REFUSED
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.VALID
    [message] = [m for m in mail.outbox if m.subject == f"Carta de revogação recusada — pedido {order.number}"]
    assert "Motivo: A firma não foi reconhecida em cartório." in message.body
    assert "A firma não foi reconhecida em cartório." in page and "Gerar a carta de revogação" in page
    assert "Carta recusada" in order_page
    assert AuditEvent.objects.filter(action="revocation.letter_refused", note__startswith="A firma").exists()


def test_a_scan_that_is_not_pdf_jpeg_or_png_is_refused_and_reviewers_need_the_permission(client, on_commit, staff):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)
    with time_machine.travel(brt(2026, 12, 3, 10, 0), tick=False):
        open_revocation(client, order)
        ask_for_letter(client, certificate, reason="access_withdrawn")
        fake = SimpleUploadedFile("carta.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
        refused = client.post(f"/revogar/{certificate.serial}/carta/envio/", {"letter": fake})
        again = ask_for_letter(client, certificate, reason="computer_stolen")
        client.post(f"/revogar/{certificate.serial}/carta/envio/", {"letter": scan_png()})
        letter = RevocationRequest.objects.get(certificate=certificate)
        onlooker = staff("view_revocationrequest")
        forbidden = onlooker.post(f"/admin/revocation/revocationrequest/{letter.pk}/revisar/", {"decision": "approve"})
        anonymous = client.get(f"/retaguarda/revogacoes/{letter.public_id}/carta/")
        letter_url = f"/retaguarda/revogacoes/{letter.public_id}/carta/"
        onlooker_scan = onlooker.get(letter_url)
        agent_scan = staff().get(letter_url)  # staff without the permission (an agent, say)

    assert refused.status_code == 400 and "não é PDF, JPEG nem PNG" in refused.text
    assert again.status_code == 409 and "Já existe um pedido de revogação por carta em andamento" in again.text
    assert forbidden.status_code == 403
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    assert onlooker_scan.status_code == 200 and agent_scan.status_code == 403
    assert AuditEvent.objects.filter(action="revocation.letter_viewed").count() == 1  # the onlooker's only
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.VALID


def test_a_letter_not_sent_yet_can_be_cancelled_and_asked_again_with_another_reason(client, on_commit):
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)

    with time_machine.travel(brt(2026, 12, 3, 10, 0), tick=False):
        open_revocation(client, order)
        ask_for_letter(client, certificate, reason="access_withdrawn")
        cancelled = client.post(f"/revogar/{certificate.serial}/carta/cancelar/")
        again = ask_for_letter(client, certificate, reason="computer_stolen")
        pdf = client.get(f"/revogar/{certificate.serial}/carta.pdf")

    assert cancelled.status_code == again.status_code == 302
    statuses = dict(RevocationRequest.objects.filter(certificate=certificate).values_list("reason", "status"))
    assert statuses == {"access_withdrawn": "closed", "computer_stolen": "awaiting_letter"}
    assert "O computador foi roubado" in letter_text(pdf.content)
