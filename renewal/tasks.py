"""Celery tasks: thin, idempotent, acks_late."""

from celery import shared_task

from .services.reminders import reminders_send


@shared_task(name="renewal.reminders_due", acks_late=True, soft_time_limit=300, time_limit=360)
def reminders_due() -> dict:
    return {str(days): count for days, count in reminders_send().items()}
