"""Setting the scene for revocation tests: certificates issued at a chosen time, and the customer's requests."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail
from django.db import transaction

from issuance.models import Certificate
from issuance.services import issuance_submit
from issuance.services.a3 import a3_issue_from_csr
from issuance.tests.helpers import a1_issue_as_customer, holder_key
from orders.models import Order
from orders.tests.factories import OrderFactory
from revocation.tasks import reissue_handoffs_due
from tecnosign.audit.services import Actor
from tecnosign.notifications import sms
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
    """A verified order handed off and its A1 issued by the customer at `at`: the issuance password, then the request
    of a key made on the customer's side (the services the issuance page's endpoints run)."""
    with time_machine.travel(at, tick=False):
        order = hand_off(OrderFactory(status=Order.Status.VERIFIED, **fields), on_commit)
        _, issued = a1_issue_as_customer(
            order, password=ISSUANCE_PASSWORD, actor=Actor(label="cliente", ip="198.51.100.20")
        )
    order.refresh_from_db()
    return order, issued.certificate


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


# What the holder reads in the inbox: the links e-mailed to the address on file, the codes texted to the mobile.
REISSUE_LINK = re.compile(r"https?://[^/\s]+(/revogar/reemissao/[^/\s]+/)(?=\s|$)")
STOP_LINK = re.compile(r"https?://[^/\s]+(/revogar/reemissao/[^/\s]+/nao-fui-eu/)")
URGENT_LINK = re.compile(r"https?://[^/\s]+(/revogar/urgente/[^/\s]+/)")
NEW_ISSUANCE_PASSWORD = "NovaEmissao#27"
NEW_REVOCATION_PASSWORD = "NovaRevoga#27x"


def e_mailed_link(order: Order, pattern: re.Pattern) -> str:
    """The path of the latest link of that kind e-mailed to the order's address."""
    found = [
        m.group(1) for message in mail.outbox if message.to == [order.email] for m in pattern.finditer(message.body)
    ]
    assert found, f"no such link e-mailed to {order.email}"
    return found[-1]


def texted_code(order: Order) -> str:
    """The latest six-digit code sent by SMS to the order's mobile."""
    codes = [
        m.group(1)
        for sent in sms.outbox
        if sent["to"] == order.mobile
        for m in re.finditer(r"é (\d{6})\.", sent["text"])
    ]
    assert codes, f"no code texted to {order.mobile}"
    return codes[-1]


def confirm_reissue(client, replacement: Order, on_commit, *, code: str | None = None, **passwords):
    """The holder opens the reissue link from the e-mail and types the SMS code and the new passwords."""
    path = e_mailed_link(replacement, REISSUE_LINK)
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    data = {
        "code": texted_code(replacement) if code is None else code,
        "issuance_password": NEW_ISSUANCE_PASSWORD,
        "issuance_password_confirm": NEW_ISSUANCE_PASSWORD,
        "revocation_password": NEW_REVOCATION_PASSWORD,
        "revocation_password_confirm": NEW_REVOCATION_PASSWORD,
        **passwords,
    }
    with on_commit():
        return client.post(path, data)


def run_reissue_beat(on_commit, at: datetime, *, times: int = 1) -> None:
    """Celery beat firing the reissue hand-off task at `at` (the local CA releases at once)."""
    with time_machine.travel(at, tick=False):
        for _ in range(times):
            with on_commit():
                reissue_handoffs_due()
