"""Helpers for the A3 issuance tests: released A3 orders, CSRs made in Python, the portal's JSON endpoints."""

import contextlib

from django.db import transaction

from issuance.models import IssuanceRequest
from issuance.services import issuance_submit
from issuance.services.handoff import issuance_mark_media_delivered
from issuance.tests.helpers import HOLDER_CN, csr_pem, sha1_csr_pem, with_broken_signature  # noqa: F401 (shared)
from orders.models import Order
from orders.tests.factories import A3TokenProductFactory, OrderFactory
from tecnosign.audit.services import SYSTEM

ISSUANCE_PASSWORD = "Emissao#2026"  # the order factory's


def released_a3_order(run_on_commit=contextlib.nullcontext, *, delivered: bool = True, **fields) -> Order:
    """A verified A3 order handed to the local CA (which releases at once); its media delivered unless told not.

    `run_on_commit`: the `on_commit` fixture in TestCase-style tests, nothing when the test commits for real.
    """
    fields.setdefault("product", A3TokenProductFactory())
    order = OrderFactory(status=Order.Status.VERIFIED, **fields)
    with run_on_commit(), transaction.atomic():
        issuance_submit(order)
    if delivered:
        with run_on_commit():
            issuance_mark_media_delivered(request=IssuanceRequest.objects.get(order=order), actor=SYSTEM)
    order.refresh_from_db()
    return order


def authorise(client, order: Order, password: str = ISSUANCE_PASSWORD):
    return client.post(
        f"/pedido/{order.number}/instalar/autorizar/", {"password": password}, content_type="application/json"
    )


def send_csr(client, order: Order, csr):
    return client.post(f"/pedido/{order.number}/instalar/csr/", {"csr": csr}, content_type="application/json")
