"""Writing, sealing and verifying the audit log."""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction

from tecnosign.http import client_ip

from .models import AuditChainHead, AuditEvent

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


def audit_verify() -> Iterator[ChainProblem]:
    """Recompute the chain from the start; yield every place where it does not hold."""
    expected_prev = "0" * 64
    expected_position = 1
    for event in AuditEvent.objects.filter(chain_position__isnull=False).order_by("chain_position").iterator(2000):
        if event.chain_position != expected_position:
            yield ChainProblem(expected_position, event.pk, f"posição {expected_position} ausente (linha apagada)")
            expected_position = event.chain_position
        if event.prev_hash != expected_prev:
            yield ChainProblem(event.chain_position, event.pk, "elo com o evento anterior não confere")
        if event.hash != event_hash(event):
            yield ChainProblem(event.chain_position, event.pk, "conteúdo alterado depois de selado")
        expected_prev = event.hash
        expected_position += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and head.position != expected_position - 1:
        yield ChainProblem(head.position, 0, "eventos selados no fim da cadeia foram apagados")
