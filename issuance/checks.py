"""Start-up checks for the local CA: production protects the CA's keys with a passphrase that resists guessing, and
keeps them where every node reaches them (the shared database, a read-only mounted Secret, or an HSM token)."""

import os
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register

from tecnosign.startup import STARTUP

from .pki.keys import PASSPHRASE_MIN_LENGTH, passphrase_weakness
from .pki.keystore import STORES

HINT = f"At least {PASSPHRASE_MIN_LENGTH} characters and not a common or development value (e.g. six random words)."


@register(STARTUP)
def ca_key_passphrase_check(app_configs, **kwargs) -> list[Error]:
    # In development anything goes; an external AC holds its own keys, and the local CA's are then never opened.
    if settings.DEBUG or settings.CA_BACKEND != "local" or settings.CA_KEY_STORE == "pkcs11":
        return []  # a token's keys are protected by the token and its PIN (ca_key_store_check)
    if not settings.CA_KEY_PASSPHRASE:
        return [
            Error("CA_KEY_PASSPHRASE is not set: the local CA's keys cannot be opened.", hint=HINT, id="issuance.E001")
        ]
    if weakness := passphrase_weakness(settings.CA_KEY_PASSPHRASE):
        return [
            Error(f"CA_KEY_PASSPHRASE {weakness}: too weak to protect the CA's keys.", hint=HINT, id="issuance.E002")
        ]
    return []


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


@register(STARTUP)
def ca_key_store_check(app_configs, **kwargs) -> list[Error]:
    """CA_KEY_STORE names a known store, and that store is complete: a secret directory that exists and is mounted
    read-only (a Kubernetes Secret volume, not a path one node wrote), or a token module, label and PIN."""
    if settings.CA_BACKEND != "local":
        return []
    store = settings.CA_KEY_STORE
    if store not in STORES:
        return [Error(f"CA_KEY_STORE must be one of {', '.join(STORES)}, not {store!r}.", id="issuance.E003")]
    if store == "secret" and not settings.DEBUG:
        directory = Path(settings.CA_KEYS_DIR) if settings.CA_KEYS_DIR else None
        if directory is None or not directory.is_dir():
            return [
                Error(
                    "CA_KEY_STORE=secret: CA_KEYS_DIR is not set or is not a directory.",
                    hint="Mount the CA key Secret (made by `manage.py ca_init --export-keys DIR`) there.",
                    id="issuance.E004",
                )
            ]
        if _writable(directory):
            return [
                Error(
                    f"CA_KEY_STORE=secret: CA_KEYS_DIR ({directory}) is writable, so it is not a mounted Secret.",
                    hint="Mount the Kubernetes Secret volume read-only (readOnly: true); a node's own disk is refused.",
                    id="issuance.E005",
                )
            ]
    if store == "pkcs11":
        missing = [
            name
            for name in ("CA_PKCS11_MODULE", "CA_PKCS11_TOKEN_LABEL", "CA_PKCS11_PIN")
            if not getattr(settings, name)
        ]
        if missing:
            return [
                Error(
                    f"CA_KEY_STORE=pkcs11 needs {', '.join(missing)}.",
                    hint="CA_PKCS11_PIN may come from a file: CA_PKCS11_PIN_FILE.",
                    id="issuance.E006",
                )
            ]
        if not os.path.isfile(settings.CA_PKCS11_MODULE):
            return [Error(f"CA_PKCS11_MODULE {settings.CA_PKCS11_MODULE} is not a file.", id="issuance.E007")]
    return []
