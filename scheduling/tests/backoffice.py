"""The back office's cast and scene for tests: staff clients, the verifier, and an order booked with Ana."""

import io

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from orders.models import Order
from orders.services.terms import term_accept, term_current
from orders.tests.factories import UserFactory
from scheduling.models import Booking
from scheduling.roles import VERIFIERS_GROUP
from tecnosign.audit.services import Actor
from tecnosign.tests.auth import staff_login

from .factories import ready_order
from .helpers import book_url, open_order, slot_ids

AGENDA = "/admin/scheduling/agendaentry/"
QUEUE = "/admin/scheduling/verificationqueueentry/"
FULL_CHECKLIST = {
    "check_document": "on",
    "check_holder_in_person": "on",
    "check_legal_representative": "on",
    "check_environment": "on",
    "outcome": "validated",
}


def staff(user) -> Client:
    client = Client()
    staff_login(client, user)
    return client


def make_verifier(username: str):
    user = UserFactory(username=username, first_name=username.title(), is_staff=True, email=f"{username}@ts.test")
    user.groups.add(Group.objects.get(name=VERIFIERS_GROUP))
    return user


def face_jpeg(size=(320, 240)) -> bytes:
    """A still as the dossier page's canvas makes it (a JPEG)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 140, 120)).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def accept_term(order, *, ip: str = "203.0.113.7") -> None:
    """The holder accepts the term on the order page (the service the page calls, with the page's digest)."""
    term_accept(
        order=order, shown_sha256=term_current(order)[1], actor=Actor(label="cliente", ip=ip), user_agent="Teste/1"
    )


def gather_evidence(agent: Client, booking, *, term: bool = True) -> None:
    """What a validation needs, as it happens in the call: the holder accepts the term (order page), the agent
    confirms a still of the face, asks the biometric base and the Lista Negativa (dossier buttons)."""
    if term:
        accept_term(booking.order)
    base = f"/admin/scheduling/booking/{booking.pk}"
    face = SimpleUploadedFile("face.jpg", face_jpeg(), "image/jpeg")
    for response in (
        agent.post(f"{base}/face/", {"image": face}),
        agent.post(f"{base}/psbio/"),
        agent.post(f"{base}/lista-negativa/"),
    ):
        assert response.status_code == 302, response.status_code


def identity_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), (200, 210, 230)).save(buffer, format="PNG")
    return buffer.getvalue()


def booked_order(client, clock, on_commit, *, upload: bool = False, at: str = "2026-11-23T10:00", **fields):
    """A paid order with its documents, booked by the customer for Monday 23/11 10:00 (Brasília; `at` for
    another slot). With `upload` the customer sends the identity document through the order page first (a real
    file to open)."""
    clock(2026, 11, 19, 9, 10)
    order = ready_order(**({"status": Order.Status.PAID} if upload else {}), **fields)
    open_order(client, order)
    if upload:
        photo = SimpleUploadedFile("rg.png", identity_png(), "image/png")
        client.post(f"/pedido/{order.number}/documentos/", {"kind": "identity", "identity_type": "rg", "files": photo})
        assert order.documents.count() == 1
    slot = next(s for s in slot_ids(client.get(book_url(order))) if s.startswith(at))
    with on_commit():
        assert client.post(book_url(order), {"slot": slot}).status_code == 302
    return Order.objects.get(pk=order.pk), Booking.objects.get(order=order)
