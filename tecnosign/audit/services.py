"""Writing, sealing, checkpointing and verifying the audit log."""

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.dispatch import Signal
from django.utils import timezone

from tecnosign.http import client_ip

from .checkpoints import (
    Checkpoint,
    CheckpointInvalid,
    checkpoint_name,
    checkpoint_open,
    checkpoint_seal,
    signing_key,
    verify_keys,
)
from .models import AuditChainHead, AuditEvent
from .sinks import CheckpointSink, checkpoint_sink

# Sent when the chain no longer extends the last signed checkpoint (problems, since, sink): staff must hear of it.
chain_tampered = Signal()

logger = logging.getLogger(__name__)

SEAL_BATCH = 1000


@dataclass(frozen=True)
class Actor:
    """Who did something: a staff or partner user, the customer, or the system; and from where."""

    user: object | None = None
    label: str = "sistema"
    ip: str | None = None

    @classmethod
    def from_request(cls, request, *, label: str | None = None) -> "Actor":
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        return cls(user=user, label=label or (user.get_username() if user else "cliente"), ip=client_ip(request))


SYSTEM = Actor()


def object_ref(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def audit_record(
    *,
    action: str,
    obj: models.Model,
    actor: Actor = SYSTEM,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEvent:
    object_type, object_id = object_ref(obj)
    return _write(
        action=action, object_type=object_type, object_id=object_id, actor=actor, before=before, after=after, note=note
    )


def _write(
    *,
    action: str,
    object_type: str,
    object_id: str,
    actor: Actor,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEvent:
    event = AuditEvent.objects.create(
        actor=actor.user,
        actor_label=actor.label[:150],
        ip=actor.ip,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before or {},
        after=after or {},
        note=note,
    )
    _seal_after_commit()
    return event


# The sign-in pages, by URL name; a login anywhere else (a new partner signed in on registration) is named by its view.
LOGIN_FORMS = {"admin:login": "admin", "partner-login": "partner"}
# A username can be no longer (Django's field); anything typed beyond is cut, never stored whole.
USERNAME_MAX_LENGTH = 150


def _login_form(request) -> str:
    match = getattr(request, "resolver_match", None)
    return LOGIN_FORMS.get(match.view_name, match.view_name) if match else ""


def _request_ip(request) -> str | None:
    return client_ip(request) if request is not None else None


def audit_login(*, request, user) -> AuditEvent:
    """A user signed in (staff at /admin/, a partner at /parceiros/entrar/): who, from where, through which page."""
    username = user.get_username()
    return _write(
        action="auth.login",
        object_type=user._meta.label_lower,
        object_id=username[:64],
        actor=Actor(user=user, label=username, ip=_request_ip(request)),
        after={"form": _login_form(request)},
    )


def audit_login_failed(*, request, username: str) -> AuditEvent:
    """A refused sign-in: the username typed (cut to a username's length) and where from; never the password."""
    username = str(username or "")[:USERNAME_MAX_LENGTH]
    return _write(
        action="auth.login_failed",
        object_type=get_user_model()._meta.label_lower,
        object_id=username[:64],
        actor=Actor(label="anônimo", ip=_request_ip(request)),
        after={"form": _login_form(request), "username": username},
    )


def audit_logout(*, request, user) -> AuditEvent:
    username = user.get_username()
    return _write(
        action="auth.logout",
        object_type=user._meta.label_lower,
        object_id=username[:64],
        actor=Actor(user=user, label=username, ip=_request_ip(request)),
    )


def _seal_after_commit() -> None:
    # One seal per transaction is enough: it seals every row committed so far.
    if connection.in_atomic_block and any(func is audit_seal for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(audit_seal)


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "id": event.pk,
        "created_at": event.created_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "ip": event.ip,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
        "note": event.note,
        "chain_position": event.chain_position,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def audit_seal() -> int:
    """Chain every committed, unsealed event in id order. Returns how many were sealed."""
    sealed = 0
    while True:
        with transaction.atomic():
            head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
            batch = list(AuditEvent.objects.filter(chain_position__isnull=True).order_by("id")[:SEAL_BATCH])
            if not batch:
                return sealed
            for event in batch:
                event.chain_position = head.position + 1
                event.prev_hash = head.hash
                event.hash = event_hash(event)
                head.position, head.hash = event.chain_position, event.hash
            AuditEvent.objects.bulk_update(batch, ["chain_position", "prev_hash", "hash"])
            head.save(update_fields=["position", "hash"])
            sealed += len(batch)


@dataclass(frozen=True)
class ChainProblem:
    position: int
    event_id: int
    reason: str


@dataclass(frozen=True)
class Verification:
    problems: list[ChainProblem]
    events: int
    checkpoints: int
    last_checkpoint: Checkpoint | None
    sink: str


class AuditTampered(Exception):
    """The chain no longer extends the last signed checkpoint: no new checkpoint may bless it."""

    def __init__(self, problems: list[ChainProblem]):
        self.problems = problems
        super().__init__("; ".join(f"#{p.position}: {p.reason}" for p in problems[:5]))


def _walk(
    events: Iterable[AuditEvent],
    *,
    position: int,
    prev_hash: str | None,
    checkpoints: dict[int, list[Checkpoint]],
    problems: list[ChainProblem],
) -> tuple[int, str | None]:
    """Check `events` (by chain position) as the chain after `position` whose hash is `prev_hash` (None: unknown).

    Appends what does not hold to `problems`; returns the last position and hash seen.
    """
    expected_prev, expected_position = prev_hash, position + 1
    for event in events:
        if event.chain_position != expected_position:
            missing = f"posição {expected_position} ausente (linha apagada)"
            problems.append(ChainProblem(expected_position, event.pk, missing))
            expected_position = event.chain_position
        if expected_prev is not None and event.prev_hash != expected_prev:
            problems.append(ChainProblem(event.chain_position, event.pk, "elo com o evento anterior não confere"))
        if event.hash != event_hash(event):
            problems.append(ChainProblem(event.chain_position, event.pk, "conteúdo alterado depois de selado"))
        for checkpoint in checkpoints.get(event.chain_position, ()):
            if event.hash != checkpoint.hash:
                rewritten = (
                    f"não confere com o checkpoint assinado {checkpoint.name} de {checkpoint.at} (história reescrita)"
                )
                problems.append(ChainProblem(event.chain_position, event.pk, rewritten))
        expected_prev = event.hash
        expected_position += 1
    return expected_position - 1, expected_prev


def _sealed_events(first: int = 1, last: int | None = None) -> Iterator[AuditEvent]:
    events = AuditEvent.objects.filter(chain_position__gte=first)
    if last is not None:
        events = events.filter(chain_position__lte=last)
    return events.order_by("chain_position").iterator(2000)


def _position_of(name: str) -> int:
    stem = name.removesuffix(".json")
    return int(stem) if stem.isdigit() else 0


def _open_all(copies: Iterable[tuple[str, bytes]], problems: list[ChainProblem]) -> list[Checkpoint]:
    keys = verify_keys()
    opened = []
    for name, data in copies:
        try:
            opened.append(checkpoint_open(name, data, keys))
        except CheckpointInvalid as error:
            problems.append(ChainProblem(_position_of(name), 0, str(error)))
    return opened


def audit_verify_report() -> Verification:
    """Recompute the chain from the start and hold it against every signed checkpoint in the sink.

    The sink is trusted, the database is not: a checkpoint must be signed by a verify key, the event at its
    position must have exactly its hash, and the chain must still reach it.
    """
    problems: list[ChainProblem] = []
    sink = checkpoint_sink()
    checkpoints: dict[int, list[Checkpoint]] = {}
    for checkpoint in _open_all(sink.entries(), problems):
        checkpoints.setdefault(checkpoint.position, []).append(checkpoint)
    last_position, last_hash = _walk(
        _sealed_events(), position=0, prev_hash="0" * 64, checkpoints=checkpoints, problems=problems
    )
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and head.position != last_position:
        problems.append(ChainProblem(head.position, 0, "eventos selados no fim da cadeia foram apagados"))
    elif head and last_position and head.hash != last_hash:
        problems.append(ChainProblem(head.position, 0, "a cabeça da cadeia não confere com o último evento"))
    last_checkpoint = checkpoints[max(checkpoints)][0] if checkpoints else None
    if last_checkpoint and last_position < last_checkpoint.position:
        problems.append(
            ChainProblem(
                last_checkpoint.position,
                0,
                f"a cadeia termina na posição {last_position}, antes do checkpoint {last_checkpoint.name}: "
                "eventos apagados depois dele",
            )
        )
    return Verification(
        problems=problems,
        events=AuditEvent.objects.count(),
        checkpoints=sum(len(copies) for copies in checkpoints.values()),
        last_checkpoint=last_checkpoint,
        sink=str(sink),
    )


def audit_verify() -> Iterator[ChainProblem]:
    """Every place where the chain, or a signed checkpoint of it, does not hold."""
    yield from audit_verify_report().problems


@dataclass(frozen=True)
class SealedFilesReport:
    """Files whose digest an app recorded in the chain, checked against it (`sealed_files_verify`)."""

    what: str  # for the command's summary, plural: "sealed dossiers"
    checked: int
    problems: list[str]  # in Portuguese, as the chain's own problems


def sealed_files_verify() -> list[SealedFilesReport]:
    """Files sealed into the chain by the apps (a digest recorded in an event), each checked against its event.

    The chain is checked by `audit_verify_report`; this checks what it vouches for outside the database. The audit
    app imports no other: an app that seals files adds a `sealed_files_verify() -> SealedFilesReport` method on its
    AppConfig (scheduling: the holders' dossiers).
    """
    reports = []
    for config in apps.get_app_configs():
        provider = getattr(config, "sealed_files_verify", None)
        if provider is not None:
            reports.append(provider())
    return reports


def audit_checkpoint() -> Checkpoint | None:
    """Sign the sealed head into the sink, once the chain is seen to extend the last checkpoint unchanged.

    A chain that does not (an event rewritten, history cut short) is never signed — that would bless the
    rewrite: staff are alerted and AuditTampered is raised. None when the head has not moved since the last
    checkpoint, or another run stored this one first.
    """
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None or head.position == 0:
        return None
    key = signing_key()
    sink = checkpoint_sink()
    problems: list[ChainProblem] = []
    latest = _open_all(sink.latest(), problems)
    since = latest[0].position if latest else 0
    if not problems and latest and all((c.position, c.hash) == (head.position, head.hash) for c in latest):
        return None
    if since > head.position:
        problems.append(
            ChainProblem(since, 0, f"a cadeia termina na posição {head.position}, antes do último checkpoint")
        )
    else:
        # From the checkpointed event on (from the start when there is none): its hash must be the signed one,
        # every later link must hold, and the last event must be the head that is about to be signed.
        seen = _walk(
            _sealed_events(since or 1, head.position),
            position=since - 1 if since else 0,
            prev_hash=None if since else "0" * 64,
            checkpoints={since: latest} if since else {},
            problems=problems,
        )
        if not problems and seen != (head.position, head.hash):
            problems.append(ChainProblem(head.position, 0, "a cabeça da cadeia não confere com o último evento"))
    if problems:
        _alert_tampering(problems, since=since, sink=sink)
        raise AuditTampered(problems)
    name = checkpoint_name(head.position)
    at = timezone.now().isoformat()
    if not sink.add(name, checkpoint_seal(position=head.position, hash=head.hash, at=at, key=key)):
        return None
    return Checkpoint(name=name, position=head.position, hash=head.hash, at=at)


def _alert_tampering(problems: list[ChainProblem], *, since: int, sink: CheckpointSink) -> None:
    """Log it, and tell whoever listens (the notifications app e-mails staff): audit sends no messages itself."""
    logger.critical("audit log does not extend checkpoint %s in %s: %s", since, sink, AuditTampered(problems))
    chain_tampered.send(sender=AuditTampered, problems=problems, since=since, sink=str(sink))
