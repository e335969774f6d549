"""A registration agent's day in Chromium, with its fake camera: three videoconferences as an ITI audit would read them.

09:00 — the holder accepts the term on the order page; the agent captures her face from the camera, the sandbox base
answers "positivo", the identity document becomes optional, the agent validates without it; the verifier approves,
the dossier is sealed and `verify_audit_log` checks it. 09:30 — a CPF the sandbox answers "negativo": the dossier
refuses the validation and says why. 10:00 — validated with the Lista Negativa clear, then the holder is put on the
local CA's list by the management: the verifier's approval does not reach the CA, the order is suspended and the
customer is told only to contact support.
"""

import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from issuance.models import IssuanceRequest, LocalCaSubmission
from orders.catalog import catalog_load
from orders.models import HolderBiometrics, Order, Product
from orders.services.terms import term_accept, term_current
from orders.tests.factories import UserFactory
from scheduling.models import Booking, FaceCapture, SealedDossier, Validation
from scheduling.roles import MANAGERS_GROUP, VERIFIERS_GROUP
from scheduling.services import booking_create
from scheduling.tests.factories import make_agent, ready_order
from tecnosign.audit.services import Actor

from .browser import shoot_both
from .conftest import FAKE_CAMERA
from .steps import CPF, accept_term, admin_login, ask_the_bases, capture_face, open_order

pytestmark = pytest.mark.browser
CHROMIUM_ARGS = FAKE_CAMERA
MARIA_CPF = "52998224725"
NEGATIVE_CPF = "99900000188"  # the sandbox base answers "negativo" for CPFs starting with 999
LISTED_CPF = "39053344705"
E_CPF_A1 = "e-cpf-a1-12m"
STAFF = "operacao@tecnosign.test"
WIDTH_WHEN_LOADED = (
    "img => img.complete ? img.naturalWidth : new Promise(done => img.onload = () => done(img.naturalWidth))"
)


@pytest.fixture
def day(ca, settings):
    """Ana's three appointments of the day (09:00, 09:30, 10:00), a verifier and a manager."""
    catalog_load()
    agent = make_agent("ana.agente", last_name="Agente")
    verifier = UserFactory(username="vitor.verificador", is_staff=True)
    verifier.groups.add(Group.objects.get(name=VERIFIERS_GROUP))
    manager = UserFactory(username="gerente", is_staff=True)
    manager.groups.add(Group.objects.get(name=MANAGERS_GROUP))
    product = Product.objects.get(code=E_CPF_A1)
    customer = Actor(label="cliente")
    orders = []
    people = [
        (9, 0, MARIA_CPF, "Maria da Silva"),
        (9, 30, NEGATIVE_CPF, "Rui Negativo"),
        (10, 0, LISTED_CPF, "Lia Listada"),
    ]
    for hour, minute, cpf, name in people:
        # Booked before the identity document arrived: with a positive biometric match it is never needed.
        order = ready_order(product=product, person_cpf=cpf, person_name=name, email=f"{cpf}@exemplo.com.br")
        start = timezone.localtime().replace(hour=hour, minute=minute, second=0, microsecond=0)
        booking_create(order=order, start=start, actor=customer)
        orders.append(order)
    return orders, agent, verifier, manager


def _start(staff, order: Order) -> None:
    staff.goto("/admin/")
    staff.get_by_role("link", name="Minha agenda de hoje").click()
    staff.locator("#result_list tbody tr", has_text=order.number).get_by_role("button", name="Iniciar").click()
    staff.wait_for_selector(f"h1:has-text('Dossiê do pedido {order.number}')")


def test_the_agents_day_face_biometrics_term_dossier_negative_match_and_negative_list(open_browser, day, clock):
    (maria, rui, lia), agent, verifier, manager = day
    booking = Booking.objects.get(order=maria)

    # 09:01 — Maria opens her order: the term to accept before the call, the identity document still missing.
    clock.move_to(booking.starts_at + timedelta(minutes=1))
    holder = open_browser()
    open_order(holder, maria.number, CPF)
    assert "Falta enviar: Documento de identidade do titular" in holder.inner_text("#documentos")
    accept_term(holder)
    assert maria.holder_term.ip == "127.0.0.1"

    # The agent: agenda → start → the dossier shows the accepted term; the camera, two stills, the second confirmed.
    staff = open_browser()
    admin_login(staff, agent.username)
    _start(staff, maria)
    assert "Aceito pelo titular em" in staff.inner_text("#evidencias")
    capture_face(staff)
    face = FaceCapture.objects.get(order=maria)
    with face.file.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG" and image.size == (face.width, face.height) and face.width >= 320
    assert staff.locator("#face-confirmada").evaluate(WIDTH_WHEN_LOADED) == face.width

    # The sandbox base answers "positivo" with her name; the Lista Negativa is clear; the document is now optional.
    ask_the_bases(staff)
    assert "Positivo" in staff.inner_text("#resultado-biometria") and "(confere com o pedido)" in staff.inner_text(
        "#resultado-biometria"
    )
    assert "Não consta" in staff.inner_text("#resultado-lista-negativa")
    assert HolderBiometrics.objects.get(cpf=MARIA_CPF).source == "psbio"
    assert staff.locator("#id_check_document").count() == 0
    assert "dispensado neste pedido" in staff.inner_text("#content")
    holder.reload()
    assert "não é mais necessário neste pedido" in holder.inner_text("#documentos")
    assert "Falta enviar" not in holder.inner_text("#documentos")
    shoot_both(staff, "admin-dossier-evidence")

    staff.check("#id_check_holder_in_person")
    staff.check("#id_check_environment")
    staff.check("input[name=outcome][value=validated]")
    staff.get_by_role("button", name="Registrar resultado").click()
    staff.wait_for_selector(f"text=Validação do pedido {maria.number} registrada.")
    validation = Validation.objects.get(order=maria)
    assert validation.documents_waived and validation.face_capture == face

    # The verifier approves: the dossier is sealed, the CA releases the order, and the audit log verifies it all.
    verifying = open_browser()
    admin_login(verifying, verifier.username)
    verifying.get_by_role("link", name="Central de verificação").first.click()
    verifying.locator("#result_list tbody tr", has_text=maria.number).get_by_role("link", name="Revisar").click()
    assert "Positivo" in verifying.inner_text("#resultado-biometria")
    verifying.check("input[name=outcome][value=verified]")
    # A call of a minute or so: the centre flags it, and the approval says why it is sound.
    verifying.fill("#id_warnings_note", "Conferência completa; documento e rosto claros no vídeo.")
    verifying.get_by_role("button", name="Registrar decisão").click()
    verifying.wait_for_selector(f"text=Dossiê do pedido {maria.number}: decisão registrada.")
    assert Order.objects.get(pk=maria.pk).status == Order.Status.RELEASED
    sealed = SealedDossier.objects.get(order=maria)
    verifying.goto("/admin/scheduling/sealeddossier/")
    with verifying.expect_download() as download_info:
        verifying.get_by_role("link", name="Baixar (zip)").click()
    archive = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
    assert "biometria/face-capturada.jpg" in archive.namelist()
    assert json.loads(archive.read("validacao.json"))["verification"]["verifier"]["username"] == verifier.username
    out = io.StringIO()
    call_command("verify_audit_log", stdout=out, stderr=io.StringIO())
    assert "1 sealed dossiers intact" in out.getvalue()
    assert hashlib.sha256(archive.read("manifest.json")).hexdigest() == sealed.manifest_sha256

    # 09:31 — Rui: the sandbox base answers "negativo". The dossier refuses the validation and says why.
    clock.move_to(Booking.objects.get(order=rui).starts_at + timedelta(minutes=1))
    term_accept(order=rui, shown_sha256=term_current(rui)[1], actor=Actor(label="cliente"))
    _start(staff, rui)
    capture_face(staff)
    ask_the_bases(staff)
    assert "Negativo" in staff.inner_text("#resultado-biometria")
    assert "respondeu NEGATIVO" in staff.inner_text("#evidencias-pendentes")
    assert staff.locator("#id_check_document").count() == 1  # no match: the document is checked as before
    for box in ("#id_check_document", "#id_check_holder_in_person", "#id_check_environment"):
        staff.check(box)
    staff.check("input[name=outcome][value=validated]")
    staff.get_by_role("button", name="Registrar resultado").click()
    staff.wait_for_selector(".errornote:has-text('respondeu NEGATIVO')")
    assert not Validation.objects.filter(order=rui).exists()
    assert Order.objects.get(pk=rui.pk).status == Order.Status.SCHEDULED

    # 10:01 — Lia: validated with the list clear… (half an hour after Rui's call: Ana signs in again)
    clock.move_to(Booking.objects.get(order=lia).starts_at + timedelta(minutes=1))
    admin_login(staff, agent.username)
    term_accept(order=lia, shown_sha256=term_current(lia)[1], actor=Actor(label="cliente"))
    _start(staff, lia)
    capture_face(staff)
    ask_the_bases(staff)
    staff.check("#id_check_holder_in_person")
    staff.check("#id_check_environment")
    staff.check("input[name=outcome][value=validated]")
    staff.get_by_role("button", name="Registrar resultado").click()
    staff.wait_for_selector(f"text=Validação do pedido {lia.number} registrada.")

    # …then the management puts her on the local CA's Lista Negativa, before the verifier gets to her dossier.
    managing = open_browser()
    admin_login(managing, manager.username)
    managing.goto("/admin/issuance/negativelistentry/add/")
    managing.fill("#id_document", "390.533.447-05")
    managing.fill("#id_reason", "Documento furtado (B.O. 2026/777)")
    managing.get_by_role("button", name="Salvar", exact=True).click()
    managing.wait_for_selector("text=foi adicionado com sucesso")
    mail.outbox.clear()

    admin_login(verifying, verifier.username)  # hours later: her session lapsed after 30 idle minutes
    verifying.get_by_role("link", name="Central de verificação").first.click()
    verifying.locator("#result_list tbody tr", has_text=lia.number).get_by_role("link", name="Revisar").click()
    verifying.check("input[name=outcome][value=verified]")
    # A call of a minute or so: the centre flags it, and the approval says why it is sound.
    verifying.fill("#id_warnings_note", "Conferência completa; documento e rosto claros no vídeo.")
    verifying.get_by_role("button", name="Registrar decisão").click()
    verifying.wait_for_selector(f"text=Dossiê do pedido {lia.number}: decisão registrada.")

    # Nothing reached the CA: the order is suspended, staff alerted, and Lia is told only to contact support.
    lia.refresh_from_db()
    assert lia.status == Order.Status.BLOCKED
    request = IssuanceRequest.objects.get(order=lia)
    assert request.status == IssuanceRequest.Status.REJECTED
    assert not LocalCaSubmission.objects.filter(request_key=request.key).exists()
    assert any("Documento furtado" in m.body for m in mail.outbox if m.to == [STAFF])
    [told] = [m for m in mail.outbox if m.to == [lia.email]]
    assert "suporte" in told.subject and "Lista Negativa" not in told.body
    customer = open_browser()
    open_order(customer, lia.number, LISTED_CPF)
    assert "Pedido suspenso" in customer.inner_text("#h-proximo")
    assert "Entre em contato com o suporte" in customer.inner_text("main")
    assert "Lista Negativa" not in customer.inner_text("main")
