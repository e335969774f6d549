"""Setting the scene for revocation tests: certificates issued at a chosen time, and the customer's requests."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.db import transaction

from issuance.models import Certificate
from issuance.services import issuance_submit
from issuance.services.a1 import a1_issue
from issuance.services.a3 import a3_issue_from_csr
from issuance.tests.helpers import holder_key
from orders.models import Order
from orders.tests.factories import OrderFactory
from tecnosign.audit.services import Actor
from tokens.tests.a3 import csr_pem, released_a3_order

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
    """An A3 order released, its media delivered, and its certificate issued at `at` on a key the token made, through
    the service the install page and the workstation job call."""
    with time_machine.travel(at, tick=False):
        order = released_a3_order(on_commit, **fields)
        issued = a3_issue_from_csr(order=order, csr_pem=csr_pem(holder_key()), actor=Actor(label="cliente"))
    order.refresh_from_db()
    return order, issued.certificate


def open_revocation(client, order: Order, document: str = CPF):
    """The customer opens /revogar/ with the order number and the CPF/CNPJ, as on the page."""
    response = client.post("/revogar/", {"identifier": order.number, "document": document})
    assert response.status_code == 302, response.content
    return response["Location"]


def revoke(client, certificate: Certificate, reason: str, *, password: str = REVOCATION_PASSWORD, **extra):
    data = {"reason": reason, "password": password, "confirm": "on", **extra}
    return client.post(f"/revogar/{certificate.serial}/", data)
