"""Expiry reminders at 30, 15, 7 and 1 day(s), once each, never for a revoked or renewed certificate; the partner's
list of clients' certificates ending soon, and the one click that sends the renewal link."""

import re

import pytest
from django.core import mail

from issuance.models import Certificate
from issuance.services.revocation import certificate_revoke
from orders.models import Order
from orders.tests.factories import OrderFactory
from partners.services.tokens import api_token_create
from renewal.models import ExpiryReminder
from renewal.tasks import reminders_due
from tecnosign.audit.services import Actor
from tecnosign.notifications.models import OutboxMessage

from .helpers import before_end, issued

pytestmark = pytest.mark.django_db


class PartnerApi:
    def __init__(self, client, key):
        self.client, self.headers = client, {"Authorization": f"Bearer {key}"}

    def get(self, path, data=None):
        return self.client.get(path, data, headers=self.headers)

    def post(self, path):
        return self.client.post(path, {}, content_type="application/json", headers=self.headers)


def reminders_of(certificate) -> list[str]:
    return list(
        OutboxMessage.objects.filter(key__startswith=f"certificate:{certificate.pk}:expiry:")
        .order_by("id")
        .values_list("key", flat=True)
    )


def beat(on_commit, certificate, days_before: float) -> None:
    with before_end(certificate, days_before), on_commit():
        reminders_due()


def test_each_reminder_is_sent_once_as_the_end_nears(on_commit):
    # given a certificate issued a year before it ends
    _, certificate = issued(on_commit)

    # when the beat runs 40 days before the end, nothing is due
    beat(on_commit, certificate, 40)
    assert reminders_of(certificate) == []

    # then at each threshold crossed the beat sends that reminder, and a second beat sends nothing again
    expected = []
    for days, clock in ((30, 29.5), (15, 14.2), (7, 6.9), (1, 0.5)):
        mail.outbox.clear()
        beat(on_commit, certificate, clock)
        beat(on_commit, certificate, clock - 0.1)
        expected.append(f"certificate:{certificate.pk}:expiry:{days}:email")
        assert reminders_of(certificate) == expected
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["maria@exemplo.com.br"]
        assert "vence" in message.subject
        assert "/renovar/" in message.body

    assert sorted(ExpiryReminder.objects.filter(certificate=certificate).values_list("days_before", flat=True)) == [
        1,
        7,
        15,
        30,
    ]


def test_a_missed_beat_sends_only_the_reminder_that_matters_now(on_commit):
    _, certificate = issued(on_commit)

    beat(on_commit, certificate, 6)

    assert reminders_of(certificate) == [f"certificate:{certificate.pk}:expiry:7:email"]


def test_the_renewal_link_in_the_reminder_opens_the_renewal(on_commit, client):
    _, certificate = issued(on_commit)
    beat(on_commit, certificate, 10)
    url = re.search(r"https?://\S+/renovar/\S+/", mail.outbox[-1].body).group(0)

    with before_end(certificate, 10):
        response = client.get(url.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))

    assert response.status_code == 200
    assert "Maria da Silva" in response.content.decode()


def test_a_revoked_certificate_gets_no_reminder(on_commit):
    _, certificate = issued(on_commit)
    with before_end(certificate, 40), on_commit():
        certificate_revoke(
            certificate=certificate, reason=Certificate.Reason.CESSATION_OF_OPERATION, actor=Actor(label="teste")
        )

    for clock in (29, 14, 6, 0.5):
        beat(on_commit, certificate, clock)

    assert reminders_of(certificate) == []
    assert not ExpiryReminder.objects.exists()


def test_a_renewed_certificate_gets_no_more_reminders(on_commit):
    order, certificate = issued(on_commit)
    beat(on_commit, certificate, 29)
    # the holder renews and pays
    OrderFactory(link=order.link, renews=certificate, status=Order.Status.PAID)

    for clock in (14, 6, 0.5):
        beat(on_commit, certificate, clock)

    assert reminders_of(certificate) == [f"certificate:{certificate.pk}:expiry:30:email"]


def test_an_unpaid_renewal_does_not_stop_the_reminders(on_commit):
    order, certificate = issued(on_commit)
    OrderFactory(link=order.link, renews=certificate, status=Order.Status.AWAITING_PAYMENT)

    beat(on_commit, certificate, 14)

    assert reminders_of(certificate) == [f"certificate:{certificate.pk}:expiry:15:email"]


def test_the_partner_sees_the_client_in_the_30_day_list_and_sends_the_link(on_commit, partner, link, client):
    # given the partner's client whose certificate ends in 20 days, and another partner's client
    order, certificate = issued(on_commit, link=link)
    _, other = issued(on_commit, person_name="Outro Cliente")

    with before_end(certificate, 20):
        client.force_login(partner.user)
        page = client.get("/parceiros/renovacoes/?dias=30").content.decode()
        dashboard = client.get("/parceiros/").content.decode()
        in_60 = client.get("/parceiros/renovacoes/?dias=60").content.decode()
        with on_commit():
            response = client.post(f"/parceiros/renovacoes/{certificate.pk}/enviar-link/", {"dias": "30"})
            refused = client.post(f"/parceiros/renovacoes/{other.pk}/enviar-link/", {"dias": "30"})

    assert "Maria da Silva" in page and order.number in page
    assert "Outro Cliente" not in page
    assert "1 certificado dos seus clientes vence nos próximos 30 dias" in " ".join(dashboard.split())
    assert order.number in in_60
    assert response.status_code == 302
    sent = OutboxMessage.objects.filter(kind="renewal_link")
    assert [message.recipient for message in sent] == ["maria@exemplo.com.br"]
    assert "/renovar/" in mail.outbox[-1].body
    assert refused.status_code == 302
    assert sent.count() == 1


def test_the_list_leaves_out_certificates_ending_later(on_commit, partner, link, client):
    order, certificate = issued(on_commit, link=link)

    with before_end(certificate, 45):
        client.force_login(partner.user)
        in_30 = client.get("/parceiros/renovacoes/?dias=30").content.decode()
        in_60 = client.get("/parceiros/renovacoes/?dias=60").content.decode()

    assert order.number not in in_30
    assert order.number in in_60


def test_the_api_lists_the_expiring_certificates_and_sends_the_link(on_commit, partner, link, client):
    order, certificate = issued(on_commit, link=link)

    with before_end(certificate, 10):
        _, key = api_token_create(partner=partner, name="Sistema", actor=Actor(user=partner.user))
        api = PartnerApi(client, key)
        listed = api.get("/api/v1/renewals/", {"days": 30})
        wrong = api.get("/api/v1/renewals/", {"days": 45})
        with on_commit():
            sent = api.post(f"/api/v1/renewals/{certificate.pk}/send-link/")

    assert listed.status_code == 200
    assert [row["order"] for row in listed.json()] == [order.number]
    assert listed.json()[0]["days_left"] == 10
    assert wrong.status_code == 400
    assert sent.status_code == 200
    assert OutboxMessage.objects.filter(kind="renewal_link", recipient="maria@exemplo.com.br").count() == 1
