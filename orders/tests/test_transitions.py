import pytest

from orders.models import Order
from orders.selectors import order_timeline
from orders.services.transitions import TRANSITIONS, IllegalTransition, order_transition
from tecnosign.audit.models import AuditEvent
from tecnosign.audit.services import Actor

from .factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db
S = Order.Status


def test_every_state_has_its_row_in_the_table():
    assert set(TRANSITIONS) == set(S.values)
    assert all(target in S.values for targets in TRANSITIONS.values() for target in targets)


def test_a_transition_is_audited_with_actor_time_from_to_and_note():
    order = OrderFactory()
    staff = UserFactory(username="financeiro")

    moved = order_transition(
        order=order, to=S.PAID, actor=Actor(user=staff, label="financeiro", ip="10.0.0.7"), note="boleto compensado"
    )

    assert moved.status == S.PAID
    event = AuditEvent.objects.get(action="order.status")
    assert (event.before, event.after) == ({"status": "awaiting_payment"}, {"status": "paid"})
    assert (event.actor, event.ip, event.note) == (staff, "10.0.0.7", "boleto compensado")
    steps = {step.status: step for step in order_timeline(moved)}
    assert steps[S.PAID].state == "done" and steps[S.PAID].at == event.created_at
    assert steps[S.DOCUMENTS_RECEIVED].state == "current"


def test_an_illegal_transition_raises_and_writes_nothing():
    order = OrderFactory()

    with pytest.raises(IllegalTransition) as error:
        order_transition(order=order, to=S.ISSUED)

    assert "não pode passar para “Certificado emitido”" in error.value.message
    order.refresh_from_db()
    assert order.status == S.AWAITING_PAYMENT
    assert not AuditEvent.objects.filter(action="order.status").exists()


def test_terminal_states_go_nowhere():
    order = OrderFactory(status=S.CANCELLED)
    for target in S.values:
        with pytest.raises(IllegalTransition):
            order_transition(order=order, to=target)
