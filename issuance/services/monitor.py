"""The CA's 24 h: a beat task polls pending requests, re-sends lost ones, warns staff and flags breaches.

Each flag is claimed with a conditional UPDATE (`… WHERE warned_at IS NULL`), so a repeated or overlapping
beat warns once and breaches once; a missed beat is caught up by the next.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tecnosign.audit.services import audit_record
from tecnosign.queue import enqueue_task_on_commit

from ..models import IssuanceRequest
from .handoff import alert_staff

S = IssuanceRequest.Status
BATCH = 500
# A queued request no worker has touched for this long had its task lost (broker down, worker killed).
LOST_AFTER = timedelta(minutes=15)


@dataclass
class MonitorReport:
    polled: list[int] = field(default_factory=list)
    resent: list[int] = field(default_factory=list)
    warned: list[int] = field(default_factory=list)
    breached: list[int] = field(default_factory=list)


def issuance_monitor() -> MonitorReport:
    now = timezone.now()
    report = MonitorReport()
    poll_due = Q(last_polled_at__isnull=True) | Q(
        last_polled_at__lte=now - timedelta(seconds=settings.ISSUANCE_POLL_INTERVAL_SECONDS)
    )
    for pk in _ids(IssuanceRequest.objects.filter(poll_due, status=S.SUBMITTED)):
        if IssuanceRequest.objects.filter(poll_due, pk=pk, status=S.SUBMITTED).update(last_polled_at=now):
            enqueue_task_on_commit("issuance.poll", pk)
            report.polled.append(pk)
    lost = Q(last_attempt_at__isnull=True, submitted_at__lte=now - timedelta(minutes=2)) | Q(
        last_attempt_at__lte=now - LOST_AFTER
    )
    for pk in _ids(IssuanceRequest.objects.filter(lost, status=S.QUEUED)):
        enqueue_task_on_commit("issuance.submit", pk)
        report.resent.append(pk)
    warn_at = now - timedelta(hours=settings.ISSUANCE_SLA_WARN_HOURS)
    pending = IssuanceRequest.objects.filter(status__in=IssuanceRequest.PENDING)
    for pk in _ids(pending.filter(warned_at__isnull=True, submitted_at__lte=warn_at)):
        if _flag(pk, "warned_at", now, kind="issuance_sla_warning", action="issuance.sla_warning"):
            report.warned.append(pk)
    for pk in _ids(pending.filter(breached_at__isnull=True, sla_deadline__lte=now)):
        if _flag(pk, "breached_at", now, kind="issuance_sla_breached", action="issuance.sla_breached"):
            report.breached.append(pk)
    return report


def _ids(queryset) -> list[int]:
    return list(queryset.order_by("sla_deadline").values_list("pk", flat=True)[:BATCH])


def _flag(pk: int, field_name: str, now, *, kind: str, action: str) -> bool:
    with transaction.atomic():
        claimed = IssuanceRequest.objects.filter(
            pk=pk, status__in=IssuanceRequest.PENDING, **{f"{field_name}__isnull": True}
        ).update(**{field_name: now})
        if not claimed:
            return False
        request = IssuanceRequest.objects.select_related("order__product").get(pk=pk)
        audit_record(
            action=action,
            obj=request.order,
            after={"request": pk, "sla_deadline": request.sla_deadline.isoformat(), "status": request.status},
        )
        alert_staff(kind, request, occasion=field_name.removesuffix("_at"))
    return True
