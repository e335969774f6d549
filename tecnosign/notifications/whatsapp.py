"""WhatsApp delivery behind a small backend interface, chosen by `settings.WHATSAPP_BACKEND`.

The channel is off unless `WHATSAPP_ENABLED`; a real provider (Meta Cloud API, Twilio, Zenvia…) is one
class with `send()`. Numbers are E.164, as orders store them.
"""

import logging
import sys

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class BaseBackend:
    def send(self, *, to: str, text: str) -> None:
        """Deliver `text` to the E.164 number `to`; raise OSError (or a subclass) when the provider is away."""
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Development: prints the message, like Django's console e-mail backend."""

    def send(self, *, to: str, text: str) -> None:
        sys.stdout.write(f"--- WhatsApp para {to} ---\n{text}\n")
        sys.stdout.flush()


# Messages "sent" through the locmem backend, for tests (like django.core.mail.outbox).
outbox: list[dict] = []


class LocmemBackend(BaseBackend):
    def send(self, *, to: str, text: str) -> None:
        outbox.append({"to": to, "text": text})


def whatsapp_enabled() -> bool:
    return bool(settings.WHATSAPP_ENABLED)


def whatsapp_send(*, to: str, text: str) -> None:
    import_string(settings.WHATSAPP_BACKEND)().send(to=to, text=text)
