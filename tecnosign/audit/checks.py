"""Startup checks for the audit checkpoint settings: production cannot run without a signing key of its own."""

from django.conf import settings
from django.core.checks import Error, register

from tecnosign.startup import STARTUP

from .checkpoints import key_id, load_signing_key, load_verify_key


# Tagged STARTUP: gunicorn and the Celery processes refuse to start without a key, as `manage.py` does.
@register(STARTUP)
def audit_checkpoint_settings_check(app_configs, **kwargs) -> list[Error]:
    if not settings.AUDIT_CHECKPOINT_SIGNING_KEY:
        # DEBUG has a dev-only key; off DEBUG there is no default.
        return [
            Error(
                "AUDIT_CHECKPOINT_SIGNING_KEY must be set when DEBUG is off: without it the audit log's "
                "checkpoints cannot be signed and a rewrite by the database owner goes unnoticed.",
                hint="openssl genpkey -algorithm ed25519 -out audit-signing.pem (see README, 'The audit log').",
                id="audit.E001",
            )
        ]
    try:
        signing = load_signing_key(settings.AUDIT_CHECKPOINT_SIGNING_KEY)
    except ValueError as error:
        return [Error(f"AUDIT_CHECKPOINT_SIGNING_KEY cannot be read: {error}.", id="audit.E002")]
    if not settings.AUDIT_CHECKPOINT_VERIFY_KEY:
        return []
    try:
        verify_ids = {key_id(load_verify_key(value)) for value in settings.AUDIT_CHECKPOINT_VERIFY_KEY}
    except ValueError as error:
        return [Error(f"AUDIT_CHECKPOINT_VERIFY_KEY cannot be read: {error}.", id="audit.E002")]
    if key_id(signing.public_key()) not in verify_ids:
        return [
            Error(
                "AUDIT_CHECKPOINT_VERIFY_KEY does not include the public key of AUDIT_CHECKPOINT_SIGNING_KEY: "
                "every new checkpoint would fail verification.",
                id="audit.E003",
            )
        ]
    return []
