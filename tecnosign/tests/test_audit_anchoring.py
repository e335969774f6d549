"""The audit chain anchored outside the database: signed checkpoints, TRUNCATE refused, the app's database role.

Security issue "Security defects confirmed by a probe", item 6: as the tables' owner the probe disabled the guard
trigger, changed an approver, recomputed the keyless chain, and `verify_audit_log` said "intact".
"""

import base64
import os
import re
import secrets
import stat
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from botocore.stub import Stubber
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from orders.tests.factories import OrderFactory, UserFactory
from tecnosign.audit.checkpoints import checkpoint_seal, load_signing_key
from tecnosign.audit.models import AuditChainHead, AuditEvent
from tecnosign.audit.services import Actor, AuditTampered, audit_record, audit_verify, event_hash
from tecnosign.audit.sinks import DirectorySink, checkpoint_sink
from tecnosign.audit.tasks import checkpoint
from tecnosign.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def _approval_and_two_more() -> tuple[AuditEvent, list]:
    """Ana approves an order's dossier; two more events follow. Returns the approval and the people."""
    ana = UserFactory(username="ana@tecnosign.com.br", is_staff=True)
    bruno = UserFactory(username="bruno@tecnosign.com.br", is_staff=True)
    order = OrderFactory()
    audit_record(action="order.status", obj=order, before={"status": "validated"}, after={"status": "validated"})
    approval = audit_record(
        action="verification.decided",
        obj=order,
        actor=Actor(user=ana, label=ana.username),
        after={"outcome": "verified", "verifier": ana.username},
    )
    audit_record(
        action="order.status", obj=order, actor=Actor(user=ana, label=ana.username), after={"status": "verified"}
    )
    return approval, [ana, bruno]


def _sink_files() -> dict[str, bytes]:
    root = Path(str(checkpoint_sink()))
    return {path.name: path.read_bytes() for path in sorted(root.glob("*.json"))}


def _rewrite_as_owner(event_id: int, *, user, after: dict) -> None:
    """The probe, literally: as the owner, switch the guard off, change the event, recompute prev_hash/hash from it
    to the head exactly as audit_seal() does, update the head, switch the guard back on."""
    with connection.cursor() as cursor:
        # The test's events are in this same transaction: their deferred foreign-key checks run first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
    AuditEvent.objects.filter(pk=event_id).update(actor=user, actor_label=user.username, after=after)
    rewritten = AuditEvent.objects.get(pk=event_id)
    prev_hash = rewritten.prev_hash
    for event in AuditEvent.objects.filter(chain_position__gte=rewritten.chain_position).order_by("chain_position"):
        event.prev_hash = prev_hash
        event.hash = event_hash(event)
        event.save(update_fields=["prev_hash", "hash"])
        prev_hash = event.hash
    AuditChainHead.objects.filter(pk=1).update(hash=prev_hash)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


@pytest.mark.postgres
def test_the_probe_rewrite_by_the_owner_fails_against_the_checkpoint_taken_before(settings, tmp_path, capsys):
    # given: the approval sealed and signed into the sink by the beat task
    approval, (_ana, bruno) = _approval_and_two_more()
    assert checkpoint.delay().result == 3
    signed = _sink_files()
    assert list(signed) == ["000000000003.json"]

    # when: the owner rewrites the approver and recomputes the keyless chain
    _rewrite_as_owner(approval.pk, user=bruno, after={"outcome": "verified", "verifier": bruno.username})

    # then: the chain alone holds, as the probe found (a sink with no checkpoint says "intact")...
    rewritten = AuditEvent.objects.get(pk=approval.pk)
    assert rewritten.actor == bruno and rewritten.after["verifier"] == bruno.username
    settings.AUDIT_CHECKPOINT_SINK = str(tmp_path / "empty-sink")
    call_command("verify_audit_log")
    assert "audit log intact: 3 events verified; no signed checkpoint" in capsys.readouterr().out
    # ...but not against the checkpoint signed before the rewrite
    settings.AUDIT_CHECKPOINT_SINK = str(tmp_path / "audit-checkpoints")
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("verify_audit_log")
    errors = capsys.readouterr().err
    assert "position 3" in errors and "não confere com o checkpoint assinado 000000000003.json" in errors
    # and the beat refuses to sign the rewritten head, tells staff once, and the sink is as it was
    with pytest.raises(AuditTampered):
        checkpoint.delay()
    with pytest.raises(AuditTampered):
        checkpoint.delay()
    assert _sink_files() == signed
    alert = OutboxMessage.objects.get(kind="audit_tampered")
    assert alert.recipient == "operacao@tecnosign.test" and "checkpoint assinado 3" in alert.subject
    assert "000000000003.json" in alert.body_text


def test_cutting_the_chain_short_after_a_checkpoint_is_detected(capsys):
    # given: three events, signed at position 3
    _approval_and_two_more()
    checkpoint.delay()
    last = AuditEvent.objects.get(chain_position=3)

    # when: the last event is deleted and the head moved back so that the chain ends cleanly at 2
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [last.pk])
        cursor.execute("UPDATE audit_auditchainhead SET position = 2, hash = %s WHERE id = 1", [last.prev_hash])

    # then
    assert [(p.position, p.reason) for p in audit_verify()] == [
        (3, "a cadeia termina na posição 2, antes do checkpoint 000000000003.json: eventos apagados depois dele")
    ]
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("verify_audit_log")
    with pytest.raises(AuditTampered, match="antes do último checkpoint"):
        checkpoint.delay()


def test_a_checkpoint_signed_with_another_key_fails_verification():
    # given: a sealed chain, and someone able to drop files in the sink but without the signing key
    _approval_and_two_more()
    checkpoint.delay()
    head = AuditChainHead.objects.get(pk=1)
    forger = Ed25519PrivateKey.generate()
    forged = checkpoint_seal(position=head.position, hash=head.hash, at=timezone.now().isoformat(), key=forger)
    sink = DirectorySink(str(checkpoint_sink()))
    assert sink.add("000000000003.json", forged) is False  # the genuine one is never replaced
    sink.add("000000000004.json", forged.replace(b'"position": 3', b'"position": 4'))

    # when
    problems = list(audit_verify())

    # then
    assert [(p.position, p.reason) for p in problems] == [
        (
            4,
            "checkpoint 000000000004.json: a assinatura não confere com nenhuma chave de verificação "
            "(forjado ou alterado)",
        )
    ]
    with pytest.raises(CommandError, match="NOT intact"):
        call_command("verify_audit_log")


def test_checkpoints_are_write_once_files_and_a_beat_with_nothing_new_writes_nothing():
    # given
    _approval_and_two_more()

    # when: the beat runs three times, with one event between the second and third
    first, again = checkpoint.delay().result, checkpoint.delay().result
    audit_record(action="order.status", obj=OrderFactory(), after={"status": "paid"})
    third = checkpoint.delay().result

    # then
    assert (first, again, third) == (3, None, 4)
    root = Path(str(checkpoint_sink()))
    assert sorted(os.listdir(root)) == ["000000000003.json", "000000000004.json"]
    assert all(stat.S_IMODE((root / name).stat().st_mode) == 0o444 for name in os.listdir(root))
    assert list(audit_verify()) == []


def test_an_auditor_verifies_with_the_public_key_alone_and_cannot_sign(settings, tmp_path, capsys):
    # given: production-like keys in PEM — the portal signs with the private key
    private = Ed25519PrivateKey.generate()
    settings.AUDIT_CHECKPOINT_SIGNING_KEY = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    _approval_and_two_more()
    checkpoint.delay()
    public_file = tmp_path / "audit-verify.pem"
    public_file.write_bytes(
        private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )

    # when: the auditor has the public key file only
    settings.AUDIT_CHECKPOINT_SIGNING_KEY = ""
    settings.AUDIT_CHECKPOINT_VERIFY_KEY = [str(public_file)]
    call_command("verify_audit_log", "--no-seal")

    # then
    assert "1 signed checkpoint(s)" in capsys.readouterr().out
    with pytest.raises(ImproperlyConfigured, match="AUDIT_CHECKPOINT_SIGNING_KEY"):
        checkpoint.delay()


def _raw_b64(key: Ed25519PrivateKey, *, public: bool = False) -> str:
    """The one-line form of a key: base64 of its raw 32 bytes."""
    if public:
        raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        raw = key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
    return base64.b64encode(raw).decode()


def test_after_a_key_rotation_the_old_public_key_keeps_old_checkpoints_valid(settings):
    # given: a checkpoint signed with the old key
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    settings.AUDIT_CHECKPOINT_SIGNING_KEY = _raw_b64(old)
    _approval_and_two_more()
    checkpoint.delay()

    # when: rotated as the README says — the new key signs, the old public key stays beside the new one
    settings.AUDIT_CHECKPOINT_SIGNING_KEY = _raw_b64(new)
    settings.AUDIT_CHECKPOINT_VERIFY_KEY = [_raw_b64(old, public=True), _raw_b64(new, public=True)]
    audit_record(action="order.status", obj=OrderFactory(), after={"status": "paid"})
    checkpoint.delay()

    # then: both checkpoints hold; without the old public key the old one could not be trusted
    assert list(audit_verify()) == [] and list(_sink_files()) == ["000000000003.json", "000000000004.json"]
    settings.AUDIT_CHECKPOINT_VERIFY_KEY = [_raw_b64(new, public=True)]
    assert [p.position for p in audit_verify()] == [3]


@pytest.mark.postgres
def test_postgresql_refuses_truncate_of_the_audit_tables():
    # given
    _approval_and_two_more()
    checkpoint.delay()
    head = AuditChainHead.objects.values_list("position", "hash").get(pk=1)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the rows above are in this transaction: check them now

    # when / then: directly, on the head, and cascaded from the users table
    for sql in ("TRUNCATE audit_auditevent", "TRUNCATE audit_auditchainhead", "TRUNCATE auth_user CASCADE"):
        with (
            pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditEvent.objects.count() == 3
    assert AuditChainHead.objects.values_list("position", "hash").get(pk=1) == head
    assert list(audit_verify()) == []


def _readme_grants() -> str:
    section = README.read_text().split("## The audit log", 1)[1]
    return re.search(r"```sql\n(.*?)```", section, re.DOTALL).group(1)


@contextmanager
def _connected_as(role: str, password: str):
    """Django's connection (psycopg2) as another role, as the web and worker processes would connect."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(USER=role, PASSWORD=password)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(USER=saved["USER"], PASSWORD=saved["PASSWORD"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_app_role_of_the_readme_writes_and_seals_but_cannot_disable_the_guard_nor_truncate():
    # given: a login role granted exactly what the README says, the tables owned by another role
    role, password = f"tecnosign_app_{uuid.uuid4().hex[:8]}", secrets.token_urlsafe(16)
    agent = UserFactory(username="agente@tecnosign.com.br")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN PASSWORD %s", [password])
        cursor.execute(_readme_grants().replace("tecnosign_app", role))
    refusals = {}
    try:
        with _connected_as(role, password):
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_user")
                assert cursor.fetchone() == (role,)
            # when: the portal audits (insert, then the seal after commit), and an intruder with its password tries
            audit_record(action="order.status", obj=OrderFactory(), actor=Actor(user=agent, label=agent.username))
            for sql in (
                "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only",
                "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
                "TRUNCATE audit_auditevent",
                "TRUNCATE audit_auditchainhead",
                "UPDATE audit_auditevent SET note = 'nada aconteceu'",
                "DELETE FROM audit_auditevent",
                "DELETE FROM audit_auditchainhead",
            ):
                with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql)
                refusals[sql] = str(refused.value)
            intact = list(audit_verify())
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")

    # then
    assert intact == []
    assert all("must be owner of table audit_auditevent" in refusals[s] for s in refusals if s.startswith("ALTER"))
    assert all("permission denied" in message for sql, message in refusals.items() if not sql.startswith("ALTER"))
    sealed = AuditEvent.objects.get(action="order.status")
    assert sealed.chain_position == 1 and sealed.hash == event_hash(sealed) and sealed.note == ""
    assert AuditChainHead.objects.get(pk=1).position == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_event_append_only'")
        assert cursor.fetchone() == ("O",)
        cursor.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", [role])
        assert cursor.fetchone() == (0,)


@pytest.mark.parametrize(
    ("signing", "verify", "expected"),
    [
        ("", [], "audit.E001"),  # DEBUG off: no dev key, nothing set
        (None, [_raw_b64(Ed25519PrivateKey.generate(), public=True)], "audit.E003"),  # a verify key not the signer's
        ("not-a-key", [], "audit.E002"),
    ],
)
def test_production_needs_a_signing_key_that_the_verify_keys_match(settings, signing, verify, expected):
    # given
    if signing is not None:
        settings.AUDIT_CHECKPOINT_SIGNING_KEY = signing
    settings.AUDIT_CHECKPOINT_VERIFY_KEY = verify

    # when
    ids = [message.id for message in run_checks() if message.id.startswith("audit.")]

    # then
    assert ids == [expected]


def test_the_embedded_dev_key_signs_and_verifies(settings):
    key = load_signing_key(settings.AUDIT_CHECKPOINT_SIGNING_KEY)
    assert isinstance(key, Ed25519PrivateKey)
    assert [message.id for message in run_checks() if message.id.startswith("audit.")] == []


def test_the_s3_sink_puts_compliance_locked_objects_once_and_reads_every_version(settings):
    # given: an Object Lock bucket (botocore's stubber stands in for S3)
    settings.AUDIT_CHECKPOINT_SINK = "s3://tecnosign-audit/checkpoints/"
    settings.AUDIT_CHECKPOINT_RETENTION_DAYS = 3660
    sink = checkpoint_sink()
    now = timezone.now()
    put = {
        "Bucket": "tecnosign-audit",
        "Key": "checkpoints/000000000003.json",
        "Body": b"{}",
        "ContentType": "application/json",
        "IfNoneMatch": "*",
        "ObjectLockMode": "COMPLIANCE",
        "ObjectLockRetainUntilDate": now + timedelta(days=3660),
    }
    versions = {
        "Versions": [
            {"Key": "checkpoints/000000000003.json", "VersionId": "v2"},
            {"Key": "checkpoints/000000000003.json", "VersionId": "v1"},
        ],
        "DeleteMarkers": [{"Key": "checkpoints/000000000003.json", "VersionId": "d1"}],
    }
    with time_machine.travel(now, tick=False), Stubber(sink.client) as stub:
        stub.add_response("put_object", {}, put)
        stub.add_client_error("put_object", "PreconditionFailed", http_status_code=412, expected_params=put)
        stub.add_response("list_object_versions", versions, {"Bucket": "tecnosign-audit", "Prefix": "checkpoints/"})
        for version, body in (("v1", b"first"), ("v2", b"second")):
            stub.add_response(
                "get_object",
                {"Body": _body(body)},
                {"Bucket": "tecnosign-audit", "Key": "checkpoints/000000000003.json", "VersionId": version},
            )

        # when
        stored, again = sink.add("000000000003.json", b"{}"), sink.add("000000000003.json", b"{}")
        copies = list(sink.entries())

        # then
        assert (stored, again) == (True, False)
        assert copies == [("000000000003.json", b"first"), ("000000000003.json", b"second")]
        stub.assert_no_pending_responses()


def _body(data: bytes):
    from io import BytesIO

    from botocore.response import StreamingBody

    return StreamingBody(BytesIO(data), len(data))
