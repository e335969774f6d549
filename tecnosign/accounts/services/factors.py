"""Second factors: enrolling a TOTP app or a passkey, recovery codes, verifying a session, removing a factor.

django-otp keeps the devices (TOTPDevice, StaticDevice for the recovery codes, django-otp-webauthn's credential);
these services are the only writers, so every change is audited and ends the user's other sessions (a factor
change, like a password change, signs out every other device).
"""

from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tecnosign.audit.services import Actor, audit_record
from tecnosign.errors import DomainError

from ..selectors import has_second_factor, method_of, second_factor_required
from .sessions import user_sessions_end

RECOVERY_CODES = 10
TOTP_NAME = "Aplicativo autenticador"
RECOVERY_NAME = "Códigos de recuperação"


class FactorRefused(DomainError):
    code = "factor_refused"


def _audit(action: str, *, user, actor: Actor, **after) -> None:
    audit_record(action=action, obj=user, actor=actor, after=after)


def totp_enrolment_device(*, user) -> TOTPDevice:
    """The unconfirmed TOTP device whose key the enrolment page shows (the same one until it is confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def recovery_codes_issue(*, user, actor: Actor) -> list[str]:
    """Ten new one-time recovery codes (the old ones stop working). Shown once, right after."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.select_for_update().get_or_create(
            user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        _audit("auth.recovery_codes_issued", user=user, actor=actor, count=len(codes))
    return codes


def factor_enrolled(*, request, device, actor: Actor) -> list[str] | None:
    """A factor was just confirmed (TOTP here, a passkey by django-otp-webauthn): audited; this session counts as
    verified; every other session ends. The first factor also gets recovery codes, returned to be shown once."""
    user = request.user
    codes = None
    with transaction.atomic():
        _audit("auth.factor_enrolled", user=user, actor=actor, method=method_of(device), device=device.pk)
        if not StaticDevice.objects.filter(user=user, token_set__isnull=False).exists():
            codes = recovery_codes_issue(user=user, actor=actor)
        user_sessions_end(user=user, actor=actor, reason="factor_enrolled", keep=request.session.session_key)
    otp_login(request, device)
    return codes


def totp_confirm(*, request, device: TOTPDevice, code: str, actor: Actor) -> list[str] | None:
    """The first code from the app proves it holds the key: the device is confirmed. Raises FactorRefused."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=request.user, confirmed=False)
        accepted = locked.verify_token(code)  # a wrong code is counted by the device's throttle: keep it
        if accepted:
            locked.confirmed = True
            locked.save(update_fields=["confirmed"])
            return factor_enrolled(request=request, device=locked, actor=actor)
        _audit("auth.factor_failed", user=request.user, actor=actor, method="totp", stage="enrolment")
    raise FactorRefused("Código incorreto. Confira se o relógio do celular está certo e digite o código atual.")


def factor_verify(*, request, code: str, actor: Actor):
    """Verify this session with a TOTP code or a recovery code (each used once). Raises FactorRefused.

    Returns the device and, for a recovery code, how many are left."""
    user = request.user
    with transaction.atomic():
        candidates = [
            *TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update(),
            *StaticDevice.objects.devices_for_user(user, confirmed=True).select_for_update(),
        ]
        # Each wrong try is counted by every device's throttle (django-otp's growing delay): kept, not rolled back.
        device = next((candidate for candidate in candidates if candidate.verify_token(code)), None)
        if device is None:
            _audit("auth.factor_failed", user=user, actor=actor, method="code", stage="verification")
        else:
            _audit("auth.factor_verified", user=user, actor=actor, method=method_of(device), device=device.pk)
    if device is None:
        raise FactorRefused(
            "Código incorreto ou já usado. Depois de várias tentativas erradas, espere alguns segundos entre elas."
        )
    left = device.token_set.count() if isinstance(device, StaticDevice) else None
    request.session.cycle_key()  # a new session key for the stronger session
    otp_login(request, device)
    return device, left


def passkey_verified(*, request, device, actor: Actor) -> None:
    """django-otp-webauthn checked an assertion of one of this user's passkeys (and marked the session)."""
    _audit("auth.factor_verified", user=request.user, actor=actor, method="webauthn", device=device.pk)


def passkey_failed(*, request, actor: Actor, stage: str, code: str) -> None:
    _audit("auth.factor_failed", user=request.user, actor=actor, method="webauthn", stage=stage, error=code)


def factor_remove(*, request, device, actor: Actor) -> None:
    """The user removes a TOTP app or a passkey from a verified session. Where a factor is required, the last one
    stays. Every other session ends."""
    user = request.user
    pk, method = device.pk, method_of(device)
    with transaction.atomic():
        type(device).objects.select_for_update().get(pk=pk, user=user).delete()
        if second_factor_required(user) and not has_second_factor(user):
            raise FactorRefused(
                "Cadastre outro método antes de remover este: a verificação em duas etapas é obrigatória na sua conta."
            )
        if not has_second_factor(user):
            StaticDevice.objects.filter(user=user).delete()  # no factor left: recovery codes lead nowhere
        _audit("auth.factor_removed", user=user, actor=actor, method=method, device=pk)
        user_sessions_end(user=user, actor=actor, reason="factor_removed", keep=request.session.session_key)


def factor_revoke_by_staff(*, device, actor: Actor) -> None:
    """A superuser removes a staff member's or partner's lost factor (their phone, their key): audited; every
    session of theirs ends, and their next sign-in enrols a new factor (with new recovery codes)."""
    user = device.user
    pk, method = device.pk, method_of(device)
    with transaction.atomic():
        type(device).objects.filter(pk=pk).delete()
        if not has_second_factor(user):
            StaticDevice.objects.filter(user=user).delete()
        _audit("auth.factor_removed", user=user, actor=actor, method=method, device=pk, by_staff=True)
        user_sessions_end(user=user, actor=actor, reason="factor_removed_by_staff")
