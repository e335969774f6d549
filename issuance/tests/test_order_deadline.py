"""The order page's timeline shows the CA's 24 h deadline while the order waits for the release."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from issuance.selectors import release_deadlines
from orders.models import Order
from orders.tests.factories import OrderFactory
from revocation.tests.helpers import hand_off

pytestmark = pytest.mark.django_db
BRT = ZoneInfo("America/Sao_Paulo")


def test_the_timeline_shows_the_release_deadline_in_brasilia_time(client, customer, local_ca, on_commit, settings):
    settings.LOCAL_CA_RELEASE_DELAY_SECONDS = 3600  # the CA has not released it yet
    with time_machine.travel(datetime(2026, 11, 20, 16, 45, tzinfo=BRT), tick=False):
        order = hand_off(OrderFactory(status=Order.Status.VERIFIED), on_commit)
        customer(order)
        page = client.get(f"/pedido/{order.number}/").text

    [deadline] = release_deadlines(order)
    assert (deadline.step, deadline.label) == ("released", "Liberação pela Autoridade Certificadora até")
    assert deadline.at == datetime(2026, 11, 21, 16, 45, tzinfo=BRT) == order.issuance_request.sla_deadline
    timeline = page[page.index('<ol class="timeline">') : page.index("</ol>")]
    assert "Liberação pela Autoridade Certificadora até <time" in timeline
    assert ">21/11/2026 16:45</time> (Brasília)" in timeline

    Order.objects.filter(pk=order.pk).update(status=Order.Status.RELEASED)
    order.refresh_from_db()
    assert release_deadlines(order) == []
