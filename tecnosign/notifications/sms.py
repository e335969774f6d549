"""SMS delivery behind a small backend interface, chosen by `settings.SMS_BACKEND` (as WhatsApp's).

Used for the one-time codes that prove the holder controls the mobile on file. A real provider (Zenvia, Twilio,
AWS SNS…) is one class with `send()`; the console backend is the embedded default. Numbers are E.164.
"""

import sys

from django.conf import settings
from django.utils.module_loading import import_string


class BaseBackend:
    def send(self, *, to: str, text: str) -> None:
        """Deliver `text` to the E.164 number `to`; raise OSError (or a subclass) when the provider is away."""
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Development: prints the message, like Django's console e-mail backend."""

    def send(self, *, to: str, text: str) -> None:
        sys.stdout.write(f"--- SMS para {to} ---\n{text}\n")
        sys.stdout.flush()


# Messages "sent" through the locmem backend, for tests (like django.core.mail.outbox).
outbox: list[dict] = []


class LocmemBackend(BaseBackend):
    def send(self, *, to: str, text: str) -> None:
        outbox.append({"to": to, "text": text})


def sms_send(*, to: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(to=to, text=text)
