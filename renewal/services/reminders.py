"""Expiry reminders: 30, 15, 7 and 1 day(s) before a certificate ends, each sent once, through the outbox."""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import ExpiryReminder
from ..selectors import certificates_renewable
from .links import reminder_context, send_to_holder

logger = logging.getLogger(__name__)

REMINDER_DAYS = (1, 7, 15, 30)
BATCH = 500


def reminders_send(*, now: datetime | None = None) -> dict[int, int]:
    """Send the reminders due now; returns how many of each were sent.

    A certificate ending in (N_prev, N] days gets the N-day reminder unless it had it or a later (nearer) one: a beat
    missed for days sends only the one that matters now, never the stale ones. The unique (certificate, days) row
    and the outbox key make a double beat send nothing twice. Revoked or renewed certificates are left out.
    """
    now = now or timezone.now()
    sent: dict[int, int] = {}
    lower = 0
    for days in REMINDER_DAYS:
        due = (
            certificates_renewable()
            .filter(not_after__gt=now + timedelta(days=lower), not_after__lte=now + timedelta(days=days))
            .exclude(expiry_reminders__days_before__lte=days)
            .select_related("order", "order__product", "order__partner")
            .order_by("not_after", "pk")[:BATCH]
        )
        count = 0
        for certificate in due:
            if _remind(certificate, days):
                count += 1
        sent[days] = count
        lower = days
    return sent


def _remind(certificate, days: int) -> bool:
    try:
        with transaction.atomic():
            ExpiryReminder.objects.create(certificate=certificate, days_before=days)
            send_to_holder(
                "renewal_reminder",
                certificate,
                key=f"certificate:{certificate.pk}:expiry:{days}",
                context=reminder_context(certificate, days=days),
            )
    except IntegrityError:  # another beat took it
        logger.info("expiry reminder %s/%s already sent", certificate.pk, days)
        return False
    return True
