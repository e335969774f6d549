"""Setting the scene for revocation tests: certificates issued at a chosen time, and the customer's requests."""

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.utils import timezone

from issuance.backends import get_backend
from issuance.models import Certificate, IssuanceRequest
from issuance.services import issuance_submit
from issuance.services.a1 import a1_issue
from issuance.tests.helpers import csr_for, holder_key
from orders.models import Order
from orders.services.transitions import order_transition
from orders.tests.factories import OrderFactory
from tecnosign.audit.services import Actor

ISSUANCE_PASSWORD = "Emissao#2026"  # the order factory's passwords
REVOCATION_PASSWORD = "Revoga#2026x"
CPF = "52998224725"
BRASILIA = ZoneInfo("America/Sao_Paulo")


def brt(*args) -> datetime:
    """A Brasília wall-clock time (UTC−3, no daylight saving since 2019)."""
    return datetime(*args, tzinfo=BRASILIA)


def hand_off(order: Order, on_commit) -> Order:
    """What the verification centre does when it approves: the order goes to the CA (released at once locally)."""
    with on_commit(), transaction.atomic():
        issuance_submit(order)
    order.refresh_from_db()
    return order


def issue_a1(on_commit, *, at: datetime, **fields) -> tuple[Order, Certificate]:
    """A verified order handed off and its A1 issued by the customer at `at` (the service the issuance view runs)."""
    with time_machine.travel(at, tick=False):
        order = hand_off(OrderFactory(status=Order.Status.VERIFIED, **fields), on_commit)
        delivery = a1_issue(order=order, password=ISSUANCE_PASSWORD, actor=Actor(label="cliente", ip="198.51.100.20"))
    order.refresh_from_db()
    return order, delivery.certificate


def issue_a3(on_commit, *, at: datetime, **fields) -> tuple[Order, Certificate]:
    """An A3 certificate, as the token issuance will record it: the CSR signed on the media, the CA's certificate.

    A3 issuance on the token belongs to the tokens work and has no service yet; this stands in for it with the
    same CA backend call and the same record the A1 issuance makes.
    """
    with time_machine.travel(at, tick=False):
        order = hand_off(OrderFactory(status=Order.Status.VERIFIED, **fields), on_commit)
        request = IssuanceRequest.objects.get(order=order)
        issued = get_backend(request.backend).issue(reference=request.external_reference, csr=csr_for(holder_key()))
        cert = issued.certificate
        der = cert.public_bytes(serialization.Encoding.DER)
        record = Certificate.objects.create(
            order=order,
            request=request,
            backend=request.backend,
            issuer=cert.issuer.rfc4514_string(),
            serial=format(cert.serial_number, "X"),
            subject=cert.subject.rfc4514_string(),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            fingerprint_sha256=hashlib.sha256(der).hexdigest(),
            certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
            issued_at=timezone.now(),
        )
        order = order_transition(order=order, to=Order.Status.ISSUED, note=f"A3 nº de série {record.serial}")
    return order, record


def open_revocation(client, order: Order, document: str = CPF):
    """The customer opens /revogar/ with the order number and the CPF/CNPJ, as on the page."""
    response = client.post("/revogar/", {"identifier": order.number, "document": document})
    assert response.status_code == 302, response.content
    return response["Location"]


def revoke(client, certificate: Certificate, reason: str, *, password: str = REVOCATION_PASSWORD, **extra):
    data = {"reason": reason, "password": password, "confirm": "on", **extra}
    return client.post(f"/revogar/{certificate.serial}/", data)
