"""Staff alerts for what the lower core layers report by signal (they send no messages themselves)."""

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver

from tecnosign.audit.services import chain_tampered

from .services import notify


@receiver(chain_tampered)
def alert_audit_tampering(sender, *, problems, since: int, sink: str, **kwargs) -> None:
    """One message per staff address for each checkpoint the chain broke away from, however often the beat runs."""
    with transaction.atomic():
        for address in settings.STAFF_ALERT_EMAILS:
            notify(
                "audit_tampered",
                to=address,
                key=f"audit:tampered:{since}:{address}",
                context={"problems": problems[:20], "count": len(problems), "since": since, "sink": sink},
            )
