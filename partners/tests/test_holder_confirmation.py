"""A partner's order waits for its holder: the partner never sets, sees or could know the client's passwords.

The probe that found the defect, replayed: a partner POSTs an order with the client's passwords and LGPD consent.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.test import Client
from django.utils import timezone

from orders.models import HolderLink, Order, Payment, ReferralLink
from orders.services.holder_confirmation import holder_confirmations_expire
from orders.tests.factories import OrderFactory
from orders.tests.links import HOLDER_FORM
from tecnosign.audit.models import AuditEvent
from tecnosign.notifications.models import OutboxMessage

from .test_api import field_errors, order_payload

pytestmark = pytest.mark.django_db
S = Order.Status
CONFIRM_LINK = re.compile(r"http://testserver(/pedido/confirmar/[^/\s\"<]+/)")
# What the probe's partner typed as the client's passwords: the holder's own must not match them.
PARTNER_GUESS = {"issuance_password": "Emissao#2026", "revocation_password": "Revoga#2026x"}


def confirm_paths() -> list[str]:
    return [match for message in mail.outbox for match in CONFIRM_LINK.findall(message.body)]


@pytest.fixture
def partner_order(api, link, on_commit):
    """A valid order made by the partner through the API, with its e-mail delivered."""
    with on_commit():
        response = api.post("/api/v1/orders/", order_payload(link))
    assert response.status_code == 201, response.json()
    return Order.objects.get(number=response.json()["number"])


@pytest.mark.parametrize(
    "secrets",
    [
        {**PARTNER_GUESS, "lgpd_consent": True},
        {"lgpd_consent": True},
        {"lgpd_consent": False},
        {"issuance_password": "Emissao#2026"},
        {"revocation_password": ""},
        {"issuance_password_confirm": "Emissao#2026"},
    ],
    ids=["passwords-and-consent", "consent", "consent-false", "issuance", "revocation-empty", "confirmation"],
)
def test_a_partner_sending_the_clients_passwords_or_consent_gets_a_400_and_nothing_is_written(
    api, link, on_commit, secrets
):
    # given the partner's valid order, with what only the holder may give added to it
    payload = order_payload(link, **secrets)

    # when the partner posts it
    with on_commit():
        response = api.post("/api/v1/orders/", payload)

    # then it is refused, field by field, with a code an integration can act on
    assert response.status_code == 400
    body = response.json()
    assert {error["field"] for error in body["errors"]} == set(secrets)
    assert {error["code"] for error in body["errors"]} == {"set_by_holder"}
    assert all("titular" in message for message in field_errors(response).values())
    # and nothing was written or sent
    assert not Order.objects.exists() and not HolderLink.objects.exists()
    assert not OutboxMessage.objects.exists() and mail.outbox == []
    assert ReferralLink.objects.get(pk=link.pk).orders_count == 0


def test_a_valid_partner_order_waits_for_the_holder_with_no_secrets_and_only_the_holder_gets_the_link(
    partner_order, partner
):
    # then the order has no password and no consent
    order = partner_order
    assert order.status == S.AWAITING_HOLDER
    assert (order.issuance_password_hash, order.revocation_password_hash) == ("", "")
    assert order.lgpd_consent_at is None and order.lgpd_consent_version == ""
    # and one e-mail went out, to the holder, with the one-time link; none to the partner
    assert [message.to for message in mail.outbox] == [["maria@exemplo.com.br"]]
    assert partner.email not in {address for message in mail.outbox for address in message.to}
    [path] = confirm_paths()
    assert "Confirme o seu pedido" in mail.outbox[0].subject and "Contabilidade Ana" in mail.outbox[0].body
    link = HolderLink.objects.get()
    assert (link.order, link.purpose, link.used_at) == (order, HolderLink.Purpose.HOLDER_CONFIRMATION, None)
    assert link.expires_at - link.created_at == timedelta(days=settings.HOLDER_CONFIRMATION_DAYS)
    # masked wherever staff read the outbox
    assert OutboxMessage.objects.get().secrets == [f"http://testserver{path}"]
    assert AuditEvent.objects.filter(action="order.holder_link_sent", object_id=str(order.pk)).count() == 1


def test_the_holder_confirms_sets_the_passwords_and_lands_on_the_order_to_pay(partner_order, on_commit):
    # given the link the holder received
    [path] = confirm_paths()
    holder = Client()

    # when the holder opens it, the partner's data is shown in Portuguese
    page = holder.get(path)
    assert page.status_code == 200
    for shown in ("Maria da Silva", "529.982.247-25", "12/04/1985", "maria@exemplo.com.br", "(11) 98765-4321"):
        assert shown in page.text
    assert "e-CPF A1 — 12 meses" in page.text and "R$\xa0159,90" in page.text and "Contabilidade Ana" in page.text
    assert "LGPD" in page.text

    # and confirms, accepting the terms and setting both passwords
    with on_commit():
        done = holder.post(path, HOLDER_FORM)

    # then the order awaits payment, with the holder's passwords and consent
    order = Order.objects.get(pk=partner_order.pk)
    assert done.status_code == 302 and done["Location"] == f"/pedido/{order.number}/"
    assert order.status == S.AWAITING_PAYMENT
    assert check_password(HOLDER_FORM["issuance_password"], order.issuance_password_hash)
    assert check_password(HOLDER_FORM["revocation_password"], order.revocation_password_hash)
    # not anything the partner sent or could know
    assert not check_password(PARTNER_GUESS["issuance_password"], order.issuance_password_hash)
    assert not check_password(PARTNER_GUESS["revocation_password"], order.revocation_password_hash)
    assert order.lgpd_consent_at is not None and order.lgpd_consent_version == settings.LGPD_CONSENT_VERSION
    confirmed = AuditEvent.objects.get(action="order.holder_confirmed", object_id=str(order.pk))
    moved = AuditEvent.objects.filter(action="order.status", object_id=str(order.pk)).get()
    assert confirmed.actor_label == moved.actor_label == "titular"
    assert moved.after == {"status": "awaiting_payment"}
    # the session may see the order and pay; the "order created / how to pay" e-mail went out now
    order_page = holder.get(done["Location"])
    assert order_page.status_code == 200 and "Pagar agora" in order_page.text
    assert mail.outbox[-1].to == ["maria@exemplo.com.br"] and "recebido" in mail.outbox[-1].subject
    assert HolderLink.objects.get(purpose=HolderLink.Purpose.HOLDER_CONFIRMATION).used_at is not None


def test_the_link_cannot_be_used_twice(partner_order, on_commit):
    [path] = confirm_paths()
    holder = Client()
    with on_commit():
        holder.post(path, HOLDER_FORM)
    hashes = Order.objects.values_list("issuance_password_hash", "revocation_password_hash").get()

    # when someone uses the link again, to set other passwords
    other = {**PARTNER_GUESS, **{f"{name}_confirm": value for name, value in PARTNER_GUESS.items()}}
    again = Client().post(path, {**HOLDER_FORM, **other})
    opened = Client().get(path)

    # then a Portuguese page says so, and nothing changed
    assert again.status_code == opened.status_code == 410
    assert "não vale mais" in opened.text
    assert Order.objects.values_list("issuance_password_hash", "revocation_password_hash").get() == hashes
    assert AuditEvent.objects.filter(action="order.holder_confirmed").count() == 1


def test_the_partner_never_sees_a_password_or_the_link(partner_order, api, partner_client, on_commit):
    [path] = confirm_paths()
    token = path.split("/")[-2]

    def partner_views() -> str:
        return "\n".join(
            [
                api.get("/api/v1/orders/").content.decode(),
                api.get(f"/api/v1/orders/{partner_order.number}/").content.decode(),
                partner_client.get("/parceiros/").text,
                partner_client.get(f"/parceiros/pedidos/{partner_order.number}/").text,
                b"".join(partner_client.get("/parceiros/pedidos.csv").streaming_content).decode(),
            ]
        )

    # before the holder confirms: the state in words, no link
    before = partner_views()
    assert "aguardando confirmação do cliente" in before and "Reenviar ao cliente o link de confirmação" in before
    assert token not in before and "/pedido/confirmar/" not in before

    with on_commit():
        Client().post(path, HOLDER_FORM)
    order = Order.objects.get(pk=partner_order.pk)

    # after: neither the passwords, their hashes nor the link
    after = partner_views()
    for secret in (
        token,
        HOLDER_FORM["issuance_password"],
        HOLDER_FORM["revocation_password"],
        order.issuance_password_hash,
        order.revocation_password_hash,
        "argon2",
    ):
        assert secret not in after
    assert "aguardando pagamento" in after


def test_payment_or_booking_before_the_holder_confirms_is_refused(partner_order, api, customer, partner_client):
    # given a session that may see the order page (as after the look-up with the order number and the CPF)
    client = customer(partner_order)
    page = client.get(f"/pedido/{partner_order.number}/")
    assert "aguarda a confirmação do titular" in page.text and "Pagar agora" not in page.text

    # when they try to pay, and the partner to send the payment link
    pix = client.post(f"/pedido/{partner_order.number}/pagamento/", {"method": "pix"}, follow=True)
    card = client.post(
        f"/pedido/{partner_order.number}/pagamento/cartao/",
        {"number": "4242 4242 4242 4242", "holder_name": "MARIA", "expiry": "12/30", "cvv": "123"},
    )
    resend = api.post(f"/api/v1/orders/{partner_order.number}/resend-payment-link/")
    booking = partner_client.get(f"/parceiros/pedidos/{partner_order.number}/agendar/")

    # then each is refused and nothing changed
    assert "não está aguardando pagamento" in pix.text
    assert card.status_code == 302
    assert resend.status_code == 400
    assert booking.status_code == 200 and "O titular ainda não confirmou o pedido" in booking.text
    assert not Payment.objects.exists()
    assert Order.objects.get(pk=partner_order.pk).status == S.AWAITING_HOLDER


def test_the_partner_resends_the_link_a_few_times_a_day_each_a_new_one(partner_order, api, partner_client, on_commit):
    # when the partner asks for new links, through the API and the portal
    with on_commit():
        by_api = api.post(f"/api/v1/orders/{partner_order.number}/resend-holder-link/")
        by_page = partner_client.post(f"/parceiros/pedidos/{partner_order.number}/reenviar-confirmacao/", follow=True)
        refused = api.post(f"/api/v1/orders/{partner_order.number}/resend-holder-link/")

    # then each went to the holder as a new link, the earlier ones still valid, and each send is audited
    assert by_api.status_code == 200 and by_api.json()["sent"] is True and "expires_at" in by_api.json()
    assert "/pedido/confirmar/" not in by_api.text
    assert "Enviamos um novo link de confirmação" in by_page.text
    paths = confirm_paths()
    assert len(paths) == len(set(paths)) == settings.HOLDER_CONFIRMATION_LINKS_PER_DAY == 3
    assert all(Client().get(path).status_code == 200 for path in paths)
    assert AuditEvent.objects.filter(action="order.holder_link_sent").count() == 3
    # past the day's limit: refused, no link, no e-mail
    assert refused.status_code == 400 and refused.json()["code"] == "too_many_links"
    assert HolderLink.objects.count() == 3 and len(mail.outbox) == 3

    # a day later the partner may send another
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)), on_commit():
        assert api.post(f"/api/v1/orders/{partner_order.number}/resend-holder-link/").status_code == 200
    assert HolderLink.objects.count() == 4


def test_no_confirmation_link_for_an_order_past_the_holders_step(api, link, partner_client):
    order = OrderFactory(link=link)  # made at checkout: the holder set the passwords there

    response = api.post(f"/api/v1/orders/{order.number}/resend-holder-link/")
    page = partner_client.post(f"/parceiros/pedidos/{order.number}/reenviar-confirmacao/", follow=True)

    assert response.status_code == 400 and "não está aguardando a confirmação" in response.json()["message"]
    assert "não está aguardando a confirmação" in page.text
    assert not HolderLink.objects.exists() and mail.outbox == []


def test_an_unconfirmed_order_is_cancelled_when_its_last_link_lapses(partner_order, api, on_commit):
    # given a resend on the fifth day: the holder has a full period from then
    with time_machine.travel(timezone.now() + timedelta(days=5)), on_commit():
        api.post(f"/api/v1/orders/{partner_order.number}/resend-holder-link/")
    first, second = confirm_paths()

    # when the scheduled work runs after the first link lapsed, then after the second
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)), on_commit():
        assert holder_confirmations_expire() == 0
        assert Client().get(first).status_code == 410
    with time_machine.travel(timezone.now() + timedelta(days=12, minutes=1)), on_commit():
        cancelled = holder_confirmations_expire()
        again = holder_confirmations_expire()
        page = Client().get(second)

    # then the order is cancelled once, and the partner told once
    assert (cancelled, again) == (1, 0)
    order = Order.objects.get(pk=partner_order.pk)
    assert order.status == S.CANCELLED and order.issuance_password_hash == ""
    assert page.status_code == 410
    assert [message.to for message in mail.outbox[2:]] == [["ana@contab.com.br"]]
    assert "não confirmou" in mail.outbox[-1].subject
    assert AuditEvent.objects.filter(action="order.status", object_id=str(order.pk)).count() == 1
    assert "orders.holder_confirmations_expire" in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def test_the_new_state_is_in_the_dashboard_csv_and_api_filters(partner_order, partner_client, api, link):
    OrderFactory(link=link, person_name="Já pago", status=S.PAID)

    dashboard = partner_client.get("/parceiros/", {"status": "awaiting_holder"})
    csv = b"".join(partner_client.get("/parceiros/pedidos.csv", {"status": "awaiting_holder"}).streaming_content)
    listed = api.get("/api/v1/orders/", {"status": "awaiting_holder"}).json()

    assert "Aguardando confirmação do titular" in dashboard.text  # the filter's choice
    assert partner_order.number in dashboard.text and "Já pago" not in dashboard.text
    assert "aguardando confirmação do cliente" in dashboard.text
    assert "aguardando confirmação do cliente" in csv.decode() and "Já pago" not in csv.decode()
    assert [row["number"] for row in listed["results"]] == [partner_order.number]
