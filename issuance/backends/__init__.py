"""Choose the CA backend from settings.CA_BACKEND: "local" (embedded) or "external" (a real AC's API)."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import (
    CaBackend,
    CaError,
    CaMisconfigured,
    CaRejected,
    CaUnavailable,
    CaUnknown,
    IssuedCertificate,
    NegativeListAnswer,
    Submission,
)

__all__ = [
    "CaBackend",
    "CaError",
    "CaMisconfigured",
    "CaRejected",
    "CaUnavailable",
    "CaUnknown",
    "IssuedCertificate",
    "NegativeListAnswer",
    "Submission",
    "get_backend",
]


def get_backend(name: str | None = None) -> CaBackend:
    name = name or settings.CA_BACKEND
    if name == "local":
        from .local import LocalCa

        return LocalCa()
    if name == "external":
        from .external import ExternalCa

        return ExternalCa(
            base_url=settings.EXTERNAL_CA_URL,
            token=settings.EXTERNAL_CA_TOKEN,
            timeout=settings.EXTERNAL_CA_TIMEOUT_SECONDS,
        )
    raise ImproperlyConfigured(f"CA_BACKEND must be 'local' or 'external', not {name!r}.")
