import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from orders.models import Order
from orders.services.transitions import order_transition
from orders.tests.factories import OrderFactory
from tecnosign.audit.models import AuditEvent
from tecnosign.audit.services import audit_seal, audit_verify

pytestmark = pytest.mark.django_db


def _three_sealed_events() -> list[AuditEvent]:
    order = OrderFactory()
    order = order_transition(order=order, to=Order.Status.PAID)
    order = order_transition(order=order, to=Order.Status.DOCUMENTS_RECEIVED)
    order_transition(order=order, to=Order.Status.SCHEDULED)
    audit_seal()
    return list(AuditEvent.objects.order_by("chain_position"))


def _tamper(sql: str, params: list) -> None:
    """What an attacker with database access would do, bypassing the PostgreSQL guard trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def test_sealing_chains_events_and_verify_passes(capsys):
    events = _three_sealed_events()

    assert [event.chain_position for event in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert list(audit_verify()) == []
    call_command("verify_audit_log")
    assert "audit log intact: 3 events verified" in capsys.readouterr().out


def test_editing_a_sealed_event_is_detected():
    events = _three_sealed_events()
    _tamper("UPDATE audit_auditevent SET note = %s WHERE id = %s", ["nada aconteceu", events[1].pk])

    problems = list(audit_verify())

    assert [(p.position, p.reason) for p in problems] == [(2, "conteúdo alterado depois de selado")]
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("verify_audit_log")


def test_deleting_an_event_is_detected():
    events = _three_sealed_events()
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])

    assert any("apagada" in problem.reason for problem in audit_verify())


@pytest.mark.postgres
def test_postgresql_itself_refuses_updates_and_deletes():
    events = _three_sealed_events()
    for sql in ("UPDATE audit_auditevent SET note = 'x' WHERE id = %s", "DELETE FROM audit_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [events[0].pk])


def test_the_admin_shows_the_log_read_only(admin_client):
    events = _three_sealed_events()  # and the admin's sign-in, audited too
    assert [event.action for event in events].count("auth.login") == 1

    assert admin_client.get("/admin/audit/auditevent/").status_code == 200
    assert admin_client.get(f"/admin/audit/auditevent/{events[0].pk}/change/").status_code == 200
    assert admin_client.get("/admin/audit/auditevent/add/").status_code == 403
    assert admin_client.post(f"/admin/audit/auditevent/{events[0].pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.count() == len(events)
