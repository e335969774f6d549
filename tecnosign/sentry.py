"""Error reports to Sentry (sentry-sdk), when SENTRY_DSN is set: Django, Celery and Redis integrations, no
default personal data (no cookies, headers' user data, IPs), and every string of an event masked (CPF, CNPJ,
e-mail, through tecnosign.logmask) and every value under a password-like key dropped before it leaves."""

import re

SCRUBBED = "[Filtered]"
_SECRET_KEYS = re.compile(r"pass|senha|secret|token|authorization|cookie|csrf|session|(^|_)pin($|_)", re.IGNORECASE)


def _scrub(value, mask):
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {
            key: SCRUBBED if isinstance(key, str) and _SECRET_KEYS.search(key) else _scrub(item, mask)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(item, mask) for item in value]
    return value


def before_send(event, hint):
    from .logmask import mask_personal_data

    return _scrub(event, mask_personal_data)


def init_sentry(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.redis import RedisIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration(), RedisIntegration()],
        send_default_pii=False,
        before_send=before_send,
        before_send_transaction=before_send,
        traces_sample_rate=traces_sample_rate,
    )
