"""Why a booking operation was refused, in Portuguese for the person, with a code for APIs."""

from tecnosign.errors import DomainError


class InvalidSlot(DomainError):
    """The slot id is malformed, past, too soon, too far ahead, or not in any agent's hours."""

    code = "invalid_slot"


class NotEligible(DomainError):
    code = "not_eligible"


class SlotTaken(DomainError):
    """Someone else took the last free agent of this slot first."""

    code = "slot_taken"

    def __init__(self, message: str, *, alternatives: list | None = None):
        super().__init__(message, field="slot")
        self.alternatives = alternatives or []


class AttendeeBusy(DomainError):
    code = "attendee_busy"


class ChangeClosed(DomainError):
    """The booking can no longer be rescheduled or cancelled (cut-off passed, or it is over)."""

    code = "change_closed"


class MobileNotConfirmed(DomainError):
    code = "mobile_not_confirmed"


class AppointmentRefused(DomainError):
    """An agent-side action that the booking's state or the clock does not allow yet."""

    code = "appointment_refused"


class ReassignRefused(DomainError):
    """The coordination's hand-over of a booking to another agent was refused."""

    code = "reassign_refused"
