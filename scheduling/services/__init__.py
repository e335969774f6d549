"""Every write of the scheduling app. Views, the admin and tasks call these, never the models."""

from .appointment import booking_close_no_show, booking_flag_agent_late, booking_start
from .booking import booking_cancel, booking_create, booking_eligibility, booking_reassign, booking_reschedule
from .timer_runner import timers_run_due
from .validation import Checklist, validation_record, verification_decide

__all__ = [
    "Checklist",
    "booking_cancel",
    "booking_close_no_show",
    "booking_create",
    "booking_eligibility",
    "booking_flag_agent_late",
    "booking_reassign",
    "booking_reschedule",
    "booking_start",
    "timers_run_due",
    "validation_record",
    "verification_decide",
]
