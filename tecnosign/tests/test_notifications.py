import smtplib
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from conftest import wait_for
from orders.tests.factories import OrderFactory, UserFactory
from scheduling.roles import SUPPORT_GROUP, ensure_roles
from tecnosign.audit.models import AuditEvent
from tecnosign.notifications.models import OutboxMessage
from tecnosign.notifications.services import notify
from tecnosign.notifications.tasks import outbox_sweep, send_outbox_message
from tecnosign.tests.auth import staff_login

pytestmark = pytest.mark.django_db


def _notify(order, key="order:1:created"):
    return notify(
        "order_created",
        to=order.email,
        key=key,
        obj=order,
        context={"order": order, "product": order.product, "access_url": "http://testserver/x/"},
    )


def test_same_key_is_one_message_sent_once(on_commit):
    order = OrderFactory()
    with on_commit():
        first = _notify(order)
        second = _notify(order)

    assert first.pk == second.pk
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.alternatives[0][1] == "text/html"
    assert f"Pedido {order.number} recebido" in message.subject
    assert send_outbox_message.apply(args=(first.pk,)).get() == "skipped"
    assert len(mail.outbox) == 1


def test_nothing_is_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    order = OrderFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _notify(order)
    # The callbacks would run only on commit; the outbox row is what a sweep would find.
    assert len(callbacks) == 1 and len(mail.outbox) == 0


def test_a_failed_delivery_stays_pending_and_the_sweep_sends_it(monkeypatch, on_commit):
    order = OrderFactory()

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("servidor fora")

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
        with on_commit():
            message = _notify(order)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.PENDING, 1)
    assert "servidor fora" in message.last_error

    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    assert outbox_sweep.apply().get() == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT and len(mail.outbox) == 1


def test_a_claim_abandoned_by_a_dead_worker_is_taken_again():
    order = OrderFactory()
    message = _notify(order)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.SENDING, claimed_at=timezone.now() - timedelta(minutes=30)
    )

    outbox_sweep.apply()

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT and len(mail.outbox) == 1


@pytest.mark.worker
def test_a_real_worker_delivers_through_redis(celery_worker):
    order = OrderFactory()
    message = _notify(order, key="order:worker")  # transactional test: on_commit publishes for real

    wait_for(lambda: OutboxMessage.objects.get(pk=message.pk).status == OutboxMessage.Status.SENT)
    assert [m.to for m in mail.outbox] == [[order.email]]


def test_support_sends_again_only_the_failed_messages_audited_and_after_commit(
    client, django_capture_on_commit_callbacks
):
    # Given a message given up after its attempts, one already sent and one still pending, and a support agent
    ensure_roles()
    agent = UserFactory(username="suporte", is_staff=True)
    agent.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    staff_login(client, agent)
    order = OrderFactory()
    failed, sent, pending = (
        OutboxMessage.objects.create(
            key=f"teste:{status}",
            kind="order_created",
            recipient=order.email,
            subject=f"Mensagem {status}",
            body_text="Olá",
            status=status,
            attempts=6,
            last_error="SMTPServerDisconnected()" if status == "failed" else "",
        )
        for status in (OutboxMessage.Status.FAILED, OutboxMessage.Status.SENT, OutboxMessage.Status.PENDING)
    )

    # When they run "Reenviar mensagens que falharam" on all three
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            "/admin/notifications/outboxmessage/",
            {"action": "retry_failed", "_selected_action": [failed.pk, sent.pk, pending.pk], "index": "0"},
            follow=True,
        )

    # Then only the failed one went back to the queue, audited with who asked and its error; nothing was sent
    # before commit, and after commit it is delivered once
    assert "1 mensagem(ns) reenfileirada(s)" in response.text
    statuses = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert statuses == {failed.pk: "pending", sent.pk: "sent", pending.pk: "pending"}
    assert OutboxMessage.objects.get(pk=failed.pk).attempts == 0
    assert OutboxMessage.objects.get(pk=pending.pk).attempts == 6
    event = AuditEvent.objects.get(action="outbox.retried")
    assert (event.object_id, event.actor, event.note) == (str(failed.pk), agent, "SMTPServerDisconnected()")
    assert not mail.outbox
    for callback in queued:
        callback()
    assert [m.subject for m in mail.outbox] == ["Mensagem failed"]
    assert OutboxMessage.objects.get(pk=failed.pk).status == OutboxMessage.Status.SENT
