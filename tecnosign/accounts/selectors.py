"""Who needs a second factor, and which ones a user has."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential


def second_factor_required(user) -> bool:
    """Every staff account needs one; a later app may require it of its users too (partners: staff set it per
    partner) through a `second_factor_required(user)` method on its AppConfig."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    for config in apps.get_app_configs():
        hook = getattr(config, "second_factor_required", None)
        if hook is not None and hook(user):
            return True
    return False


def has_second_factor(user) -> bool:
    """A confirmed TOTP app or passkey (recovery codes alone are no factor: they are the way back to one). One query:
    it runs on every partner page of a session not verified."""
    totp = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    passkey = WebAuthnCredential.objects.filter(user=OuterRef("pk"), confirmed=True)
    return get_user_model().objects.filter(pk=user.pk).filter(Exists(totp) | Exists(passkey)).exists()


def factor_pending(user, *, required: bool | None = None) -> str | None:
    """What this signed-in session still owes before the areas that need a factor: "verify" (the user has one and
    has not used it in this session), "enrol" (none yet, but one is required), or None. `required`: the caller
    already knows whether the account must have one (the partner area has the partner at hand)."""
    if not user.is_authenticated or getattr(user, "is_verified", lambda: False)():
        return None
    if has_second_factor(user):
        return "verify"
    if second_factor_required(user) if required is None else (required or user.is_staff):
        return "enrol"
    return None


def user_factors(user) -> dict:
    return {
        "totp": list(TOTPDevice.objects.devices_for_user(user, confirmed=True)),
        "passkeys": list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at")),
        "recovery_codes_left": sum(device.token_set.count() for device in StaticDevice.objects.filter(user=user)),
    }


def confirmed_devices(user) -> list:
    return list(devices_for_user(user, confirmed=True))


def method_of(device) -> str:
    if isinstance(device, TOTPDevice):
        return "totp"
    if isinstance(device, StaticDevice):
        return "recovery_code"
    if isinstance(device, WebAuthnCredential):
        return "webauthn"
    return device._meta.label_lower


__all__ = ["user_has_device"]
