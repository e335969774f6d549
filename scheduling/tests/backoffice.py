"""The back office's cast and scene for tests: staff clients, the verifier, and an order booked with Ana."""

import io

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from orders.models import Order
from orders.tests.factories import UserFactory
from scheduling.models import Booking
from scheduling.roles import VERIFIERS_GROUP
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
