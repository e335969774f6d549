"""Choose the biometric base from settings.BIOMETRIC_BACKEND: "sandbox" (embedded, by rule) or "psbio" (the CA's)."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import (
    BiometricAnswer,
    BiometricBackend,
    BiometricError,
    BiometricMisconfigured,
    BiometricRejected,
    BiometricSample,
    BiometricUnavailable,
)

BACKENDS = ("sandbox", "psbio")

__all__ = [
    "BACKENDS",
    "BiometricAnswer",
    "BiometricBackend",
    "BiometricError",
    "BiometricMisconfigured",
    "BiometricRejected",
    "BiometricSample",
    "BiometricUnavailable",
    "get_backend",
]


def get_backend(name: str | None = None) -> BiometricBackend:
    name = name or settings.BIOMETRIC_BACKEND
    if name == "sandbox":
        from .sandbox import SandboxBiometrics

        return SandboxBiometrics()
    if name == "psbio":
        from .psbio import PsbioBiometrics

        return PsbioBiometrics(
            base_url=settings.PSBIO_URL,
            username=settings.PSBIO_USERNAME,
            password=settings.PSBIO_PASSWORD,
            ar_cnpj=settings.ICP_AR_CNPJ,
            timeout=settings.PSBIO_TIMEOUT_SECONDS,
            client_cert=settings.PSBIO_CLIENT_CERT,
            client_key=settings.PSBIO_CLIENT_KEY,
            ca_bundle=settings.PSBIO_CA_BUNDLE,
        )
    raise ImproperlyConfigured(f"BIOMETRIC_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}.")
