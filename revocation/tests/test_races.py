"""Races decided by the database: concurrent guesses never pass the limit; one revocation, one free reissue."""

import threading

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test import Client

from issuance.models import Certificate
from orders.models import Order
from orders.tests.factories import OrderFactory
from revocation.models import PasswordThrottle, RevocationRequest
from tecnosign.audit.models import AuditEvent

from .helpers import brt, issue_a1, open_revocation, revoke


def _in_parallel(calls) -> list:
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_simultaneous_guesses_get_five_password_checks(on_commit):
    order, certificate = issue_a1(on_commit, at=brt(2026, 12, 1, 10, 0))
    with time_machine.travel(brt(2026, 12, 2, 9, 0), tick=False):
        clients = [Client(REMOTE_ADDR=f"203.0.113.{n}") for n in range(8)]  # one address each: only the
        for client in clients:  # certificate's limit is in play
            open_revocation(client, order)

        answers = _in_parallel(
            [lambda c=c: revoke(c, certificate, "computer_stolen", password="Chute#2026") for c in clients]
        )

    # Five guesses got their password checked (a wrong one may already see the lock the fifth started); the
    # other three were refused before any check.
    assert {answer.status_code for answer in answers} <= {400, 429}
    assert sum(answer.status_code == 429 for answer in answers) >= 3
    checked = AuditEvent.objects.filter(action__in=["revocation.password_wrong", "revocation.password_locked"])
    assert checked.count() == 5
    assert PasswordThrottle.objects.get(scope="certificate").locked_until is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_revocations_revoke_once_and_reissue_once(on_commit):
    order, certificate = issue_a1(on_commit, at=brt(2026, 12, 1, 10, 0))
    with time_machine.travel(brt(2026, 12, 2, 9, 0), tick=False):
        clients = [Client(), Client()]
        for client in clients:
            open_revocation(client, order)

        answers = _in_parallel([lambda c=c: revoke(c, certificate, "file_corrupted") for c in clients])

    assert sorted(answer.status_code for answer in answers) == [302, 410]
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.REVOKED
    assert RevocationRequest.objects.filter(certificate=certificate).count() == 1
    assert Order.objects.filter(replaces=order).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_reissue_of_the_same_original():
    original = OrderFactory(status=Order.Status.REVOKED)
    OrderFactory(replaces=original, price=0)

    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(replaces=original, price=0)
