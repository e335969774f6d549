"""Guesses of the revocation password: REVOCATION_PASSWORD_MAX_FAILURES per window, per certificate and per IP.

An attempt is *claimed* before the password is checked — one conditional UPDATE that both counts it and refuses it
when the key is locked or its window is full — so concurrent guesses cannot slip past the limit between a check
and a write. A right password gives its claim back; a wrong one keeps it and, at the limit, locks the key.

The certificate's lock is one that anyone who read the serial and the CPF in a signed document can set off. A
session that opened the order through a holder link (`orders.services.access.holder_proof`: it showed control of
the e-mail on file) is therefore not held by it, nor by its address's lock (a shared or carrier NAT address):
it counts on a key of its own, that link, with the same limit — guessing stays slow, one e-mailed link at a time,
and nobody else's failures lock the holder out. Urgent revocation ("minha chave foi comprometida") takes no
password and is never subject to these locks.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, F, Q, Value, When
from django.utils import formats, timezone

from tecnosign.errors import DomainError

from ..models import PasswordThrottle

T = PasswordThrottle.Scope


class PasswordLocked(DomainError):
    code = "revocation_locked"

    def __init__(self, message: str, *, until: datetime):
        super().__init__(message)
        self.until = until


@dataclass(frozen=True)
class Claim:
    rows: tuple[int, ...]


def _window() -> timedelta:
    return timedelta(minutes=settings.REVOCATION_PASSWORD_WINDOW_MINUTES)


def _keys(certificate_id: int, ip: str | None, proof: int | None) -> list[tuple[str, str]]:
    if proof is not None:
        return [(T.HOLDER_LINK, str(proof))]
    # Always in this order, so two requests never lock the rows in opposite orders.
    return [(T.CERTIFICATE, str(certificate_id)), (T.IP, ip or "unknown")]


def brasilia(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "d/m/Y \\à\\s H:i")


def _locked_error(row: PasswordThrottle, now: datetime) -> PasswordLocked:
    until = row.locked_until if row.locked_until and row.locked_until > now else row.window_started_at + _window()
    whose = {T.CERTIFICATE: "deste certificado", T.IP: "a partir desta conexão"}.get(row.scope, "nesta sessão")
    return PasswordLocked(
        f"Muitas tentativas com a senha de revogação errada. Por segurança, a revogação {whose} está "
        f"bloqueada até {brasilia(until)} (horário de Brasília). Se a sua chave foi comprometida, use “revogar agora "
        "sem a senha” (um link ao e-mail e um código ao celular cadastrados); se esqueceu a senha de revogação, peça "
        "a revogação por carta com firma reconhecida.",
        until=until,
    )


def throttle_claim(*, certificate_id: int, ip: str | None, proof: int | None = None) -> Claim:
    """Count one attempt on every key, or raise PasswordLocked (giving back what was already counted).

    `proof`: the holder link this session opened the order with — its own key replaces the certificate's and the
    address's."""
    now = timezone.now()
    limit = settings.REVOCATION_PASSWORD_MAX_FAILURES
    expired = Q(window_started_at__lte=now - _window())
    claimed: list[int] = []
    for scope, key in _keys(certificate_id, ip, proof):
        row, _ = PasswordThrottle.objects.get_or_create(scope=scope, key=key)
        counted = (
            PasswordThrottle.objects.filter(pk=row.pk)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
            .filter(expired | Q(failures__lt=limit))
            .update(
                # A lapsed window starts again at this attempt; otherwise the attempt adds to it.
                failures=Case(When(expired, then=Value(1)), default=F("failures") + 1),
                window_started_at=Case(When(expired, then=Value(now)), default=F("window_started_at")),
                locked_until=None,
            )
        )
        if not counted:
            throttle_release(Claim(tuple(claimed)))
            raise _locked_error(PasswordThrottle.objects.get(pk=row.pk), now)
        claimed.append(row.pk)
    return Claim(tuple(claimed))


def throttle_release(claim: Claim) -> None:
    """The password was right (or never checked): the attempt does not count."""
    PasswordThrottle.objects.filter(pk__in=claim.rows).update(
        failures=Case(When(failures__gt=0, then=F("failures") - 1), default=Value(0))
    )


def throttle_fail(claim: Claim) -> tuple[int, PasswordLocked | None]:
    """The password was wrong: the claim stays counted. Returns the attempts left and the lock, if one started."""
    now = timezone.now()
    limit = settings.REVOCATION_PASSWORD_MAX_FAILURES
    until = now + timedelta(minutes=settings.REVOCATION_LOCK_MINUTES)
    PasswordThrottle.objects.filter(pk__in=claim.rows, failures__gte=limit).update(
        locked_until=until, failures=0, window_started_at=now
    )
    rows = list(PasswordThrottle.objects.filter(pk__in=claim.rows).order_by("scope"))
    locked = next((row for row in rows if row.locked_until and row.locked_until > now), None)
    if locked is not None:
        return 0, _locked_error(locked, now)
    return min(limit - row.failures for row in rows), None


def throttle_locks(*, certificate_id: int, ip: str | None, proof: int | None = None) -> PasswordLocked | None:
    """The lock in force for this certificate or address (or this holder link), to show before anything is typed."""
    now = timezone.now()
    for scope, key in _keys(certificate_id, ip, proof):
        row = PasswordThrottle.objects.filter(scope=scope, key=key, locked_until__gt=now).first()
        if row is not None:
            return _locked_error(row, now)
    return None
