"""The e-mailed order links: one-time and short-lived, masked for staff, and the way in when the look-up is locked."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail, signing
from django.test import Client, override_settings
from django.utils import timezone

from orders.models import HolderLink, Order
from scheduling.roles import SUPPORT_GROUP, ensure_roles
from tecnosign.audit.models import AuditEvent
from tecnosign.notifications.models import OutboxMessage
from tecnosign.tests.auth import staff_login

from .factories import LinkFactory, OrderFactory, ProductFactory, UserFactory
from .links import link_in, open_access_link
from .test_checkout_journey import VALID_CPF_FORM

pytestmark = pytest.mark.django_db
GONE = "Este link de acesso não vale mais"


def _buy(on_commit) -> Order:
    """A checkout through the partner's link: the order_created e-mail carries the access link."""
    product, link = ProductFactory(), LinkFactory()
    with on_commit():
        assert Client().post(f"/l/{link.code}/{product.code}/", VALID_CPF_FORM).status_code == 302
    return Order.objects.get()


def _sees_order(client: Client, order: Order) -> bool:
    return client.get(f"/pedido/{order.number}/").status_code == 200


def test_an_e_mailed_link_opens_the_order_once_then_explains_itself(on_commit):
    order = _buy(on_commit)
    [created] = mail.outbox
    path = link_in(created.body)
    scanner, holder, other = Client(), Client(), Client()

    # A mail scanner fetching the link spends nothing; the holder presses the button.
    fetched = scanner.get(path)
    opened = open_access_link(holder, path)
    # Someone else with the same link (forwarded e-mail, copied from a log): the explanatory page, no access.
    second_look, second_press = other.get(path), other.post(path)
    again_by_holder = holder.get(path)

    assert fetched.status_code == 200 and f"Abrir o pedido {order.number}" in fetched.text
    assert not _sees_order(scanner, order)
    assert opened.redirect_chain[-1][0] == f"/pedido/{order.number}/" and order.number in opened.text
    assert second_look.status_code == second_press.status_code == 410
    assert GONE in second_look.text and GONE in second_press.text
    assert "Enviar um novo link para o meu e-mail" in second_look.text
    assert not _sees_order(other, order)
    assert again_by_holder.status_code == 302 and again_by_holder["Location"] == f"/pedido/{order.number}/"
    assert HolderLink.objects.get(order=order, purpose="order_access").used_at is not None
    assert AuditEvent.objects.filter(action="order.access_link_used", object_id=str(order.pk)).count() == 1


def test_an_expired_link_explains_itself_and_opens_nothing(on_commit, settings):
    order = _buy(on_commit)
    path = link_in(mail.outbox[0].body)

    with time_machine.travel(timezone.now() + timedelta(hours=settings.ORDER_ACCESS_LINK_HOURS, seconds=1)):
        visitor = Client()
        shown, pressed = visitor.get(path), visitor.post(path)
        sees = _sees_order(visitor, order)

    assert shown.status_code == pressed.status_code == 410
    assert GONE in shown.text and "expirou" in shown.text
    assert not sees
    assert HolderLink.objects.get(order=order).used_at is None


def test_the_button_on_a_spent_link_sends_a_new_link_that_works(on_commit):
    order = _buy(on_commit)
    path = link_in(mail.outbox[0].body)
    open_access_link(Client(), path)
    late = Client()

    late.get(path)
    with on_commit():
        asked = late.post("/pedido/link/", {"number": order.number}, follow=True)
    fresh = mail.outbox[-1]
    opened = open_access_link(late, link_in(fresh.body))

    assert asked.redirect_chain[-1][0] == "/pedido/" and "enviamos agora um link de acesso" in asked.text
    assert fresh.to == [order.email] and fresh.subject == f"Seu link de acesso ao pedido {order.number}"
    assert link_in(fresh.body) != path
    assert opened.redirect_chain[-1][0] == f"/pedido/{order.number}/"


def test_support_reading_the_order_created_message_sees_no_usable_link(on_commit):
    order = _buy(on_commit)
    path = link_in(mail.outbox[0].body)
    token = path.split("/")[-2]
    ensure_roles()
    support = UserFactory(username="suporte@tecnosign.com.br", is_staff=True)
    support.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    desk = Client()
    staff_login(desk, support)
    message = OutboxMessage.objects.get(kind="order_created")

    page = desk.get(f"/admin/notifications/outboxmessage/{message.pk}/change/")
    masked_guess = desk.get("/pedido/acesso/%5Boculto%5D/")
    listing = desk.get("/admin/notifications/outboxmessage/")

    assert page.status_code == 200 and listing.status_code == 200
    assert token not in page.text and token not in listing.text
    assert "[oculto]" in page.text and order.number in page.text
    assert masked_guess.status_code == 404 and GONE in masked_guess.text
    assert not _sees_order(desk, order)
    # The holder's link was not spent by support reading the message.
    assert open_access_link(Client(), path).redirect_chain[-1][0] == f"/pedido/{order.number}/"


def test_the_reusable_signed_links_of_before_open_nothing_but_offer_a_fresh_link(on_commit):
    order = OrderFactory()
    old = signing.dumps({"o": order.pk, "n": order.number}, salt="orders.access", compress=True)
    visitor = Client()

    shown, pressed = visitor.get(f"/pedido/acesso/{old}/"), visitor.post(f"/pedido/acesso/{old}/")

    assert shown.status_code == pressed.status_code == 410
    assert "modelo antigo" in shown.text and f'value="{order.number}"' in shown.text
    assert not _sees_order(visitor, order)


@override_settings(ORDER_LOOKUP_MAX_FAILURES=10)
def test_ten_wrong_cpfs_lock_the_form_but_the_holder_gets_in_through_the_e_mailed_link(on_commit):
    order = OrderFactory()
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    holder = Client(REMOTE_ADDR="198.51.100.7")

    guesses = [attacker.post("/pedido/", {"number": order.number, "document": "111.444.777-35"}) for _ in range(10)]
    locked = holder.post("/pedido/", {"number": order.number, "document": "529.982.247-25"})
    with on_commit():
        asked = holder.post("/pedido/link/", {"number": order.number})
    [message] = mail.outbox
    opened = open_access_link(holder, link_in(message.body))

    assert [g.status_code for g in guesses] == [404] * 10
    # The form stays locked for the order number (acceptable: it slows the attacker) …
    assert locked.status_code == 429 and "Muitas tentativas" in locked.text
    assert "Receber um link de acesso no e-mail cadastrado" in locked.text
    assert f'value="{order.number}"' in locked.text  # the link form is filled in
    # … but the link sent to the e-mail on file opens the order.
    assert asked.status_code == 302 and message.to == [order.email]
    assert opened.redirect_chain[-1][0] == f"/pedido/{order.number}/" and order.number in opened.text
    assert attacker.post("/pedido/", {"number": order.number, "document": "529.982.247-25"}).status_code == 429


@override_settings(HOLDER_LINK_SEND_MAX_PER_ORDER=3, HOLDER_LINK_SEND_MAX_PER_IP=6)
def test_asking_for_a_link_answers_alike_for_unknown_orders_and_limits_only_the_sending(on_commit):
    order = OrderFactory()
    asker = Client(REMOTE_ADDR="203.0.113.9")

    with on_commit():
        unknown = asker.post("/pedido/link/", {"number": "TS99999999"}, follow=True)
        known = [asker.post("/pedido/link/", {"number": order.number}, follow=True) for _ in range(5)]
        over_ip = asker.post("/pedido/link/", {"number": order.number})
    other_ip = Client(REMOTE_ADDR="198.51.100.7").post("/pedido/link/", {"number": order.number})

    answer = "Se o número do pedido estiver certo, enviamos agora um link de acesso"
    assert all(answer in response.text for response in [unknown, *known])
    assert {response.redirect_chain[-1][0] for response in [unknown, *known]} == {"/pedido/"}
    # Three links per order in the window, whatever the answer says; the earlier ones all still open the order.
    assert len(mail.outbox) == 3
    assert over_ip.status_code == 429 and "Muitos pedidos de link a partir desta conexão" in over_ip.text
    assert other_ip.status_code == 302 and len(mail.outbox) == 3
    assert HolderLink.objects.filter(order=order, used_at__isnull=True).count() == 3
    assert open_access_link(Client(), link_in(mail.outbox[0].body)).redirect_chain[-1][0] == f"/pedido/{order.number}/"
