"""Firing due timers. `scheduling.timers_due` (Celery beat, every minute) calls `timers_run_due`.

Nothing lives only in Redis, so a worker or broker that was down delays a reminder, never loses it. Each
row is claimed with a conditional UPDATE (pending → done) in the transaction that queues its messages: a
concurrent beat finds nothing to claim, a crash rolls the claim back, and the outbox key stops any
duplicate message.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..models import Booking, BookingTimer
from .appointment import booking_flag_agent_late
from .messages import send_reminder

K = BookingTimer.Kind
BATCH = 200


def timer_fire(timer_id: int, *, now: datetime | None = None) -> str:
    """Do one due timer. Returns "done", "skipped", or "" when it was not ours to do."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = BookingTimer.objects.filter(pk=timer_id, status=BookingTimer.Status.PENDING, due_at__lte=now).update(
            status=BookingTimer.Status.DONE, done_at=now
        )
        if not claimed:
            return ""
        timer = BookingTimer.objects.select_related("booking__order__product", "booking__agent").get(pk=timer_id)
        booking = timer.booking
        if now >= timer.expires_at or not _still_relevant(timer, booking):
            BookingTimer.objects.filter(pk=timer_id).update(status=BookingTimer.Status.SKIPPED)
            return "skipped"
        if timer.kind == K.AGENT_LATE_CHECK:
            booking_flag_agent_late(booking=booking, now=now)
        else:
            send_reminder(booking, timer.kind)
    return "done"


def _still_relevant(timer: BookingTimer, booking: Booking) -> bool:
    if timer.kind == K.AGENT_LATE_CHECK:
        return booking.status == Booking.Status.SCHEDULED and booking.agent_late_at is None
    return booking.status == Booking.Status.SCHEDULED


def timers_due_ids(*, now: datetime, limit: int = BATCH) -> list[int]:
    return list(
        BookingTimer.objects.filter(status=BookingTimer.Status.PENDING, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def timers_run_due(*, now: datetime | None = None) -> dict[str, int]:
    """Fire every due timer (a missed beat's backlog included). Returns counts by result."""
    now = now or timezone.now()
    results = {"done": 0, "skipped": 0}
    while True:
        due = timers_due_ids(now=now)
        for timer_id in due:
            if result := timer_fire(timer_id, now=now):
                results[result] += 1
        if len(due) < BATCH:
            return results
