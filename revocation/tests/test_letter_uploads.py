"""The signed letter goes through the documents' content check: hostile scans are refused, nothing is stored."""

from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from orders.tests.factories import UserFactory
from orders.tests.files import CountingStream, active_pdf, bomb_png, clean_pdf
from revocation.models import RevocationRequest
from tecnosign.audit.models import AuditEvent
from tecnosign.tests.auth import staff_login

from .helpers import brt, issue_a1, open_revocation
from .test_letter import ask_for_letter

pytestmark = pytest.mark.django_db
ISSUED_AT = brt(2026, 12, 1, 10, 0)
NOW = brt(2026, 12, 3, 10, 0)


@pytest.fixture
def awaiting_letter(client, on_commit, settings):
    """The customer asked for the letter and is on the page to send it back."""
    order, certificate = issue_a1(on_commit, at=ISSUED_AT)
    with time_machine.travel(NOW, tick=False):
        open_revocation(client, order)
        ask_for_letter(client, certificate, reason="access_withdrawn")
    storage = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    return certificate, storage, {path for path in storage.rglob("*") if path.is_file()}


def assert_still_awaiting(certificate, storage, files_before):
    letter = RevocationRequest.objects.get(certificate=certificate)
    assert letter.status == RevocationRequest.Status.AWAITING_LETTER and not letter.letter
    assert not AuditEvent.objects.filter(action="revocation.letter_uploaded").exists()
    assert {path for path in storage.rglob("*") if path.is_file()} == files_before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("carta.png", bomb_png(), "A imagem “carta.png” é grande demais (200 megapixels). Envie uma foto de até 70 MP"),
        ("carta.pdf", active_pdf("open_action_javascript"), "O PDF “carta.pdf” contém JavaScript; manda o leitor"),
        ("carta.pdf", active_pdf("embedded_file"), "traz outros arquivos anexados dentro dele"),
    ],
    ids=["bomb-png", "pdf-openaction-javascript", "pdf-embedded-file"],
)
def test_a_hostile_letter_scan_is_refused_in_portuguese(client, awaiting_letter, name, content, message):
    certificate, storage, before = awaiting_letter

    with time_machine.travel(NOW, tick=False):
        response = client.post(
            f"/revogar/{certificate.serial}/carta/envio/", {"letter": SimpleUploadedFile(name, content)}
        )

    assert response.status_code == 400 and message in response.text
    assert_still_awaiting(certificate, storage, before)


def test_a_100_mb_letter_body_is_refused_before_it_is_read(client, awaiting_letter):
    certificate, storage, before = awaiting_letter
    body = CountingStream(encode_multipart(BOUNDARY, {"letter": SimpleUploadedFile("carta.pdf", clean_pdf())}))

    with time_machine.travel(NOW, tick=False):
        response = client.post(
            f"/revogar/{certificate.serial}/carta/envio/",
            content_type=MULTIPART_CONTENT,
            **{"wsgi.input": body, "CONTENT_LENGTH": str(100 * 1024 * 1024)},
        )

    assert response.status_code == 413 and body.bytes_read == 0
    assert "Envie um arquivo de até 10 MB." in response.text
    assert f'href="/revogar/{certificate.serial}/#carta"' in response.text
    assert_still_awaiting(certificate, storage, before)


def test_a_clean_pdf_letter_is_accepted_and_staff_get_it_inert(client, awaiting_letter):
    certificate, _, _ = awaiting_letter
    with time_machine.travel(NOW, tick=False):
        sent = client.post(
            f"/revogar/{certificate.serial}/carta/envio/",
            {"letter": SimpleUploadedFile("carta-assinada.pdf", clean_pdf())},
        )
    letter = RevocationRequest.objects.get(certificate=certificate)
    reviewer = UserFactory(username="revisor@tecnosign.com.br", is_staff=True)
    reviewer.user_permissions.add(Permission.objects.get(codename="view_revocationrequest"))
    staff_login(client, reviewer)

    response = client.get(f"/retaguarda/revogacoes/{letter.public_id}/carta/")

    assert sent.status_code == 302
    assert letter.status == RevocationRequest.Status.UNDER_REVIEW and letter.letter_content_type == "application/pdf"
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'; frame-ancestors 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
