"""Races are decided by the database: one live certificate per order, one request per order."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from issuance.models import Certificate, IssuanceRequest
from issuance.services import issuance_submit
from issuance.services.a1 import a1_issue_from_csr
from issuance.services.issue import AlreadyIssued
from orders.models import Order
from orders.tests.factories import OrderFactory
from tecnosign.audit.services import Actor

from .helpers import browser_csr

PASSWORD = "Emissao#2026"


def _in_parallel(target, count: int) -> list:
    barrier = threading.Barrier(count)
    results: list = []

    def run():
        barrier.wait()
        try:
            results.append(target())
        except AlreadyIssued as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_issuances_give_one_certificate(local_ca):
    order = OrderFactory(status=Order.Status.VERIFIED)
    with transaction.atomic():
        issuance_submit(order)
    order.refresh_from_db()
    assert order.status == Order.Status.RELEASED

    # Three tabs of the issuance page, each with its own key, send their requests at the same moment.
    requests = iter([browser_csr(order)[1] for _ in range(3)])
    results = _in_parallel(
        lambda: a1_issue_from_csr(order=order, csr_pem=next(requests), actor=Actor(label="cliente")), 3
    )

    delivered = [result for result in results if not isinstance(result, AlreadyIssued)]
    assert len(delivered) == 1 and len(results) == 3
    assert Certificate.objects.filter(order=order).count() == 1
    assert Order.objects.get(pk=order.pk).status == Order.Status.ISSUED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_hand_offs_make_one_request(local_ca):
    order = OrderFactory(status=Order.Status.VERIFIED)

    def hand_off():
        with transaction.atomic():
            return issuance_submit(order).pk

    results = _in_parallel(hand_off, 4)

    assert len(results) == 4 and len(set(results)) == 1
    assert IssuanceRequest.objects.filter(order=order).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_live_certificate(local_ca):
    order = OrderFactory(status=Order.Status.ISSUED)
    fields = dict(
        order=order,
        backend="local",
        issuer="CN=AC",
        subject="CN=X",
        not_before="2026-01-01T00:00Z",
        not_after="2027-01-01T00:00Z",
    )
    Certificate.objects.create(serial="01", fingerprint_sha256="a" * 64, public_key_sha256="1" * 64, **fields)

    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(serial="02", fingerprint_sha256="b" * 64, public_key_sha256="2" * 64, **fields)
    Certificate.objects.filter(serial="01").update(status="revoked", revocation_reason=4, revoked_at=order.created_at)
    Certificate.objects.create(serial="03", fingerprint_sha256="c" * 64, public_key_sha256="3" * 64, **fields)
    assert Certificate.objects.filter(order=order, status="valid").count() == 1


@pytest.mark.django_db
def test_the_database_refuses_to_certify_one_key_twice(local_ca):
    first, second = OrderFactory(status=Order.Status.ISSUED), OrderFactory(status=Order.Status.ISSUED)
    fields = dict(backend="local", issuer="CN=AC", subject="CN=X", not_before="2026-01-01T00:00Z")
    fields |= dict(not_after="2027-01-01T00:00Z", public_key_sha256="e" * 64)
    Certificate.objects.create(order=first, serial="01", fingerprint_sha256="a" * 64, **fields)

    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(order=second, serial="02", fingerprint_sha256="b" * 64, **fields)
    assert not Certificate.objects.filter(order=second).exists()
