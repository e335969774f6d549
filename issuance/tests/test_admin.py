"""The back office: requests by time left, media delivery for A3, certificates and CAs read-only."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import transaction

from issuance.backends import CaUnavailable
from issuance.backends.local import LocalCa
from issuance.models import Certificate, CertificateAuthority, IssuanceRequest
from issuance.services import issuance_submit
from orders.models import Order
from orders.tests.factories import A3TokenProductFactory, OrderFactory, UserFactory
from tecnosign.tests.auth import staff_login

from .helpers import a1_issue_as_customer

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/issuance/issuancerequest/"


@pytest.fixture
def staff_client(client):
    staff_login(client, UserFactory(username="gerente", is_staff=True, is_superuser=True))
    return client


def hand_off(on_commit, **fields):
    order = OrderFactory(status=Order.Status.VERIFIED, **fields)
    with on_commit(), transaction.atomic():
        request = issuance_submit(order)
    request.refresh_from_db()
    return request


def test_requests_are_listed_by_time_left(client, local_ca, on_commit, settings):
    start = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        released = hand_off(on_commit, email="a@exemplo.com.br")
        settings.LOCAL_CA_RELEASE_DELAY_SECONDS = 48 * 3600
        late = hand_off(on_commit, email="b@exemplo.com.br")
        clock.shift(timedelta(hours=2))
        recent = hand_off(on_commit, email="c@exemplo.com.br")
        clock.shift(timedelta(hours=23))
        staff_login(client, UserFactory(username="gerente", is_staff=True, is_superuser=True))

        page = client.get(CHANGELIST).text

    positions = [page.index(request.order.number) for request in (late, recent, released)]
    assert positions == sorted(positions)
    assert "atrasado 1 h 00 min" in page  # the late one
    assert "1 h 00 min" in page  # the recent one has an hour left


def test_staff_mark_the_a3_media_delivered_and_the_customer_is_told_once(staff_client, local_ca, on_commit):
    request = hand_off(on_commit, product=A3TokenProductFactory())
    data = {"action": "mark_media_delivered", "_selected_action": [request.pk]}

    with on_commit():
        first = staff_client.post(CHANGELIST, data, follow=True)
    with on_commit():
        staff_client.post(CHANGELIST, data, follow=True)

    request.refresh_from_db()
    assert request.media_delivered_at is not None and request.media_delivered_by.username == "gerente"
    assert "Entrega da mídia registrada em 1 pedido(s)" in first.text
    delivered = [m for m in mail.outbox if m.subject.startswith("Sua mídia chegou")]
    assert len(delivered) == 1 and delivered[0].to == [request.order.email]


def test_an_a1_order_has_no_media_to_deliver(staff_client, local_ca, on_commit):
    request = hand_off(on_commit)

    response = staff_client.post(
        CHANGELIST, {"action": "mark_media_delivered", "_selected_action": [request.pk]}, follow=True
    )

    assert "não tem mídia para entregar" in response.text
    request.refresh_from_db()
    assert request.media_delivered_at is None


def test_staff_without_the_permission_cannot_mark_delivery(client, local_ca, on_commit):
    agent = UserFactory(username="agente", is_staff=True)
    agent.user_permissions.add(Permission.objects.get(codename="view_issuancerequest"))
    staff_login(client, agent)
    request = hand_off(on_commit, product=A3TokenProductFactory())

    listing = client.get(CHANGELIST)
    client.post(CHANGELIST, {"action": "mark_media_delivered", "_selected_action": [request.pk]})

    assert listing.status_code == 200 and "mark_media_delivered" not in listing.text
    request.refresh_from_db()
    assert request.media_delivered_at is None


def test_certificates_and_cas_are_read_only_and_keys_never_shown(staff_client, local_ca, on_commit):
    request = hand_off(on_commit)
    certificate = a1_issue_as_customer(request.order)[1].certificate
    url = f"/admin/issuance/certificate/{certificate.pk}/change/"

    page = staff_client.get(url)
    staff_client.post(url, {"status": "revoked"})
    ca_page = staff_client.get(f"/admin/issuance/certificateauthority/{local_ca.issuing.pk}/change/")

    assert page.status_code == 200 and certificate.serial in page.text
    assert staff_client.get("/admin/issuance/certificate/add/").status_code == 403
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.VALID
    assert ca_page.status_code == 200 and "PRIVATE KEY" not in ca_page.text
    assert staff_client.post(f"/admin/issuance/certificateauthority/{local_ca.root.pk}/delete/").status_code == 403
    assert CertificateAuthority.objects.filter(pk=local_ca.root.pk).exists()
    assert IssuanceRequest.objects.get(pk=request.pk).status == IssuanceRequest.Status.RELEASED


def test_staff_send_a_queued_request_again(staff_client, local_ca, on_commit, monkeypatch):
    def down(self, **kwargs):
        raise CaUnavailable("POST /requests: no answer within 10s")

    with monkeypatch.context() as patch:
        patch.setattr(LocalCa, "submit", down)
        request = hand_off(on_commit)
    assert request.status == IssuanceRequest.Status.QUEUED

    with on_commit():
        response = staff_client.post(
            CHANGELIST, {"action": "send_again", "_selected_action": [request.pk]}, follow=True
        )

    request.refresh_from_db()
    assert "1 pedido(s) reenfileirado(s)" in response.text
    assert request.status == IssuanceRequest.Status.RELEASED and request.order.status == Order.Status.RELEASED
