"""Start-up check for the local CA: production protects the CA's keys with a passphrase that resists guessing."""

from django.conf import settings
from django.core.checks import Error, register

from tecnosign.startup import STARTUP

from .pki.keys import PASSPHRASE_MIN_LENGTH, passphrase_weakness

HINT = f"At least {PASSPHRASE_MIN_LENGTH} characters and not a common or development value (e.g. six random words)."


@register(STARTUP)
def ca_key_passphrase_check(app_configs, **kwargs) -> list[Error]:
    # In development anything goes; an external AC holds its own keys, and the local CA's are then never opened.
    if settings.DEBUG or settings.CA_BACKEND != "local":
        return []
    if not settings.CA_KEY_PASSPHRASE:
        return [
            Error("CA_KEY_PASSPHRASE is not set: the local CA's keys cannot be opened.", hint=HINT, id="issuance.E001")
        ]
    if weakness := passphrase_weakness(settings.CA_KEY_PASSPHRASE):
        return [
            Error(f"CA_KEY_PASSPHRASE {weakness}: too weak to protect the CA's keys.", hint=HINT, id="issuance.E002")
        ]
    return []
