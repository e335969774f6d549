"""The verification centre's second look at what the numbers say: a call shorter than VALIDATION_MIN_MINUTES and a
call started before its booked time are flagged, and the verifier approves them only with a note (audited). Also
the agenda's count in words and the dossier's PDF preview with its link fallback."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from orders.models import Order
from orders.services.documents import document_attach
from orders.tests.files import clean_pdf
from scheduling.models import Validation, Verification
from scheduling.services import verification_decide
from scheduling.services.validation import ValidationRefused
from tecnosign.audit.models import AuditEvent
from tecnosign.audit.services import Actor

from .backoffice import AGENDA, FULL_CHECKLIST, QUEUE, booked_order, gather_evidence, staff

pytestmark = pytest.mark.django_db

NOTE = "Cliente já estava com o documento na mão; a gravação mostra a conferência completa."


def validated(client, clock, on_commit, team, *, start: tuple, record: tuple, upload: bool = False):
    """Ana's 10:00 appointment, started at `start` and validated at `record` (Brasília, 23/11/2026)."""
    order, booking = booked_order(client, clock, on_commit, upload=upload)
    clock(2026, 11, 23, *start)
    ana = staff(team["ana"])
    assert ana.post(f"/admin/scheduling/booking/{booking.pk}/iniciar/").status_code == 302
    gather_evidence(ana, booking)
    clock(2026, 11, 23, *record)
    with on_commit():
        assert ana.post(f"/admin/scheduling/booking/{booking.pk}/dossie/", FULL_CHECKLIST).status_code == 302
    return order, Validation.objects.get(order=order)


def review(validation) -> str:
    return f"{QUEUE}{validation.pk}/revisar/"


def test_a_short_call_is_flagged_and_approved_only_with_a_note(client, clock, on_commit, team, local_ca):
    # given a validation that lasted one minute, started on time
    order, validation = validated(client, clock, on_commit, team, start=(10, 2), record=(10, 3))
    vera = staff(team["vera"])

    # when the verifier opens the queue and the dossier
    queue = vera.get(QUEUE)
    page = vera.get(review(validation))

    # then both say so
    assert "atendimento curto" in queue.text and "início antecipado" not in queue.text
    assert "Atendimento curto: durou 1 min 00 s, menos que os 3 minutos esperados" in page.text
    assert 'name="warnings_note"' in page.text

    # when she approves without a note
    refused = vera.post(review(validation), {"outcome": "verified"})

    # then it is refused, next to the note's field, and nothing changed
    assert refused.status_code == 400
    assert 'id="id_warnings_note_error"' in refused.text and "diga na observação por que" in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert Order.objects.get(pk=order.pk).status == Order.Status.VALIDATED
    assert not Verification.objects.exists() and not AuditEvent.objects.filter(action="verification.decided").exists()

    # when she approves with a note
    with on_commit():
        approved = vera.post(review(validation), {"outcome": "verified", "warnings_note": NOTE})

    # then the order goes on to the CA and the audit event holds the warnings and her note
    assert approved.status_code == 302
    assert Order.objects.get(pk=order.pk).status == Order.Status.RELEASED
    event = AuditEvent.objects.get(action="verification.decided")
    assert event.after["warnings"] == ["short"] and event.after["warnings_note"] == NOTE


def test_an_early_start_is_flagged_and_the_service_itself_refuses_it_without_a_note(
    client, clock, on_commit, team, local_ca
):
    # given a call of 29 minutes started at 09:50 for 10:00
    order, validation = validated(client, clock, on_commit, team, start=(9, 50), record=(10, 19))
    vera = staff(team["vera"])

    # then the dossier says it started 10 minutes early, and nothing about its length
    page = vera.get(review(validation)).text
    assert "Início antecipado: o atendimento começou às 09:50, 10 min antes do horário marcado (10:00" in page
    assert "Atendimento curto" not in page

    # when the service is called directly without a note (not through the form)
    with pytest.raises(ValidationRefused):
        verification_decide(validation=validation, actor=Actor(user=team["vera"]), outcome="verified")

    # then nothing was decided
    assert Order.objects.get(pk=order.pk).status == Order.Status.VALIDATED and not Verification.objects.exists()

    # and returning the dossier needs the reason only, not the warnings' note
    with on_commit():
        returned = vera.post(review(validation), {"outcome": "returned", "reason": "Refazer no horário marcado"})
    assert returned.status_code == 302
    assert AuditEvent.objects.get(action="verification.decided").after["warnings"] == ["early"]


def test_a_call_of_normal_length_on_time_has_no_warning_and_no_note_field(client, clock, on_commit, team):
    # given a 20-minute call started on time
    _, validation = validated(client, clock, on_commit, team, start=(10, 0), record=(10, 20))

    # then the review page has neither warning nor the note's field
    page = staff(team["vera"]).get(review(validation)).text
    assert "Alertas deste atendimento" not in page and 'name="warnings_note"' not in page


@override_settings(VALIDATION_MIN_MINUTES=1)
def test_the_minimum_length_is_a_setting(client, clock, on_commit, team):
    # given a two-minute call, with the minimum set to one minute
    _, validation = validated(client, clock, on_commit, team, start=(10, 1), record=(10, 3))

    # then it is not flagged
    assert "Atendimento curto" not in staff(team["vera"]).get(review(validation)).text


def test_the_agenda_counts_appointments_in_words(client, clock, on_commit, team):
    # given Ana's appointment of the day
    booked_order(client, clock, on_commit)
    clock(2026, 11, 23, 9, 0)

    # when she opens her agenda
    page = staff(team["ana"]).get(AGENDA).text

    # then the count reads as a sentence, and the menu's label is no longer glued to a number
    assert "1 videoconferência" in page
    assert "minha agenda (hoje)" not in page.lower()


def test_a_pdf_document_previews_in_an_object_with_a_link_as_its_fallback(client, clock, on_commit, team):
    # given Ana's appointment whose identity document is a PDF
    order, booking = booked_order(client, clock, on_commit)
    document = document_attach(
        order=order,
        kind="identity",
        identity_type="cnh",
        uploaded=SimpleUploadedFile("cnh.pdf", clean_pdf(), "application/pdf"),
        actor=Actor(label="cliente"),
    )
    clock(2026, 11, 23, 10, 1)
    ana = staff(team["ana"])
    ana.post(f"/admin/scheduling/booking/{booking.pk}/iniciar/")

    # when she opens the dossier
    page = ana.get(f"/admin/scheduling/booking/{booking.pk}/dossie/")

    # then the PDF is an <object> whose content is a link to the file, and the page's policy lets it load
    file_url = f"/retaguarda/documentos/{document.public_id}/arquivo/"
    assert f'<object data="{file_url}" type="application/pdf"' in page.text
    assert f'<a href="{file_url}" target="_blank" rel="noopener">abrir cnh.pdf (PDF) em nova aba</a>' in page.text
    assert "<iframe" not in page.text
    assert "object-src 'self'" in page["Content-Security-Policy"]
    # and every other page keeps `object-src 'none'`
    assert "object-src 'none'" in ana.get(AGENDA)["Content-Security-Policy"]
