"""Startup checks for the booking settings: a bad value stops `manage.py check` instead of a page."""

from django.conf import settings
from django.core.checks import Error, register

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
