"""The back office, as agents and verifiers use it: the day's queue, the dossier and its checklist, the
verification centre with four eyes, and the hand-off that ends with the certificate of the customer's own key."""

import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction

from issuance.models import CertificateAuthority
from issuance.tests.helpers import a1_issue_through_the_page
from orders.models import Order
from orders.tests.factories import CnpjProductFactory, UserFactory
from scheduling.models import Validation, Verification
from scheduling.roles import SUPPORT_GROUP, VERIFIERS_GROUP
from scheduling.services import Checklist, verification_decide
from scheduling.services.validation import FourEyesViolation
from tecnosign.audit.models import AuditEvent
from tecnosign.audit.services import Actor

from .backoffice import AGENDA, FULL_CHECKLIST, QUEUE, booked_order, gather_evidence, staff
from .helpers import book_url, open_order, slot_ids

pytestmark = pytest.mark.django_db


def test_from_a_booked_order_to_a_certificate_through_agent_verifier_and_ca(client, clock, on_commit, team, local_ca):
    order, booking = booked_order(client, clock, on_commit)

    # The agent's home on the day: her appointment, with the room and the start button.
    clock(2026, 11, 23, 9, 50)
    ana, vera = staff(team["ana"]), staff(team["vera"])
    assert "Minha agenda de hoje" in ana.get("/admin/").text
    agenda = ana.get(AGENDA)
    assert agenda.status_code == 200
    assert "Minha agenda — 23/11/2026" in agenda.text and "10:00–10:30" in agenda.text
    assert order.person_name in agenda.text and booking.video_url in agenda.text
    assert staff(team["beto"]).get(AGENDA).text.count(order.number) == 0  # not his appointment

    start = ana.post(f"/admin/scheduling/booking/{booking.pk}/iniciar/")
    assert start.status_code == 302 and start["Location"].endswith(f"/booking/{booking.pk}/dossie/")

    # The dossier: holder data, documents preview, the evidence of the call, checklist. A missing tick refuses it.
    clock(2026, 11, 23, 10, 1)
    gather_evidence(ana, booking)
    dossier = ana.get(start["Location"])
    assert "Checklist e resultado" in dossier.text and order.person_cpf_display in dossier.text
    incomplete = ana.post(start["Location"], {**FULL_CHECKLIST, "check_environment": ""})
    assert incomplete.status_code == 400 and "confirme todos os itens: ambiente adequado" in incomplete.text

    clock(2026, 11, 23, 10, 19)
    with on_commit():
        done = ana.post(start["Location"], FULL_CHECKLIST)
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.VALIDATED
    validation = Validation.objects.get(order=order)
    assert validation.duration_seconds == 29 * 60  # started 09:50, result at 10:19
    assert "Identidade validada" in mail.outbox[-1].subject

    # The agent does not see her own dossier in the verification centre; the verifier does.
    assert ana.get(QUEUE).status_code == 403
    queue = vera.get(QUEUE)
    assert f"{validation.pk}/revisar/" in queue.text and order.holder_name in queue.text
    assert "início antecipado" in queue.text  # started at 09:50 for 10:00: approved with a note
    with on_commit():
        decided = vera.post(
            f"{QUEUE}{validation.pk}/revisar/",
            {"outcome": "verified", "warnings_note": "A cliente entrou antes; a gravação mostra a conferência toda."},
        )
    assert decided.status_code == 302

    # Verified → handed to the local CA → released → the customer issues with the password.
    order.refresh_from_db()
    assert order.status == Order.Status.RELEASED
    released = [m for m in mail.outbox if m.to == [order.email] and "liberado" in m.subject]
    assert released
    open_order(client, order)  # days later: the customer comes back with the order number and CPF
    key, issued = a1_issue_through_the_page(client, order, "Emissao#2026")
    assert issued.status_code == 200
    certificate = x509.load_pem_x509_certificate(issued.json()["certificate"].encode())
    chain = [x509.load_pem_x509_certificate(pem.encode()) for pem in issued.json()["chain"]]
    assert certificate.public_key() == key.public_key()
    issuing = CertificateAuthority.objects.get(role="issuing")
    root = CertificateAuthority.objects.get(role="root")
    issuing_cert = next(c for c in chain if c.subject.rfc4514_string() == certificate.issuer.rfc4514_string())
    issuing_cert.public_key().verify(
        certificate.signature,
        certificate.tbs_certificate_bytes,
        padding.PKCS1v15(),
        certificate.signature_hash_algorithm,
    )
    assert issuing.certificate_pem.strip() == issuing_cert.public_bytes(serialization.Encoding.PEM).decode().strip()
    root_cert = x509.load_pem_x509_certificate(root.certificate_pem.encode())
    root_cert.public_key().verify(
        issuing_cert.signature,
        issuing_cert.tbs_certificate_bytes,
        padding.PKCS1v15(),
        issuing_cert.signature_hash_algorithm,
    )
    order.refresh_from_db()
    assert order.status == Order.Status.ISSUED
    assert key.public_key().public_numbers() == certificate.public_key().public_numbers()

    # Every step is in the audit log, and the chain of that log holds.
    actions = list(AuditEvent.objects.filter(object_id=str(order.pk)).values_list("action", flat=True))
    assert {"validation.recorded", "verification.decided", "order.status"} <= set(actions)
    assert AuditEvent.objects.filter(action="certificate.issued", after__order=order.number).count() == 1
    call_command("verify_audit_log")


def test_the_duration_is_the_time_between_start_and_result(client, clock, on_commit, team):
    _order, booking = booked_order(client, clock, on_commit)
    clock(2026, 11, 23, 10, 2)
    ana = staff(team["ana"])
    ana.post(f"/admin/scheduling/booking/{booking.pk}/iniciar/")
    gather_evidence(ana, booking)
    clock(2026, 11, 23, 10, 21, 30)
    ana.post(f"/admin/scheduling/booking/{booking.pk}/dossie/", FULL_CHECKLIST)

    validation = Validation.objects.get()
    assert validation.duration_seconds == 19 * 60 + 30 and validation.duration_display == "19 min 30 s"
    assert validation.eligibility_basis == booking.eligibility_basis
    booking.refresh_from_db()
    assert (booking.status, booking.outcome) == ("completed", "validated")


def test_an_agent_who_is_also_a_verifier_cannot_verify_their_own_validation(client, clock, on_commit, team):
    order, booking = booked_order(client, clock, on_commit)
    team["ana"].groups.add(Group.objects.get(name=VERIFIERS_GROUP))
    clock(2026, 11, 23, 10, 2)
    ana = staff(team["ana"])
    ana.post(f"/admin/scheduling/booking/{booking.pk}/iniciar/")
    gather_evidence(ana, booking)
    ana.post(f"/admin/scheduling/booking/{booking.pk}/dossie/", FULL_CHECKLIST)
    validation = Validation.objects.get()

    assert f"{validation.pk}/revisar/" not in ana.get(QUEUE).text  # hidden…
    forced = ana.post(f"{QUEUE}{validation.pk}/revisar/", {"outcome": "verified"})  # …and refused
    assert forced.status_code == 400 and "feita por outra pessoa" in forced.text
    with pytest.raises(FourEyesViolation):
        verification_decide(validation=validation, actor=Actor(user=team["ana"]), outcome="verified")
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database agrees
        Verification.objects.create(
            validation=validation,
            order=order,
            agent=team["ana"],
            started_by=team["ana"],
            verifier=team["ana"],
            outcome="verified",
        )
    order.refresh_from_db()
    assert order.status == Order.Status.VALIDATED and not Verification.objects.exists()


def test_a_returned_dossier_goes_back_to_its_agent_who_confirms_it_for_a_second_look(client, clock, on_commit, team):
    order, booking = booked_order(client, clock, on_commit)
    clock(2026, 11, 23, 10, 2)
    ana, vera = staff(team["ana"]), staff(team["vera"])
    ana.post(f"/admin/scheduling/booking/{booking.pk}/iniciar/")
    gather_evidence(ana, booking)
    clock(2026, 11, 23, 10, 20)  # an appointment of normal length: no warning for the verifier
    ana.post(f"/admin/scheduling/booking/{booking.pk}/dossie/", FULL_CHECKLIST)
    first = Validation.objects.get()

    no_reason = vera.post(f"{QUEUE}{first.pk}/revisar/", {"outcome": "returned"})
    assert no_reason.status_code == 400 and "por que o dossiê está sendo devolvido" in no_reason.text
    with on_commit():
        vera.post(f"{QUEUE}{first.pk}/revisar/", {"outcome": "returned", "reason": "Foto do RG cortada no verso"})
    assert mail.outbox[-1].to == ["ana@ts.test"] and "Foto do RG cortada" in mail.outbox[-1].body
    order.refresh_from_db()
    assert order.status == Order.Status.VALIDATED
    assert f"{first.pk}/revisar/" not in vera.get(QUEUE).text

    page = ana.get(f"/admin/scheduling/booking/{booking.pk}/dossie/")
    assert "devolveu este dossiê: Foto do RG cortada no verso" in page.text
    ana.post(f"/admin/scheduling/booking/{booking.pk}/dossie/", {**FULL_CHECKLIST, "note": "Verso conferido no vídeo"})
    second = Validation.objects.latest("pk")
    assert second.pk != first.pk and f"{second.pk}/revisar/" in vera.get(QUEUE).text

    with on_commit():
        vera.post(f"{QUEUE}{second.pk}/revisar/", {"outcome": "verified"})
    order.refresh_from_db()
    assert order.status == Order.Status.RELEASED  # verified, handed to the CA, released


@pytest.mark.parametrize(
    ("reason", "then_status", "message"),
    [
        ("environment", Order.Status.REJECTED, "Agende uma nova videoconferência"),
        ("document_invalid", Order.Status.REJECTED, "Envie um novo documento de identidade"),
    ],
)
def test_a_rejection_tells_the_customer_what_to_do(client, clock, on_commit, team, reason, then_status, message):
    order, booking = booked_order(client, clock, on_commit)
    clock(2026, 11, 23, 10, 2)
    ana = staff(team["ana"])
    ana.post(f"/admin/scheduling/booking/{booking.pk}/iniciar/")
    without_reason = ana.post(f"/admin/scheduling/booking/{booking.pk}/dossie/", {"outcome": "rejected"})
    assert without_reason.status_code == 400 and "Escolha o motivo da recusa" in without_reason.text

    with on_commit():
        ana.post(
            f"/admin/scheduling/booking/{booking.pk}/dossie/",
            {"outcome": "rejected", "reject_reason": reason, "note": "Cliente no carro"},
        )

    order.refresh_from_db()
    assert order.status == then_status
    rejected = mail.outbox[-1]
    assert rejected.to == [order.email] and message in rejected.body and "Cliente no carro" in rejected.body
    # A call that failed for the place (not the document) may book again at once; a bad document may not.
    clock(2026, 11, 23, 11, 0)
    open_order(client, order)
    can_book = bool(slot_ids(client.get(book_url(order))))
    assert can_book is (reason == "environment")


def test_e_cnpj_needs_the_legal_representative_ticked(client, clock, on_commit, team):
    _order, booking = booked_order(
        client, clock, on_commit, product=CnpjProductFactory(), cnpj="11222333000181", company_name="Padaria Ltda"
    )
    clock(2026, 11, 23, 10, 2)
    ana = staff(team["ana"])
    ana.post(f"/admin/scheduling/booking/{booking.pk}/iniciar/")
    gather_evidence(ana, booking)

    refused = ana.post(
        f"/admin/scheduling/booking/{booking.pk}/dossie/", {**FULL_CHECKLIST, "check_legal_representative": ""}
    )

    assert refused.status_code == 400 and "é o representante legal da empresa" in refused.text
    assert not Validation.objects.exists()


def test_roles_see_only_what_their_work_needs(client, clock, on_commit, team):
    order, booking = booked_order(client, clock, on_commit, upload=True)
    support = UserFactory(username="suporte", is_staff=True)
    support.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    clock(2026, 11, 23, 10, 2)
    ana, vera, help_desk = staff(team["ana"]), staff(team["vera"]), staff(support)

    assert ana.get("/admin/scheduling/verificationqueueentry/").status_code == 403
    assert ana.get("/admin/orders/payment/").status_code == 403
    assert vera.get(AGENDA).status_code == 403
    assert vera.post(f"/admin/scheduling/booking/{booking.pk}/dossie/", FULL_CHECKLIST).status_code == 400
    assert not Validation.objects.exists()  # a verifier cannot record the agent's validation
    assert help_desk.get("/admin/orders/order/").status_code == 200
    assert help_desk.get(f"/admin/scheduling/booking/{booking.pk}/dossie/").status_code == 403
    document = order.documents.get()
    assert help_desk.get(f"/retaguarda/documentos/{document.public_id}/arquivo/").status_code == 403
    assert ana.get(f"/retaguarda/documentos/{document.public_id}/arquivo/").status_code == 200  # her booking
    assert help_desk.get("/admin/audit/auditevent/").status_code == 200


def test_only_the_assigned_agent_records_the_result(client, clock, on_commit, team):
    _order, booking = booked_order(client, clock, on_commit)
    clock(2026, 11, 23, 10, 2)
    staff(team["ana"]).post(f"/admin/scheduling/booking/{booking.pk}/iniciar/")

    beto = staff(team["beto"]).post(f"/admin/scheduling/booking/{booking.pk}/dossie/", FULL_CHECKLIST)

    assert beto.status_code == 400 and "Só o agente que conduziu" in beto.text
    assert not Validation.objects.exists()
    assert (
        re.search("Checklist", staff(team["beto"]).get(f"/admin/scheduling/booking/{booking.pk}/dossie/").text) is None
    )


def test_checklist_dataclass_names_what_is_missing():
    assert Checklist(True, True, False, True).missing(company=False) == []
    assert Checklist(True, False, False, True).missing(company=True) == [
        "o titular em pessoa, sem outra pessoa",
        "é o representante legal da empresa",
    ]
