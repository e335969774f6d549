"""Signed-in sessions: an index over Django's sessions (per user), staff idle expiry, and signing out everywhere."""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.utils import timezone

from tecnosign.audit.services import Actor, audit_record
from tecnosign.http import client_ip

from ..models import UserSession

SEEN_KEY = "staff_seen_at"  # epoch seconds of the session's last use (moved at most once a minute)
INDEXED_KEY = "session_indexed"  # the session key the index holds for this session
TOUCH_EVERY_SECONDS = 60


def _store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def user_session_touch(request, user) -> None:
    """Record this session as the user's, now (called on sign-in and, at most once a minute, on use)."""
    session = request.session
    if session.session_key is None:
        session.save()
    now = timezone.now()
    previous = session.get(INDEXED_KEY)
    if previous and previous != session.session_key:  # the key was cycled (sign-in, factor): the old row goes
        user_session_forget(previous)
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "last_seen_at": now,
            "ip": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
        },
    )
    session[SEEN_KEY] = now.timestamp()
    session[INDEXED_KEY] = session.session_key


def user_session_forget(session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def idle_seconds(request) -> float | None:
    seen = request.session.get(SEEN_KEY)
    return None if seen is None else timezone.now().timestamp() - seen


def staff_session_expire(request) -> None:
    """The session sat unused past STAFF_SESSION_IDLE_MINUTES: it ends here (audited)."""
    user = request.user
    audit_record(
        action="auth.session_expired",
        obj=user,
        actor=Actor(user=user, label=user.get_username(), ip=client_ip(request)),
        after={"idle_minutes": settings.STAFF_SESSION_IDLE_MINUTES},
    )
    logout(request)


def active_sessions(user) -> list[UserSession]:
    """The user's sessions still alive: in the session store, unexpired, and used within the idle period."""
    from django.contrib.sessions.models import Session

    now = timezone.now()
    rows = list(
        UserSession.objects.filter(
            user=user, last_seen_at__gt=now - timedelta(minutes=settings.STAFF_SESSION_IDLE_MINUTES)
        )
    )
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return rows
    alive = set(
        Session.objects.filter(session_key__in=[row.session_key for row in rows], expire_date__gt=now).values_list(
            "session_key", flat=True
        )
    )
    return [row for row in rows if row.session_key in alive]


def user_sessions_end(*, user, actor: Actor, reason: str, keep: str | None = None) -> int:
    """End every session of `user` (all but `keep`): a password or factor change, or "sair de todos os
    dispositivos". Audited with how many ended."""
    with transaction.atomic():
        rows = list(UserSession.objects.select_for_update().filter(user=user).exclude(session_key=keep or ""))
        for row in rows:
            _store(row.session_key).delete()
        UserSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
        audit_record(
            action="auth.sessions_ended",
            obj=user,
            actor=actor,
            after={"reason": reason, "sessions": len(rows), "kept_current": keep is not None},
        )
    return len(rows)
