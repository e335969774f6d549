"""The order page's timeline shows the booked videoconference while the order waits for it."""

import pytest

from orders.models import Order
from scheduling.selectors import booking_deadlines

from .factories import make_agent, ready_order
from .helpers import book_url, brasilia, open_order

pytestmark = pytest.mark.django_db


def test_the_timeline_shows_the_booked_time_until_the_videoconference_is_done(client, clock):
    clock(2026, 11, 19, 9, 10)
    make_agent("ana")
    order = ready_order()
    open_order(client, order)
    assert booking_deadlines(order) == []

    client.post(book_url(order), {"slot": "2026-11-23T10:00"})
    order.refresh_from_db()
    page = client.get(f"/pedido/{order.number}/").text

    [deadline] = booking_deadlines(order)
    assert (deadline.step, deadline.label) == ("scheduled", "Videoconferência em")
    assert deadline.at == brasilia(2026, 11, 23, 10)
    timeline = page[page.index('<ol class="timeline">') : page.index("</ol>")]
    assert "Videoconferência em <time" in timeline and ">23/11/2026 10:00</time> (Brasília)" in timeline

    Order.objects.filter(pk=order.pk).update(status=Order.Status.VALIDATED)
    order.refresh_from_db()
    assert booking_deadlines(order) == []
