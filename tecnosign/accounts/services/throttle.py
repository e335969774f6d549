"""Wrong passwords at the login forms, and partner password-reset e-mails, limited per account and per client IP.

One mechanism for the three forms (/admin/login/, /parceiros/entrar/, /parceiros/senha/): an attempt is *claimed*
before anything is checked — one conditional UPDATE per key that both counts it and refuses it when the key is
locked or its window is full — so a locked account's password is never checked, and concurrent guesses cannot slip
past the limit between a read and a write. A right password gives its claim back; a wrong one keeps it and, at the
limit, locks the key for LOGIN_LOCK_MINUTES. Reset requests always count (each sends an e-mail): past the limit
they are refused until the hour's window ends. Staff see the rows in the admin and unlock them (audited).
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import formats, timezone

from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError

from ..models import LoginThrottle

S = LoginThrottle.Scope


class LoginLocked(DomainError):
    code = "login_locked"

    def __init__(self, message: str, *, until: datetime):
        super().__init__(message)
        self.until = until


@dataclass(frozen=True)
class Policy:
    limits: dict[str, int]
    window: timedelta
    lock: timedelta | None  # None: refused until the window ends


def _login_policy() -> Policy:
    return Policy(
        limits={S.ACCOUNT: settings.LOGIN_MAX_FAILURES, S.IP: settings.LOGIN_MAX_FAILURES_PER_IP},
        window=timedelta(minutes=settings.LOGIN_WINDOW_MINUTES),
        lock=timedelta(minutes=settings.LOGIN_LOCK_MINUTES),
    )


def _reset_policy() -> Policy:
    limit = settings.PASSWORD_RESET_MAX_PER_HOUR
    return Policy(limits={S.RESET_ACCOUNT: limit, S.RESET_IP: limit}, window=timedelta(hours=1), lock=None)


@dataclass(frozen=True)
class Claim:
    rows: tuple[int, ...]


def account_key(username: str) -> str:
    # Usernames are e-mails for partners: one key whatever the case or spaces typed; hashed to fit any length.
    return hashlib.sha256(str(username).strip().lower().encode("utf-8", "surrogatepass")).hexdigest()


def brasilia(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "d/m/Y \\à\\s H:i")


def _keys(account_scope: str, ip_scope: str, username: str, ip: str | None) -> list[tuple[str, str, str]]:
    label = str(username).strip()[:150]
    # Always in this order, so two requests never lock the rows in opposite orders.
    return [(account_scope, account_key(username), label), (ip_scope, ip or "unknown", ip or "desconhecido")]


def _until(row: LoginThrottle, policy: Policy, now: datetime) -> datetime:
    if row.locked_until and row.locked_until > now:
        return row.locked_until
    return row.window_started_at + policy.window


def _login_locked(row: LoginThrottle, policy: Policy, now: datetime) -> LoginLocked:
    until = _until(row, policy, now)
    whose = "desta conta" if row.scope == S.ACCOUNT else "a partir desta conexão"
    return LoginLocked(
        f"Muitas tentativas com a senha errada. Por segurança, o acesso {whose} está bloqueado até {brasilia(until)} "
        "(horário de Brasília). Aguarde e tente de novo; se precisar antes, peça o desbloqueio à TecnoSign.",
        until=until,
    )


def _reset_locked(row: LoginThrottle, policy: Policy, now: datetime) -> LoginLocked:
    until = _until(row, policy, now)
    return LoginLocked(
        f"Muitos pedidos de nova senha. Aguarde até {brasilia(until)} (horário de Brasília) e tente de novo.",
        until=until,
    )


def _claim(keys: list[tuple[str, str, str]], policy: Policy, locked_error) -> Claim:
    now = timezone.now()
    expired = Q(window_started_at__lte=now - policy.window)
    claimed: list[int] = []
    for scope, key, label in keys:
        row, _ = LoginThrottle.objects.get_or_create(scope=scope, key=key, defaults={"label": label})
        counted = (
            LoginThrottle.objects.filter(pk=row.pk)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
            .filter(expired | Q(failures__lt=policy.limits[scope]))
            .update(
                # A lapsed window starts again at this attempt; otherwise the attempt adds to it.
                failures=Case(When(expired, then=Value(1)), default=F("failures") + 1),
                window_started_at=Case(When(expired, then=Value(now)), default=F("window_started_at")),
                locked_until=None,
            )
        )
        if not counted:
            _release(Claim(tuple(claimed)))
            raise locked_error(LoginThrottle.objects.get(pk=row.pk), policy, now)
        claimed.append(row.pk)
    return Claim(tuple(claimed))


def _release(claim: Claim) -> None:
    LoginThrottle.objects.filter(pk__in=claim.rows).update(
        failures=Case(When(failures__gt=0, then=F("failures") - 1), default=Value(0))
    )


def login_claim(*, username: str, ip: str | None) -> Claim:
    """Count one password attempt on the account and the address, or raise LoginLocked before any is checked."""
    return _claim(_keys(S.ACCOUNT, S.IP, username, ip), _login_policy(), _login_locked)


def login_release(claim: Claim) -> None:
    """The password was right: the attempt does not count."""
    _release(claim)


def login_fail(claim: Claim, *, ip: str | None) -> LoginLocked | None:
    """The password was wrong: the claim stays counted, and a key at its limit is locked (audited). Returns the
    lock that started, if one did, to be shown at once."""
    policy = _login_policy()
    now = timezone.now()
    until = now + policy.lock
    started = None
    with transaction.atomic():
        for row in LoginThrottle.objects.filter(pk__in=claim.rows).order_by("pk"):
            locked = LoginThrottle.objects.filter(
                pk=row.pk, failures__gte=policy.limits[row.scope], locked_until__isnull=True
            ).update(locked_until=until, failures=0, window_started_at=now)
            if locked:
                row.refresh_from_db()
                audit_record(
                    action="auth.locked",
                    obj=row,
                    actor=Actor(label="anônimo", ip=ip),
                    after={"scope": row.scope, "label": row.label, "until": until.isoformat()},
                )
                started = started or _login_locked(row, policy, now)
    return started


def password_reset_claim(*, email: str, ip: str | None) -> None:
    """Count one reset e-mail on the address typed and the client IP, or raise LoginLocked (nothing is sent)."""
    _claim(_keys(S.RESET_ACCOUNT, S.RESET_IP, email, ip), _reset_policy(), _reset_locked)


def is_locked(row: LoginThrottle, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    if row.locked_until and row.locked_until > now:
        return True
    policy = _reset_policy() if row.scope in (S.RESET_ACCOUNT, S.RESET_IP) else None
    return bool(policy and row.failures >= policy.limits[row.scope] and row.window_started_at + policy.window > now)


def login_throttle_unlock(*, throttle: LoginThrottle, actor: Actor) -> bool:
    """Staff lift a lock (and clear the window's count). Audited; False when there was nothing to lift."""
    with transaction.atomic():
        row = LoginThrottle.objects.select_for_update().get(pk=throttle.pk)
        if not row.failures and row.locked_until is None:
            return False
        before = {"failures": row.failures, "locked_until": row.locked_until.isoformat() if row.locked_until else None}
        LoginThrottle.objects.filter(pk=row.pk).update(failures=0, locked_until=None, window_started_at=timezone.now())
        audit_record(
            action="auth.unlocked",
            obj=row,
            actor=actor,
            before=before,
            after={"scope": row.scope, "label": row.label},
        )
    return True
