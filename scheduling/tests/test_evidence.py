"""The videoconference's evidence, as the agent collects it in the dossier: the face capture, the biometric base
(the sandbox's rule on the CPF reaches every branch), the Lista Negativa, and the holder's term — and the validation
that refuses to go ahead without them."""

import hashlib
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from issuance.services.negative_list import negative_list_add
from orders.models import HolderBiometrics, Order
from orders.services.documents import required_kinds
from orders.tests.factories import ProductFactory, UserFactory, valid_cpf
from orders.tests.files import clean_pdf, png_bytes
from scheduling.models import BiometricMatch, Booking, FaceCapture, NegativeListCheck, Validation
from scheduling.roles import SUPPORT_GROUP
from tecnosign.audit.models import AuditEvent
from tecnosign.audit.services import Actor

from .backoffice import FULL_CHECKLIST, accept_term, booked_order, face_jpeg, staff
from .helpers import open_order

pytestmark = pytest.mark.django_db
STAFF = "operacao@tecnosign.test"


def sandbox_cpf(prefix: str) -> str:
    """A valid CPF the sandbox base answers by: 999 negativo, 998 não consta, 997 another name, 996 no answer."""
    return valid_cpf(int(prefix + "000001") - 100)


@pytest.fixture
def private_storage(settings):
    return Path(settings.STORAGES["private"]["OPTIONS"]["location"])


def stored(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def in_call(client, clock, on_commit, team):
    """`in_call(**order_fields)` → (order, booking, Ana's client): the appointment started by its agent."""

    def start(**fields):
        order, booking = booked_order(client, clock, on_commit, **fields)
        clock(2026, 11, 23, 10, 2)
        ana = staff(team["ana"])
        assert ana.post(f"/admin/scheduling/booking/{booking.pk}/iniciar/").status_code == 302
        return order, Booking.objects.get(pk=booking.pk), ana

    return start


def url(booking, what: str = "") -> str:
    return f"/admin/scheduling/booking/{booking.pk}/{what}"


def capture(agent, booking, content: bytes | None = None, name="face.jpg", content_type="image/jpeg"):
    image = SimpleUploadedFile(name, face_jpeg() if content is None else content, content_type)
    return agent.post(url(booking, "face/"), {"image": image}, follow=True)


def validate(agent, booking, on_commit, data=None):
    with on_commit():
        return agent.post(url(booking, "dossie/"), data or FULL_CHECKLIST)


# --- the face capture ---------------------------------------------------------------------------------------------


def test_the_agent_confirms_a_still_of_the_face_kept_privately_with_its_hash_time_and_agent(
    in_call, private_storage, team
):
    # given an appointment in progress
    order, booking, ana = in_call()
    photo = face_jpeg((640, 480))

    # when the agent confirms a still from the dossier page (the page's script posts it as a JPEG file)
    response = capture(ana, booking, photo)

    # then it is stored under a random name in the private storage, with its SHA-256, size, agent and time, audited
    assert "Foto do rosto guardada (640×480" in response.text
    face = FaceCapture.objects.get()
    assert (face.booking, face.order, face.captured_by) == (booking, order, team["ana"])
    assert (private_storage / face.file.name).read_bytes() != photo  # encrypted at rest
    with face.file.open("rb") as kept:
        assert kept.read() == photo
    assert face.file.name.startswith("faces/") and order.number not in face.file.name
    assert face.sha256 == hashlib.sha256(photo).hexdigest() and face.size == len(photo)
    event = AuditEvent.objects.get(action="face.captured")
    assert event.actor == team["ana"] and event.after["sha256"] == face.sha256
    assert event.after["captured_at"] == face.captured_at.isoformat()
    # the dossier shows it through the authorised view, never a public URL
    page = ana.get(url(booking, "dossie/")).text
    assert f"/evidencia/{face.public_id}/" in page and face.file.name not in page
    image = ana.get(url(booking, f"evidencia/{face.public_id}/"))
    assert image.status_code == 200 and b"".join(image.streaming_content) == photo
    assert (
        image["Content-Security-Policy"] == "sandbox; default-src 'none'; frame-ancestors 'none'"
        and "no-store" in image["Cache-Control"]
    )
    assert AuditEvent.objects.filter(action="evidence.viewed", after__what="face").count() == 1


def test_only_the_booking_agent_in_the_call_captures_and_nothing_else_is_stored(
    client, clock, on_commit, team, private_storage
):
    # given Ana's booking, not started yet, and Beto, another agent
    _order, booking = booked_order(client, clock, on_commit)
    clock(2026, 11, 23, 9, 55)
    ana, beto = staff(team["ana"]), staff(team["beto"])
    before = stored(private_storage)

    # when Ana captures before starting, and Beto after she started
    early = capture(ana, booking)
    ana.post(url(booking, "iniciar/"))
    other = capture(beto, booking)

    # then both are refused with the reason, and nothing was stored or audited
    assert "as evidências são registradas durante o atendimento" in early.text
    assert "Só o agente que conduz a videoconferência" in other.text
    assert not FaceCapture.objects.exists() and stored(private_storage) == before
    assert not AuditEvent.objects.filter(action="face.captured").exists()


@pytest.mark.parametrize(
    ("content", "name", "content_type", "message"),
    [
        (clean_pdf(), "face.pdf", "application/pdf", "precisa ser uma imagem JPEG ou PNG"),
        (b"GIF89a" + b"\x00" * 64, "face.jpg", "image/jpeg", "não é PDF, JPEG nem PNG"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "face.jpg", "image/jpeg", "está corrompida"),
        (b"", "face.jpg", "image/jpeg", "está vazio"),
    ],
)
def test_what_is_not_a_photo_is_refused_and_nothing_is_stored(
    in_call, private_storage, content, name, content_type, message
):
    _order, booking, ana = in_call()
    before = stored(private_storage)

    response = capture(ana, booking, content, name, content_type)

    assert message in response.text
    assert not FaceCapture.objects.exists() and stored(private_storage) == before
    assert not AuditEvent.objects.filter(action="face.captured").exists()


def test_a_body_too_large_is_refused_before_it_is_read(in_call, settings):
    settings.DOCUMENT_MAX_BYTES = 10_000
    _order, booking, ana = in_call()

    response = capture(ana, booking, png_bytes((400, 400)) + b"\x00" * 2_000_000, "face.png", "image/png")

    assert response.status_code == 413 and "grande demais" in response.text
    assert not FaceCapture.objects.exists()


def test_a_post_without_the_photo_is_refused(in_call):
    _order, booking, ana = in_call()

    response = ana.post(url(booking, "face/"), {}, follow=True)

    assert "Capture uma foto do rosto e confirme a escolhida" in response.text
    assert not FaceCapture.objects.exists()


def test_support_cannot_open_the_face_nor_post_one(in_call, team):
    _order, booking, ana = in_call()
    capture(ana, booking)
    face = FaceCapture.objects.get()
    support = UserFactory(username="suporte", is_staff=True)
    support.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    help_desk = staff(support)

    assert help_desk.get(url(booking, f"evidencia/{face.public_id}/")).status_code == 403
    assert help_desk.post(url(booking, "face/"), {"image": SimpleUploadedFile("f.jpg", face_jpeg())}).status_code == 403
    assert FaceCapture.objects.count() == 1
    assert not AuditEvent.objects.filter(action="evidence.viewed").exists()


# --- the biometric base ---------------------------------------------------------------------------------------------


def test_a_positive_match_fills_the_biometrics_on_file_and_waives_the_identity_document(
    in_call, client, on_commit, team
):
    # given the call, the term accepted and the face confirmed
    order, booking, ana = in_call()
    accept_term(order)
    capture(ana, booking)
    assert required_kinds(order) == ["identity"]

    # when the agent asks the base (the sandbox answers "positivo" with the order's name) and the Lista Negativa
    asked = ana.post(url(booking, "psbio/"), follow=True)
    ana.post(url(booking, "lista-negativa/"))

    # then the answer and its protocol are in the dossier, the biometrics on file, and the document no longer needed
    match = BiometricMatch.objects.get()
    assert match.result == "positivo" and match.name_matches and match.protocol.startswith("SBX-")
    assert f"protocolo {match.protocol}" in asked.text and "Positivo" in asked.text
    on_file = HolderBiometrics.objects.get(cpf=order.person_cpf)
    assert (on_file.source, on_file.protocol, on_file.recorded_by) == ("psbio", match.protocol, team["ana"])
    assert AuditEvent.objects.filter(action="biometrics.recorded").count() == 1
    assert required_kinds(order) == []
    dossier = ana.get(url(booking, "dossie/")).text
    assert 'name="check_document"' not in dossier and "dispensado neste pedido" in dossier
    open_order(client, order)
    assert "não é mais necessário neste pedido" in client.get(f"/pedido/{order.number}/").text

    # when the agent validates without the document item
    done = validate(ana, booking, on_commit, {**FULL_CHECKLIST, "check_document": ""})

    # then the validation stands on the match, the row naming its evidence
    assert done.status_code == 302
    validation = Validation.objects.get()
    assert validation.documents_waived and not validation.check_document
    assert (validation.biometric_match, validation.face_capture) == (match, match.face_capture)
    assert validation.negative_list_check == NegativeListCheck.objects.get()
    assert Order.objects.get(pk=order.pk).status == Order.Status.VALIDATED


def test_a_negative_match_blocks_the_validation_and_tells_the_agent_why(in_call, on_commit):
    order, booking, ana = in_call(person_cpf=sandbox_cpf("999"))
    accept_term(order)
    capture(ana, booking)
    ana.post(url(booking, "psbio/"))
    ana.post(url(booking, "lista-negativa/"))

    refused = validate(ana, booking, on_commit)

    match = BiometricMatch.objects.get()
    assert match.result == "negativo"
    assert refused.status_code == 400 and f"respondeu NEGATIVO (protocolo {match.protocol})" in refused.text
    assert not Validation.objects.exists()
    assert Order.objects.get(pk=order.pk).status == Order.Status.SCHEDULED
    assert not HolderBiometrics.objects.exists()
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.IN_PROGRESS
    # the agent records the rejection instead
    with_reason = {"outcome": "rejected", "reject_reason": "not_holder", "note": ""}
    assert validate(ana, booking, on_commit, with_reason).status_code == 302
    assert Order.objects.get(pk=order.pk).status == Order.Status.REJECTED


@pytest.mark.parametrize(
    ("rule", "months", "validates"), [("seed", 12, True), ("seed", 24, False), ("biometrics", 12, False)]
)
def test_a_cpf_not_in_the_base_follows_the_eligibility_rule_without_biometrics(
    in_call, on_commit, settings, rule, months, validates
):
    # given a holder with a (manual) biometrics row, which let a 24-month product book, whom the base does not know
    cpf = sandbox_cpf("998")
    HolderBiometrics.objects.create(cpf=cpf, source="cnh")
    product = ProductFactory(code=f"a3-{months}", certificate_type="A3", media="token", validity_months=months)
    order, booking, ana = in_call(person_cpf=cpf, product=product)
    settings.VIDEOCONFERENCE_ELIGIBILITY_RULE = rule
    accept_term(order)
    capture(ana, booking)
    ana.post(url(booking, "psbio/"))
    ana.post(url(booking, "lista-negativa/"))

    # when the agent validates (the document item ticked: without biometrics it is required)
    without_document = validate(ana, booking, on_commit, {**FULL_CHECKLIST, "check_document": ""})
    response = validate(ana, booking, on_commit)

    # then "não consta" never waives the document, and validates only where the rule allows it without biometrics
    assert BiometricMatch.objects.get().result == "nao_consta"
    assert without_document.status_code == 400
    if validates:
        assert "documento original e conferindo" in without_document.text
        assert response.status_code == 302 and not Validation.objects.get().documents_waived
    else:
        assert response.status_code == 400 and "o CPF não consta" in response.text
        assert not Validation.objects.exists()


def test_a_positive_match_under_another_name_is_not_validated(in_call, on_commit):
    order, booking, ana = in_call(person_cpf=sandbox_cpf("997"))
    accept_term(order)
    capture(ana, booking)
    ana.post(url(booking, "psbio/"))
    ana.post(url(booking, "lista-negativa/"))

    response = validate(ana, booking, on_commit)

    assert response.status_code == 400 and "NOME DIVERGENTE DA BASE DE TESTES" in response.text
    assert not Validation.objects.exists() and not HolderBiometrics.objects.exists()
    assert required_kinds(order) == ["identity"]


def test_a_base_that_does_not_answer_records_nothing(in_call):
    _order, booking, ana = in_call(person_cpf=sandbox_cpf("996"))
    capture(ana, booking)

    response = ana.post(url(booking, "psbio/"), follow=True)

    assert "A base biométrica não respondeu agora" in response.text
    assert not BiometricMatch.objects.exists() and not AuditEvent.objects.filter(action="biometrics.matched")


def test_the_base_is_asked_only_with_a_confirmed_face(in_call):
    _order, booking, ana = in_call()

    response = ana.post(url(booking, "psbio/"), follow=True)

    assert "Capture e confirme a foto do rosto" in response.text
    assert not BiometricMatch.objects.exists()


def test_a_new_capture_after_the_query_needs_a_new_query(in_call, on_commit):
    order, booking, ana = in_call()
    accept_term(order)
    capture(ana, booking)
    ana.post(url(booking, "psbio/"))
    ana.post(url(booking, "lista-negativa/"))
    capture(ana, booking)

    response = validate(ana, booking, on_commit)

    assert response.status_code == 400 and "consulte a base biométrica (PSBio) com a foto confirmada" in response.text
    assert not Validation.objects.exists()


# --- the Lista Negativa and the term -------------------------------------------------------------------------------


def test_a_holder_on_the_negative_list_stops_the_order_and_the_customer_is_told_only_to_call(
    in_call, client, on_commit, local_ca
):
    # given the call, and the holder on the CA's list
    order, booking, ana = in_call()
    negative_list_add(document=order.person_cpf, reason="Documento furtado (B.O. 4321)", actor=Actor(label="AC"))
    accept_term(order)
    capture(ana, booking)
    ana.post(url(booking, "psbio/"))
    mail.outbox.clear()

    # when the agent asks the list
    with on_commit():
        answer = ana.post(url(booking, "lista-negativa/"), follow=True)

    # then the agent is told, the appointment ends, the order is suspended, staff are alerted with the reason
    assert "CONSTA da Lista Negativa" in answer.text
    check = NegativeListCheck.objects.get()
    assert check.listed and check.reason == "Documento furtado (B.O. 4321)"
    assert Order.objects.get(pk=order.pk).status == Order.Status.BLOCKED
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.COMPLETED
    [alert] = [m for m in mail.outbox if m.to == [STAFF]]
    assert "Documento furtado" in alert.body and order.number in alert.subject
    # and the customer hears only that they must contact support (e-mail and order page)
    [told] = [m for m in mail.outbox if m.to == [order.email]]
    assert "Lista Negativa" not in told.body + told.subject and "furtado" not in told.body
    open_order(client, order)
    page = client.get(f"/pedido/{order.number}/").text
    assert "Entre em contato com o suporte" in page and "Lista Negativa" not in page
    # and nothing validates it any more
    assert validate(ana, booking, on_commit).status_code == 400
    assert not Validation.objects.exists()


def test_without_the_holders_term_the_validation_is_refused_with_what_to_do(in_call, on_commit):
    order, booking, ana = in_call()
    capture(ana, booking)
    ana.post(url(booking, "psbio/"))
    ana.post(url(booking, "lista-negativa/"))

    page = ana.get(url(booking, "dossie/")).text
    response = validate(ana, booking, on_commit)

    assert "O titular ainda não aceitou o termo" in page
    assert response.status_code == 400 and "peça que ele o aceite na página do pedido" in response.text
    assert not Validation.objects.exists() and Order.objects.get(pk=order.pk).status == Order.Status.SCHEDULED

    # once the holder accepts (on the order page, during the call), the same post validates
    accept_term(order)
    assert validate(ana, booking, on_commit).status_code == 302
    assert Validation.objects.get().outcome == "validated"
