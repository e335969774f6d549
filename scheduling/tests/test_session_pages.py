"""The customer's order and booking pages kept per session while the rows they show are unchanged
(tecnosign.page_cache.session_page, tecnosign.row_versions): a change made by any path shows at once, another
session never gets this one's page, and a flash message is never swallowed."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from orders.models import HolderBiometrics, Order
from orders.selectors import order_page_version
from scheduling.models import AvailabilityException

from .factories import make_agent, ready_order
from .helpers import book_url, open_order, slot_ids

pytestmark = pytest.mark.django_db

NOW = (2026, 11, 19, 9, 10)  # Thursday, 09:10 in Brasília
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _customer(order) -> Client:
    client = Client()
    open_order(client, order)
    client.get("/pedido/")  # the look-up form gave the browser its CSRF cookie
    return client


def test_the_order_page_is_kept_until_any_row_about_the_order_changes(clock, django_assert_num_queries):
    clock(*NOW)
    order = ready_order()
    client = _customer(order)
    first = client.get(f"/pedido/{order.number}/")
    assert first.status_code == 200

    with django_assert_num_queries(1):  # the rows' version; the order itself is not even read
        again = client.get(f"/pedido/{order.number}/")
    assert again.content == first.content

    # A write no signal sees (a queryset update) shows at once, as does a new row pointing at the order.
    Order.objects.filter(pk=order.pk).update(email="novo.endereco@exemplo.com.br")
    assert "novo.endereco@exemplo.com.br" in client.get(f"/pedido/{order.number}/").text
    Order.objects.filter(pk=order.pk).update(status=Order.Status.NO_SHOW)
    assert client.get(f"/pedido/{order.number}/").text != again.text


def test_another_session_never_gets_this_sessions_page_and_a_flash_is_shown(clock):
    clock(*NOW)
    order = ready_order()
    mine, theirs = _customer(order), _customer(order)
    mine_page = mine.get(f"/pedido/{order.number}/").text
    theirs_page = theirs.get(f"/pedido/{order.number}/").text
    mine_tokens, theirs_tokens = set(CSRF_TOKEN.findall(mine_page)), set(CSRF_TOKEN.findall(theirs_page))
    assert mine_tokens and theirs_tokens and not mine_tokens & theirs_tokens

    # A session without access is sent to the look-up form, whatever was kept for another.
    stranger = Client()
    stranger.cookies[settings.CSRF_COOKIE_NAME] = mine.cookies[settings.CSRF_COOKIE_NAME].value
    assert stranger.get(f"/pedido/{order.number}/").status_code == 302

    # A message left for the next page is shown, not hidden behind the kept page.
    assert "Não há videoconferência agendada" not in mine.get(f"/pedido/{order.number}/agendar/").text
    mine.post(f"/pedido/{order.number}/agendar/cancelar/")  # "Não há videoconferência agendada…"
    assert "Não há videoconferência agendada" in mine.get(f"/pedido/{order.number}/agendar/").text


def test_the_booking_page_drops_a_slot_as_soon_as_the_schedule_changes(clock):
    clock(*NOW)
    agent = make_agent("ana")
    order = ready_order()
    client = _customer(order)
    offered = slot_ids(client.get(book_url(order)))
    assert "2026-11-23T10:00" in offered
    assert slot_ids(client.get(book_url(order))) == offered  # kept

    # The agent takes Monday off in the admin: Monday's slots are gone from the customer's page at once.
    AvailabilityException.objects.create(agent=agent, date="2026-11-23", kind=AvailabilityException.Kind.OFF)
    assert not [slot for slot in slot_ids(client.get(book_url(order))) if slot.startswith("2026-11-23")]

    # Another customer books Tuesday 10:00 with the only agent: that slot goes too.
    other = ready_order()
    assert _customer(other).post(book_url(other), {"slot": "2026-11-24T10:00"}).status_code == 302
    assert "2026-11-24T10:00" not in slot_ids(client.get(book_url(order)))

    # Biometrics recorded for the holder (read by CPF) count as a change of the order's page too.
    before = order_page_version(order.number)
    HolderBiometrics.objects.create(cpf=order.person_cpf, source=HolderBiometrics.Source.CNH)
    assert order_page_version(order.number) != before

    # The clock: the first slots fall inside the lead time and leave the page at the next minute.
    clock(2026, 11, 26, 9, 10)  # a week later
    assert all(slot >= "2026-11-26" for slot in slot_ids(client.get(book_url(order))))


def test_row_versions_prepared_and_plain_agree_and_see_writes_inside_one_transaction(settings):
    assert connection.vendor == "postgresql"  # where row versions exist (on SQLite nothing is kept)
    order = ready_order()
    settings.ROW_VERSIONS_PREPARE = True
    prepared = order_page_version(order.number)
    settings.ROW_VERSIONS_PREPARE = False
    assert order_page_version(order.number) == prepared
    # Everything here runs in the test's one transaction (one xmin): each UPDATE still moves the row.
    Order.objects.filter(pk=order.pk).update(mobile="+5511900000000")
    assert order_page_version(order.number) != prepared
    settings.ROW_VERSIONS_PREPARE = True
    assert order_page_version(order.number) != prepared
