"""The 24 h hand-off: submission, release, the monitor's warnings and breaches, failures and the sweep."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from conftest import wait_for
from issuance.backends import CaUnavailable
from issuance.backends.local import LocalCa
from issuance.models import IssuanceRequest
from issuance.services import issuance_submit
from issuance.services.handoff import IssuanceNotAllowed
from issuance.tasks import monitor_issuance_requests
from orders.models import Order
from orders.tests.factories import OrderFactory
from tecnosign.audit.models import AuditEvent

from .fake_ac import FakeAc

pytestmark = pytest.mark.django_db
STAFF = "operacao@tecnosign.test"
S = IssuanceRequest.Status


def hand_off(order, on_commit):
    with on_commit(), transaction.atomic():
        return issuance_submit(order)


def staff_mail(kind_subject: str):
    return [m for m in mail.outbox if m.to == [STAFF] and kind_subject in m.subject]


def run_monitor(on_commit) -> dict:
    with on_commit():
        return monitor_issuance_requests.apply().get()


def test_handing_off_twice_is_one_request_and_one_email(local_ca, on_commit):
    order = OrderFactory(status=Order.Status.VERIFIED)

    first = hand_off(order, on_commit)
    second = hand_off(order, on_commit)

    assert first.pk == second.pk and IssuanceRequest.objects.count() == 1
    assert len([m for m in mail.outbox if m.to == [order.email]]) == 1
    first.refresh_from_db()
    assert (first.status, first.attempts) == (S.RELEASED, 1)


def test_only_a_verified_order_is_handed_off(local_ca, on_commit):
    order = OrderFactory(status=Order.Status.VALIDATED)

    with pytest.raises(IssuanceNotAllowed, match="ainda não foi aprovado pela central de verificação"):
        hand_off(order, on_commit)
    assert not IssuanceRequest.objects.exists()


def test_the_monitor_warns_once_at_20_hours_and_flags_the_breach_once_at_24(local_ca, on_commit, settings):
    settings.LOCAL_CA_RELEASE_DELAY_SECONDS = 48 * 3600  # the CA is late
    start = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        order = OrderFactory(status=Order.Status.VERIFIED)
        request = hand_off(order, on_commit)
        request.refresh_from_db()
        assert request.status == S.SUBMITTED and request.sla_deadline == start + timedelta(hours=24)

        clock.shift(timedelta(hours=19, minutes=59))
        early = run_monitor(on_commit)
        clock.shift(timedelta(minutes=1))
        at_20h = run_monitor(on_commit)
        again = run_monitor(on_commit)
        warnings = staff_mail("[Alerta]")
        clock.move_to(start + timedelta(hours=23, minutes=59, seconds=59))
        before_24h = run_monitor(on_commit)
        clock.move_to(start + timedelta(hours=24))
        at_24h = run_monitor(on_commit)
        clock.shift(timedelta(hours=3))
        later = run_monitor(on_commit)

    assert (early["warned"], at_20h["warned"], again["warned"]) == (0, 1, 0)
    assert (before_24h["breached"], at_24h["breached"], later["breached"]) == (0, 1, 0)
    assert len(warnings) == 1 and order.number in warnings[0].subject
    assert "27/11/2026 09:00 (Brasília)" in warnings[0].body  # the deadline, in Brasília time
    breaches = staff_mail("[Prazo estourado]")
    assert len(breaches) == 1 and order.number in breaches[0].subject
    request.refresh_from_db()
    assert request.warned_at == start + timedelta(hours=20)
    assert request.breached_at == start + timedelta(hours=24)
    assert request.status == S.SUBMITTED  # still waiting for the CA: the monitor keeps polling
    actions = (
        AuditEvent.objects.filter(action__startswith="issuance.sla").order_by("id").values_list("action", flat=True)
    )
    assert list(actions) == ["issuance.sla_warning", "issuance.sla_breached"]


def test_a_request_released_in_time_is_never_warned(local_ca, on_commit, settings):
    settings.LOCAL_CA_RELEASE_DELAY_SECONDS = 3 * 3600
    start = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        order = OrderFactory(status=Order.Status.VERIFIED)
        hand_off(order, on_commit)
        clock.shift(timedelta(hours=3, minutes=1))
        polled = run_monitor(on_commit)  # the poll finds it released
        clock.shift(timedelta(hours=22))
        late = run_monitor(on_commit)

    order.refresh_from_db()
    assert polled["polled"] == 1 and order.status == Order.Status.RELEASED
    assert late == {"polled": 0, "resent": 0, "warned": 0, "breached": 0}
    assert not staff_mail("[Alerta]") and not staff_mail("[Prazo estourado]")
    assert len([m for m in mail.outbox if m.to == [order.email]]) == 1


def test_a_ca_that_is_down_leaves_the_request_queued_and_the_sweep_sends_it_later(local_ca, on_commit, monkeypatch):
    def down(self, **kwargs):
        raise CaUnavailable("POST /requests: no answer within 10s")

    start = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        order = OrderFactory(status=Order.Status.VERIFIED)
        with monkeypatch.context() as patch:
            patch.setattr(LocalCa, "submit", down)
            request = hand_off(order, on_commit)
            request.refresh_from_db()
            assert (request.status, request.attempts) == (S.QUEUED, 1)
            assert "no answer within 10s" in request.last_error
        clock.shift(timedelta(minutes=16))
        report = run_monitor(on_commit)

    request.refresh_from_db()
    order.refresh_from_db()
    assert report["resent"] == 1
    assert (request.status, request.attempts, order.status) == (S.RELEASED, 2, Order.Status.RELEASED)


def test_a_request_the_ca_refuses_is_marked_rejected_and_staff_are_told(on_commit, settings, ca_key_source):
    fake = FakeAc(key=ca_key_source("external-ac", 2048))
    fake.start()
    settings.CA_BACKEND, settings.EXTERNAL_CA_URL, settings.EXTERNAL_CA_TOKEN = "external", fake.url, fake.token
    fake.failures.append(
        (422, b'{"error": {"code": "invalid", "message": "CPF irregular na Receita"}}', "application/json")
    )
    try:
        order = OrderFactory(status=Order.Status.VERIFIED)
        request = hand_off(order, on_commit)
    finally:
        fake.stop()

    request.refresh_from_db()
    assert request.status == S.REJECTED and "CPF irregular na Receita" in request.last_error
    [alert] = staff_mail("AC recusou")
    assert "CPF irregular na Receita" in alert.body


def test_the_external_adapter_hands_off_and_the_poll_releases(on_commit, settings, ca_key_source):
    fake = FakeAc(key=ca_key_source("external-ac", 2048))
    fake.release_delay = timedelta(minutes=30)
    fake.start()
    settings.CA_BACKEND, settings.EXTERNAL_CA_URL, settings.EXTERNAL_CA_TOKEN = "external", fake.url, fake.token
    try:
        order = OrderFactory(status=Order.Status.VERIFIED)
        request = hand_off(order, on_commit)
        request.refresh_from_db()
        pending = request.status
        fake.release_delay = timedelta(0)
        fake.requests[request.external_reference]["release_at"] = datetime.now(UTC)
        run_monitor(on_commit)
    finally:
        fake.stop()

    request.refresh_from_db()
    order.refresh_from_db()
    assert pending == S.SUBMITTED and request.external_reference.startswith("EXT-")
    assert (request.status, order.status) == (S.RELEASED, Order.Status.RELEASED)
    assert ("GET", f"/requests/{request.external_reference}") in fake.calls


@pytest.mark.worker
def test_a_real_worker_hands_off_through_redis(celery_worker, local_ca):
    order = OrderFactory(status=Order.Status.VERIFIED)

    with transaction.atomic():  # transactional test: the task is published to Redis on commit
        issuance_submit(order)

    wait_for(lambda: Order.objects.get(pk=order.pk).status == Order.Status.RELEASED)
    request = IssuanceRequest.objects.get(order=order)
    assert request.status == S.RELEASED and request.attempts == 1
    wait_for(lambda: [m for m in mail.outbox if m.to == [order.email]])


def test_a_configuration_error_keeps_the_request_queued_and_alerts_staff_once(on_commit, settings, ca_key_source):
    fake = FakeAc(key=ca_key_source("external-ac", 2048))
    fake.start()
    settings.CA_BACKEND, settings.EXTERNAL_CA_URL, settings.EXTERNAL_CA_TOKEN = "external", fake.url, "expirado"
    start = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    try:
        with time_machine.travel(start, tick=False) as clock:
            order = OrderFactory(status=Order.Status.VERIFIED)
            request = hand_off(order, on_commit)
            clock.shift(timedelta(minutes=16))
            report = run_monitor(on_commit)  # the sweep tries again: still wrong, no second alert
    finally:
        fake.stop()

    request.refresh_from_db()
    assert report["resent"] == 1
    assert (request.status, request.attempts) == (S.QUEUED, 2) and "HTTP 401" in request.last_error
    [alert] = staff_mail("[Configuração]")
    assert order.number in alert.subject and "HTTP 401" in alert.body
