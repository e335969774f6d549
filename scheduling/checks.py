"""Startup checks for the booking settings: a bad value stops `manage.py check` instead of a page."""

from django.conf import settings
from django.core.checks import Error, register

from orders.payments.gateways.sandbox import sandbox_allowed
from tecnosign.startup import STARTUP

from .biometrics import BACKENDS
from .video import PROVIDERS

MINIMUMS = {
    "BOOKING_DAYS_AHEAD": 1,
    "BOOKING_LEAD_MINUTES": 0,
    "BOOKING_CHANGE_CUTOFF_MINUTES": 0,
    "BOOKING_TOLERANCE_MINUTES": 0,
}


@register()
def booking_settings_check(app_configs, **kwargs) -> list[Error]:
    errors = []
    if not 15 <= settings.BOOKING_SLOT_MINUTES <= 30:
        errors.append(
            Error(
                "BOOKING_SLOT_MINUTES must be between 15 and 30 (a videoconference takes 15–30 minutes).",
                id="scheduling.E001",
            )
        )
    if settings.VIDEOCONFERENCE_PROVIDER not in PROVIDERS:
        errors.append(Error(f"VIDEOCONFERENCE_PROVIDER must be one of {', '.join(PROVIDERS)}.", id="scheduling.E002"))
    for name, minimum in MINIMUMS.items():
        if getattr(settings, name) < minimum:
            errors.append(Error(f"{name} must be at least {minimum}.", id="scheduling.E003"))
    return errors


@register(STARTUP)
def biometric_backend_check(app_configs, **kwargs) -> list[Error]:
    """The sandbox base answers "positivo" for almost any CPF (and waives the documents): never where real holders
    are validated. The PSBio adapter needs its address and credentials."""
    name = settings.BIOMETRIC_BACKEND
    if name not in BACKENDS:
        return [Error(f"BIOMETRIC_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}.", id="scheduling.E004")]
    if name == "sandbox" and not sandbox_allowed():
        return [
            Error(
                "BIOMETRIC_BACKEND=sandbox with DEBUG off: its answers by rule would validate real holders.",
                hint="Use psbio (the CA's base), or set SANDBOX_ALLOWED=1 on a staging deployment only.",
                id="scheduling.E005",
            )
        ]
    if name == "psbio":
        missing = [key for key in ("PSBIO_URL", "PSBIO_USERNAME", "PSBIO_PASSWORD") if not getattr(settings, key)]
        if missing:
            return [
                Error(
                    f"BIOMETRIC_BACKEND=psbio needs {', '.join(missing)}.",
                    hint="The CA's PSBio address and the AR's credentials (and its client certificate, when the CA "
                    "requires one: PSBIO_CLIENT_CERT and PSBIO_CLIENT_KEY).",
                    id="scheduling.E006",
                )
            ]
        if bool(settings.PSBIO_CLIENT_CERT) != bool(settings.PSBIO_CLIENT_KEY):
            return [Error("PSBIO_CLIENT_CERT and PSBIO_CLIENT_KEY go together.", id="scheduling.E007")]
    return []
