"""Timed work of a booking, as rows: reminders the day before and 10 minutes before, the agent-late check.

They are written in the booking's transaction and fired by `timer_runner` (Celery beat, every minute).
"""

from datetime import datetime, timedelta

from django.conf import settings

from ..models import Booking, BookingTimer

K = BookingTimer.Kind
# How long after the appointment an agent-late check still makes sense (a beat down for longer skips it).
AGENT_LATE_CHECK_WINDOW = timedelta(hours=6)


def timers_create(booking: Booking, *, now: datetime) -> None:
    tolerance = timedelta(minutes=settings.BOOKING_TOLERANCE_MINUTES)
    ten_before = booking.starts_at - timedelta(minutes=10)
    rows = [
        BookingTimer(booking=booking, kind=K.TEN_MINUTES, due_at=ten_before, expires_at=booking.starts_at),
        BookingTimer(
            booking=booking,
            kind=K.AGENT_LATE_CHECK,
            due_at=booking.starts_at + tolerance,
            expires_at=booking.starts_at + AGENT_LATE_CHECK_WINDOW,
        ),
    ]
    day_before = booking.starts_at - timedelta(days=1)
    if day_before > now:  # booked less than a day ahead: the confirmation was the day-before message
        rows.append(BookingTimer(booking=booking, kind=K.DAY_BEFORE, due_at=day_before, expires_at=ten_before))
    BookingTimer.objects.bulk_create(rows)


def timers_cancel(booking: Booking, *, now: datetime) -> None:
    BookingTimer.objects.filter(booking=booking, status=BookingTimer.Status.PENDING).update(
        status=BookingTimer.Status.SKIPPED, done_at=now
    )
