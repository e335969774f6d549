"""Reads of the outbox for other apps, which never query OutboxMessage themselves."""

from .models import OutboxMessage


def message_queued(key: str) -> bool:
    """Whether a message with this idempotency key exists already (queued, sent or failed)."""
    return OutboxMessage.objects.filter(key=key).exists()
