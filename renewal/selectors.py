"""Reads: the certificates that may be renewed, those ending soon (for the reminders and the partners)."""

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from issuance.models import Certificate
from orders.models import Order, Partner

S = Order.Status

# A renewal order in one of these states has renewed the certificate (or is renewing it): paid and onward. An order
# still awaiting payment, expired or cancelled has not — the holder keeps getting the reminders.
RENEWING = (
    S.PAID,
    S.DOCUMENTS_RECEIVED,
    S.SCHEDULED,
    S.NO_SHOW,
    S.VALIDATED,
    S.VERIFIED,
    S.RELEASED,
    S.ISSUED,
)

EXPIRING_WINDOWS = (30, 60, 90)


def renewed_filter() -> Exists:
    return Exists(Order.objects.filter(renews=OuterRef("pk"), status__in=RENEWING))


def certificates_renewable() -> QuerySet[Certificate]:
    """Valid (not revoked) certificates not yet renewed."""
    return Certificate.objects.filter(status=Certificate.Status.VALID).exclude(renewed_filter())


def certificates_ending(*, within_days: int, now: datetime | None = None) -> QuerySet[Certificate]:
    now = now or timezone.now()
    return certificates_renewable().filter(not_after__gt=now, not_after__lte=now + timedelta(days=within_days))


def partner_certificates_ending(partner: Partner, *, within_days: int, now: datetime | None = None):
    """The partner's clients' certificates ending in the next `within_days` days, soonest first."""
    return (
        certificates_ending(within_days=within_days, now=now)
        .filter(order__partner=partner)
        .select_related("order", "order__product")
        .order_by("not_after", "pk")
    )


def renewable_certificate_of(order: Order) -> Certificate | None:
    """The order's live certificate when it may still be renewed (not revoked, not renewed yet)."""
    if order.status != S.ISSUED:
        return None
    return certificates_renewable().filter(order=order).order_by("-not_after").first()


def days_left(certificate: Certificate, now: datetime | None = None) -> int:
    return max((certificate.not_after - (now or timezone.now())).days, 0)
