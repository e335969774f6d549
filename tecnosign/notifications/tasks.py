import smtplib

from anymail.exceptions import AnymailError
from celery import shared_task

from .services import outbox_claim, outbox_deliver, outbox_due_ids, outbox_release

# Errors a later attempt may get past: the mail server or the ESP being away or refusing for now.
TRANSIENT = (smtplib.SMTPException, OSError, AnymailError)


@shared_task(bind=True, name="notifications.send", acks_late=True, max_retries=None)
def send_outbox_message(self, message_id: int) -> str:
    message = outbox_claim(message_id)
    if message is None:
        return "skipped"
    try:
        outbox_deliver(message)
    except TRANSIENT as exc:
        if outbox_release(message, repr(exc)) and not self.request.is_eager:
            raise self.retry(countdown=min(30 * 2**message.attempts, 3600)) from exc
        return "failed"
    return "sent"


@shared_task(name="notifications.outbox_sweep")
def outbox_sweep() -> int:
    due = outbox_due_ids()
    for message_id in due:
        send_outbox_message.apply_async(args=(message_id,))
    return len(due)
