from celery import shared_task

from .services import timers_run_due


@shared_task(name="scheduling.timers_due", acks_late=True)
def timers_due() -> dict[str, int]:
    """Beat, every minute: fire the reminders and agent-late checks that are due (backlog included)."""
    return timers_run_due()
